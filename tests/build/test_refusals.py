"""Bad input stops the build with a message naming it, and leaves nothing half-made."""
import os
import shutil
import tempfile

import pytest

from conftest import ROOT, sh

MKBOOT = os.path.join(ROOT, "build/host/mkboot")


@pytest.fixture
def tmp():
    with tempfile.TemporaryDirectory(dir=os.path.join(ROOT, "build")) as d:
        yield d


def mkboot(mdir, platform, dom0, out):
    return sh(MKBOOT, "--platform", platform, "--dom0", dom0, "--boot-dir", f"{mdir}/boot",
              "--xen", "xen", "-o", out)


def test_boot_files_that_do_not_fit_in_ram(mdir, tmp):
    platform = os.path.join(tmp, "small.cfg")
    text = open(os.path.join(ROOT, "platform/qemu/platform.cfg")).read()
    with open(platform, "w") as f:
        f.write(text.replace("ram_mib = 2048", "ram_mib = 16").replace(
            '"0xbc000000,64M,u-boot after relocation",', ""))
    out = os.path.join(tmp, "boot.cmd")
    rc, msg = mkboot(mdir, platform, "platform/qemu/dom0.cfg", out)
    assert rc == 1
    assert "mkboot: boot files do not fit in RAM: dom0 ramdisk (dom0-initramfs.cpio.gz): " \
        "does not fit" in msg, msg
    assert not os.path.exists(out) and not os.path.exists(out + ".tmp")


def test_a_dom0_kernel_that_is_not_a_kernel(mdir, tmp):
    boot = os.path.join(tmp, "boot")
    shutil.copytree(f"{mdir}/boot", boot)
    shutil.copy(os.path.join(ROOT, "images/sdcard-dom0/dom0/README.txt"), f"{boot}/dom0-Image")
    rc, msg = sh(MKBOOT, "--platform", "platform/qemu/platform.cfg", "--dom0",
                 "platform/qemu/dom0.cfg", "--boot-dir", boot, "--xen", "xen", "-o",
                 os.path.join(tmp, "boot.cmd"))
    assert rc == 1
    assert f"{boot}/dom0-Image: not an arm64 kernel Image" in msg, msg


def test_a_broken_dom0_config_names_file_and_line(mdir, tmp):
    dom0 = os.path.join(tmp, "dom0.cfg")
    with open(dom0, "w") as f:
        f.write("name = 'Domain-0'\nkernel = 'Image'\nmemory = 128M\n")
    rc, msg = mkboot(mdir, "platform/qemu/platform.cfg", dom0, os.path.join(tmp, "boot.cmd"))
    assert rc == 1
    assert f'{dom0}:3: memory: expected a number, got "128M"' in msg, msg


def test_dom0_does_not_wait_for_itself(mdir, tmp):
    dom0 = os.path.join(tmp, "dom0.cfg")
    text = open(os.path.join(ROOT, "platform/qemu/dom0.cfg")).read()
    with open(dom0, "w") as f:
        f.write(text + "start_after_dom0 = 1\n")
    out = os.path.join(tmp, "boot.cmd")
    rc, msg = mkboot(mdir, "platform/qemu/platform.cfg", dom0, out)
    line = len(text.splitlines()) + 1
    assert rc == 1
    assert f"{dom0}:{line}: start_after_dom0: Dom0 is the domain the others wait for" in msg, msg
    assert not os.path.exists(out)


