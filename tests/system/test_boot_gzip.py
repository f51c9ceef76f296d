"""A card that carries the kernel gzip-compressed, as a machine may choose
(its dom0.cfg and domd.cfg name Image.gz): u-boot still reads it once, and
copies it in RAM for DomD, because Xen 4.17 unpacks a gzip kernel into new
pages and frees its module, where a second domain would have looked for it.
The card here is full.img with the kernel swapped for its gzip and the boot
script written anew by mkboot."""
import gzip
import os
import re
import shutil
import subprocess

from console import ROOT, Machine


def rewrite_kernel(src, dst):
    with open(src) as f:
        text = f.read()
    text, n = re.subn(r'^kernel = "Image"', 'kernel = "Image.gz"', text, flags=re.M)
    assert n == 1, src
    with open(dst, "w") as f:
        f.write(text)


def test_a_gzip_kernel_is_read_once_and_boots_dom0_and_domd(request, tmp_path, results_dir):
    machine = request.config.getoption("--machine")
    mdir = os.path.dirname(os.path.abspath(request.config.getoption("--image")))
    platform = os.path.join(ROOT, "platform", machine)
    boot = tmp_path / "boot"
    shutil.copytree(os.path.join(mdir, "boot"), boot)
    with open(boot / "Image", "rb") as f, open(boot / "Image.gz", "wb") as out, \
            gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as z:
        shutil.copyfileobj(f, z)
    os.remove(boot / "Image")
    rewrite_kernel(os.path.join(platform, "dom0.cfg"), tmp_path / "dom0.cfg")
    rewrite_kernel(boot / "domd.cfg", boot / "domd.cfg")
    made = subprocess.run(
        [os.path.join(ROOT, "build/host/mkboot"), "--platform", os.path.join(platform, "platform.cfg"),
         "--dom0", str(tmp_path / "dom0.cfg"), "--boot-dir", str(boot), "--xen", "xen",
         "--xsm-policy", "xenpolicy", "--host-dtb", os.path.join(mdir, "host.dtb"),
         "--domain", str(boot / "domd.cfg"), "-o", str(tmp_path / "boot.cmd")],
        capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    script = (tmp_path / "boot.cmd").read_text()
    assert len(re.findall(r"^if load .* Image\.gz; then", script, re.M)) == 1
    copy = re.search(r"^if cp\.b (0x[0-9a-f]+) (0x[0-9a-f]+) ", script, re.M)
    assert copy, script
    subprocess.run(["mkimage", "-A", "arm64", "-O", "linux", "-T", "script", "-C", "none",
                    "-d", str(tmp_path / "boot.cmd"), str(boot / "boot.scr")],
                   check=True, capture_output=True)
    image = tmp_path / "full.img"
    subprocess.run([os.path.join(ROOT, "images/mkdisk.sh"), str(image), f"boot:512:{boot}",
                    f"dom0:512:{mdir}/dom0part"], check=True, capture_output=True)
    m = Machine(str(image), os.path.join(results_dir, "console-boot-gzip.log"), machine=machine,
                uboot_env=request.config.getoption("--uboot-env") or None,
                rootfs=request.config.getoption("--rootfs"))
    try:
        m.boot(timeout=300)
        # Each domain's kernel module is its own copy of the one file u-boot read.
        d0 = re.search(r"Loading d0 kernel from boot module @ ([0-9a-f]+)", m.transcript)
        d1 = re.search(r"Loading d1 kernel from boot module @ ([0-9a-f]+)", m.transcript)
        assert d0 and d1, "Xen did not say where the kernels were"
        assert {int(d0.group(1), 16), int(d1.group(1), 16)} == \
            {int(copy.group(1), 16), int(copy.group(2), 16)}
        release = m.check("uname -r").strip()
        status, out = m.domd_run("uname -r")
        assert status == 0 and out.strip() == release, out
        rows = m.check("xu list").splitlines()[1:]
        assert [r.split()[0] for r in rows] == ["Domain-0", "DomD"], rows
    finally:
        m.close()
