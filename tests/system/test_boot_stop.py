"""A boot.scr check that fails stops the boot before Xen, with its message.

u-boot 2023.01's shell does not end a script at an `exit` inside an `if`, so
boot.scr also sets a flag that its last step, starting Xen, tests. The card
here is full.img with one check made to fail: a node the firmware's device
tree does not have."""
import os
import shutil
import subprocess

from console import ROOT, Machine


def test_a_failed_check_in_boot_scr_stops_before_xen(request, tmp_path, results_dir):
    mdir = os.path.dirname(os.path.abspath(request.config.getoption("--image")))
    with open(os.path.join(mdir, "boot.cmd")) as f:
        script = f.read()
    assert "fdt set /gpio-keys status disabled" in script
    shutil.copytree(os.path.join(mdir, "boot"), tmp_path / "boot")
    (tmp_path / "boot.cmd").write_text(script.replace("/gpio-keys", "/no-such-node"))
    subprocess.run(["mkimage", "-A", "arm64", "-O", "linux", "-T", "script", "-C", "none",
                    "-d", str(tmp_path / "boot.cmd"), str(tmp_path / "boot" / "boot.scr")],
                   check=True, capture_output=True)
    image = tmp_path / "full.img"
    subprocess.run([os.path.join(ROOT, "images/mkdisk.sh"), str(image),
                    f"boot:512:{tmp_path / 'boot'}", f"dom0:512:{mdir}/dom0part"],
                   check=True, capture_output=True)
    m = Machine(str(image), os.path.join(results_dir, "console-boot-stop.log"),
                flash=request.config.getoption("--flash"))
    try:
        m.expect(r"pixen: the firmware device tree has no /no-such-node \(disabled_nodes\)")
        m.expect(r"pixen: not starting Xen: see the message above")
        # u-boot's prompt, and no Xen.
        m.expect(r"=> ", timeout=30)
        assert "Xen version" not in m.transcript
        assert "pixen: starting Xen" not in m.transcript
    finally:
        m.close()
