#!/usr/bin/python3
"""The soak: thousands of create/destroy cycles in one boot, run by Dom0's shell
(tests/system/soak.sh, as a user's loop would), watched from here.

Every Kth cycle (50th in make soak, 10th in make test's short soak) creates
linux_pv_domu with its vif and disk (DomD serves them) up to its ready line;
every tenth from the fifth creates jitter paused, runs, pauses and runs it; the
others create and destroy a small guest in turn. Every CHECK cycles Dom0
reports Xen's free memory (with Dom0's), xenstore's nodes, Dom0's processes
and available memory, the console logs, /run and the domains: each must be as
it was at the first check (by then each kind of cycle has run once: a guest's
console log stays after it, by design). A cycle far slower than the
median, or none ending for STALL_S, stops the soak with evidence: what Dom0
runs (the watcher in soak.sh: every process's state, and the running ones'
kernel stacks) and Xen's '0' (Dom0's registers) and 'q' (domains) dumps.

    make soak [SOAK_CYCLES=5000] [SOAK_LINUX_EVERY=50]
    (or: tests/system/soak.py --cycles N --linux-every K)

`make soak` records its figures in bench/RESULTS.md, however it ends (a stall's
evidence is on its console log, build/MACHINE/results/console-soak.log); make
test runs a short soak (test_xu.py).
"""
import argparse
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from console import PROMPT, card_machine, Machine, machine_dir_option, machine_files  # noqa: E402

# Dom0's MemAvailable moves with its page cache (console logs grow): this much.
DOM0_AVAIL_SLACK_KIB = 4096
# Xen frees a destroyed domain's memory through RCU, and its paging pool too.
MEM_SLACK_KIB = 1024
# The soak's own processes (its watcher's sleep, a check's pipeline, this
# harness's polling) come and go.
PROCS_SLACK = 3
LINE = re.compile(r"^soak: (?:cycle (\d+) (\S+) (\d+) ms|check (\d+) (.*)|start (.*)|done (\d+)|"
                  r"stall after cycle (\d+).*|cycle \d+ .*(?:failed|never ready).*)$")
POLL_S = 2


def parse_state(text):
    return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", text)}


def leaks(start, now):
    """What differs from the start, beyond what may move."""
    out = []
    for key, value in now.items():
        slack = {"mem_kib": MEM_SLACK_KIB, "dom0_avail_kib": DOM0_AVAIL_SLACK_KIB,
                 "procs": PROCS_SLACK}.get(key, 0)
        # A guest's log and the one before it: up to two files per guest with a log.
        if key == "log_files":
            if value > 2 * now["log_names"]:
                out.append(f"log_files {value} for {now['log_names']} guests")
            continue
        if abs(value - start[key]) > slack and not (key == "mem_kib" and value > start[key]):
            out.append(f"{key} {start[key]} -> {value}")
    return out


def figures(progress):
    """The figures of a soak so far (progress, as soak() fills it)."""
    times, by_kind = progress["times"], progress["by_kind"]
    return {"cycles": len(times), "checks": progress["checks"],
            "seconds": round(time.monotonic() - progress["began"]),
            "median_ms": statistics.median(times) if times else 0,
            "max_ms": max(times, default=0),
            "by_kind": {k: {"median_ms": statistics.median(v), "max_ms": max(v), "cycles": len(v)}
                        for k, v in by_kind.items()},
            "start": progress.get("start")}


# The last line of the report soak.sh's watcher gives when cycles or the harness's
# commands stop.
WATCHER_REPORT_END = r"soak: (?:stall|console) evidence end"


