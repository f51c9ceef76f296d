"""DomD, the driver domain Xen starts at boot: attached by Dom0 under its config's
name, owning QEMU's PCIe bridge (its root disk, here an NVMe drive, and its
uplink), serving linux_pv_domu's network (bridge xenbr0) and disk (a file on
DomD's root)."""
import glob
import os
import re

import pytest

from console import ROOT

from test_xu import GUEST, GUEST_PROMPT, assert_same_as, attach, detach, domains, snapshot

DISK = "/srv/xen/linux_pv_domu.img"
# rootfs.img on an NVMe drive behind the bridge (test_boot has it on USB).
DOMD_ROOT = "nvme"


@pytest.fixture
def guest(machine):
    """linux_pv_domu, running; destroyed afterwards."""
    out = machine.check(f"xu create {GUEST}", timeout=120)
    domid = int(re.search(r"^domain:(\d+) created$", out, re.M).group(1))
    yield domid
    if GUEST in domains(machine):
        machine.check(f"xu destroy {GUEST}", timeout=60)


def in_guest(machine, command, expect, timeout=60):
    """Runs a command at the guest's shell over xu console; returns what it printed."""
    attach(machine, GUEST)
    machine.child.send("\r")
    machine.expect(GUEST_PROMPT, timeout=90)
    # In pieces: Xen's console input ring holds 128 bytes.
    machine.type_line(command)
    m = machine.expect(expect, timeout=timeout)
    machine.expect(GUEST_PROMPT)
    detach(machine)
    return m


def test_domd_boots_with_xen_and_dom0_attaches_it_by_name(machine):
    assert re.search(r"pixen: DomD ready in [0-9.]+ s", machine.transcript)
    assert "dom0less: attached 1 domains" in machine.transcript
    rows = machine.check("xu list").splitlines()[1:]
    assert [r.split()[:4] for r in rows] == [["Domain-0", "0", "128", "1"],
                                            ["DomD", "1", "256", "1"]], rows
    # Its backends wait for nothing: devd is connected to xenstore.
    status, out = machine.domd_run("cat /run/xu/devd.log; grep 'System RAM' /proc/iomem")
    assert status == 0 and "xu devd: serving the PV backends of domain 1 (DomD)" in out, out
    # 1:1: its RAM is the host's bank at 0x60000000, less the top 2 MiB its
    # kernel leaves for the xenstore page, which is the bank's last page.
    assert re.search(r"^60000000-6fdfffff : System RAM", out, re.M), out
    ring = int(machine.check("xenstore-read /local/domain/1/store/ring-ref"))
    assert ring == 0x6ffff, hex(ring)
    # Its balloon aims at what its kernel has (256 MiB less those 2 MiB), so it
    # never tries to hot-add the rest.
    assert machine.check("xenstore-read /local/domain/1/memory/target").strip() == "260096"


def built_kernel_release():
    """The release of the one kernel the build took from Debian (its modules' folder)."""
    found = glob.glob(os.path.join(ROOT, "build/sysroot/usr/lib/modules/*/vmlinuz"))
    assert len(found) == 1, found
    return os.path.basename(os.path.dirname(found[0]))


def test_dom0_runs_its_own_kernel_and_domd_and_the_guest_debians(machine):
    release = built_kernel_release()
    # 6.18 is Debian's first that drives the Pi 5's SD card, PCIe and RP1.
    assert tuple(map(int, re.match(r"(\d+)\.(\d+)", release).groups())) >= (6, 18), release
    # Dom0's is built from Debian's linux source (images/linux/build.sh).
    dom0 = machine.check("uname -r").strip()
    assert dom0.endswith("-pixen-dom0"), dom0
    assert tuple(map(int, re.match(r"(\d+)\.(\d+)", dom0).groups())) >= (6, 18), dom0
    # DomD's console before the guest's start, whose lines Xen would mix in.
    status, out = machine.domd_run("uname -r")
    assert status == 0 and out.strip() == release, out
    machine.check(f"xu create {GUEST}", timeout=120)
    try:
        in_guest(machine, "uname -r", re.escape(release))
    finally:
        machine.check(f"xu destroy {GUEST}", timeout=60)


