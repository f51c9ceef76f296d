#!/usr/bin/python3
"""Where a small guest's create → first console line goes, part by part.

bench/guests.py gives the whole (xu against xl); this splits xu's into what
no toolstack can leave out and what is xu's own, on one boot of the card:
- a command's start: `xu help` and `busybox true`, BATCH times in a row;
- for each small guest, RUNS creates with XU_TIMING=1 (each step's median),
  the create → first line as guests.py times it, and the time from
  `xu unpause` of a guest created paused a second before (its console is
  served by then) to its first line.

    bench/create_parts.py [--machine-dir build/MACHINE] [--runs N]

Writes MACHINE-DIR/results/bench-create-parts.json and rewrites the
create-parts section of bench/RESULTS.md. All in Dom0, on the test image
(its stopwatch, pixen-firstline), timed with CLOCK_MONOTONIC except a
command's start (/proc/uptime, 10 ms steps, over BATCH runs).
"""
import argparse
import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests/system"))
sys.path.insert(0, HERE)
from console import card_machine, machine_dir_option, machine_files  # noqa: E402
from create import MEASURE  # noqa: E402
from results_md import replace_section, run_record  # noqa: E402

GUESTS = ["rpi_5_domd", "rpi_5_domu", "helloworld_xen-arm64", "jitter"]
BATCH = 20

# Milliseconds per run of a command, over BATCH runs.
EACH = r"""
up() { cut -d' ' -f1 /proc/uptime; }
t0=$(up); i=0
while [ $i -lt BATCH ]; do $1 >/dev/null 2>&1; i=$((i + 1)); done
t1=$(up)
awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.1f\n", (b - a) * 1000 / BATCH }'
""".replace("BATCH", str(BATCH))

# A guest created paused a second ago: `xu unpause` → its first line (ms, on the
# stopwatch of create.py's MEASURE). xu monitor serves its console already, so
# this is the guest's own start and the monitor's wake-up.
UNPAUSE = r"""
name=$1
log=/var/log/xen/console/guest-$name.log
rm -f $log $log.1
xu create -p $name >/dev/null || exit 1
sleep 1
t=$(pixen-firstline $log 60000 sh -c "xu unpause $name >/dev/null")
rc=$?
xu destroy $name >/dev/null
[ $rc = 0 ] || exit 1
set -- $t
awk -v t=$2 'BEGIN { printf "%.1f\n", t * 1000 }'
"""


def steps(out):
    """XU_TIMING's lines: step name → seconds."""
    return {m.group(1).strip(): float(m.group(2))
            for m in re.finditer(r"^xu: (.+?)\s+(\d+\.\d+) s$", out, re.M)}


def median_ms(values):
    return round(statistics.median(values) * 1000 if values else 0, 1)


def measure_guest(m, name, runs):
    timed, first, unpause = {}, [], []
    for _ in range(runs):
        # To a file: lines on the serial console would slow the steps they time.
        out = m.check(f"XU_TIMING=1 xu create {name} >/dev/null 2>/tmp/xu-timing; "
                      "cat /tmp/xu-timing", timeout=60)
        for step, s in steps(out).items():
            timed.setdefault(step, []).append(s)
        m.check(f"xu destroy {name}", timeout=60)
        first.append(float(m.check(f"sh /tmp/measure.sh xu {name} {name}",
                                   timeout=60).split()[-1]))
        m.check(f"xu destroy {name}", timeout=60)
        unpause.append(float(m.check(f"sh /tmp/unpause.sh {name}", timeout=60).split()[-1]))
    return {"steps_ms": {k: median_ms(v) for k, v in timed.items()},
            "steps_total_ms": round(sum(median_ms(v) for v in timed.values()), 1),
            "first_line_ms": median_ms(first),
            "unpause_first_line_ms": round(statistics.median(unpause), 1)}


def table(results):
    names = list(results["guests"])
    lines = ["| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    order = []
    for g in results["guests"].values():
        order += [s for s in g["steps_ms"] if s not in order]
    for step in order:
        lines.append(f"| `XU_TIMING`: {step} | " + " | ".join(
            f"{results['guests'][n]['steps_ms'].get(step, 0):.0f}" for n in names) + " |")
    rows = [("sum of the steps (from `main()` to the return; the process start before it "
             "is not in it)", "steps_total_ms"),
            ("**create → first console line** (as bench/guests.py)", "first_line_ms"),
            ("`xu unpause` of a guest created paused → first line", "unpause_first_line_ms")]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(
            f"{results['guests'][n][key]:.0f}" for n in names) + " |")
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    machine_dir_option(p)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    files = machine_files(args.machine_dir)
    m = card_machine(files, files["xl_image"], "bench-create-parts")
    results = run_record(runs=args.runs, guests={})
    try:
        m.boot()
        m.write_file("/tmp/measure.sh", MEASURE)
        m.write_file("/tmp/each.sh", EACH)
        m.write_file("/tmp/unpause.sh", UNPAUSE)
        starts = {"xu help": [], "/bin/busybox true": []}
        for _ in range(args.runs):
            for cmd in starts:
                starts[cmd].append(float(m.check(f"sh /tmp/each.sh '{cmd}'").split()[-1]))
        results["command_start_ms"] = {k: round(statistics.median(v), 1)
                                       for k, v in starts.items()}
        for name in GUESTS:
            results["guests"][name] = measure_guest(m, name, args.runs)
    finally:
        m.close()
    with open(os.path.join(files["results"], "bench-create-parts.json"), "w") as f:
        json.dump(results, f, indent=2)
    starts = results["command_start_ms"]
    lines = ["<!-- create-parts:begin (written by bench/create_parts.py) -->",
             f"Measured {results['date']} on {results['host']}, one boot of "
             f"`{os.path.relpath(files['xl_image'], ROOT)}`, medians of {results['runs']} runs, "
             "in ms; reproduce with `bench/create_parts.py`. A command's start (a run "
             f"of {BATCH} in a row): `xu help` {starts['xu help']:.1f} ms, `/bin/busybox true` "
             f"{starts['/bin/busybox true']:.1f} ms.", ""]
    lines += table(results)
    lines.append("<!-- create-parts:end -->")
    replace_section(os.path.join(HERE, "RESULTS.md"), "create-parts",
                    "A small guest's create, part by part", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