def dead_console_evidence(m, stall_s, cycle):
    """Dom0's shell no longer answers (Machine.run has put Xen's view on the log
    already): Dom0's own report, which soak.sh's watcher also writes to the
    kernel's log (the console prints it through Xen) if cycles have stopped too."""
    try:
        m.expect(WATCHER_REPORT_END, timeout=stall_s + 60)
        return (f"Dom0's shell stopped answering after cycle {cycle}; what Dom0 ran then "
                "(soak.sh's watcher) and Xen's dumps are on the console log")
    except AssertionError:
        pass
    # A Dom0 that sleeps for want of a timer interrupt wakes at any other one: a key
    # typed at its console is an interrupt. If it then runs on, it had not stopped:
    # its timer had.
    m.child.send("\r")
    try:
        m.expect(WATCHER_REPORT_END + "|" + PROMPT, timeout=120)
        woke = "but ran on once a key was typed: it had slept with no timer interrupt to wake it"
    except AssertionError:
        woke = "nor after a key was typed: Dom0 stopped whole"
    return (f"Dom0's shell stopped answering after cycle {cycle}, and Dom0's own watcher said "
            f"nothing in {stall_s + 60} s, {woke} (Xen's dumps are on the console log)")


# No cycle ending for this long is a stall: 20 times linux_pv_domu's usual 12 s (a
# busy host has made one take 73 s).
STALL_S = 240


def soak(m, cycles, check_every, linux_every=10, stall_s=STALL_S, slow_factor=20, log=print,
         progress=None):
    """Runs the soak in booted Machine m; returns its figures; raises on a leak or stall.
    Dom0 runs it in the background, writing /tmp/soak.log, which this reads every
    POLL_S (whole lines: on the console Xen's own lines may cut into them).
    progress, a dict, holds the figures so far whichever way the soak ends."""
    with open(os.path.join(HERE, "soak.sh")) as f:
        m.write_file("/tmp/soak.sh", f.read())
    m.check(f"sh /tmp/soak.sh {cycles} {check_every} {stall_s} {linux_every} "
            "> /tmp/soak.log 2>&1 & true")
    progress = {} if progress is None else progress
    times, start, began, seen, by_kind = [], None, time.monotonic(), 0, {}
    progress.update(times=times, by_kind=by_kind, checks=0, began=began)
    last_progress = time.monotonic()
    while True:
        time.sleep(POLL_S)
        try:
            lines = m.check(f"touch /tmp/soak.polled; tail -n +{seen + 1} /tmp/soak.log",
                            timeout=120).splitlines()
        except AssertionError as e:
            raise AssertionError(dead_console_evidence(m, stall_s, len(times))) from e
        seen += len(lines)
        median = max((statistics.median(v) for v in by_kind.values()), default=0) / 1000
        if not lines and time.monotonic() - last_progress > max(stall_s + 30, slow_factor * median):
            m.xen_evidence()
            raise AssertionError(f"no cycle ended for {time.monotonic() - last_progress:.0f} s "
                                 f"after cycle {len(times)}: " + m.check("tail -40 /tmp/soak.log"))
        for line in lines:
            match = LINE.match(line)
            if not match:
                continue
            g = (None,) + match.groups()
            last_progress = time.monotonic()
            if g[1]:
                ms, mine = int(g[3]), by_kind.setdefault(g[2], [])
                # Against cycles of its own kind: a linux_pv_domu boots, a small guest does not.
                if len(mine) >= 2 and ms > slow_factor * statistics.median(mine):
                    m.xen_evidence()
                    raise AssertionError(f"cycle {g[1]} ({g[2]}) took {ms} ms, more than "
                                         f"{slow_factor}x the median of its kind, "
                                         f"{statistics.median(mine)} ms")
                mine.append(ms)
                times.append(ms)
                if int(g[1]) % 100 == 0:
                    log(f"soak: {g[1]} cycles, median {statistics.median(times)} ms")
            elif g[6] is not None:
                pass
            elif g[4]:
                # The first check is the baseline: by then each kind of cycle has run once
                # (a guest's console log and its first xenstore nodes stay, by design).
                progress["checks"] += 1
                if start is None:
                    start = progress["start"] = parse_state(g[5])
                    continue
                found = leaks(start, parse_state(g[5]))
                if found:
                    raise AssertionError(f"after cycle {g[4]}: " + ", ".join(found))
            elif g[7]:
                if len(times) != cycles:
                    raise AssertionError(f"{len(times)} of {cycles} cycles ran")
                return figures(progress)
            elif g[8]:
                m.xen_evidence()
                raise AssertionError(f"the soak stalled after cycle {g[8]}: " +
                                     m.check("cat /tmp/soak.log | tail -80"))
            else:
                raise AssertionError(line + "\n" + m.check("tail -20 /tmp/soak.log"))


