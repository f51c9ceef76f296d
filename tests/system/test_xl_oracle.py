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