@pytest.mark.parametrize("line, message", [
    ("vif = [ 'bridge=xenbr0' ]", "domd.cfg:LINE: a domain Xen starts at boot gets no PV devices"),
    ("cpus = '1'", "domd.cfg:LINE: cpus: Xen 4.17 cannot pin the vCPUs of a domain it starts at "
                   "boot; they run on the CPUs of its CPU pool"),
    ("autostart = 1", "domd.cfg:LINE: autostart: Xen starts this domain at boot itself"),
    ("pool = 'rt'", 'domd.cfg:LINE: pool: "rt": no such CPU pool (platform/qemu/platform.cfg '
                    "makes Pool-0)"),
    ("name = 'Dom D'", 'domd.cfg: name "Dom D": a boot-time domain\'s name becomes a device-tree '
                       "node name"),
    ("memory = 256M", 'domd.cfg:LINE: memory: expected a number, got "256M"'),
    ("static_mem = [ '0xbe000000,256M' ]", "domd.cfg:LINE: static_mem: 0xbe000000-0xcdffffff lies "
                                           "outside RAM (platform/qemu/platform.cfg)"),
    ("dtdev = [ '/pcie@20000000' ]", "domd.cfg:LINE: dtdev: /pcie@20000000: no such node in the host "
                                     "device tree (HOST)"),
    ("dtdev = [ '/pl011@9000000' ]", "domd.cfg:LINE: dtdev: /pl011@9000000: it is the serial port of "
                                     "Xen's console"),
    ("dtdev = [ '/intc@8000000' ]", "domd.cfg:LINE: dtdev: /intc@8000000: it is the GIC, which "
                                    "Xen keeps for itself"),
    ("iomem = [ '0x9030,1' ]", "domd.cfg: iomem and irqs are for domains xu creates"),
    ("static_evtchn = [ 'port=10,peer=nobody,peer_port=10' ]",
     "domd.cfg:LINE: static_evtchn: peer=nobody: no domain Xen starts at boot has that name"),
    ("static_shm = [ 'id=a,host=0xbbe00000,guest=0xbbe00000,size=4K' ]",
     "domd.cfg:LINE: static_shm: id=a: no other domain Xen starts at boot shares it"),
])
def test_a_bad_boot_time_domain_config_names_file_and_line(mdir, tmp, line, message):
    boot = os.path.join(tmp, "boot")
    shutil.copytree(f"{mdir}/boot", boot)
    os.remove(f"{boot}/domd-passthrough.dtb")
    with open(f"{boot}/domd.cfg") as f:
        message = message.replace("LINE", str(len(f.readlines()) + 1))
    message = message.replace("HOST", f"{mdir}/host.dtb")
    with open(f"{boot}/domd.cfg", "a") as f:
        f.write(line + "\n")
    out = os.path.join(tmp, "boot.cmd")
    rc, msg = sh(MKBOOT, "--platform", "platform/qemu/platform.cfg", "--dom0",
                 "platform/qemu/dom0.cfg", "--boot-dir", boot, "--xen", "xen",
                 "--host-dtb", f"{mdir}/host.dtb", "--domain", f"{boot}/domd.cfg", "-o", out)
    assert rc == 1 and message in msg, msg
    # Nothing half-made: neither the script nor DomD's partial device tree.
    assert not os.path.exists(out) and not os.path.exists(f"{boot}/domd-passthrough.dtb")


@pytest.mark.parametrize("pools, message", [
    ('"rt,null,2"', "PLATFORM:LINE: cpupools: pool rt: CPU 2: the machine has CPUs 0-1 (the cpu "
                    "nodes of HOST)"),
    ('"rt,null,0-1"', "PLATFORM:LINE: cpupools: pool rt: CPU 0 is Xen's boot CPU: it stays in "
                      "Pool-0, with Dom0"),
])
def test_a_cpu_pool_the_machine_cannot_make(mdir, tmp, pools, message):
    platform = os.path.join(tmp, "platform.cfg")
    shutil.copy(os.path.join(ROOT, "platform/qemu/platform.cfg"), platform)
    with open(platform) as f:
        line = len(f.readlines()) + 1
    with open(platform, "a") as f:
        f.write(f"cpupools = [ {pools} ]\n")
    message = message.replace("PLATFORM", platform).replace("LINE", str(line)).replace(
        "HOST", f"{mdir}/host.dtb")
    out = os.path.join(tmp, "boot.cmd")
    rc, msg = sh(MKBOOT, "--platform", platform, "--dom0", "platform/qemu/dom0.cfg", "--boot-dir",
                 f"{mdir}/boot", "--xen", "xen", "--host-dtb", f"{mdir}/host.dtb", "--domain",
                 f"{mdir}/boot/domd.cfg", "-o", out)
    assert rc == 1 and message in msg, msg
    assert not os.path.exists(out)


def test_dtdev_without_the_host_device_tree_is_refused(mdir, tmp):
    rc, msg = sh(MKBOOT, "--platform", "platform/qemu/platform.cfg", "--dom0",
                 "platform/qemu/dom0.cfg", "--boot-dir", f"{mdir}/boot", "--xen", "xen",
                 "--domain", f"{mdir}/boot/domd.cfg", "-o", os.path.join(tmp, "boot.cmd"))
    assert rc == 1 and "dtdev: mkboot needs the host device tree (--host-dtb)" in msg, msg


def test_partition_files_that_do_not_fit(tmp):
    big = os.path.join(tmp, "big")
    os.makedirs(big)
    with open(os.path.join(big, "blob"), "wb") as f:
        f.truncate(40 << 20)
    out = os.path.join(tmp, "full.img")
    rc, msg = sh("images/mkdisk.sh", out, f"boot:33:{big}")
    assert rc != 0
    assert f"{out}: partition boot (33 MiB) cannot hold its files (40 MiB in {big})" in msg, msg
    assert os.listdir(tmp) == ["big"], "mkdisk left something behind"


