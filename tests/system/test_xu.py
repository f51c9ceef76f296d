"""xu, the thin Dom0's toolstack, driven from Dom0's shell as a user would."""
import os
import re
import time

import pytest

from soak import soak

from console import ROOT

GUEST = "linux_pv_domu"
GUEST_PROMPT = r"linux_pv_domu:[^\r\n]*# "
LOG = f"/var/log/xen/console/guest-{GUEST}.log"
DETACH = "\x1d"  # Ctrl-]


def domains(machine):
    """xu list as {name: (id, state)}."""
    rows = machine.check("xu list").splitlines()[1:]
    found = {}
    for row in rows:
        m = re.match(r"(\S+)\s+(\d+)\s+\d+\s+\d+\s+(\S{6})\s", row)
        assert m, f"not an xu list row: {row!r}"
        found[m.group(1)] = (int(m.group(2)), m.group(3))
    return found


@pytest.fixture(scope="module")
def warm(machine):
    """Two creates and destroys first: Xen grows some of its own tables on the first
    guests (76 KiB, then 4 KiB, measured) and keeps them; later cycles cost nothing,
    which is what the tests check."""
    for _ in range(2):
        create(machine, "-p")
        machine.check(f"xu destroy {GUEST}")
    return machine


# The domains the system boots with: they stay.
BOOT_DOMAINS = {"Domain-0", "DomD"}


@pytest.fixture
def clean(machine):
    """Leaves no guest behind, whatever the test did."""
    yield machine
    for name, (domid, _) in domains(machine).items():
        if name not in BOOT_DOMAINS:
            machine.run(f"xu destroy {domid}")


def create(machine, *args):
    out = machine.check(f"xu create {GUEST} {' '.join(args)}".strip(), timeout=120)
    m = re.search(r"^domain:(\d+) created$", out, re.M)
    assert m, out
    return int(m.group(1))


def attach(machine, who):
    machine.child.sendline(f"xu console {who}")
    machine.expect("Attached to a domain console")


def detach(machine):
    machine.child.send(DETACH)
    machine.expect("Detached from console")
    machine.expect(r"dom0:[^\r\n]*# ")


def guest_shell(machine, command, expect, timeout=60):
    """Types a command at the attached guest's shell and waits for `expect`."""
    machine.child.send(command + "\r")
    machine.expect(expect, timeout=timeout)
    machine.expect(GUEST_PROMPT)


def wait_until_ready(machine, domid, timeout=90):
    for _ in range(timeout * 2):
        if "linux_pv_domu: ready in" in machine.check(f"cat {LOG}"):
            return
        time.sleep(0.5)
    raise AssertionError(f"domain {domid} never printed its ready line")


def log_size(machine):
    return int(machine.check(f"wc -c < {LOG}").strip())


# Xen's allocator pools keep a page they grew now and then (measured: one 4 KiB
# page in 40 create/destroy cycles, after the first cycles' 80 KiB; 12 KiB once
# in 20 cycles since DomD serves from a real disk, most likely its grant
# bookkeeping growing with the grants its backends hold at once). A leak of
# anything a domain holds would cost at least a page on every cycle.
POOL_SLACK_KIB = 16


def assert_memory_back(machine, expected_kib, seconds=15):
    """Xen frees a destroyed domain's memory a little after the domain has gone
    (an RCU callback), so give it a moment, but no more."""
    for _ in range(seconds * 2):
        now = free_kib(machine)
        if expected_kib - POOL_SLACK_KIB <= now <= expected_kib:
            return
        time.sleep(0.5)
    raise AssertionError(f"free memory is {now} KiB, was {expected_kib} KiB")


def snapshot(machine, name):
    """Saves, in Dom0, what must not change: xenstore and the domains (without their
    state and CPU time, which move while Dom0 and DomD run)."""
    machine.check(f"xenstore-ls -f / > /tmp/{name}.xs; "
                  f"xu list | sed 's/ *[-a-z]\\{{6\\}} *[0-9.]*$//' > /tmp/{name}.list")


def assert_same_as(machine, name):
    snapshot(machine, "now")
    for kind in ("xs", "list"):
        status, diff = machine.run(f"diff /tmp/{name}.{kind} /tmp/now.{kind}")
        assert status == 0, f"{kind} changed:\n{diff}"


def free_kib(machine):
    """Xen's free memory plus Dom0's. Dom0's balloon driver trades pages with
    Xen's free pool around foreign mappings, so only the sum is fixed once no
    other domain holds memory."""
    free = int(re.search(r"Free mem\(K\)\s*: (\d+)", machine.check("xstat physinfo")).group(1))
    dom0 = re.search(r"Domain #  0     : 0 \(Domain-0\)\n(?:.*\n){2}.*\n"
                     r"MEM reserved\(K\) : (\d+)", machine.check("xstat stat"))
    return free + int(dom0.group(1))


