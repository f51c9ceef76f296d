"""Foundation: u-boot -> boot.scr -> Xen -> Dom0, what Dom0 sets up, and the serial console."""
import hashlib
import os
import random
import re
import string

from console import PROMPT, ROOT

# DomD's disk as `make run` attaches it by default: a USB stick.
DOMD_ROOT = "usb"


def test_uboot_takes_the_platform_environment_and_goes_straight_to_boot_scr(machine):
    t = machine.transcript
    assert "Loading Environment from Flash... OK" in t
    assert "Hit any key to stop autoboot:  0" in t
    # No scanning of other devices before the card.
    assert "starting USB" not in t and "Scanning" not in t


def test_boot_chain_reaches_the_dom0_prompt_in_order(machine):
    t = machine.transcript
    marks = ["U-Boot 20", "pixen: loading Xen and Dom0",
             "pixen: starting Xen", "Xen version 4.17.5", "*** LOADING DOMAIN 0 ***",
             "Freed", "pixen: Dom0 ready in", "dom0:/dom0# "]
    where = [t.find(m) for m in marks]
    missing = [m for m, w in zip(marks, where) if w < 0]
    assert not missing, f"never seen on the console: {missing}"
    assert where == sorted(where), f"stages out of order: {list(zip(marks, where))}"
    s = machine.stages
    assert 0 < s["uboot"] < s["xen"] < s["domains_start"] < s["dom0_ready"] <= s["dom0_prompt"]


def test_boot_script_placed_the_dom0_modules_xen_loads(machine):
    # Xen names the module addresses it found in /chosen; they are boot.scr's.
    t = machine.transcript
    kernel = re.search(r"Loading d0 kernel from boot module @ ([0-9a-f]+)", t)
    ramdisk = re.search(r"Loading ramdisk from boot module @ ([0-9a-f]+)", t)
    assert kernel and ramdisk, "Xen did not report Dom0's boot modules"
    assert int(kernel.group(1), 16) % (2 << 20) == 0
    assert int(ramdisk.group(1), 16) % (2 << 20) == 0
    assert int(kernel.group(1), 16) < int(ramdisk.group(1), 16)


def test_dom0_is_thin_one_vcpu_128_mib(machine):
    assert machine.check("grep -c ^processor /proc/cpuinfo").strip() == "1"
    # Xen gives Dom0 exactly 128 MiB; the kernel keeps some for itself (Debian's
    # generic 7.3 kernel about 49 MiB: its code and data; 6.1 kept 35 MiB).
    mem_kib = int(re.search(r"MemTotal:\s+(\d+) kB", machine.check("cat /proc/meminfo")).group(1))
    assert 72 * 1024 < mem_kib <= 128 * 1024
    assert machine.check("cat /sys/hypervisor/version/major /sys/hypervisor/version/minor").split() == ["4", "17"]


def test_dom0_partition_is_mounted_at_dom0_with_its_files(machine):
    mounts = machine.check("cat /proc/mounts")
    assert re.search(r"^/dev/\S+ /mnt/dom0 vfat ", mounts, re.M), mounts
    assert re.search(r"^/dev/\S+ /dom0 vfat ", mounts, re.M), mounts
    assert machine.check("ls /dom0").split() == [
        "README.txt", "helloworld_xen-arm64", "helloworld_xen-arm64.cfg", "isolation_probe.bin",
        "isolation_probe.cfg", "jitter.bin", "jitter.cfg", "linux_pv_domu", "linux_pv_domu.cfg", "rpi_5_domd.cfg", "rpi_5_domu.cfg",
        "z_blinky.bin", "z_sync.bin"]
    assert "pixen: the dom0 partition" in machine.check("cat /dom0/README.txt")
    # It is the card's partition named dom0, and Dom0 can write to it.
    dev = re.search(r"^/dev/(\S+) /dom0 ", mounts, re.M).group(1)
    assert "PARTNAME=dom0" in machine.check(f"cat /sys/class/block/{dev}/uevent")
    machine.check("echo written-by-dom0 > /dom0/probe.txt && sync && cat /dom0/probe.txt")
    machine.check("rm /dom0/probe.txt")


def test_xenstored_answers_with_domain_0(machine):
    assert machine.check("xenstore-read /local/domain/0/name").strip() == "Domain-0"
    assert machine.check("xenstore-read /local/domain/0/domid").strip() == "0"
    machine.check("xenstore-write /pixen-test/probe 42")
    assert machine.check("xenstore-read /pixen-test/probe").strip() == "42"
    machine.check("xenstore-rm /pixen-test")


def test_xenconsoled_runs_and_logs_per_domain(machine):
    cmdline = machine.check("tr '\\0' ' ' < /proc/$(pidof xenconsoled)/cmdline")
    assert "--log=guest --log-dir=/var/log/xen/console" in cmdline, cmdline
    assert machine.check("pidof xenstored").strip().isdigit()
    machine.check("test -d /var/log/xen/console")


