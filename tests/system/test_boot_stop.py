"""A boot.scr step that fails stops the boot before Xen, with its message.

u-boot 2023.01's shell does not end a script at an `exit` inside an `if`, so
boot.scr also sets a flag that its last step, starting Xen, tests; every edit
of the device tree sets it too when it fails. The card here is full.img with
one step made to fail: a node the firmware's device tree does not have."""
import os
import shutil
import subprocess

import pytest

from console import ROOT, Machine


@pytest.mark.parametrize("old, new, message", [
    # A check, with its own message.
    ("/gpio-keys", "/no-such-node",
     r"pixen: the firmware device tree has no /no-such-node \(disabled_nodes\)"),
    # A plain edit: u-boot's own complaint.
    ("fdt set /chosen xen,xen-bootargs", "fdt set /no-such-node xen,xen-bootargs",
     r"libfdt fdt_path_offset\(\) returned FDT_ERR_NOTFOUND"),
], ids=["check", "edit"])
def test_a_failed_step_in_boot_scr_stops_before_xen(request, tmp_path, results_dir, old, new,
                                                    message):
    mdir = os.path.dirname(os.path.abspath(request.config.getoption("--image")))
    with open(os.path.join(mdir, "boot.cmd")) as f:
        script = f.read()
    assert old in script
    shutil.copytree(os.path.join(mdir, "boot"), tmp_path / "boot")
    (tmp_path / "boot.cmd").write_text(script.replace(old, new))
    subprocess.run(["mkimage", "-A", "arm64", "-O", "linux", "-T", "script", "-C", "none",
                    "-d", str(tmp_path / "boot.cmd"), str(tmp_path / "boot" / "boot.scr")],
                   check=True, capture_output=True)
    image = tmp_path / "full.img"
    subprocess.run([os.path.join(ROOT, "images/mkdisk.sh"), str(image),
                    f"boot:512:{tmp_path / 'boot'}", f"dom0:512:{mdir}/dom0part"],
                   check=True, capture_output=True)
    m = Machine(str(image), os.path.join(results_dir, f"console-boot-stop-{request.node.callspec.id}.log"),
                machine=request.config.getoption("--machine"),
                uboot_env=request.config.getoption("--uboot-env") or None)
    try:
        m.expect(message)
        m.expect(r"pixen: not starting Xen: see the message above")
        # u-boot's prompt, and no Xen.
        m.expect(r"=> ", timeout=30)
        assert "Xen version" not in m.transcript
        assert "pixen: starting Xen" not in m.transcript
    finally:
        m.close()