def test_config_list_names_the_configs_on_the_card(machine):
    # All of them, in the card's order, are test_guests.py's.
    assert GUEST in machine.check("xu config_list").split()


def test_create_then_console_shows_the_boot_and_a_working_shell(clean):
    m = clean
    domid = create(m)
    row = domains(m)[GUEST]
    assert row[0] == domid
    # The guest's Mem and VCPUs columns come from its config: 256 MiB, 2 vCPUs.
    # VCPUs counts those online, as xl's does: the second comes up as the
    # guest's kernel boots.
    for _ in range(60):
        listed = m.check("xu list")
        if re.search(rf"^{GUEST}\s+{domid}\s+256\s+2\s", listed, re.M):
            break
        time.sleep(0.5)
    assert re.search(rf"^{GUEST}\s+{domid}\s+256\s+2\s", listed, re.M), listed
    attach(m, GUEST)
    # Everything since it started, though nobody was attached while it booted.
    m.expect("Booting Linux on physical CPU")
    m.expect("Machine model: XENVM-4.17")
    m.expect("linux_pv_domu: ready in", timeout=90)
    m.expect(GUEST_PROMPT)
    guest_shell(m, "echo $((6 * 7)) $(grep -c ^processor /proc/cpuinfo)", r"42 2\r")
    detach(m)


def test_console_loses_nothing_while_nobody_is_attached(clean):
    m = clean
    domid = create(m)
    wait_until_ready(m, domid)
    attach(m, domid)
    m.expect(GUEST_PROMPT)
    # Forty numbered lines printed while detached, then a marker.
    m.child.send("(for i in $(seq 1 40); do echo line-$i; sleep 0.1; done; echo all-done) &\r")
    detach(m)
    time.sleep(8)
    attach(m, domid)
    m.expect("all-done")
    detach(m)
    seen = re.findall(r"line-(\d+)\r", m.transcript[m.transcript.rfind("all-done") - 2000:])
    assert seen == [str(i) for i in range(1, 41)], seen
    # A second look starts where the first stopped: nothing is shown twice.
    attach(m, domid)
    time.sleep(2)
    detach(m)
    tail = m.transcript[m.transcript.rfind("Attached to a domain console"):]
    assert "line-" not in tail, tail


def test_console_on_a_pipe_sends_its_input_and_returns_with_the_answer(clean):
    m = clean
    domid = create(m)
    wait_until_ready(m, domid)
    # Nothing typed: what is new, then back (the boot, once).
    first = m.check(f"xu console {GUEST} < /dev/null", timeout=60)
    assert "Booting Linux" in first and first.rstrip().endswith("Detached from console")
    assert "Booting Linux" not in m.check(f"xu console {GUEST} < /dev/null", timeout=60)
    # A command through a pipe: its answer comes back, and so does the prompt.
    out = m.check(f"echo 'echo piped-$((40 + 2))' | xu console {GUEST} | cat", timeout=60)
    assert re.search(r"^piped-42\r?$", out, re.M), out


def test_pause_stops_the_output_and_unpause_resumes_it(clean):
    m = clean
    domid = create(m)
    wait_until_ready(m, domid)
    attach(m, domid)
    m.expect(GUEST_PROMPT)
    m.child.send("(while true; do echo tick; sleep 0.2; done) &\r")
    detach(m)
    before = log_size(m)
    time.sleep(2)
    assert log_size(m) > before, "the guest prints nothing"
    assert m.check(f"xu pause {GUEST}").strip() == f"domain:{domid} paused"
    assert domains(m)[GUEST][1][2] == "p"
    paused_at = log_size(m)
    time.sleep(3)
    assert log_size(m) == paused_at, "output grew while the domain was paused"
    assert m.check(f"xu unpause {domid}").strip() == f"domain:{domid} unpaused"
    time.sleep(2)
    assert log_size(m) > paused_at, "output did not resume"
    assert domains(m)[GUEST][1][2] == "-"


def test_destroy_removes_the_domain_and_its_xenstore_nodes(clean):
    m = clean
    domid = create(m)
    assert m.check(f"xu destroy {GUEST}").strip() == f"domain:{domid} destroyed"
    assert GUEST not in domains(m)
    status, _ = m.run(f"xenstore-exists /local/domain/{domid}")
    assert status != 0
    status, _ = m.run(f"xenstore-ls -f / | grep -e /local/domain/{domid}/ -e /xu/{domid}/")
    assert status == 1, "xenstore still has nodes of the domain"


def test_shutdown_w_ends_the_domain_cleanly(clean):
    m = clean
    domid = create(m)
    wait_until_ready(m, domid)
    out = m.check(f"xu shutdown {GUEST} -w", timeout=120)
    assert out.strip() == f"domain:{domid} shut down"
    assert GUEST not in domains(m)
    # The guest went down its own way: Linux said so on its console.
    assert "reboot: Power down" in m.check(f"cat {LOG}")
    assert "destroyed" in m.check("cat /var/log/xu-monitor.log")


