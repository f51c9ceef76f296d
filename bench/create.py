#!/usr/bin/python3
"""xu create against xl create of the same guest, on one boot of the test image.

For each toolstack, RUNS times: the time until the create command returns, and
until the guest's first console line is in its log (see MEASURE); then the
toolstack's memory in Dom0: the create command's peak resident set, the drop
in Dom0's MemFree and MemAvailable while it runs (with the kernel file in the
page cache and read from the card), and what stays resident per running guest (xl leaves a process behind for each; xu's one
monitor serves them all). Timed inside Dom0 by a stopwatch (MEASURE).

    make bench              (or: bench/create.py [--machine-dir build/MACHINE])

Writes MACHINE-DIR/results/bench-create.json and rewrites the create section of
bench/RESULTS.md. Absolute times on a shared machine are noise; the ratio of
the two, measured on the same boot, is the result.
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests/system"))
from console import card_machine, machine_dir_option, machine_files  # noqa: E402
from results_md import replace_section, run_record  # noqa: E402

# Runs one create; prints when it returned and when its guest's first console
# line reached the log, in seconds from the create's start. The stopwatch
# (bench/tools/firstline.c, on the test image only) reads CLOCK_MONOTONIC and is
# woken by the log's first write through inotify, whether the back end writes it
# while the create still runs (xu monitor, which takes the console before the
# guest runs) or after the command has returned (xenconsoled): the same for
# both toolstacks, and no longer bound to Dom0's 4 ms file times.
MEASURE = r"""
tool=$1 cfg=$2 name=$3
log=/var/log/xen/console/guest-$name.log
rm -f $log $log.1
pixen-firstline $log 120000 $tool create $cfg 2>/tmp/create.out || { cat /tmp/create.out; exit 1; }
"""

# Runs one create in the background and follows its peak RSS (VmHWM, a
# high-water mark, so sampling now and then loses nothing but the last moments)
# and the lowest MemFree and MemAvailable of Dom0 while it runs (sampled: a
# moment's dip between samples is missed). With "cold" the page cache is
# dropped first, so the kernel file is read from the card during the create.
# Prints: peak RSS, MemFree drop, MemAvailable drop, in KiB.
PEAK = r"""
tool=$1 cfg=$2 cache=$3
[ "$cache" = cold ] && { sync; echo 3 > /proc/sys/vm/drop_caches; }
mem() { awk '/^MemFree:/ { f = $2 } /^MemAvailable:/ { a = $2 } END { print f, a }' /proc/meminfo; }
set -- $(mem); free0=$1 avail0=$2 free_min=$1 avail_min=$2
$tool create $cfg >/tmp/create.out 2>&1 &
pid=$!
peak=0
while [ -e /proc/$pid ]; do
    hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null)
    [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
    set -- $(mem)
    [ "$1" -lt "$free_min" ] && free_min=$1
    [ "$2" -lt "$avail_min" ] && avail_min=$2
    usleep 2000
done
echo $peak $((free0 - free_min)) $((avail0 - avail_min))
"""


def measure(m, tool, cfg, name, runs):
    returned, first = [], []
    for _ in range(runs):
        t_returned, t_first = map(float, m.check(
            f"sh /tmp/measure.sh {tool} {cfg} {name}", timeout=180).split()[-2:])
        returned.append(t_returned)
        first.append(t_first)
        m.check(f"{tool} destroy {name}", timeout=60)
    return returned, first


def memory(m, tool, cfg, name, runs=3):
    """The create's memory in Dom0, without the kernel file in the page cache and with
    it (as after the timed runs): the largest of `runs` creates each (a dip between
    two samples is missed, so the largest seen is the best estimate). The last
    create's guest stays for what stays resident while it runs."""
    found = {}
    for cache in ("cold", "warm"):
        seen = []
        for _ in range(runs):
            if seen or cache == "warm":
                m.check(f"{tool} destroy {name}", timeout=60)
                time.sleep(2)
            seen.append(list(map(int, m.check(
                f"sh /tmp/peak.sh {tool} {cfg} {cache}", timeout=180).split()[-3:])))
        peak, free_drop, avail_drop = (max(column) for column in zip(*seen))
        found[cache] = {"peak_rss_kib": peak, "memfree_drop_kib": free_drop,
                        "memavailable_drop_kib": avail_drop, "runs": seen}
    time.sleep(2)
    # What stays in Dom0 while the guest runs: xl's per-domain process, or xu's monitor.
    pattern = "xl create" if tool == "xl" else "xu monitor"
    rss = 0
    for pid in m.check("pidof xl xu || true").split():
        cmd = m.check(f"tr '\\0' ' ' < /proc/{pid}/cmdline || true")
        if pattern in cmd:
            rss += int(re.search(r"VmRSS:\s+(\d+)", m.check(f"cat /proc/{pid}/status")).group(1))
    m.check(f"{tool} destroy {name}", timeout=60)
    return found, rss


def summarize(values):
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "runs": [round(v, 3) for v in values]}