def test_domd_owns_the_pcie_bridge_and_mounts_its_root_from_the_nvme_drive(machine):
    assert "pixen: domd: root file system on /dev/nvme0n1p1" in machine.transcript
    status, out = machine.domd_run("grep ' / ' /proc/mounts; cat /sys/bus/pci/devices/*/device")
    assert status == 0, out
    assert re.search(r"^/dev/nvme0n1p1 / ext4 rw", out, re.M), out
    # QEMU's NVMe controller (1b36:0010) and its virtio-net uplink (1af4:1000).
    assert "0x0010" in out.split() and "0x1000" in out.split(), out
    # Its interrupts are INTx, routed by Xen from the host bridge's interrupt-map.
    status, out = machine.domd_run("grep -E 'nvme|virtio' /proc/interrupts")
    assert status == 0 and re.search(r"GIC-0\s+3[5-8] Level\s+nvme", out), out
    # Dom0 never sees the bridge (its kernel has no PCI at all).
    assert machine.check("ls /sys/bus/pci/devices 2>/dev/null | wc -l").strip() == "0"


def test_domd_fetches_a_file_from_the_build_host_over_its_own_uplink(machine, uplink_server):
    # DHCP runs in the background of DomD's init; give it a moment.
    status, out = machine.domd_run(
        "for i in $(seq 100); do ip -4 addr show eth0 | grep -q inet && break; usleep 100000; "
        "done; cat /run/uplink.log")
    assert status == 0 and "pixen: DomD uplink eth0: 10.0.2.15/24" in out, out
    status, out = machine.domd_run(f"wget -q -O - {uplink_server['url']}", timeout=60)
    assert status == 0 and uplink_server["token"] in out, out


def test_the_guest_pings_domd_over_its_vif(machine, guest):
    m = in_guest(machine, "ip addr add dev enX0 192.168.0.2/24 && ip link set enX0 up && "
                 "ping -c 3 192.168.0.1", r"(\d+) packets transmitted, (\d+) packets received")
    assert m.group(1) == m.group(2) == "3"
    status, out = machine.domd_run(f"ls /sys/class/net/xenbr0/brif")
    assert status == 0 and f"vif{guest}.0" in out.split(), out


def test_disk_bytes_survive_destroy_and_a_new_create(machine, guest):
    word = "pixen-disk-check-4711"
    in_guest(machine, f"ls -l /dev/xvda && echo {word} | dd of=/dev/xvda conv=fsync && echo wrote",
             r"\nwrote")
    machine.check(f"xu destroy {GUEST}", timeout=60)
    machine.check(f"xu create {GUEST}", timeout=120)
    m = in_guest(machine, "head -c 21 /dev/xvda; echo", r"\n(pixen-[a-z-]+\d+)\r*\n")
    assert m.group(1) == word


def test_the_guest_reads_and_writes_only_its_own_xenstore_nodes(machine, guest):
    """What a guest can reach in xenstore: its own tree; not Dom0's, not another guest's."""
    out = machine.check("xu create jitter -p", timeout=120)
    other = int(re.search(r"^domain:(\d+) created$", out, re.M).group(1))
    try:
        probes = {
            "own": f"xenstore-read /local/domain/{guest}/name",
            "ownw": f"xenstore-write /local/domain/{guest}/data/probe mine",
            "dom0": "xenstore-read /local/domain/0/name",
            "dom0w": "xenstore-write /local/domain/0/probe theirs",
            "other": f"xenstore-read /local/domain/{other}/name",
            "otherw": f"xenstore-write /local/domain/{other}/probe theirs",
            "list": "xenstore-list /local/domain/0",
        }
        line = "; ".join(f"{cmd} >/dev/null 2>&1; echo {key}=$?" for key, cmd in probes.items())
        m = in_guest(machine, line, r"list=(\d+)")
        got = dict(re.findall(r"^(\w+)=(\d+)", m.string[:m.end()], re.M))
        assert got == {"own": "0", "ownw": "0", "dom0": "1", "dom0w": "1", "other": "1",
                       "otherw": "1", "list": "1"}, got
        # Nothing it was denied was written.
        for path in ("/local/domain/0/probe", f"/local/domain/{other}/probe"):
            status, _ = machine.run(f"xenstore-read {path}")
            assert status != 0, path
        assert machine.check(f"xenstore-read /local/domain/{guest}/data/probe").strip() == "mine"
    finally:
        machine.check("xu destroy jitter", timeout=60)