def test_a_guest_that_reboots_is_started_again_from_its_config_as_it_was(clean):
    m = clean
    # Its config is broken after the create: a restart uses the text it was created from.
    m.check(f"sed 's|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|' /dom0/{GUEST}.cfg > /tmp/restart.cfg")
    out = m.check("xu create /tmp/restart.cfg", timeout=120)
    domid = int(re.search(r"domain:(\d+) created", out).group(1))
    m.check("echo 'memory = lots' >> /tmp/restart.cfg")
    wait_until_ready(m, domid)
    attach(m, domid)
    m.expect(GUEST_PROMPT)
    m.child.send("reboot\r")
    m.expect("Detached from console|The domain has gone", timeout=60)
    for _ in range(120):
        log = m.check("cat /var/log/xu-monitor.log")
        restarted = re.search(rf"{GUEST} restarted as domain (\d+)", log)
        if restarted:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("the rebooted guest did not come back")
    new_id = int(restarted.group(1))
    assert new_id != domid and domains(m)[GUEST][0] == new_id
    wait_until_ready(m, new_id)


def kernel_span_bytes(path):
    """What an arm64 Image occupies once running: its file, or its header's image_size
    (which counts the BSS) when that is more."""
    with open(path, "rb") as f:
        image_size = int.from_bytes(f.read(24)[16:24], "little")
    return max(os.path.getsize(path), image_size)


# linux_pv_domu's kernel, as the build put it on the card.
KERNEL_BYTES = kernel_span_bytes(os.path.join(ROOT, "build/kernel/Image"))
MIB = 1 << 20

BROKEN = {
    "syntax": ("name = 'x'\nkernel = '/dom0/linux_pv_domu/Image'\nmemory = lots\n",
               "/tmp/broken.cfg:3: memory: expected a value (a \"string\", a number or a "
               "[list]), got 'lots' (quote words)"),
    "unknown key": ("name = 'x'\nkernel = '/dom0/linux_pv_domu/Image'\nmemroy = 64\n",
                    "/tmp/broken.cfg:3: unknown key 'memroy'"),
    "missing kernel": ("name = 'x'\n\nkernel = 'nothere/Image'\n",
                       "/tmp/broken.cfg:3: kernel: /tmp/nothere/Image: No such file or directory"),
    "not a kernel": ("name = 'x'\nkernel = '/dom0/README.txt'\n",
                     "/tmp/broken.cfg:2: kernel: /dom0/README.txt: not an arm64 kernel Image"),
    # Xen would refuse it only once the domain exists (test_host_devices_... has more).
    "interrupt nobody frees": ("name = 'x'\nkernel = '/dom0/linux_pv_domu/Image'\nmemory = 64\n"
                               "irqs = [ 100 ]\n",
                               "/tmp/broken.cfg:4: irqs: 100: no device platform.cfg's "
                               "guest_devices frees (/pl061@9030000) raises it"),
    # The kernel, rounded up to 2 MiB, and 2 MiB for the device tree.
    "too little memory": ("name = 'x'\nkernel = '/dom0/linux_pv_domu/Image'\n",
                          "/tmp/broken.cfg: memory = 32 MiB cannot hold the kernel "
                          f"({-(-KERNEL_BYTES // MIB)} MiB) and ramdisk (0 MiB); it needs at least "
                          f"{-(-KERNEL_BYTES // (2 * MIB)) * 2 + 2} MiB"),
    "vif without backend": ("name = 'x'\nkernel = '/dom0/linux_pv_domu/Image'\n"
                            "vif = [ 'backend=DomE,bridge=xenbr0' ]\n",
                            "/tmp/broken.cfg:3: vif: the backend domain DomE is not running"),
    "static memory": ("name = 'x'\nkernel = '/dom0/linux_pv_domu/Image'\nmemory = 64\n"
                      "static_mem = [ '0x60000000,64M' ]\n",
                      "/tmp/broken.cfg:4: static_mem: only domains Xen starts at boot have "
                      "static memory"),
    "start after Dom0": ("name = 'x'\nkernel = '/dom0/linux_pv_domu/Image'\n"
                         "start_after_dom0 = 1\n",
                         "/tmp/broken.cfg:3: start_after_dom0: only domains Xen starts at boot "
                         "wait for Dom0 (xu create -p makes a domain paused)"),
    "UTF-16": ("\ufeffname = 'x'\n".encode("utf-16-le").decode("latin-1"),
               "/tmp/broken.cfg: UTF-16 text (it starts with the byte-order mark FF FE): save it "
               "as UTF-8 or plain ASCII"),
    "vif served by Dom0": ("name = 'x'\nkernel = '/dom0/linux_pv_domu/Image'\n"
                           "vif = [ 'bridge=xenbr0' ]\n",
                           "/tmp/broken.cfg:3: vif: Dom0 serves no PV devices in pixen; name the "
                           "driver domain with backend=DomD"),
}


