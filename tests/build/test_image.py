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
        ["boot.scr", "xen", "xenpolicy", "dom0-Image", "Image", "dom0-initramfs.cpio.gz", "domd.cfg",
         "domd-initramfs.cpio.gz", "domd-passthrough.dtb"])
    rc, out = sh("mtype", "-i", f"{img}@@1M", "::boot.scr")
    assert "booti 0x" in out, "boot.scr is not the script mkboot wrote"


def test_boot_script_hands_the_pcie_bridge_and_its_intx_to_domd(mdir):
    script = open(os.path.join(mdir, "boot.cmd")).read()
    assert "fdt set /pcie@10000000 xen,passthrough" in script
    # QEMU's INTx A-D: SPIs 3-6, level; Xen routes only what the node lists.
    assert "fdt set /pcie@10000000 interrupts <0x0 0x3 0x4 0x0 0x4 0x4 0x0 0x5 0x4 0x0 0x6 0x4>" \
        in script
    assert "fdt get value pixen_gic /intc@8000000 phandle" in script
    assert re.search(r'fdt set /chosen/DomD/module@\w+ compatible "multiboot,device-tree"', script)


def test_domd_partial_device_tree_maps_the_bridge_1_to_1(mdir):
    rc, dts = sh("dtc", "-q", "-I", "dtb", "-O", "dts", os.path.join(mdir, "boot/domd-passthrough.dtb"))
    assert rc == 0, dts
    node = dts[dts.index("pcie@10000000 {"):]
    assert 'xen,path = "/pcie@10000000";' in node and "xen,force-assign-without-iommu;" in node
    # ECAM, I/O, 32-bit and 64-bit windows, each at its own address.
    assert ("xen,reg = <0x40 0x10000000 0x00 0x10000000 0x40 0x10000000 "
            "0x00 0x3eff0000 0x00 0x10000 0x00 0x3eff0000 "
            "0x00 0x10000000 0x00 0x2eff0000 0x00 0x10000000 "
            "0x80 0x00 0x80 0x00 0x80 0x00>;") in node
    # INTx on the domain's GIC (phandle 65000), no MSIs.
    assert "0x00 0x00 0x00 0x01 0xfde8 0x00 0x03 0x04" in node and "msi-map" not in node


def test_rootfs_is_ext4_in_a_gpt_with_domd_files_owned_by_root(mdir):
    img = os.path.join(mdir, "rootfs.img")
    parts = partitions(img)
    assert [(p[0], p[3], p[4], p[5]) for p in parts] == [("1", "256.0 MiB", "8300", "domd-rootfs")]
    fs = f"{img}?offset={int(parts[0][1]) * 512}"
    rc, out = sh("dumpe2fs", "-h", fs)
    assert rc == 0 and re.search(r"^Filesystem volume name:\s+domd-rootfs$", out, re.M), out
    for path in ["/sbin/init", "/usr/bin/xu", "/bin/busybox", "/etc/udhcpc/default.script",
                 "/srv/xen/linux_pv_domu.img"]:
        rc, out = sh("debugfs", "-R", f"stat {path}", fs)
        assert rc == 0 and "User:     0   Group:     0" in out, (path, out)
    rc, out = sh("debugfs", "-R", "ls -p /lib/modules", fs)
    assert rc == 0 and out.count("/") > 2, out


def test_same_inputs_give_the_same_rootfs(mdir):
    with tempfile.TemporaryDirectory(dir=os.path.join(ROOT, "build")) as tmp:
        again = os.path.join(tmp, "rootfs.img")
        rc, out = sh("images/mkdisk.sh", again, f"domd-rootfs:256:{mdir}/domd-rootfs:ext4",
                     env={"SOURCE_DATE_EPOCH": "1735689600"})
        assert rc == 0, out
        rc, out = sh("cmp", again, os.path.join(mdir, "rootfs.img"))
        assert rc == 0, out


def test_rootfs_gz_is_the_same_disk(mdir):
    rc, out = sh("make", "rootfs.img.gz")
    assert rc == 0, out
    rc, a = sh("bash", "-c", f"gzip -dc {mdir}/rootfs.img.gz | sha256sum")
    rc, b = sh("sha256sum", os.path.join(mdir, "rootfs.img"))
    assert a.split()[0] == b.split()[0]


