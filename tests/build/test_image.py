"""full.img as the original's README describes it, built reproducibly."""
import os
import re
import tempfile

from conftest import ROOT, sh


def partitions(img):
    rc, out = sh("sgdisk", "-p", img)
    assert rc == 0, out
    return re.findall(r"^\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+ \S+)\s+(\S+)\s+(\S+)$", out, re.M)


def test_gpt_with_a_boot_and_a_dom0_partition_of_512_mib(mdir):
    parts = partitions(os.path.join(mdir, "full.img"))
    assert [(p[0], p[3], p[4], p[5]) for p in parts] == [
        ("1", "512.0 MiB", "0700", "boot"), ("2", "512.0 MiB", "0700", "dom0")]
    assert int(parts[0][1]) == 2048  # 1 MiB aligned


def test_boot_partition_holds_the_boot_files(mdir):
    img = os.path.join(mdir, "full.img")
    rc, out = sh("mdir", "-b", "-i", f"{img}@@1M", "::")
    assert rc == 0, out
    assert sorted(os.path.basename(l) for l in out.split()) == sorted(
        ["boot.scr", "xen", "xenpolicy", "Image", "dom0-initramfs.cpio.gz", "domd.cfg",
         "domd-initramfs.cpio.gz"])
    rc, out = sh("mtype", "-i", f"{img}@@1M", "::boot.scr")
    assert "booti 0x" in out, "boot.scr is not the script mkboot wrote"


def test_dom0_partition_has_its_dom0_folder(mdir):
    rc, out = sh("mdir", "-/", "-b", "-i", os.path.join(mdir, "full.img") + "@@513M", "::/dom0")
    assert rc == 0, out
    assert out.split() == ["::/dom0/README.txt", "::/dom0/linux_pv_domu/",
                           "::/dom0/linux_pv_domu.cfg", "::/dom0/linux_pv_domu/Image",
                           "::/dom0/linux_pv_domu/initramfs.cpio.gz"]


def test_same_inputs_give_the_same_image(mdir):
    with tempfile.TemporaryDirectory(dir=os.path.join(ROOT, "build")) as tmp:
        again = os.path.join(tmp, "full.img")
        rc, out = sh("images/mkdisk.sh", again, f"boot:512:{mdir}/boot", f"dom0:512:{mdir}/dom0part",
                     env={"SOURCE_DATE_EPOCH": "1735689600"})
        assert rc == 0, out
        rc1, a = sh("sha256sum", again)
        rc2, b = sh("sha256sum", os.path.join(mdir, "full.img"))
        assert a.split()[0] == b.split()[0]