def test_an_interrupted_create_leaves_nothing(warm, clean):
    m = clean
    snapshot(m, "before")
    free_before = free_kib(m)
    # Interrupted while it loads the kernel, well before it could finish.
    status, out = m.run(f"xu create {GUEST} & sleep 0.3; kill -INT $!; wait $!", timeout=120)
    assert status == 1 and "interrupted; nothing was left behind" in out, out
    assert_same_as(m, "before")
    assert_memory_back(m, free_before)


# A guest with no devices, quick to make.
SMALL = "helloworld_xen-arm64"
# SMALL given the interrupt of the PL061 that platform.cfg frees for guests (SPI 7).
GUEST_IRQ = 39


def irq_guest(m, name):
    """A config of SMALL's, named `name`, that asks for GUEST_IRQ."""
    path = f"/tmp/{name}.cfg"
    m.check(f"sed 's|^name = .*|name = \"{name}\"|; s|^kernel = \"|kernel = \"/dom0/|' "
            f"/dom0/{SMALL}.cfg > {path} && echo 'irqs = [ {GUEST_IRQ} ]' >> {path}")
    return path


def test_a_failure_after_the_domain_exists_leaves_nothing(warm, clean):
    """A step after the domain is made fails (its interrupt, which another guest has):
    everything made before it, the domain, its nodes, its memory, is taken back, and
    the message names the config's line."""
    m = clean
    m.check(f"xu create {irq_guest(m, 'irq-a')} -p", timeout=60)
    snapshot(m, "before")
    free_before = free_kib(m)
    cfg = irq_guest(m, "irq-b")
    line = m.check(f"wc -l < {cfg}").split()[-1]  # irqs is its last
    status, out = m.run(f"xu create {cfg}", timeout=60)
    assert status == 1 and f"{cfg}:{line}: irqs: cannot route interrupt {GUEST_IRQ} to the " \
        "guest: another domain has it (xu list)" in out, out
    assert_same_as(m, "before")
    assert_memory_back(m, free_before)


def gzip_guest(m, name, spoil=""):
    """A config of SMALL's, named `name`, whose kernel is a gzip of SMALL's made in Dom0
    (then changed by the shell command `spoil`, given the file as $k); returns the
    config's path and its kernel line's number."""
    path, kernel = f"/tmp/{name}.cfg", f"/tmp/{name}.gz"
    m.check(f"k={kernel}; gzip -c /dom0/{SMALL} > $k && {spoil or 'true'}")
    m.check(f"sed 's|^name = .*|name = \"{name}\"|; s|^kernel = .*|kernel = \"{kernel}\"|' "
            f"/dom0/{SMALL}.cfg > {path}")
    return path, int(m.check(f"grep -n '^kernel' {path}").split(":")[0])


def test_a_gzip_kernel_is_unpacked_into_the_guest_and_a_broken_one_leaves_nothing(warm, clean):
    """xu streams the kernel into the guest, unpacking a gzip one as it goes: such a
    guest boots as the raw one does. One whose gzip data is damaged is found out only
    once the domain exists (its trailer holds a plausible size); the refusal names the
    config's line and the file, and the domain made for it is taken back."""
    m = clean
    cfg, _ = gzip_guest(m, "gz-hello")
    m.check("head -c 2 /tmp/gz-hello.gz | od -An -tx1 | grep -q '1f 8b'")
    out = m.check(f"xu create {cfg}", timeout=60)
    assert re.search(r"^domain:\d+ created$", out, re.M), out
    m.child.sendline("xu console gz-hello")
    m.expect("Attached to a domain console", timeout=30)
    m.expect("Hello world!", timeout=30)
    detach(m)
    m.check("xu destroy gz-hello", timeout=60)

    snapshot(m, "before")
    free_before = free_kib(m)
    # Eight bytes in the middle of the deflate data: the header and size still read well.
    cfg, line = gzip_guest(m, "gz-broken", spoil=(
        "size=$(wc -c < $k); printf '\\377\\377\\377\\377\\377\\377\\377\\377' | "
        "dd of=$k bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null"))
    status, out = m.run(f"xu create {cfg}", timeout=60)
    assert status == 1, out
    # Which check catches it depends on the bytes: the data, its CRC or its length.
    assert re.search(re.escape(f"{cfg}:{line}: kernel: /tmp/gz-broken.gz: ") +
                     "(broken gzip data after|unpacks to )", out), out
    assert_same_as(m, "before")
    assert_memory_back(m, free_before)


def wait_for_line(m, path, text, seconds=30):
    for _ in range(seconds * 4):
        if m.run(f"grep -qF '{text}' {path}")[0] == 0:
            return
        time.sleep(0.25)
    raise AssertionError(f"no '{text}' in {path}:\n" + m.check(f"cat {path}"))