def test_banner_gives_seconds_since_boot(machine):
    m = re.search(r"pixen: Dom0 ready in ([0-9]+\.[0-9]+) s", machine.transcript)
    assert m and 0 < float(m.group(1)) < 60
    # Where they went: init's steps, each with Dom0's uptime at its end, in
    # order, the last the banner's own figure.
    steps = [line.split(" ", 1) for line in
             machine.check("cat /run/pixen/boot-steps").strip().splitlines()]
    assert [name for _, name in steps] == [
        "mounts", "xenstored and xenconsoled", "card mounted", "DomD attached", "ready"], steps
    times = [float(t) for t, _ in steps]
    assert times == sorted(times) and 0 < times[0]
    assert steps[-1][0] == m.group(1)


def test_domd_runs_once_dom0_has_attached_it_where_its_config_says_so(machine):
    # start_after_dom0 (platform/qemu/domd.cfg: under emulation the two
    # kernels booting at once slow each other): Xen builds DomD, holds it, and
    # Dom0's xu attach starts it; nothing of DomD's runs or prints before.
    cfg = open(os.path.join(ROOT, "platform", machine.machine, "domd.cfg")).read()
    held = re.search(r"^start_after_dom0\s*=\s*1\s*$", cfg, re.M) is not None
    t = machine.transcript
    started = t.find("dom0less: started domain 1 (/chosen/DomD), held by Xen until Dom0 was up")
    assert (started >= 0) == held, t[-3000:]
    if held:
        domd = re.search(r"\(XEN\) (d1v\d+|DOM1):", t)
        assert domd and domd.start() > started, "DomD ran before Dom0 started it"
    # A pause since is the operator's: running xu attach again leaves it alone.
    machine.check("xu pause DomD")
    assert "was attached before" in machine.check("xu attach")
    row = machine.check("xu list DomD").splitlines()[-1]
    assert row.split()[4] == "--p---", row
    machine.check("xu unpause DomD")
    assert "p" not in machine.check("xu list DomD").splitlines()[-1].split()[4]


def test_ctrl_a_three_times_switches_console_input_to_domd_xen_and_back(machine):
    machine.switch_input("DOM1")
    machine.child.send("\r")
    machine.expect(r"domd:[^\r\n]*# ")
    machine.switch_input("Xen")
    machine.child.send("h")  # Xen's debug keys
    machine.expect(r"key 'h' .* show this message")
    machine.switch_input("DOM0")
    assert machine.check("echo dom0-has-the-console").strip() == "dom0-has-the-console"


def test_domd_mounts_its_root_from_the_usb_stick_behind_the_bridge(machine):
    # DOMD_ROOT=usb, the default: rootfs.img on QEMU's xHCI as a USB mass-storage stick.
    assert "pixen: domd: root file system on /dev/sda1" in machine.transcript
    status, out = machine.domd_run("grep ' / ' /proc/mounts; grep xhci /proc/interrupts")
    assert status == 0 and re.search(r"^/dev/sda1 / ext4 rw", out, re.M), out
    assert "xhci-hcd" in out, out


# The serial console: what is typed or pasted reaches Dom0 whole, and what a
# terminal sends on its own never reaches Xen's debug keys. Xen keeps serial
# input for Dom0 in a ring until Dom0 reads it: pixen's Xen holds 16 KiB
# there (images/xen/patches/0005-*), so a pasted screenful is not cut. While
# the input is on Xen every character is a debug key; a terminal answers the
# cursor-position query busybox's prompt ends with ("ESC[50;25R"), and 'R'
# would reboot the machine: pixen's Xen drops escape sequences there (0006-*).

def test_a_pasted_4_kib_line_arrives_whole(machine):
    m = machine
    rng = random.Random(4096)
    line = "".join(rng.choice(string.ascii_letters + string.digits + " .,:/=-+_") for _ in
                   range(4095)) + "\n"
    # Raw, so the line discipline's own 4 KiB line limit does not cut it either.
    m.child.sendline("stty raw -echo; head -c 4096 > /tmp/paste; stty sane; echo pasted-$?")
    m.expect(r"\n")
    # All at once, as a terminal pastes it.
    m.child.send(line)
    m.expect(r"pasted-0", timeout=60)
    m.expect(PROMPT)
    digest = m.check("sha256sum /tmp/paste").split()[0]
    assert digest == hashlib.sha256(line.encode()).hexdigest(), \
        m.check("wc -c /tmp/paste; head -c 200 /tmp/paste")


def test_a_terminal_answer_while_the_input_is_on_xen_is_no_debug_key(machine):
    m = machine
    # Dom0 prints its prompt (and the query) after the input went to Xen.
    m.child.sendline("sleep 2")
    m.switch_input("Xen")
    m.expect(PROMPT, timeout=30)
    # The terminal's answer, and an arrow key for good measure: 'R' reboots, 'A' too.
    m.child.send("\x1b[50;25R\x1b[A\x1bOA")
    # A real debug key still works: 'h' prints Xen's key list.
    m.child.send("h")
    m.expect(r"'R' pressed -> rebooting machine|'A' pressed|'h' pressed -> showing installed handlers",
             timeout=30)
    assert "'h' pressed" in m.child.after, m.child.after
    m.switch_input("DOM0")
    m.child.send("\r")
    m.expect(PROMPT)
    assert m.check("echo still-up").strip() == "still-up"
    assert not re.search(r"'R' pressed|rebooting machine", m.transcript)
    assert "'A' pressed" not in m.transcript
