"""The serial console of an emulated boot of full.img, as a test drives it."""
import json
import os
import re
import subprocess
import time

import pexpect

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# busybox asks the terminal where its cursor is after each prompt.
NOISE = re.compile(r"\x1b\[6n|\r")
# Xen's own messages share the serial line with Dom0's shell.
XEN_LINE = re.compile(r"\(XEN\) [^\n]*\n")
PROMPT = r"dom0:[^\r\n]*# "
# Xen prints the output of the domain holding its console input in pieces, each
# prefixed, and a piece may end inside a line.
XEN_PREFIX = re.compile(r"\(XEN\) ")


def split_by_xen(literal):
    """A pattern matching `literal` also where Xen's prefix splits it (a message
    of Xen's own, about another domain, may arrive in the middle of it)."""
    return r"(?:\(XEN\) )?".join(re.escape(c) for c in literal)


def split_by_xen_lines(literal):
    """A pattern matching `literal` of Dom0's also where a whole line of Xen's own
    arrives in the middle of it."""
    return r"(?:\(XEN\) [^\n]*\n)?".join(re.escape(c) for c in literal)


DOMD_PROMPT = split_by_xen("domd:") + r"[^\r\n]*" + split_by_xen("# ")
SWITCH_INPUT = "\x01\x01\x01"  # Ctrl-a three times


def default_machine():
    """MACHINE, as make exports it, or the one make builds by default."""
    if os.environ.get("MACHINE"):
        return os.environ["MACHINE"]
    with open(os.path.join(ROOT, "platform/default")) as f:
        return next(w for line in f for w in line.split("#", 1)[0].split())


def machine_files(machine_dir):
    """What make builds in build/MACHINE for booting it: the card, the test card
    (with xl), u-boot's environment on its flash bank (None where it is on the
    card), DomD's disk."""
    flash = os.path.join(machine_dir, "uboot-flash.img")
    return {"machine": os.path.basename(os.path.normpath(machine_dir)),
            "image": os.path.join(machine_dir, "full.img"),
            "xl_image": os.path.join(machine_dir, "full-xl.img"),
            "uboot_env": flash if os.path.exists(flash) else None,
            "rootfs": os.path.join(machine_dir, "rootfs.img"),
            "results": os.path.join(machine_dir, "results")}


def machine_dir_option(parser):
    """--machine-dir, as every benchmark and the soak take it."""
    parser.add_argument("--machine-dir", default=os.path.join(ROOT, "build", default_machine()),
                        help="where make put the machine's images")


def card_machine(files, image, log_name):
    """A Machine booting `image` with the rest of machine_files' `files` (DomD's disk,
    u-boot's environment), its console kept in results/console-LOG_NAME.log."""
    os.makedirs(files["results"], exist_ok=True)
    return Machine(image, os.path.join(files["results"], f"console-{log_name}.log"),
                   machine=files["machine"], uboot_env=files["uboot_env"],
                   rootfs=files["rootfs"])