def test_a_second_ctrl_c_stops_a_create_that_waits_for_ever(warm, clean):
    """The first Ctrl-C lets the step under way finish; when that step does not end
    (DomD paused, the create waits for it to set up the guest's vif), the second ends
    xu at once and says what may remain, which xu list shows and xu destroy takes
    away."""
    m = clean
    cfg = "/tmp/vif-guest.cfg"
    m.check(f"sed 's|^name = .*|name = \"vif-guest\"|; s|^kernel = \"|kernel = \"/dom0/|' "
            f"/dom0/{SMALL}.cfg > {cfg} && "
            f"echo \"vif = [ 'backend=DomD,bridge=xenbr0' ]\" >> {cfg}")
    # Once with DomD serving, so that what a vif leaves in DomD's tree is there before.
    m.check(f"xu create {cfg} -p && xu destroy vif-guest", timeout=60)
    snapshot(m, "before")
    free_before = free_kib(m)
    m.check("xu pause DomD")
    try:
        m.check(f"XU_TIMING=1 xu create {cfg} > /tmp/ctrlc.out 2>&1 & echo $! > /tmp/ctrlc.pid")
        # Its last step before the wait for DomD has ended.
        wait_for_line(m, "/tmp/ctrlc.out", "xu: kernel (streamed) ")
        # One line, well inside the create's 10 s wait, and waited for before the shell
        # reaps the job at its next prompt.
        status, said = m.run("p=$(cat /tmp/ctrlc.pid); kill -INT $p; sleep 1; "
                             "kill -0 $p && echo STILL-RUNNING; kill -INT $p; wait $p", timeout=20)
        out = m.check("cat /tmp/ctrlc.out")
        assert "STILL-RUNNING" in said, "the first Ctrl-C ended xu:\n" + out
        assert status == 130, out
        assert "xu: interrupted: finishing what is under way" in out, out
        assert "xu: interrupted again: stopping now; what was half made may remain (xu list)" \
            in out, out
        assert "vif-guest" in domains(m), m.check("xu list")
    finally:
        m.check("xu unpause DomD")
    m.check("xu destroy vif-guest", timeout=60)
    assert_same_as(m, "before")
    assert_memory_back(m, free_before)


def test_xu_monitor_logs_a_new_guests_console_and_xenconsoled_leaves_it(clean):
    """The guest runs before xu monitor takes its console and before its xenstore
    nodes are written: its first line is logged with no one
    attached and no xenconsoled (the console's type is xu's, which xenconsoled
    leaves alone; it makes no pty), and the nodes are all there once the create
    returns. (How soon, against xl: bench/guests.py.)"""
    m = clean
    log = f"/var/log/xen/console/guest-{SMALL}.log"
    out = m.check(f"xu create {SMALL} && for i in $(seq 100); do grep -q 'Hello world!' {log} "
                  f"&& break; usleep 20000; done; cat {log}", timeout=60)
    assert re.search(r"^domain:\d+ created\r?\n(.*\n)*Hello world!", out, re.M), out
    # From its first byte: the guest runs before the monitor takes its console, and
    # what it printed meanwhile waited in the ring.
    assert m.check(f"head -n 1 {log}").strip() == "Powered by", m.check(f"cat {log}")
    domid = domains(m)[SMALL][0]
    nodes = m.check(f"xenstore-ls /local/domain/{domid}/console")
    assert re.search(r'^type = "xu"', nodes, re.M) and "tty" not in nodes, nodes
    assert m.check(f"xenstore-read /local/domain/{domid}/name").strip() == SMALL
    # It runs ahead of the commands (cmd_monitor.c, MONITOR_NICE): field 19 of stat.
    stat = m.check("cat /proc/$(cat /run/xu/monitor.pid)/stat").strip()
    assert stat.rsplit(")", 1)[1].split()[16] == "-10", stat


def test_create_c_shows_the_guest_from_its_first_byte(clean):
    """`xu create -c` attaches once the create is done, after the guest has run and
    the monitor has taken its console: what it printed meanwhile is shown first,
    from its first line, as one attached late sees it."""
    m = clean
    m.child.sendline(f"xu create -c {SMALL}")
    m.expect(r"domain:\d+ created")
    m.expect("Attached to a domain console")
    after = len(m.transcript)
    m.expect("Hello world!")
    shown = m.transcript[after:]
    assert "Powered by" in shown and shown.index("Powered by") < shown.index("Hello world!"), \
        shown
    detach(m)
    m.check(f"xu destroy {SMALL}", timeout=60)


