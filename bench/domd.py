#!/usr/bin/python3
"""DomD: when it is ready and serving, and what its PV devices cost a guest's create.

One boot of full.img (3 boots, medians):
- seconds from QEMU's start until DomD's ready line, until its `xu devd`
  serves (after Dom0's `xu attach`), and until Dom0's prompt;
then on the last boot, RUNS times each, alternating:
- `xu create linux_pv_domu` → the guest's ready line, which it prints once its
  vif is up as enX0 and its disk is there;
- the peer: the same guest without its vif and disk.
Timed inside Dom0 with /proc/uptime (10 ms steps).

    bench/domd.py [--machine-dir build/MACHINE] [--runs 5]

Writes MACHINE-DIR/results/bench-domd.json and rewrites the DomD section of
bench/RESULTS.md. Absolute times are noise; the ratios are the result.
"""
import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests/system"))
from console import PROMPT, card_machine, machine_dir_option, machine_files  # noqa: E402
from results_md import replace_section  # noqa: E402

# QEMU start → each of these, in whatever order they come.
MARKS = {
    "domd_ready": r"pixen: DomD ready in",
    "domd_serving": r"xu devd: serving the PV backends",
    "dom0_prompt": PROMPT,
}

# One create; prints seconds from the start until the guest's ready line.
MEASURE = r"""
cfg=$1
log=/var/log/xen/console/guest-linux_pv_domu.log
rm -f $log $log.1
up() { cut -d' ' -f1 /proc/uptime; }
t0=$(up)
xu create $cfg >/tmp/create.out 2>&1 || { cat /tmp/create.out; exit 1; }
while ! grep -q 'linux_pv_domu: ready in' $log 2>/dev/null; do sleep 0.01; done
t1=$(up)
echo "$t0 $t1"
"""


def boot_marks(m):
    seen = {}
    patterns = list(MARKS.values())
    names = list(MARKS)
    while len(seen) < len(MARKS):
        i = m.child.expect(patterns, timeout=180)
        seen.setdefault(names[i], round(time.monotonic() - m.started, 2))
    return seen


def median(values):
    return round(statistics.median(values), 2)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    machine_dir_option(p)
    p.add_argument("--boots", type=int, default=3)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    files = machine_files(args.machine_dir)
    boots, with_pv, without_pv = [], [], []
    for n in range(args.boots):
        m = card_machine(files, files["image"], f"bench-domd-{n}")
        try:
            boots.append(boot_marks(m))
            if n + 1 < args.boots:
                continue
            m.check("stty cols 1000")
            m.write_file("/tmp/measure.sh", MEASURE)
            m.check("sed 's|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|' /dom0/linux_pv_domu.cfg "
                    "> /tmp/pv.cfg; sed '/^vif/d; /^disk/d' /tmp/pv.cfg > /tmp/nopv.cfg")
            for _ in range(args.runs):
                for cfg, out in (("/tmp/pv.cfg", with_pv), ("/tmp/nopv.cfg", without_pv)):
                    t0, t1 = map(float, m.check(f"sh /tmp/measure.sh {cfg}", timeout=180).split())
                    out.append(t1 - t0)
                    m.check("xu destroy linux_pv_domu", timeout=60)
        finally:
            m.close()
    results = {"date": time.strftime("%Y-%m-%d"), "boots": boots,
               "create_to_ready_with_pv_s": [round(v, 2) for v in with_pv],
               "create_to_ready_without_pv_s": [round(v, 2) for v in without_pv]}
    with open(os.path.join(files["results"], "bench-domd.json"), "w") as f:
        json.dump(results, f, indent=2)
    stage = {k: median([b[k] for b in boots]) for k in MARKS}
    a, b = median(with_pv), median(without_pv)
    block = "\n".join([
        "<!-- domd:begin (written by bench/domd.py) -->",
        f"Measured {results['date']}, {args.boots} boots of "
        f"`{os.path.relpath(files['image'], ROOT)}` (medians), "
        f"then {args.runs} creates of each kind on the last; reproduce with `bench/domd.py`.", "",
        "| from QEMU's start to | seconds |", "|---|---|",
        f"| DomD's ready line | {stage['domd_ready']} |",
        f"| DomD's `xu devd` serving (after Dom0's `xu attach`) | {stage['domd_serving']} |",
        f"| Dom0's prompt | {stage['dom0_prompt']} |", "",
        "| `xu create linux_pv_domu` → its ready line (enX0 and xvda there) | with vif and disk | "
        "without (peer) | ratio |", "|---|---|---|---|",
        f"| median | {a:.2f} s | {b:.2f} s | {a / b:.2f} |",
        "<!-- domd:end -->"])
    replace_section(os.path.join(HERE, "RESULTS.md"), "domd", "DomD", block)
    print(block)


if __name__ == "__main__":
    main()
