"""A card that carries its kernels gzip-compressed, as a machine may choose
(its dom0.cfg and domd.cfg name dom0-Image.gz and Image.gz): u-boot reads
each once, Xen unpacks each into its domain, and both domains boot. The card
here is full.img with the kernels swapped for their gzips and the boot script
written anew by mkboot. (Two domains naming one file, read once and copied,
is mkboot's unit test's: no card of pixen's does that now that Dom0 has its
own kernel.)"""
import glob
import gzip
import os
import re
import shutil
import subprocess

from console import ROOT, Machine

KERNELS = ("dom0-Image", "Image")


def rewrite_kernel(src, dst):
    with open(src) as f:
        text = f.read()
    text, n = re.subn(r'^kernel = "((?:dom0-)?Image)"', r'kernel = "\1.gz"', text, flags=re.M)
    assert n == 1, src
    with open(dst, "w") as f:
        f.write(text)


def test_gzip_kernels_are_read_once_each_and_boot_dom0_and_domd(request, tmp_path, results_dir):
    machine = request.config.getoption("--machine")
    mdir = os.path.dirname(os.path.abspath(request.config.getoption("--image")))
    platform = os.path.join(ROOT, "platform", machine)
    boot = tmp_path / "boot"
    shutil.copytree(os.path.join(mdir, "boot"), boot)
    for name in KERNELS:
        with open(boot / name, "rb") as f, open(boot / f"{name}.gz", "wb") as out, \
                gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as z:
            shutil.copyfileobj(f, z)
        os.remove(boot / name)
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
    for name in KERNELS:
        assert len(re.findall(rf"^if load .* {name}\.gz; then", script, re.M)) == 1, script
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
        assert "Loading d0 kernel from boot module" in m.transcript
        assert "Loading d1 kernel from boot module" in m.transcript
        assert m.check("uname -r").strip().endswith("-pixen-dom0")
        status, out = m.domd_run("uname -r")
        debian = glob.glob(os.path.join(ROOT, "build/sysroot/usr/lib/modules/*/vmlinuz"))
        assert status == 0 and [out.strip()] == [os.path.basename(os.path.dirname(k)) for k in debian], out
        rows = m.check("xu list").splitlines()[1:]
        assert [r.split()[0] for r in rows] == ["Domain-0", "DomD"], rows
    finally:
        m.close()
