"""A machine is a folder: what differs between machines is in platform/<machine>/,
and a new machine takes a new folder and no edit anywhere else."""
import glob
import gzip
import os
import re
import shutil
import uuid

import pytest

from conftest import ROOT, sh


@pytest.fixture
def new_machine():
    """A folder platform/NAME/ of a machine the repository does not have; it and
    build/NAME are gone afterwards."""
    name = "test-" + uuid.uuid4().hex[:8]
    folder = os.path.join(ROOT, "platform", name)
    os.makedirs(folder)
    try:
        yield name, folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        for built in glob.glob(os.path.join(ROOT, "build", name)) + \
                glob.glob(os.path.join(ROOT, "build", name + "-*")):
            shutil.rmtree(built, ignore_errors=True)


def test_a_folder_holding_only_a_refusal_stops_the_build_with_it(new_machine):
    name, folder = new_machine
    with open(os.path.join(folder, "machine.mk"), "w") as f:
        f.write("refuse := its boot firmware is not packaged by Debian\n")
    rc, out = sh("make", "--no-print-directory", f"MACHINE={name}", "full.img")
    assert rc != 0
    assert f"MACHINE={name}: its boot firmware is not packaged by Debian" in out, out
    assert not os.path.exists(os.path.join(ROOT, "build", name))
    rc, out = sh("make", "-s", "help-config")
    assert re.search(rf"^  {name} ", out.split("machines:")[1], re.M), out
    assert f"MACHINE={name}: its boot firmware is not packaged by Debian" in out, out


def test_a_machines_option_refusal_names_the_option(new_machine):
    name, folder = new_machine
    shutil.copytree(os.path.join(ROOT, "platform/qemu"), folder, dirs_exist_ok=True)
    with open(os.path.join(folder, "machine.mk"), "a") as f:
        f.write("refuse_DOMD_ROOT_nvme := this board has no PCIe connector\n")
    rc, out = sh("make", "-n", f"MACHINE={name}", "DOMD_ROOT=nvme", "full.img")
    assert rc != 0 and "DOMD_ROOT=nvme: this board has no PCIe connector" in out, out


def test_an_option_value_adds_to_the_machines_files_in_a_build_folder_of_its_own(new_machine):
    name, folder = new_machine
    shutil.copytree(os.path.join(ROOT, "platform/qemu"), folder, dirs_exist_ok=True)
    option = os.path.join(folder, "option", "DOMD_ROOT_nvme")
    os.makedirs(option)
    with open(os.path.join(option, "domd.cfg"), "w") as f:
        f.write('dtdev += [ "/pcie@10000000" ]\n')
    with open(os.path.join(option, "domd.modules"), "w") as f:
        f.write("nvme\n")
    # The default's images stay where they were; the option's get their own folder.
    rc, out = sh("make", "-n", f"MACHINE={name}", "full.img")
    assert rc == 0 and f"build/{name}/full.img" in out and "-DOMD_ROOT_nvme" not in out, out
    mdir = os.path.join("build", name + "-DOMD_ROOT_nvme")
    rc, out = sh("make", "--no-print-directory", f"MACHINE={name}", "DOMD_ROOT=nvme",
                 f"{mdir}/machine/domd.cfg", f"{mdir}/machine/domd.modules",
                 f"{mdir}/machine/platform.cfg")
    assert rc == 0, out
    base = open(os.path.join(folder, "domd.cfg")).read()
    made = open(os.path.join(ROOT, mdir, "machine/domd.cfg")).read()
    assert made.startswith(base) and made.endswith('dtdev += [ "/pcie@10000000" ]\n'), made
    assert f"Added by DOMD_ROOT_nvme (platform/{name}/option/DOMD_ROOT_nvme/domd.cfg)" in made
    assert open(os.path.join(ROOT, mdir, "machine/domd.modules")).read().split()[-1] == "nvme"
    assert open(os.path.join(ROOT, mdir, "machine/platform.cfg")).read() == \
        open(os.path.join(folder, "platform.cfg")).read()
    # A file an option cannot add to stops the build.
    open(os.path.join(option, "emulator.cfg"), "w").close()
    rc, out = sh("make", "-n", f"MACHINE={name}", "DOMD_ROOT=nvme", "full.img")
    assert rc != 0 and f"platform/{name}/option/DOMD_ROOT_nvme/emulator.cfg: an option adds " \
        "only to platform.cfg dom0.cfg domd.cfg domd.modules domd-rootfs.spec, " \
        "dom0.kconfig and boot-guests/" in out, out


