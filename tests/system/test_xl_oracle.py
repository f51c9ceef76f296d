"""xu list prints what Debian's xl list prints, for the same domains (xl in the test image)."""
import re
import time

GUEST = "linux_pv_domu"


def xl_config(machine):
    """The same guest under another name, so xl and xu can each start one. Without
    its PV devices: xl would want Debian's hotplug scripts in DomD for them."""
    machine.check(f"sed 's/^name = .*/name = \"xl_guest\"/; s|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|; "
                  f"/^vif/d; /^disk/d' /dom0/{GUEST}.cfg > /tmp/xl_guest.cfg")
    return "/tmp/xl_guest.cfg"


# Domains that run while the tests look: their state letters and CPU time move
# between two commands.
RUNNING = ("Domain-0 ", "DomD ")


def rows_with_times_masked(text):
    """Keeps the running domains' column widths, masks their state and time."""
    out = []
    for line in text.splitlines():
        m = re.match(r"(.*\s)(\S{6}\s+\S+)$", line)
        if line.startswith(RUNNING) and m:
            line = m.group(1) + "#" * len(m.group(2))
        out.append(line)
    return out


def test_xu_list_is_byte_identical_to_xl_list(xl_machine):
    m = xl_machine
    assert "domain:2 created" in m.check(f"xu create {GUEST} -p", timeout=120)
    status, out = m.run(f"xl create {xl_config(m)} -p", timeout=120)
    assert status == 0, out
    # Paused guests' times stand still, so their rows must match to the byte.
    xu, xl = m.check("xu list"), m.check("xl list")
    assert rows_with_times_masked(xu) == rows_with_times_masked(xl), f"xu:\n{xu}\nxl:\n{xl}"
    assert [l for l in xu.splitlines() if not l.startswith(RUNNING)] == \
        [l for l in xl.splitlines() if not l.startswith(RUNNING)]
    for who in ("1", "2", GUEST, "DomD", "xl_guest", "0"):
        xu, xl = m.check(f"xu list {who}"), m.check(f"xl list {who}")
        assert rows_with_times_masked(xu) == rows_with_times_masked(xl), (who, xu, xl)


def wait_ready(machine, name):
    for _ in range(180):
        status, _ = machine.run(f"grep -q 'ready in' /var/log/xen/console/guest-{name}.log")
        if status == 0:
            return
        time.sleep(0.5)
    raise AssertionError(f"{name} never printed its ready line")


def test_running_guests_list_alike_too(xl_machine):
    m = xl_machine
    m.check(f"xu unpause {GUEST}")
    m.check("xl unpause xl_guest")
    wait_ready(m, GUEST)
    wait_ready(m, "xl_guest")
    xu, xl = m.check("xu list"), m.check("xl list")
    # A running guest's state letters and time move from one moment to the next;
    # name, id, memory and vCPUs must agree.
    stable = lambda t: [l.split()[:4] for l in t.splitlines()[1:]]
    assert stable(xu) == stable(xl), f"xu:\n{xu}\nxl:\n{xl}"
    assert xu.splitlines()[0] == xl.splitlines()[0]
    m.check(f"xu destroy {GUEST}")
    m.check("xl destroy xl_guest")
    # Each tool sees the other's guest gone: only the boot-time domains are left in both.
    for tool in ("xu", "xl"):
        rows = m.check(f"{tool} list").splitlines()[1:]
        assert [r.split()[0] for r in rows] == ["Domain-0", "DomD"], (tool, rows)


def test_xu_dmesg_is_xl_dmesg(xl_machine):
    """Xen's console log, read the same way: what xu shows, xl shows too (Xen
    may have logged more between the two)."""
    m = xl_machine
    xu = m.check("xu dmesg > /tmp/xu.dmesg; xl dmesg > /tmp/xl.dmesg; wc -c < /tmp/xu.dmesg")
    size = int(xu.strip())
    assert size > 1000
    assert m.check(f"head -c {size} /tmp/xl.dmesg | cmp - /tmp/xu.dmesg && echo same").strip() \
        == "same"
    # (The console drops lines that start as Xen's own do: count them instead.)
    assert m.check("head -40 /tmp/xu.dmesg | grep -c 'Xen version 4.17'").strip() == "1"


def pinned_config(machine, name, cpus):
    """linux_pv_domu under another name, its vCPUs placed by `cpus` (the line
    after name = ..., so line 2 of the file or later: `grep -n` tells)."""
    machine.check(f"sed 's/^name = .*/name = \"{name}\"\\ncpus = {cpus}/; "
                  f"s|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|; /^vif/d; /^disk/d' "
                  f"/dom0/{GUEST}.cfg > /tmp/{name}.cfg")
    line = machine.check(f"grep -n '^cpus = ' /tmp/{name}.cfg | cut -d: -f1").strip()
    return f"/tmp/{name}.cfg", int(line)