KIND_NAMES = {"pause": "jitter paused, run, paused, run",
              "linux_pv_domu": "linux_pv_domu with vif and disk, to its ready line"}


def record(args, files, result, outcome):
    """The soak's figures in bench/RESULTS.md, with how it ended (a stopped soak's too:
    its cycles are evidence as much as a finished one's)."""
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    from results_md import replace_section
    start = result["start"] or {}
    lines = ["<!-- soak:begin (written by tests/system/soak.py) -->",
             f"Measured {time.strftime('%Y-%m-%d')}: `make soak SOAK_CYCLES={args.cycles} "
             f"SOAK_LINUX_EVERY={args.linux_every}` on "
             f"`{os.path.relpath(files['image'], ROOT)}`, one boot: **{outcome}**. "
             f"Each {args.linux_every}th cycle linux_pv_domu with its vif and disk up to its "
             "ready line, each tenth from the fifth jitter created paused, run, paused, run, the "
             "rest rpi_5_domu, helloworld_xen-arm64 and jitter in turn, each created and "
             f"destroyed from Dom0's shell. Every {args.check_every} cycles, against the first "
             "check: Xen's free memory with Dom0's, xenstore's nodes, Dom0's processes and "
             "available memory, console logs, /run, the domains.", "",
             "| kind | cycles | median | slowest |", "|---|---|---|---|"]
    for kind, k in sorted(result["by_kind"].items(), key=lambda kv: -kv[1]["cycles"]):
        lines.append(f"| {KIND_NAMES.get(kind, kind)} | {k['cycles']} | {k['median_ms']} ms | "
                     f"{k['max_ms']} ms |")
    lines += ["", f"{result['cycles']} cycles in {result['seconds']} s, {result['checks']} checks "
              f"(the first, the baseline: {', '.join(f'{k}={v}' for k, v in start.items())}).",
              "<!-- soak:end -->"]
    replace_section(os.path.join(ROOT, "bench", "RESULTS.md"), "soak",
                    "The soak: create and destroy, thousands of times", "\n".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    machine_dir_option(p)
    p.add_argument("--cycles", type=int, default=5000)
    p.add_argument("--check-every", type=int, default=50)
    p.add_argument("--linux-every", type=int, default=50,
                   help="every Nth cycle is linux_pv_domu's (its 12 s would otherwise take "
                        "most of the soak from the small guests' cycles, where the stall was met)")
    args = p.parse_args()
    if not 1 <= args.linux_every <= args.check_every or args.linux_every in (1, 5):
        p.error(f"--linux-every {args.linux_every}: from 2 to --check-every "
                f"({args.check_every}), not 5: the first check is the baseline, so each kind "
                "(linux_pv_domu, the tenth from the fifth, the small guests) must have run by then")
    files = machine_files(args.machine_dir)
    m = card_machine(files, files["image"], "soak")
    progress, outcome = {}, "stopped by hand"
    try:
        m.boot(timeout=300)
        result = soak(m, args.cycles, args.check_every, args.linux_every, progress=progress)
        outcome = "passed, nothing leaked, no stall"
    except BaseException as e:
        if not isinstance(e, KeyboardInterrupt):
            outcome = f"failed: {(str(e) or type(e).__name__).splitlines()[0]}"
        raise
    finally:
        m.close()
        if progress.get("times"):
            try:
                record(args, files, figures(progress), outcome)
            except Exception as e:  # the soak's own outcome matters more
                print(f"soak: its figures could not be recorded: {e}", file=sys.stderr)
    print(f"soak: {result['cycles']} cycles in {result['seconds']} s, median "
          f"{result['median_ms']} ms, slowest {result['max_ms']} ms, {result['checks']} checks, "
          "nothing leaked")


if __name__ == "__main__":
    main()