@pytest.mark.parametrize("order, message", [
    ("dom0\ndom0/missing.cfg\n", ".card-order names dom0/missing.cfg, which {dir} lacks"),
    ("dom0/a.cfg\ndom0\n", ".card-order names dom0/a.cfg before its folder dom0"),
    ("dom0\n./dom0/\n", ".card-order names dom0 twice"),
])
def test_a_card_order_that_cannot_be_followed(tmp, order, message):
    part = os.path.join(tmp, "part")
    os.makedirs(os.path.join(part, "dom0"))
    open(os.path.join(part, "dom0", "a.cfg"), "w").close()
    with open(os.path.join(part, ".card-order"), "w") as f:
        f.write(order)
    out = os.path.join(tmp, "full.img")
    rc, msg = sh("images/mkdisk.sh", out, f"dom0:34:{part}")
    assert rc != 0
    assert f"{out}: partition dom0: " + message.format(dir=part) in msg, msg
    assert os.listdir(tmp) == ["part"], "mkdisk left something behind"


def test_a_card_order_puts_its_files_first(tmp):
    part = os.path.join(tmp, "part")
    os.makedirs(os.path.join(part, "dom0"))
    for name in ("a.cfg", "b.cfg", "c.cfg"):
        open(os.path.join(part, "dom0", name), "w").close()
    with open(os.path.join(part, ".card-order"), "w") as f:
        f.write("./dom0/\ndom0/c.cfg")  # no newline at the end
    out = os.path.join(tmp, "full.img")
    rc, msg = sh("images/mkdisk.sh", out, f"dom0:34:{part}")
    assert rc == 0, msg
    rc, listing = sh("mdir", "-/", "-b", "-i", out + "@@1M", "::/")
    assert listing.split() == ["::/dom0/", "::/dom0/c.cfg", "::/dom0/a.cfg", "::/dom0/b.cfg"]


def lock_with(tmp, old, new):
    text = open(os.path.join(ROOT, "images/packages.lock")).read()
    line = next(l for l in text.splitlines() if l.startswith("deb libuuid1 "))
    lock = os.path.join(tmp, "packages.lock")
    with open(lock, "w") as f:
        f.write(text.replace(line, line.replace(old(line), new)))
    n = text.splitlines().index(line) + 1
    return lock, n


# The build's download cache (the Makefile's CACHE).
BUILD_CACHE = os.path.join(os.environ.get("PIXEN_CACHE") or os.environ.get("XDG_CACHE_HOME") or
                           os.path.expanduser("~/.cache"), "pixen")


def link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:  # another file system
        shutil.copy2(src, dst)


def fetch(tmp, lock):
    """Fetches lock into a cache of its own, which starts with the build's package
    lists and every file the build fetched but libuuid1's: only the row under test
    goes to the mirror (a cache of nothing fetched Xen's source first, 20 s a test)."""
    cache = os.path.join(tmp, "cache")
    lists = os.path.join(BUILD_CACHE, "apt/state/lists")
    if os.path.isdir(lists):
        # Not apt's lock, nor the downloads it would resume in place.
        shutil.copytree(lists, os.path.join(cache, "apt/state/lists"), copy_function=link_or_copy,
                        ignore=shutil.ignore_patterns("lock", "partial"))
    os.makedirs(os.path.join(cache, "files"))
    for name in os.listdir(os.path.join(BUILD_CACHE, "files")) if os.path.isdir(
            os.path.join(BUILD_CACHE, "files")) else []:
        if not name.startswith("libuuid1_"):
            link_or_copy(os.path.join(BUILD_CACHE, "files", name),
                         os.path.join(cache, "files", name))
    return sh("/usr/bin/python3", "images/debian.py", "--cache", cache, "fetch", "--lock", lock)


def test_a_download_that_does_not_match_the_lock_is_refused(tmp):
    lock, n = lock_with(tmp, lambda l: l.split()[3], "0" * 64)
    rc, msg = fetch(tmp, lock)
    assert rc == 1
    assert f"{lock}:{n}: libuuid1_" in msg and f"the lock says {'0' * 64}; refusing it" in msg, msg
    assert not [f for f in os.listdir(os.path.join(tmp, "cache/files")) if "libuuid" in f]


def test_a_version_the_mirror_no_longer_serves_says_how_to_refresh(tmp):
    lock, n = lock_with(tmp, lambda l: l.split()[2], "0.0.1-1")
    rc, msg = fetch(tmp, lock)
    assert rc == 1
    assert (f"{lock}:{n}: libuuid1 0.0.1-1 is not served by the Debian mirror any more" in msg
            and "run `make lock`" in msg), msg