def test_a_machines_boot_files_and_host_tree_come_from_its_folder(new_machine):
    """The generic rules a machine's data drives: extra boot-partition files from
    the folder, Debian's packages and the kernel's trees; the host tree from the
    kernel package; u-boot's environment as a file on the card."""
    name, folder = new_machine
    shutil.copytree(os.path.join(ROOT, "platform/qemu"), folder, dirs_exist_ok=True)
    os.remove(os.path.join(folder, "emulator.cfg"))
    with open(os.path.join(folder, "config.txt"), "w") as f:
        f.write("kernel=u-boot.bin\n")
    # A board tree every kernel pixen has taken ships (6.1 in
    # /usr/lib/linux-image-*, 6.19 on under /usr/lib/modules/*/dtb).
    dtb = "broadcom/bcm2711-rpi-4-b.dtb"
    with open(os.path.join(folder, "machine.mk"), "w") as f:
        f.write(f"MACHINE_ABOUT := a machine of the tests\n"
                f"HOST_DTB := kernel:{dtb}\n"
                f"UBOOT_ENV := card:uboot.env\n"
                f"BOOT_EXTRAS := platform:config.txt:config.txt "
                f"sysroot:usr/lib/aarch64-linux-gnu/libfdt.so.1:fdt-library "
                f"kernel-dtb:{dtb}:board.dtb\n")
    mdir = os.path.join("build", name)
    targets = [f"{mdir}/boot/config.txt", f"{mdir}/boot/fdt-library",
               f"{mdir}/boot/board.dtb", f"{mdir}/host.dtb", f"{mdir}/boot/uboot.env"]
    rc, out = sh("make", "--no-print-directory", f"MACHINE={name}", *targets)
    assert rc == 0, out
    boot = os.path.join(ROOT, mdir, "boot")
    assert open(os.path.join(boot, "config.txt")).read() == "kernel=u-boot.bin\n"
    kernel_dtb = {os.path.realpath(p) for p in glob.glob(
        f"{ROOT}/build/sysroot/usr/lib/modules/*/dtb/{dtb}") + glob.glob(
        f"{ROOT}/build/sysroot/usr/lib/linux-image-*/{dtb}")}
    assert len(kernel_dtb) == 1, kernel_dtb
    kernel_dtb = list(kernel_dtb)
    for copy in (os.path.join(boot, "board.dtb"), os.path.join(ROOT, mdir, "host.dtb")):
        assert open(copy, "rb").read() == open(kernel_dtb[0], "rb").read()
    # u-boot's environment, as it reads it from a file: its size (uboot_env_kib), CRC first.
    env = open(os.path.join(boot, "uboot.env"), "rb").read()
    assert len(env) == 256 << 10 and b"bootdelay=0\0" in env
    # Nothing emulates this machine: make run says so.
    rc, out = sh("scripts/emulate", "--machine", name, "--print", "x.img")
    assert rc != 0 and f"{name}: nothing emulates this machine" in out, out


def test_a_boot_extra_that_names_no_file_stops_the_build(new_machine):
    name, folder = new_machine
    shutil.copytree(os.path.join(ROOT, "platform/qemu"), folder, dirs_exist_ok=True)
    with open(os.path.join(folder, "machine.mk"), "a") as f:
        f.write("BOOT_EXTRAS := kernel-dtb:broadcom/no-such-board.dtb:board.dtb\n")
    rc, out = sh("make", "--no-print-directory", f"MACHINE={name}", f"build/{name}/boot/board.dtb")
    assert rc != 0
    assert f"platform/{name}/machine.mk: BOOT_EXTRAS: kernel-dtb:broadcom/no-such-board.dtb " \
           f"names 0 files" in out, out
    assert not os.path.exists(os.path.join(ROOT, "build", name, "boot", "board.dtb"))


