"""The original's small guests (rpi_5_domd, rpi_5_domu, helloworld_xen-arm64)
and jitter, started from Dom0 as the original's README shows: each 16 MiB and
one vCPU, each on its console, each destroyed cleanly. The blinky's LED is
QEMU's PL061 line 0, whose toggles QEMU's trace records."""
import os
import re
import tempfile
import time

import pytest

# QEMU logs every PL061 output change here: the LED as the board would show it.
TRACE = os.path.join(tempfile.gettempdir(), f"pixen-pl061-{os.getpid()}.log")
QEMU_ARGS = ("-trace", "pl061_set_output", "-D", TRACE)
BOOT_DOMAINS = {"Domain-0", "DomD"}


def log(machine, name):
    return machine.check(f"cat /var/log/xen/console/guest-{name}.log")


def led_toggles():
    """QEMU's record of line 0 of the PL061 being driven, in order (0 or 1)."""
    with open(TRACE) as f:
        return [int(m.group(1)) for m in re.finditer(r"setting output 0 to (\d)", f.read())]


def led_lines(machine):
    return re.findall(r"^LED state: (ON|OFF)$", log(machine, "rpi_5_domd"), re.M)


def xu_list_row(machine, name):
    out = machine.check(f"xu list {name}")
    m = re.search(rf"^{re.escape(name)}\s+(\d+)\s+(\d+)\s+(\d+)\s", out, re.M)
    assert m, out
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def create(machine, name):
    out = machine.check(f"xu create {name}", timeout=60)
    m = re.search(r"^domain:(\d+) created$", out, re.M)
    assert m, out
    domid, mem_mib, vcpus = xu_list_row(machine, name)
    assert (domid, mem_mib, vcpus) == (int(m.group(1)), 16, 1)
    return domid


def wait_for(machine, name, pattern, timeout=30):
    for _ in range(timeout * 2):
        text = log(machine, name)
        if re.search(pattern, text, re.M):
            return text
        time.sleep(0.5)
    raise AssertionError(f"{name} never printed {pattern!r}; its console:\n{text}")


def destroy(machine, name, domid):
    assert machine.check(f"xu destroy {name}").strip() == f"domain:{domid} destroyed"
    assert name not in machine.check("xu list")


@pytest.fixture
def clean(machine):
    yield machine
    for row in machine.check("xu list").splitlines()[1:]:
        name = row.split()[0]
        if name not in BOOT_DOMAINS:
            machine.run(f"xu destroy {name}")


def test_config_list_shows_the_originals_four_in_its_order_then_the_others(machine):
    assert machine.check("xu config_list").split() == [
        "rpi_5_domd", "rpi_5_domu", "helloworld_xen-arm64", "linux_pv_domu", "isolation_probe",
        "jitter"]


def test_blinky_toggles_the_passed_through_led_and_pause_stops_it(clean):
    machine = clean
    domid = create(machine, "rpi_5_domd")
    wait_for(machine, "rpi_5_domd", r"^LED state: OFF$")
    start, lines0 = len(led_toggles()), len(led_lines(machine))
    time.sleep(5)
    toggles, lines = led_toggles(), led_lines(machine)
    # About once a second, the line alternating, each change said on the console.
    assert 3 <= len(toggles) - start <= 8, toggles
    assert all(a != b for a, b in zip(toggles[start:], toggles[start + 1:])), toggles
    assert 3 <= len(lines) - lines0 <= 8, lines
    assert abs((len(toggles) - start) - (len(lines) - lines0)) <= 1
    # The console line comes through xu monitor, a moment after the toggle QEMU traced.
    for _ in range(20):
        if lines[-1] == ("ON" if toggles[-1] == 1 else "OFF"):
            break
        time.sleep(0.1)
        lines = led_lines(machine)
    assert lines[-1] == ("ON" if toggles[-1] == 1 else "OFF")

    assert machine.check(f"xu pause {domid}").strip() == f"domain:{domid} paused"
    paused_toggles, paused_lines = len(led_toggles()), len(led_lines(machine))
    time.sleep(3)
    assert (len(led_toggles()), len(led_lines(machine))) == (paused_toggles, paused_lines)

    assert machine.check(f"xu unpause {domid}").strip() == f"domain:{domid} unpaused"
    time.sleep(3)
    assert len(led_toggles()) >= paused_toggles + 2
    assert len(led_lines(machine)) >= paused_lines + 2

    destroy(machine, "rpi_5_domd", domid)
    after = len(led_toggles())
    time.sleep(2.5)
    assert len(led_toggles()) == after


def test_rpi_5_domu_threads_take_turns(clean):
    machine = clean
    domid = create(machine, "rpi_5_domu")
    text = wait_for(machine, "rpi_5_domu", r"(^thread_[ab]: .*\n){6}")
    turns = re.findall(r"^(thread_[ab]): Hello World from cpu 0 on xenvm!$", text, re.M)
    assert turns[:6] == ["thread_a", "thread_b"] * 3
    destroy(machine, "rpi_5_domu", domid)