VCHAN = "/local/domain/1/data/vchan"


def test_a_vchan_stream_of_1_mib_crosses_between_the_guest_and_domd(machine, guest):
    """pixen-vchan (libxenvchan) in both: DomD offers a ring to the guest in its own
    xenstore tree; a random MiB arrives whole, each way, its sha256 the same at both ends."""
    sums = {}
    for direction in ("guest to DomD", "DomD to guest"):
        up = direction == "guest to DomD"
        # DomD listens in the background; its exit status says whether every byte went through.
        status, out = machine.domd_run(
            "rm -f /tmp/vchan.rc; head -c 1048576 /dev/urandom > /tmp/vchan.out; "
            f"(pixen-vchan listen {guest} {VCHAN} {'receive > /tmp/vchan.in' if up else 'send < /tmp/vchan.out'}; "
            "echo $? > /tmp/vchan.rc) & true")
        assert status == 0, out
        m = in_guest(machine, "touch /tmp/vchan.in; head -c 1048576 /dev/urandom > /tmp/vchan.out; "
                     f"pixen-vchan connect 1 {VCHAN} {'send < /tmp/vchan.out' if up else 'receive > /tmp/vchan.in'}; "
                     "echo vchan-rc=$?; sha256sum /tmp/vchan.out /tmp/vchan.in 2>&1",
                     r"vchan-rc=(\d+)\s+(\S+)  /tmp/vchan.out\s+(\S+)  /tmp/vchan.in", timeout=120)
        assert m.group(1) == "0", direction
        in_guest_sums = m.group(2), m.group(3)
        for _ in range(20):
            status, out = machine.domd_run("cat /tmp/vchan.rc; sha256sum /tmp/vchan.out /tmp/vchan.in; "
                                           "wc -c < /tmp/vchan.in")
            if re.match(r"\d+\n", out):
                break
        assert out.startswith("0\n"), (direction, out)
        in_domd = re.findall(r"^(\S+)  /tmp/vchan\.(out|in)$", out, re.M)
        domd_sums = dict((name, digest) for digest, name in in_domd)
        sent, received = (in_guest_sums[0], domd_sums["in"]) if up else \
            (domd_sums["out"], in_guest_sums[1])
        assert sent == received, (direction, sent, received)
        if up:
            assert out.rstrip().endswith("\n1048576"), out
        sums[direction] = sent
    assert sums["guest to DomD"] != sums["DomD to guest"]
    # A listener interrupted before anyone connects takes its offer out of xenstore.
    status, out = machine.domd_run(
        f"pixen-vchan listen {guest} {VCHAN}-int receive & sleep 2; "
        f"xenstore-list {VCHAN}-int; kill -INT $!; wait $!; echo rc=$?; "
        f"xenstore-list /local/domain/1/data")
    assert "ring-ref" in out and "rc=130" in out and "interrupted (signal 2)" in out, out
    assert "vchan-int" not in out.split("rc=130")[1], out


def test_destroy_leaves_no_vif_no_loop_device_and_no_nodes(machine, guest):
    machine.check(f"xu destroy {GUEST}", timeout=60)
    out = machine.check("xenstore-ls -f /local/domain/1/backend; xenstore-ls -f /local/domain "
                        f"| grep -c '/device/v' || true")
    assert f"/{guest}" not in out and out.strip().endswith("0"), out
    status, out = machine.domd_run("ls /sys/class/net/xenbr0/brif; losetup -a; echo listed")
    assert status == 0 and out.split() == ["listed"], out