def update_results_md(results, path):
    xu, xl = results["xu"], results["xl"]
    rows = [
        ("`create` returns", "returned_s"),
        ("create → guest's first console line", "first_line_s"),
    ]
    lines = ["<!-- create:begin (written by bench/create.py) -->",
             f"Measured {results['date']} on {results['host']}, {results['runs']} runs each, "
             f"one boot of `{results['image']}`; reproduce with `make bench`.", "",
             "| | xu (median) | xl (median) | xu / xl |", "|---|---|---|---|"]
    for label, key in rows:
        a, b = xu[key]["median"], xl[key]["median"]
        lines.append(f"| {label} | {a:.2f} s | {b:.2f} s | {a / b:.2f} |")
    memory_rows = [
        ("peak RSS of the create command", "warm", "peak_rss_kib"),
        ("drop in Dom0's MemFree during the create, kernel file cached", "warm",
         "memfree_drop_kib"),
        ("drop in Dom0's MemFree during the create, kernel file read from the card", "cold",
         "memfree_drop_kib"),
        ("drop in Dom0's MemAvailable during the create, kernel file read from the card",
         "cold", "memavailable_drop_kib"),
    ]
    for label, cache, key in memory_rows:
        a, b = xu["memory"][cache][key], xl["memory"][cache][key]
        ratio = f"{a / b:.2f}" if b > 0 else "–"
        lines.append(f"| {label} | {a} KiB | {b} KiB | {ratio} |")
    lines.append(f"| resident in Dom0 while the guest runs | {xu['resident_kib']} KiB (xu monitor, "
                 f"for all guests) | {xl['resident_kib']} KiB (one xl process per guest) | "
                 f"{xu['resident_kib'] / xl['resident_kib']:.2f} |")
    lines.append("<!-- create:end -->")
    replace_section(path, "create", "xu create against xl create", "\n".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    machine_dir_option(p)
    p.add_argument("--runs", type=int, default=10)
    args = p.parse_args()
    files = machine_files(args.machine_dir)
    m = card_machine(files, files["xl_image"], "bench-create")
    try:
        m.boot()
        m.write_file("/tmp/measure.sh", MEASURE)
        m.write_file("/tmp/peak.sh", PEAK)
        # xl reads relative kernel paths from its working folder; give it absolute ones.
        # Without PV devices: xl would want Debian's hotplug scripts in DomD for them.
        m.check("sed 's|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|; /^vif/d; /^disk/d' /dom0/linux_pv_domu.cfg "
                "> /tmp/bench.cfg")
        results = run_record(runs=args.runs)
        # Alternate the two, so a slow spell of the host hits both alike.
        samples = {"xu": ([], []), "xl": ([], [])}
        for _ in range(args.runs):
            for tool in ("xu", "xl"):
                r, f = measure(m, tool, "/tmp/bench.cfg", "linux_pv_domu", 1)
                samples[tool][0].extend(r)
                samples[tool][1].extend(f)
        for tool in ("xu", "xl"):
            found, resident = memory(m, tool, "/tmp/bench.cfg", "linux_pv_domu")
            results[tool] = {"returned_s": summarize(samples[tool][0]),
                             "first_line_s": summarize(samples[tool][1]),
                             "memory": found, "resident_kib": resident}
    finally:
        m.close()
    results["image"] = os.path.relpath(files["xl_image"], ROOT)
    with open(os.path.join(files["results"], "bench-create.json"), "w") as f:
        json.dump(results, f, indent=2)
    update_results_md(results, os.path.join(HERE, "RESULTS.md"))
    for tool in ("xu", "xl"):
        r = results[tool]
        print(f"{tool}: returns {r['returned_s']['median']:.2f} s, first line "
              f"{r['first_line_s']['median']:.2f} s, memory {r['memory']}, "
              f"resident {r['resident_kib']} KiB")


if __name__ == "__main__":
    main()