def vcpu_rows_masked(text):
    """xl vcpu-list's rows, the running domains' CPU, state and time masked."""
    out = []
    for line in text.splitlines():
        if line.startswith(RUNNING):
            cols = line[:44], line[44:65], line[65:]
            line = cols[0] + "#" * len(cols[1]) + cols[2]
        out.append(line)
    return out


def test_cpus_places_vcpus_and_vcpu_list_is_xls(xl_machine):
    m = xl_machine
    config, _ = pinned_config(m, "pinned", '"1"')
    assert "created" in m.check(f"xu create {config} -p", timeout=120)
    # A paused guest's vCPUs stand still: its rows match xl's to the byte.
    xu, xl = m.check("xu vcpu-list pinned"), m.check("xl vcpu-list pinned")
    assert xu == xl, f"xu:\n{xu}\nxl:\n{xl}"
    rows = xu.splitlines()[1:]
    assert len(rows) == 2 and all(r.endswith(" 1 / all") for r in rows), xu
    xu, xl = m.check("xu vcpu-list"), m.check("xl vcpu-list")
    assert vcpu_rows_masked(xu) == vcpu_rows_masked(xl), f"xu:\n{xu}\nxl:\n{xl}"
    # vcpu-pin moves one vCPU; each tool sees what the other set.
    m.check("xu vcpu-pin pinned 0 0")
    assert m.check("xl vcpu-list pinned").splitlines()[1].endswith(" 0 / all")
    m.check("xl vcpu-pin pinned 1 0-1 1")
    xu, xl = m.check("xu vcpu-list pinned"), m.check("xl vcpu-list pinned")
    assert xu == xl and xu.splitlines()[2].endswith(" all / 1"), f"xu:\n{xu}\nxl:\n{xl}"
    m.check("xu vcpu-pin pinned all 1 -")
    assert all(r.endswith(" 1 / all") or r.endswith(" 1 / 1")
               for r in m.check("xu vcpu-list pinned").splitlines()[1:])
    # What the pool cannot give is refused, and nothing changes.
    status, out = m.run("xu vcpu-pin pinned 0 2")
    assert status != 0 and "vcpu-pin: hard affinity: CPU 2: the machine has CPUs 0-1" in out, out
    status, out = m.run("xu vcpu-pin pinned 2 0")
    assert status != 0 and "\"2\" is not a vCPU of pinned (0-1, or all)" in out, out
    assert m.check("xu vcpu-list pinned").splitlines()[1].endswith(" 1 / all")
    m.check("xu destroy pinned")


def test_a_bad_cpus_is_refused_with_its_line_and_leaves_nothing(xl_machine):
    m = xl_machine
    names = lambda: [r.split()[0] for r in m.check("xu list").splitlines()[1:]]
    before = names()
    for cpus, why in (('"2"', "cpus: CPU 2: the machine has CPUs 0-1"),
                      ('"1-"', "cpus: \"1-\" is not a CPU, a range of CPUs"),
                      ('["0", "all,^0,^1"]', "cpus: no CPU of the domain's CPU pool (Pool-0: "
                                             "CPUs all) is left")):
        config, line = pinned_config(m, "badcpus", cpus)
        status, out = m.run(f"xu create {config} -p", timeout=120)
        assert status != 0 and f"{config}:{line}: {why}" in out, (cpus, out)
        assert names() == before
        assert m.check("xenstore-list /local/domain").split() == ["0", "1"]


def test_cpupool_list_is_xls_and_pool_places_a_guest(xl_machine):
    m = xl_machine
    for args in ("", "-c", "Pool-0", "-c Pool-0"):
        xu, xl = m.check(f"xu cpupool-list {args}"), m.check(f"xl cpupool-list {args}")
        assert xu == xl, (args, xu, xl)
    assert m.check("xu cpupool-list").splitlines()[1].split()[:2] == ["Pool-0", "2"]
    # pool names the pool a guest is created in; one that does not exist is refused.
    config, _ = pinned_config(m, "pooled", '"0-1"')
    m.check(f"sed -i 's/^cpus = .*/&\\npool = \"Pool-0\"/' {config}")
    assert "created" in m.check(f"xu create {config} -p", timeout=120)
    assert m.check("xu cpupool-list") == m.check("xl cpupool-list")
    status, out = m.run("xu cpupool-migrate pooled rt")
    assert status != 0 and "no CPU pool named rt (there are: Pool-0)" in out, out
    m.check("xu cpupool-migrate pooled Pool-0")
    m.check("xu destroy pooled")
    m.check(f"sed -i 's/^pool = .*/pool = \"rt\"/' {config}")
    line = m.check(f"grep -n '^pool = ' {config} | cut -d: -f1").strip()
    status, out = m.run(f"xu create {config} -p", timeout=120)
    assert status != 0 and f"{config}:{line}: pool: no CPU pool named rt (there are: Pool-0)" \
        in out, out
    assert "pooled" not in m.check("xu list")