def test_a_guest_with_only_a_disk_frees_its_loop_device(machine):
    # blkback says nothing when its frontend goes; devd must free the loop all the same.
    machine.check(f"sed 's|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|; /^vif/d' "
                  f"/dom0/{GUEST}.cfg > /tmp/diskonly.cfg")
    machine.check("xu create /tmp/diskonly.cfg", timeout=120)
    try:
        status, out = machine.domd_run("losetup -a")
        assert status == 0 and DISK in out, out
    finally:
        machine.check(f"xu destroy {GUEST}", timeout=60)
    status, out = machine.domd_run("losetup -a; echo listed")
    assert out.split() == ["listed"], out


def test_a_disk_file_is_not_given_to_two_guests_to_write(machine):
    # Paused, the first guest's xenstore nodes hold still while the second is refused.
    machine.check(f"xu create {GUEST} -p", timeout=120)
    try:
        machine.check(f"sed 's|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|; /^vif/d; "
                      f"s/^name = .*/name = \"second\"/' /dom0/{GUEST}.cfg > /tmp/second.cfg")
        snapshot(machine, "before")
        status, out = machine.run("xu create /tmp/second.cfg", timeout=120)
        assert status == 1, out
        assert f"/tmp/second.cfg:11: disk: DomD: disk target {DISK} is in use already" in out, out
        assert_same_as(machine, "before")
    finally:
        machine.check(f"xu destroy {GUEST}", timeout=60)


BAD_DEVICES = {
    "a vif on a bridge DomD lacks": (
        "vif = [ 'backend=DomD,bridge=xenbr9' ]",
        "/tmp/bad.cfg:11: vif: DomD: bridge xenbr9 does not exist"),
    "a disk whose file DomD lacks": (
        "disk = [ 'backend=DomD,vdev=xvda,target=/srv/xen/nosuch.img' ]",
        "/tmp/bad.cfg:11: disk: DomD: disk target /srv/xen/nosuch.img: No such file or directory"),
}


@pytest.mark.parametrize("case", sorted(BAD_DEVICES))
def test_a_bad_device_fails_create_and_leaves_nothing(machine, case):
    line, message = BAD_DEVICES[case]
    machine.check(f"sed 's|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|; /^vif/d; /^disk/d' "
                  f"/dom0/{GUEST}.cfg > /tmp/bad.cfg")
    machine.write_file("/tmp/line", line + "\n")
    machine.check("cat /tmp/line >> /tmp/bad.cfg")
    assert machine.check("wc -l < /tmp/bad.cfg").strip() == "11"
    snapshot(machine, "before")
    status, out = machine.run("xu create /tmp/bad.cfg", timeout=120)
    assert status == 1 and message in out, out
    assert_same_as(machine, "before")
    status, out = machine.domd_run("ls /sys/class/net/xenbr0/brif; losetup -a; echo listed")
    assert out.split() == ["listed"], out


def test_domd_is_not_destroyed_while_it_serves_unless_forced(machine):
    domid = int(re.search(r"domain:(\d+) created",
                          machine.check(f"xu create {GUEST} -p", timeout=120)).group(1))
    status, out = machine.run("xu destroy DomD")
    assert status == 1, out
    assert f"domain 1 serves PV devices of domains {domid}: destroy those first, or force it " \
           "with xu destroy -f DomD" in out, out
    assert "DomD" in domains(machine)
    # Forced, DomD goes; the guest can still be destroyed, and nothing is left.
    assert machine.check("xu destroy -f DomD", timeout=60).strip() == "domain:1 destroyed"
    assert machine.check(f"xu destroy {GUEST}", timeout=60).strip() == f"domain:{domid} destroyed"
    assert list(domains(machine)) == ["Domain-0"]
    status, out = machine.run("xenstore-ls /local/domain/1")
    assert status != 0, out