# The words that name QEMU's machine and its devices (the check).
MACHINE_WORDS = r"qemu|virtio|virt,|pl061|pcie@10000000|0x0?9030000"


def test_no_machine_is_named_outside_its_folder():
    """Outside platform/ (and tests/, which boot the QEMU machine), the build
    names no machine's devices but in comments and recorded results."""
    rc, out = sh("git", "grep", "-nIE", MACHINE_WORDS, "--", "Makefile", "mk", "images", "src",
                 "scripts", "bench")
    assert rc in (0, 1), out
    found = []
    for line in out.splitlines():
        path, _, text = line.split(":", 2)
        if path == "bench/RESULTS.md":  # measurements, and how they were made
            continue
        before = text[:re.search(MACHINE_WORDS, text).start()]
        if "#" in before or before.lstrip().startswith(("*", "/*", "//")):
            continue
        found.append(line)
    assert found == [], "\n".join(found)


INITS = ["images/dom0/init", "images/domd/init", "images/domd-rootfs/init",
         "guests/linux_pv_domu/rc"]


def test_no_init_names_a_kernel_module():
    for path in INITS:
        for n, line in enumerate(open(os.path.join(ROOT, path)), 1):
            if re.search(r"\b(modprobe|insmod)\b", line.split("#", 1)[0]):
                assert line.strip().startswith("modprobe -a $(grep -v '^#' /etc/modules)"), \
                    f"{path}:{n}: {line}"


def cpio_files(path):
    """{name: bytes} of a gzip'd newc cpio."""
    data = gzip.open(path).read()
    files, off = {}, 0
    while True:
        hdr = data[off:off + 110]
        namesize, filesize = int(hdr[94:102], 16), int(hdr[54:62], 16)
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off = (off + 110 + namesize + 3) & ~3
        if name == "TRAILER!!!":
            return files
        files[name] = data[off:off + filesize]
        off = (off + filesize + 3) & ~3


def release(files):
    """The kernel release whose modules an image holds."""
    return next(n.split("/")[2] for n in files if n.startswith("lib/modules/"))


def test_dom0_loads_no_modules_and_domd_loads_what_its_kernel_has_not_built_in(mdir):
    # Dom0's kernel has its drivers built in (images/linux/dom0.kconfig).
    files = cpio_files(os.path.join(mdir, "boot/dom0-initramfs.cpio.gz"))
    assert not [n for n in files if n.startswith("lib/modules") or n.endswith((".ko", ".ko.xz"))]
    assert "etc/modules" not in files
    assert not [l for l in open(os.path.join(ROOT, "images/dom0/initramfs.spec"))
                if l.startswith("module ")]
    # A module the kernel has built in is not listed (nothing would load it);
    # the rest of the machine's list is.
    domd = cpio_files(os.path.join(mdir, "boot/domd-initramfs.cpio.gz"))
    domd_listed = [l for l in domd["etc/modules"].decode().splitlines() if not l.startswith("#")]
    builtin = {os.path.basename(l.strip())[:-3].replace("-", "_")
               for l in domd["lib/modules/" + release(domd) + "/modules.builtin"].decode().split()}
    wanted = [l.strip() for l in open(os.path.join(ROOT, "platform/qemu/domd.modules"))
              if l.strip() and not l.startswith("#")]
    assert [m for m in wanted if m.replace("-", "_") not in builtin] == \
        [m for m in domd_listed if m in wanted], domd_listed
    assert not [m for m in domd_listed if m.replace("-", "_") in builtin], domd_listed


def test_the_same_inputs_give_the_same_initramfs(mdir, tmp_path):
    out = tmp_path / "dom0-initramfs.cpio.gz"
    rc, msg = sh("/usr/bin/python3", "images/mkinitramfs.py", "--sysroot", "build/target-root",
                 "--sysroot", "build/sysroot", "--spec", "images/dom0/initramfs.spec",
                 "--out", str(out),
                 env={"SOURCE_DATE_EPOCH": "1735689600"})
    assert rc == 0, msg
    assert out.read_bytes() == open(os.path.join(mdir, "boot/dom0-initramfs.cpio.gz"), "rb").read()