def test_a_restarted_monitor_serves_the_consoles_of_running_guests_again(clean):
    """Killed, xu monitor's consoles wait in their rings; started again, it finds the
    consoles of type xu in xenstore and logs them on, input included."""
    m = clean
    domid = create(m)
    wait_until_ready(m, domid)
    stop_monitor(m)
    status, out = m.run(f"echo 'echo typed-while-away' | xu console {GUEST}", timeout=30)
    assert status == 1 and "xu monitor is not running" in out, out
    m.check("xu monitor --background 2>>/var/log/xu-monitor.log </dev/null")
    assert f"serving the console of {GUEST} (domain {domid}) again" in \
        m.check("cat /var/log/xu-monitor.log")
    out = m.check(f"echo 'echo back-$((40 + 2))' | xu console {GUEST}", timeout=60)
    assert "back-42" in out, out
    assert "back-42" in m.check(f"cat {LOG}")


def test_a_create_without_the_monitor_is_refused_before_anything_is_made(clean):
    m = clean
    snapshot(m, "before")
    stop_monitor(m)
    try:
        status, out = m.run(f"xu create {SMALL}", timeout=30)
        assert status == 1, out
        assert "xu monitor is not running (/run/xu/monitor.sock: " in out, out
        assert "start it with `xu monitor --background`" in out, out
        assert_same_as(m, "before")
    finally:
        m.check("xu monitor --background 2>>/var/log/xu-monitor.log </dev/null")


def test_input_for_a_guest_that_does_not_read_it_does_not_hang_the_console(clean):
    m = clean
    domid = create(m, "-p")
    # A paused guest takes no input; 64 KiB of it cannot all be sent.
    status, out = m.run(f"head -c 65536 /dev/zero | tr '\\0' x | xu console {domid}",
                        timeout=60)
    assert status == 0, out
    assert "bytes of input were not sent: the domain was not reading them" in out, out


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_config_is_refused_and_leaves_nothing(warm, clean, case):
    m = clean
    text, message = BROKEN[case]
    m.write_file("/tmp/broken.cfg", text)
    snapshot(m, "before")
    free_before = free_kib(m)
    status, out = m.run("xu create /tmp/broken.cfg", timeout=120)
    assert status == 1, out
    assert message in out, out
    assert_same_as(m, "before")
    assert_memory_back(m, free_before)


def test_host_devices_a_guest_may_not_have_are_refused_before_xen(warm, clean):
    """iomem and irqs are checked against Dom0's copy of the host tree before anything is
    made: each refusal names the file, the line and whose the page or interrupt is. Xen
    would refuse most of them only once the domain exists, and DomD's it would allow."""
    m = clean
    ram = int(re.search(r"^\s*([0-9a-f]+)-[0-9a-f]+ : System RAM$", m.check("cat /proc/iomem"),
                        re.M).group(1), 16)
    cases = {
        f"iomem = [ '0x{ram >> 12:x},1' ]":
            f"/tmp/host.cfg:4: iomem: \"0x{ram >> 12:x},0x1\" (host 0x{ram:x}-0x{ram + 4095:x}) "
            "is RAM (/memory@",
        "iomem = [ '0x8000,1' ]": "/tmp/host.cfg:4: iomem: \"0x8000,0x1\" (host "
                                  "0x8000000-0x8000fff) is the GIC (/interrupt-controller), which "
                                  "Xen keeps",
        "iomem = [ '0x9000,1' ]": "holds Xen's UART (/pl011@9000000, its console), which Xen keeps",
        "iomem = [ '0x9010,1' ]": "is /pl031@9010000, which Dom0 keeps; a guest may have only the "
                                  "devices platform.cfg's guest_devices frees (/pl061@9030000)",
        "iomem = [ '0x10000,0x10' ]": "is /pcie@10000000, which the boot-time domain DomD has",
        "iomem = [ '0x9030,2' ]": "is at 0x9031000",
        "irqs = [ 33 ]": "/tmp/host.cfg:4: irqs: 33: no device platform.cfg's guest_devices frees",
        "irqs = [ 35 ]": "irqs: 35 is the interrupt of /pcie@10000000, which the boot-time domain "
                         "DomD has (its dtdev)",
        "iomem = [ '0x9030,1' ]\nirqs = [\n  39,\n  34 ]":
            "/tmp/host.cfg:7: irqs: 34 is the interrupt of /pl031@9010000, which Dom0 keeps",
    }
    snapshot(m, "before")
    free_before = free_kib(m)
    for keys, message in cases.items():
        m.write_file("/tmp/host.cfg", "name = 'x'\nkernel = '/dom0/linux_pv_domu/Image'\n"
                     f"memory = 64\n{keys}\n")
        status, out = m.run("xu create /tmp/host.cfg", timeout=120)
        assert status == 1 and message in out, (keys, out)
    assert_same_as(m, "before")
    assert_memory_back(m, free_before)


