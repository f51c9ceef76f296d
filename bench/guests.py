#!/usr/bin/python3
"""The small guests against linux_pv_domu, and xu against xl for each.

For every guest on the card: its kernel image's size, and the time from
`xu create` to its first console line (and, as the peer, from Debian's
`xl create` of the same config on the same boot), RUNS times each,
alternating. linux_pv_domu runs without its vif and disk, which xl cannot
serve here. Timed inside Dom0 by a stopwatch (bench/create.py, MEASURE).

    make bench        (or: bench/guests.py [--machine-dir build/MACHINE])

Writes MACHINE-DIR/results/bench-guests.json and rewrites the guests section of
bench/RESULTS.md. Absolute times on a shared machine are noise; the ratios,
measured on one boot, are the result.
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

GUESTS = ["rpi_5_domd", "rpi_5_domu", "helloworld_xen-arm64", "jitter", "linux_pv_domu"]


def first_line(m, tool, cfg, name):
    t_first = float(m.check(f"sh /tmp/measure.sh {tool} {cfg} {name}", timeout=180).split()[-1])
    m.check(f"{tool} destroy {name}", timeout=60)
    return t_first


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    machine_dir_option(p)
    p.add_argument("--runs", type=int, default=9)
    args = p.parse_args()
    files = machine_files(args.machine_dir)
    m = card_machine(files, files["xl_image"], "bench-guests")
    results = run_record(runs=args.runs, guests={})
    try:
        m.boot()
        m.write_file("/tmp/measure.sh", MEASURE)
        for name in GUESTS:
            # Absolute file names (xl reads relative ones from its working folder); no PV devices.
            cfg = f"/tmp/bench-{name}.cfg"
            m.check(f"sed 's|^\\(kernel\\|ramdisk\\) = \"|\\1 = \"/dom0/|; /^vif/d; /^disk/d' "
                    f"/dom0/{name}.cfg > {cfg}")
            kernel = re.search(r'^kernel = "([^"]+)"', m.check(f"cat {cfg}"), re.M).group(1)
            size = int(m.check(f"stat -c %s {kernel}").split()[-1])
            times = {"xu": [], "xl": []}
            for _ in range(args.runs):
                for tool in ("xu", "xl"):
                    times[tool].append(first_line(m, tool, cfg, name))
            results["guests"][name] = {
                "kernel_bytes": size,
                **{tool: {"median": round(statistics.median(v), 3),
                          "runs": [round(x, 3) for x in v]} for tool, v in times.items()}}
    finally:
        m.close()
    with open(os.path.join(files["results"], "bench-guests.json"), "w") as f:
        json.dump(results, f, indent=2)
    lines = ["<!-- guests:begin (written by bench/guests.py) -->",
             f"Measured {results['date']} on {results['host']}, {results['runs']} runs each "
             f"(medians), one boot of `{os.path.relpath(files['xl_image'], ROOT)}`; reproduce "
             "with `bench/guests.py` "
             "(also run by `make bench`). linux_pv_domu without its vif and disk.", "",
             "| guest | kernel image | xu create → first console line | xl create → first "
             "console line | xu / xl |", "|---|---|---|---|---|"]
    for name, g in results["guests"].items():
        kib = g["kernel_bytes"] / 1024
        size = f"{kib:.0f} KiB" if kib < 4096 else f"{kib / 1024:.0f} MiB"
        lines.append(f"| {name} | {size} | {g['xu']['median']:.2f} s | {g['xl']['median']:.2f} s "
                     f"| {g['xu']['median'] / g['xl']['median']:.2f} |")
    lines.append("<!-- guests:end -->")
    replace_section(os.path.join(HERE, "RESULTS.md"), "guests",
                    "The small guests: size and create time, xu against xl", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
