"""ENABLE_PARTITIONS=yes: Xen makes the machine's CPU pools at boot (platform.cfg's
cpupools: on QEMU, rt = CPU 1 under the null scheduler) and starts rt_jitter in
the rt pool itself (its config in the option's boot-guests/). Dom0 names the
pools in xenstore, and xu's views of them match Debian's xl on the same boot.
Xen also starts shm_ping and shm_pong, which pass messages through memory they
share (static_shm) and signal each other through a static event channel."""
import re
import time

RUNNING = ("Domain-0 ", "DomD ", "rt_jitter ", "shm_ping ", "shm_pong ")


def vcpu_rows(text):
    """xl vcpu-list's rows as (name, id, vcpu, cpu, state, time, affinity)."""
    rows = []
    for line in text.splitlines()[1:]:
        m = re.match(r"(\S+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*)$", line)
        assert m, line
        rows.append(m.groups())
    return rows


def masked(text):
    """The rows with the running vCPUs' state and time masked (they move between
    two commands), the widths kept."""
    out = []
    for line in text.splitlines():
        if line.startswith(RUNNING):
            line = line[:50] + "#" * 15 + line[65:]
        out.append(line)
    return out


def test_pools_made_at_boot_list_as_xl_lists_them(partitions_machine):
    m = partitions_machine
    rows = {r.split()[0]: r.split()[1] for r in m.check("xu list").splitlines()[1:]}
    # Xen numbers the boot-time domains in the order mkboot was given them: DomD first.
    assert rows == {"Domain-0": "0", "DomD": "1", "rt_jitter": "2", "shm_ping": "3",
                    "shm_pong": "4"}, rows
    assert m.check("xenstore-read /local/pool/0/name").strip() == "Pool-0"
    for args in ("", "-c", "rt", "-c rt", "Pool-0"):
        xu, xl = m.check(f"xu cpupool-list {args}"), m.check(f"xl cpupool-list {args}")
        assert xu == xl, (args, xu, xl)
    assert m.check("xu cpupool-list").splitlines()[1:] == [
        "Pool-0               1   credit2       y          4",
        "rt                   1      null       y          1"]
    assert m.check("xu cpupool-list -c").splitlines()[1:] == ["Pool-0             0",
                                                              "rt                 1"]


def test_the_guest_xen_started_runs_alone_on_its_cpu(partitions_machine):
    m = partitions_machine
    xu, xl = m.check("xu vcpu-list"), m.check("xl vcpu-list")
    assert masked(xu) == masked(xl), f"xu:\n{xu}\nxl:\n{xl}"
    rows = {r[0]: r for r in vcpu_rows(xu)}
    # The null scheduler keeps the vCPU on the pool's one CPU, blocked or running.
    assert rows["rt_jitter"][3] == "1" and rows["rt_jitter"][6] == "all / all", xu
    assert rows["DomD"][3] == "0" and rows["Domain-0"][3] == "0", xu
    for name in ("rt_jitter", "DomD", "Domain-0"):
        xu, xl = m.check(f"xu vcpu-list {name}"), m.check(f"xl vcpu-list {name}")
        assert masked(xu) == masked(xl), (name, xu, xl)
    # Its console is its emulated UART, which Xen prints: it wakes and reports each second.
    m.expect(r"DOM2: jitter: 100 wake-ups, latency min \d+ avg \d+ max \d+ us", timeout=30)
    assert "DOM2: jitter: a timer every 10000 us" in m.transcript


def test_guests_xu_creates_still_run_in_pool_0(partitions_machine):
    m = partitions_machine
    assert "created" in m.check("xu create jitter", timeout=120)
    deadline = time.monotonic() + 60
    while "100 wake-ups" not in m.check("cat /var/log/xen/console/guest-jitter.log"):
        assert time.monotonic() < deadline, "jitter in Pool-0 never reported"
        time.sleep(1)
    rows = {r[0]: r for r in vcpu_rows(m.check("xu vcpu-list"))}
    assert rows["jitter"][3] == "0", rows
    assert m.check("xu cpupool-list").splitlines()[1].split()[4] == "5"
    m.check("xu destroy jitter")
    # Static links are Xen's to make at boot: xu create refuses them, and makes nothing.
    m.check("cp /dom0/jitter.cfg /tmp/linked.cfg && sed -i 's/^name = .*/name = \"linked\"/; "
            "s|^kernel = .*|kernel = \"/dom0/jitter.bin\"|' /tmp/linked.cfg && "
            "echo \"static_shm = [ 'id=a,host=0xbbe00000,guest=0x7fe00000,size=4K' ]\" "
            ">> /tmp/linked.cfg")
    line = m.check("grep -n '^static_shm' /tmp/linked.cfg | cut -d: -f1").strip()
    status, out = m.run("xu create /tmp/linked.cfg", timeout=60)
    assert status != 0 and f"/tmp/linked.cfg:{line}: static_shm: only domains Xen starts at " \
        "boot have static links" in out, out
    assert "linked" not in m.check("xu list")


def test_two_guests_pass_messages_through_shared_memory_and_a_static_channel(
        partitions_machine):
    """Each end counts and checks every message; both consoles (their UARTs, on Xen's
    serial line) say so. Nothing of xenstore is on the way: with Dom0's xenstored
    stopped, the next thousand still cross."""
    m = partitions_machine
    for pattern in (r"DOM3: shmpair: ping: 1000 messages sent, 1000 replies checked",
                    r"DOM4: shmpair: pong: 1000 messages received and checked, 1000 replies sent"):
        if not re.search(pattern, m.transcript):
            m.expect(pattern, timeout=60)
    assert "DOM3: shmpair: ping, region pingpong at 0x7fe00000 (65536 bytes), port 10 to " \
           "shm_pong" in m.transcript
    assert "panic" not in m.transcript
    # Whether the first thousand cross before Dom0's xu attach is a race Dom0 now wins
    # on QEMU; a stopped xenstored is not. Only Xen's serial line is read meanwhile.
    m.check("kill -STOP $(cat /run/xen/xenstored.pid)")
    try:
        done = max(int(n) for n in
                   re.findall(r"shmpair: pong: (\d+) messages received", m.transcript))
        m.expect_all((rf"DOM4: shmpair: pong: {done + 1000} messages received and checked",
                      rf"DOM3: shmpair: ping: {done + 1000} messages sent, "
                      rf"{done + 1000} replies checked"), timeout=60)
    finally:
        m.check("kill -CONT $(cat /run/xen/xenstored.pid)")
    assert m.check("xenstore-read /local/pool/0/name").strip() == "Pool-0"