def test_a_config_saved_by_notepad_creates_its_guest(clean):
    """UTF-8 with a byte-order mark and CRLF line ends: read as if it had neither."""
    m = clean
    m.check(f"printf '\\357\\273\\277' > /tmp/notepad.cfg; sed 's/$/\\r/' /dom0/{GUEST}.cfg "
            f"| sed 's|\"{GUEST}/|\"/dom0/{GUEST}/|' >> /tmp/notepad.cfg")
    assert m.check("head -c 3 /tmp/notepad.cfg | od -An -tx1").split() == ["ef", "bb", "bf"]
    out = m.check("xu create /tmp/notepad.cfg -p", timeout=120)
    assert re.search(r"^domain:\d+ created$", out, re.M), out
    m.check(f"xu destroy {GUEST}", timeout=60)


def test_create_destroy_cycles_leave_memory_and_xenstore_as_they_were(warm, clean):
    """Destroyed as soon as made, while its frontends connect (the soak destroys it
    booted): six cycles, so a page a cycle leaked (24 KiB) is past the slack; the
    soak runs thousands."""
    m = clean
    snapshot(m, "before")
    free_before = free_kib(m)
    for _ in range(6):
        domid = create(m)
        assert m.check(f"xu destroy {domid}").strip() == f"domain:{domid} destroyed"
    assert_memory_back(m, free_before)
    assert_same_as(m, "before")


def test_a_short_soak_leaks_nothing_and_never_stalls(clean):
    """tests/system/soak.py, as `make soak` runs it for thousands of cycles: the small
    guests, linux_pv_domu with its vif and disk, pause and unpause, from Dom0's shell;
    nothing may leak and no cycle may stall."""
    result = soak(clean, cycles=20, check_every=10)
    assert result["checks"] == 2 and result["cycles"] == 20, result


def test_list_takes_ids_and_names_and_xstat_reports(clean):
    m = clean
    domid = create(m, "-p")
    out = m.check(f"xu list 0 {GUEST}").splitlines()
    assert out[0] == "Name                                        ID   Mem VCPUs\tState\tTime(s)"
    assert out[1].startswith("Domain-0 ") and out[2].startswith(f"{GUEST} ")
    assert re.match(rf"{GUEST}\s+{domid}\s+256\s+\d\s+--p---\s+0\.0$", out[2]), out[2]
    assert re.match(r"XEN version 4\.17\.5$", m.check("xstat version").strip())
    stat = m.check("xstat stat")
    assert re.search(rf"Domain #  2     : {domid} \({GUEST}\)\nState           : ----p-\n", stat), stat
    assert re.search(r"MEM reserved\(K\) : 2621\d\d\n", stat), stat


def test_commands_refuse_what_cannot_be_done(clean):
    m = clean
    for command, message, code in [
            ("xu destroy 0", "xu: Domain-0 cannot be destroyed from itself", 1),
            ("xu pause Domain-0", "xu: Domain-0 cannot be paused from itself", 1),
            ("xu console 0", "xu: Domain-0's console is the one you are typing on", 1),
            ("xu unpause 42", "xu: no domain 42", 1),
            ("xu destroy nosuch", "xu: no domain named nosuch", 1),
            ("xu create nosuch", "xu: /dom0/nosuch.cfg: No such file or directory", 1),
            ("xu frob", "xu: no command 'frob'", 2),
            ("xu pause", "xu: pause: missing arguments\nusage: xu pause ID|NAME", 2)]:
        status, out = m.run(command)
        assert status == code and message in out, (command, status, out)
    create(m, "-p")
    status, out = m.run(f"xu create {GUEST}")
    assert status == 1 and f"a domain named {GUEST} is running already" in out, out


def ssid_of(machine, name):
    stat = machine.check("xstat stat")
    m = re.search(rf"\({re.escape(name)}\)\n(?:.*\n){{5}}SSID            : (\d+)\n", stat)
    assert m, stat
    return int(m.group(1))


def test_seclabel_gives_the_guest_its_flask_label(clean):
    m = clean
    # Xen loaded the policy from the boot partition, and labels domains with it.
    assert re.search(r"xsm: Policy len = 0x[0-9a-f]+", m.transcript), "no FLASK policy loaded"
    assert ssid_of(m, "Domain-0") != 0
    create(m, "-p")
    default = ssid_of(m, GUEST)
    m.check(f"xu destroy {GUEST}")
    m.check(f"sed 's|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|' /dom0/{GUEST}.cfg > /tmp/labelled.cfg")
    m.check("echo \"seclabel = 'system_u:system_r:isolated_domU_t'\" >> /tmp/labelled.cfg")
    assert "created" in m.check("xu create -p /tmp/labelled.cfg", timeout=120)
    assert ssid_of(m, GUEST) not in (0, default)
    m.check(f"xu destroy {GUEST}")
    # A label the policy does not know, and one it forbids a guest: it enforces.
    for label, message in [("system_u:system_r:nosuch_t", "seclabel: FLASK does not know"),
                           ("system_u:system_r:dom0_t", "Xen refused to create the domain")]:
        m.check(f"sed -i 's/^seclabel = .*/seclabel = \"{label}\"/' /tmp/labelled.cfg")
        status, out = m.run("xu create -p /tmp/labelled.cfg", timeout=120)
        assert status == 1 and message in out, (label, out)
        assert GUEST not in domains(m)