def test_dom0_partition_has_its_dom0_folder(mdir):
    rc, out = sh("mdir", "-/", "-b", "-i", os.path.join(mdir, "full.img") + "@@513M", "::/dom0")
    assert rc == 0, out
    # The original's four configs first, in its order (xu config_list shows the
    # directory's order), then the rest sorted.
    assert out.split() == ["::/dom0/rpi_5_domd.cfg", "::/dom0/rpi_5_domu.cfg",
                           "::/dom0/helloworld_xen-arm64.cfg", "::/dom0/linux_pv_domu.cfg",
                           "::/dom0/README.txt", "::/dom0/helloworld_xen-arm64",
                           "::/dom0/isolation_probe.bin", "::/dom0/isolation_probe.cfg",
                           "::/dom0/jitter.bin", "::/dom0/jitter.cfg", "::/dom0/linux_pv_domu/",
                           "::/dom0/z_blinky.bin", "::/dom0/z_sync.bin",
                           "::/dom0/linux_pv_domu/Image",
                           "::/dom0/linux_pv_domu/initramfs.cpio.gz"]


def test_small_guests_are_arm64_images_of_a_few_kib(mdir):
    """Raw binaries with an arm64 Image header, as Xen's and xu's loaders take them."""
    for name in ["z_blinky.bin", "z_sync.bin", "helloworld_xen-arm64", "jitter.bin",
                 "isolation_probe.bin"]:
        path = os.path.join(mdir, "dom0part", "dom0", name)
        with open(path, "rb") as f:
            data = f.read()
        assert data[56:60] == b"ARM\x64", name
        assert int.from_bytes(data[8:16], "little") == 0  # text_offset: the start of RAM
        image_size = int.from_bytes(data[16:24], "little")
        assert len(data) < image_size < 1 << 20, (name, len(data), image_size)


def test_same_inputs_give_the_same_image(mdir):
    with tempfile.TemporaryDirectory(dir=os.path.join(ROOT, "build")) as tmp:
        again = os.path.join(tmp, "full.img")
        rc, out = sh("images/mkdisk.sh", again, f"boot:512:{mdir}/boot", f"dom0:512:{mdir}/dom0part",
                     env={"SOURCE_DATE_EPOCH": "1735689600"})
        assert rc == 0, out
        rc1, a = sh("sha256sum", again)
        rc2, b = sh("sha256sum", os.path.join(mdir, "full.img"))
        assert a.split()[0] == b.split()[0]


def test_each_boot_file_is_read_from_the_card_once(mdir):
    """Each file, once: Dom0's kernel (dom0-Image) and DomD's (Image) each
    have their one place in RAM, which its domain's module node names. The
    script's header says how much u-boot reads."""
    script = open(os.path.join(mdir, "boot.cmd")).read()
    loads = re.findall(r"^if load \$\{devtype\} \$\{devnum\}:\$\{distro_bootpart\} "
                       r"0x([0-9a-f]+) (\S+); then", script, re.M)
    names = [name for _, name in loads]
    assert len(names) == len(set(names)), names
    at = {name: int(addr, 16) for addr, name in loads}
    assert f"fdt mknode /chosen module@{at['dom0-Image']:x}" in script
    assert f"fdt mknode /chosen/DomD module@{at['Image']:x}" in script
    total = sum(os.path.getsize(os.path.join(mdir, "boot", name)) for name in names)
    assert re.search(rf"^# u-boot reads {total} bytes \([0-9.]+ MiB\) of boot files from the "
                     r"card, each once$", script, re.M), script[:2000]


def test_built_programs_name_no_folder_of_the_build_host():
    """Two builds give the same images only if nothing built records where
    the tree was: debug paths feed the build ID, which the stripped copies in
    the images keep. So the cross build's own output, debug information
    included, must not name the tree's folder."""
    root = os.path.join(ROOT, "build", "aarch64")
    found, checked = [], 0
    for top, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith("meson-")]
        for name in names:
            path = os.path.join(top, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                if f.read(4) != b"\x7fELF":
                    continue
                f.seek(0)
                checked += 1
                if ROOT.encode() in f.read():
                    found.append(os.path.relpath(path, root))
    assert checked > 2
    assert found == [], f"these name {ROOT}: {found}"