class Machine:
    """The machine running full.img under emulation (scripts/emulate). Every
    boot stage it passes is stamped in seconds."""

    # What marks each stage on the console, in boot order.
    STAGES = [
        ("uboot", r"U-Boot 20\d\d"),
        ("xen", r"Xen version 4\.17"),
        # Xen's last line before the domains run; Dom0's quiet kernel prints
        # nothing of its own before its init.
        ("domains_start", r"Freed \d+kB init memory"),
        ("dom0_ready", r"pixen: Dom0 ready in ([0-9.]+) s"),
        ("dom0_prompt", PROMPT),
    ]

    def __init__(self, image, log_path, machine=None, uboot_env=None, rootfs=None,
                 domd_root="usb", uplink=None, extra_args=()):
        """machine: a folder under platform/ (default: default_machine()); uboot_env:
        the image of u-boot's environment medium, if not on the card; rootfs: DomD's
        disk, as a `domd_root` (usb or nvme) device; uplink: user networking options
        for DomD's uplink, or None for none; extra_args: the emulator's own."""
        self.log = open(log_path, "w")
        self.started = time.monotonic()
        machine = machine or default_machine()
        self.machine = machine
        self.has_domd = os.path.exists(os.path.join(ROOT, "platform", machine, "domd.cfg"))
        first = ["--machine", machine]
        if uboot_env:
            first += ["--uboot-env", uboot_env]
        if rootfs:
            first += ["--rootfs", rootfs, "--domd-root", domd_root]
        if uplink is not None:
            first += ["--uplink", uplink]
        self.child = pexpect.spawn(
            os.path.join(ROOT, "scripts/emulate"), [*first, image, "-snapshot", *extra_args],
            encoding="utf-8", codec_errors="replace", timeout=120, maxread=65536)
        self.child.logfile_read = self.log
        self.stages = {"qemu_start": 0.0}
        self.transcript = ""
        self.serial = 0
        self.dumped = False

    # DomD boots beside Dom0 and may be ready before or after Dom0's prompt.
    DOMD_SERVING = r"xu devd: serving the PV backends of domain \d+ \(DomD\)"

    def boot(self, timeout=180):
        for name, pattern in self.STAGES:
            self.expect(pattern, timeout=timeout)
            self.stages[name] = round(time.monotonic() - self.started, 2)
            if name == "dom0_ready":
                self.stages["dom0_uptime_s"] = float(self.child.match.group(1))
        # A wide terminal keeps the shell from folding long command lines.
        self.check("stty cols 1000")
        # The tests want DomD serving its backends before they create guests
        # (on a machine that has one).
        if self.has_domd and not re.search(self.DOMD_SERVING, self.transcript):
            self.expect(self.DOMD_SERVING, timeout=timeout)
            self.child.send("\r")
            self.expect(PROMPT)
        return self.stages

    def expect(self, pattern, timeout=60):
        try:
            self.child.expect(pattern, timeout=timeout)
        except (pexpect.TIMEOUT, pexpect.EOF) as e:
            tail = NOISE.sub("", (self.child.before or "")[-3000:])
            raise AssertionError(f"console never showed {pattern!r} "
                                 f"({type(e).__name__}); last output:\n{tail}") from None
        self.transcript += self.child.before + self.child.after
        return self.child.match

    def expect_all(self, patterns, timeout=60):
        """Waits for every pattern, in any order: lines from domains that run side by side
        (Xen prefixes each with DOMn) reach the serial line in whatever order they finish,
        so one expect may pass over another's line. Only output after the call counts."""
        since = len(self.transcript)
        for pattern in patterns:
            if not re.search(pattern, self.transcript[since:]):
                self.expect(pattern, timeout=timeout)

    def run(self, command, timeout=60):
        """Runs a shell command in Dom0; returns (exit status, output without the echo)."""
        self.serial += 1
        end = f"__pixen_end_{self.serial}__"
        self.type_line(f"{command}; echo {end}$?")
        try:
            m = self.expect(split_by_xen_lines(end) + r"(?:\(XEN\) [^\n]*\n)?(\d+)",
                            timeout=timeout)
        except AssertionError:
            # What Dom0 was doing when its shell stopped answering: once a boot, on the log.
            if not self.dumped:
                self.dumped = True
                try:
                    self.xen_evidence()
                except AssertionError:
                    pass
            raise
        out = XEN_LINE.sub("", NOISE.sub("", self.child.before))
        # Drop the echoed command, which ends in a literal $? (wrapped or not).
        echoed = out.find("$?\n")
        out = out[echoed + 3:] if echoed >= 0 else out
        self.expect(PROMPT)
        return int(m.group(1)), out

    def switch_input(self, to):
        """Ctrl-a three times, until Xen says the serial input goes to `to` (DOM1, Xen, DOM0);
        Xen goes round Dom0, each domain it started at boot, and itself."""
        for _ in range(8):
            self.child.send(SWITCH_INPUT)
            m = self.expect(r"\*\*\* Serial input to (DOM\d+|Xen)")
            if m.group(1) == to:
                return
        raise AssertionError(f"Xen never switched its serial input to {to}")

    def xen_evidence(self):
        """Xen's view of a stall, onto the console log: Dom0's registers three times a
        second apart (one place each time, or moving; in user space or the kernel), its
        event channels (what it has pending and masked), the domains, the run queues,
        and Xen's timers (whether one is set to wake a vCPU that sleeps for its own
        timer: the stall of 2026-12-04 was Dom0 idle with none)."""
        self.switch_input("Xen")
        for key in "000eqra":
            self.child.send(key)
            time.sleep(1 if key == "0" else 3)
        try:
            self.expect(r"'r' pressed[^\n]*\n(?:[^\n]*\n){0,200}?\(XEN\) [^\n]*CPU",
                        timeout=20)
        except AssertionError:
            pass
        self.switch_input("DOM0")

    def domd_run(self, command, timeout=60):
        """Runs a shell command on DomD's console (its PL011 on Xen's serial line);
        returns (exit status, output). Dom0 has the input again afterwards."""
        self.serial += 1
        end = f"__pixen_domd_{self.serial}__"
        self.switch_input("DOM1")
        try:
            self.child.send("\r")
            self.expect(DOMD_PROMPT)
            # Its UART takes 32 characters at a time.
            self.type_line(f"{command}; echo {end}$?", chunk=16)
            # Xen's prefix may land inside the marker too ("__pixe(XEN) n_domd_31__0").
            m = self.expect(split_by_xen(end) + r"(?:\(XEN\) )?(\d+)", timeout=timeout)
            out = XEN_PREFIX.sub("", NOISE.sub("", self.child.before))
            echoed = out.find("$?\n")
            out = out[echoed + 3:] if echoed >= 0 else out
            self.expect(DOMD_PROMPT)
        finally:
            self.switch_input("DOM0")
        self.child.send("\r")
        self.expect(PROMPT)
        return int(m.group(1)), out

    def type_line(self, line, chunk=48):
        """Types a line in chunks: Xen passes serial input to Dom0 through a
        small ring, and a long line sent at once overflows it."""
        for i in range(0, len(line), chunk):
            self.child.send(line[i:i + chunk])
            if i + chunk < len(line):
                time.sleep(0.05 if chunk > 16 else 0.15)
        self.child.send("\r")

    def check(self, command, timeout=60):
        """Runs a command that must succeed; returns its output."""
        status, out = self.run(command, timeout)
        assert status == 0, f"`{command}` exited {status}:\n{out}"
        return out

    def write_file(self, path, text):
        """Writes `text` to `path` in Dom0, whatever characters it holds, a piece
        per command line (the terminal's line holds 4 KiB at most)."""
        escaped = ["".join(c if c.isascii() and (c.isalnum() or c in " ._-/=[],") else
                           f"\\{ord(c):03o}"
                           for c in text[i:i + 400]) for i in range(0, len(text), 400)]
        for i, piece in enumerate(escaped or [""]):
            self.check(f"printf '{piece}' {'>' if i == 0 else '>>'} {path}")

    def close(self):
        if self.child.isalive():
            self.child.terminate(force=True)
        self.log.close()


def write_results(path, key, values):
    """Merges `values` under `key` into the JSON results file (later benchmarks read it)."""
    data = {}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data[key] = values
    data.setdefault("host", {})["qemu"] = subprocess.run(
        ["qemu-system-aarch64", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    with open(path + ".tmp", "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(path + ".tmp", path)