def test_helloworld_greets_and_animates_the_monkey(clean):
    machine = clean
    domid = create(machine, "helloworld_xen-arm64")
    text = wait_for(machine, "helloworld_xen-arm64", r"c'o'o[\s\S]*c'_'o[\s\S]*c'o'o")
    assert "Hello world!" in text
    assert 'Arguments:  "helloworld"' in text
    destroy(machine, "helloworld_xen-arm64", domid)


def test_flask_denies_a_guest_what_only_a_privileged_domain_may_do(clean):
    """isolation_probe asks Xen to pause Dom0 and DomD, for the machine's state and for a
    page of Dom0's: each is refused with FLASK's EACCES, Xen logs the avc, and Dom0 and
    DomD run on. The guest powers itself off."""
    machine = clean
    out = machine.check("xu create isolation_probe", timeout=60)
    assert re.search(r"^domain:(\d+) created$", out, re.M), out
    domid = int(re.search(r"^domain:(\d+) created$", out, re.M).group(1))
    text = wait_for(machine, "isolation_probe", r"^isolation_probe: \d+ of \d+ denied$")
    for what in (r"pause Domain-0 \(domctl pausedomain 0\)", r"pause DomD \(domctl pausedomain 1\)",
                 r"read the machine's memory and CPUs \(sysctl physinfo\)",
                 r"map a page of Domain-0's memory \(memory_op add_to_physmap_batch gmfn_foreign 0\)"):
        assert re.search(rf"^isolation_probe: {what}: denied, -13 \(EACCES\)$", text, re.M), \
            (what, text)
    assert "isolation_probe: 4 of 4 denied" in text, text
    # Xen's lines on the serial console are the harness's noise: read them without the prefix.
    dmesg = machine.check("xu dmesg | grep 'avc:' | sed 's/^(XEN) //'")
    for perm, tclass in (("pause", "domain"), ("physinfo", "xen"), ("map_read", "mmu")):
        assert re.search(rf"avc:  denied  \{{[^}}]*\b{perm}\b[^}}]*\}} for "
                         rf"(?:source|current)=d{domid} .*scontext=system_u:system_r:domU_t "
                         rf".*tclass={tclass}", dmesg), \
            (perm, dmesg[-3000:])
    rows = machine.check("xu list")
    assert re.search(r"^Domain-0\s+0\s.*\s[r-]-----\s", rows, re.M), rows
    assert re.search(r"^DomD\s+1\s.*\s[rb-]{2}----\s", rows, re.M), rows
    for _ in range(20):
        if "isolation_probe" not in machine.check("xu list"):
            break
        time.sleep(0.5)
    assert "isolation_probe" not in machine.check("xu list"), "it did not power itself off"


def test_jitter_reports_its_wake_up_latency(clean):
    machine = clean
    domid = create(machine, "jitter")
    text = wait_for(machine, "jitter", r"(^jitter: 100 wake-ups, .*\n){2}")
    for m in re.finditer(r"latency min (\d+) avg (\d+) max (\d+) us", text):
        low, avg, high = map(int, m.groups())
        assert low <= avg <= high
    destroy(machine, "jitter", domid)


def test_a_gzip_kernel_boots_as_the_plain_one(clean):
    """xu takes a gzip-compressed kernel (Image.gz, or a raw image like these)."""
    machine = clean
    machine.check("gzip -c /dom0/z_sync.bin > /tmp/z_sync.bin.gz")
    machine.write_file("/tmp/gz.cfg", 'name = "gz"\nmemory = 16\nkernel = "z_sync.bin.gz"\n')
    out = machine.check("xu create /tmp/gz.cfg")
    domid = int(re.search(r"^domain:(\d+) created$", out, re.M).group(1))
    wait_for(machine, "gz", r"^thread_b: Hello World")
    destroy(machine, "gz", domid)


def test_a_bad_led_argument_is_reported_on_the_guests_console(clean):
    machine = clean
    machine.check("sed 's/led=pl061,0x09030000,0/led=pl061,0x09030000,9/' "
                  "/dom0/rpi_5_domd.cfg > /tmp/badled.cfg")
    machine.check("sed -i 's/z_blinky.bin/\\/dom0\\/z_blinky.bin/' /tmp/badled.cfg")
    machine.check("xu create /tmp/badled.cfg")
    wait_for(machine, "rpi_5_domd",
             r'^panic: rpi_5_domd: led=pl061,0x09030000,9: bad line "9": a PL061 has lines 0 to 7')
    # It crashed, and on_crash's default destroyed it.
    for _ in range(20):
        if "rpi_5_domd" not in machine.check("xu list"):
            break
        time.sleep(0.5)
    assert "rpi_5_domd" not in machine.check("xu list")