def stop_monitor(machine):
    machine.check("p=$(cat /run/xu/monitor.pid); kill $p; "
                  "while [ -e /proc/$p ]; do sleep 0.1; done")


def restart_monitor(machine, *args):
    stop_monitor(machine)
    machine.check(f"xu monitor --background {' '.join(args)} 2>>/var/log/xu-monitor.log "
                  "</dev/null")


def test_console_logs_are_cut_and_a_reader_loses_nothing_across_the_cut(clean):
    """xu monitor cuts a log past its cap (16 KiB here, 512 KiB as init starts it):
    Dom0's log space stays bounded, an attached console goes on across each cut
    without a byte lost or repeated, and one attached later says what it missed."""
    m = clean
    restart_monitor(m, "--log-cut-kib", "16")
    try:
        domid = create(m)
        wait_until_ready(m, domid)
        m.check(f"xu console {GUEST} < /dev/null > /dev/null")
        # 108,894 bytes while attached: every number, once, in order.
        m.check(f"echo 'seq 1 20000' | xu console {GUEST} > /tmp/seq.out", timeout=180)
        same = m.check("tr -d '\\r' < /tmp/seq.out | grep -xE '[0-9]+' | md5sum; "
                       "seq 1 20000 | md5sum").split()
        assert same[0] == same[2], m.check("tail -5 /tmp/seq.out")
        assert m.check(f"ls {LOG}.0").strip() == f"{LOG}.0"
        # 188,895 bytes while no one is attached, the monitor cutting as they come.
        m.check(f"echo '(sleep 2; seq 1 30000; echo seq-done) &' | xu console {GUEST} "
                "> /dev/null", timeout=60)
        # (The shell's echo of the command has seq-done in it too: wait for the line. A cut
        # may have just moved it to .log.0, which comes before the log in the stream.)
        for _ in range(120):
            if m.check(f"cat {LOG}.0 {LOG} | tail -c 100 | tr -d '\\r' | grep -cx seq-done "
                       "|| true").strip() == "1":
                break
            time.sleep(1)
        time.sleep(3)  # one more round of the monitor
        # Cut every 2 s, so each file holds at most 16 KiB and 2 s of output.
        kept = int(m.check(f"cat {LOG} {LOG}.0 | wc -c").strip())
        assert kept <= 200_000, f"{kept} bytes kept"
        late = m.check(f"xu console {GUEST} < /dev/null", timeout=60)
        dropped = re.search(r"^xu: (\d+) bytes of output were dropped before you attached", late,
                            re.M)
        assert dropped, late[:500]
        assert 100_000 < int(dropped.group(1)) < 188_895
        assert re.search(r"^29999\r?\n30000\r?\nseq-done", late, re.M), late[-300:]
    finally:
        restart_monitor(m)


def test_pixen_report_gathers_a_bring_up_report_in_one_file_on_the_card(clean):
    """What docs/rpi5.md asks a user to send back: Xen's log, Dom0's, the tree
    Dom0 booted with, the domains, Xen's view and the consoles, in one file
    on the dom0 partition."""
    m = clean
    out = m.check("pixen-report")
    assert re.match(r"pixen-report: wrote /mnt/dom0/pixen-report\.tar \(\d+ bytes\)$",
                    out.strip()), out
    names = m.check("tar -tf /mnt/dom0/pixen-report.tar").split()
    for name in ("./summary.txt", "./xen.log", "./dom0.log", "./dom0.dtb", "./consoles/"):
        assert name in names, names
    # Xen's log is its console ring (its oldest lines, the banner among them,
    # are gone after a busy while, as for xl dmesg). The console drops lines
    # that start as Xen's own do (and so the text of such a prefix in a
    # command): count them instead, by a pattern that does not spell it.
    assert int(m.check("tar -xOf /mnt/dom0/pixen-report.tar ./xen.log | grep -c '^.XEN. '")) > 20
    summary = m.check("tar -xOf /mnt/dom0/pixen-report.tar ./summary.txt")
    assert "Domain-0" in summary
    # Where Dom0's boot went, as its init stamped it.
    assert re.search(r"^== Dom0's boot.*\n[0-9.]+ mounts$", summary, re.M), summary
    # The tree is the one Dom0 booted with, byte for byte.
    assert m.check("tar -xOf /mnt/dom0/pixen-report.tar ./dom0.dtb | cmp - /sys/firmware/fdt "
                   "&& echo same").strip() == "same"
    assert m.check("ls /mnt/dom0/ | grep -c pixen-report").strip() == "1"
    m.check("rm /mnt/dom0/pixen-report.tar")
