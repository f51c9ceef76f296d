#!/usr/bin/python3
"""What a CPU pool of its own buys a real-time guest: wake-up latency, shared against alone.

One boot of the ENABLE_PARTITIONS=yes card. Xen starts rt_jitter at boot alone
on CPU 1, in the null-scheduler pool rt; Dom0 creates linux_pv_domu, keeps its
vCPU busy (a shell loop), and creates jitter in Pool-0, where it shares CPU 0
with that loop, Dom0, DomD and the shm_ping/shm_pong pair. Both guests wake on
a 10 ms timer and report each second how late they woke (min/avg/max); both
are read over the same SECONDS. The result is the ratio of the two maxima
(and of the averages).

    make bench-isolation    (or: bench/isolation.py [--image CARD] [--seconds 60])

Writes MACHINE-DIR/results/bench-isolation.json and rewrites the isolation
section of bench/RESULTS.md. Absolute times under QEMU TCG on a shared
machine are noise; the ratio, measured in one boot, is the result.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests/system"))
sys.path.insert(0, HERE)
from console import card_machine, default_machine, machine_files  # noqa: E402
from results_md import replace_section  # noqa: E402
from test_xu import GUEST_PROMPT, attach, detach  # noqa: E402

REPORT = re.compile(r"jitter: 100 wake-ups, latency min (\d+) avg (\d+) max (\d+) us")


def summary(reports):
    """min of the minima, mean of the averages, max of the maxima, in us."""
    return {"reports": len(reports), "min_us": min(r[0] for r in reports),
            "avg_us": round(sum(r[1] for r in reports) / len(reports), 1),
            "max_us": max(r[2] for r in reports)}


def main():
    machine = default_machine()
    base = os.path.join(ROOT, "build", machine)
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--image", default=os.path.join(f"{base}-ENABLE_PARTITIONS_yes", "full.img"),
                   help="the ENABLE_PARTITIONS=yes card")
    p.add_argument("--machine-dir", default=base,
                   help="where make put the machine's default images (DomD's disk, u-boot's "
                        "environment)")
    p.add_argument("--seconds", type=int, default=60)
    args = p.parse_args()
    files = machine_files(args.machine_dir)
    m = card_machine(files, args.image, "bench-isolation")
    try:
        m.boot(timeout=300)
        # The load: linux_pv_domu (no PV devices: its CPU use is the point) spinning.
        m.check("sed 's|\"linux_pv_domu/|\"/dom0/linux_pv_domu/|; /^vif/d; /^disk/d' "
                "/dom0/linux_pv_domu.cfg > /tmp/busy.cfg")
        m.check("xu create /tmp/busy.cfg", timeout=180)
        attach(m, "linux_pv_domu")
        m.child.send("\r")
        m.expect(GUEST_PROMPT, timeout=120)
        m.child.send("while :; do :; done &\r")
        m.expect(GUEST_PROMPT)
        detach(m)
        m.check("xu create jitter", timeout=120)
        # rt_jitter writes on Xen's console (its UART), jitter to its console log.
        m.check("sleep 3; : > /var/log/xen/console/guest-jitter.log")
        started = time.monotonic()
        alone = []
        while time.monotonic() - started < args.seconds:
            match = m.expect(r"DOM2: " + REPORT.pattern, timeout=30)
            alone.append(tuple(int(match.group(i)) for i in (1, 2, 3)))
        m.child.send("\r")
        m.expect(r"dom0:[^\r\n]*# ")
        shared = [tuple(map(int, r)) for r in
                  REPORT.findall(m.check("cat /var/log/xen/console/guest-jitter.log"))]
        vcpus = m.check("xu vcpu-list")
        cpu_of = {row.split()[0]: row.split()[3] for row in vcpus.splitlines()[1:]}
        assert cpu_of["rt_jitter"] == "1" and cpu_of["jitter"] == "0", vcpus
    finally:
        m.close()
    a, b = summary(shared), summary(alone)
    results = {"date": time.strftime("%Y-%m-%d"), "seconds": args.seconds,
               "host": subprocess.run(["uname", "-m"], capture_output=True,
                                      text=True).stdout.strip() + ", QEMU TCG",
               "shared_cpu0_pool0": a, "alone_cpu1_null_pool": b,
               "max_ratio": round(a["max_us"] / b["max_us"], 1),
               "avg_ratio": round(a["avg_us"] / b["avg_us"], 1)}
    with open(os.path.join(files["results"], "bench-isolation.json"), "w") as f:
        json.dump(results, f, indent=2)
    lines = ["<!-- isolation:begin (written by bench/isolation.py) -->",
             f"Measured {results['date']} on {results['host']}, one boot of "
             f"`{os.path.relpath(args.image, ROOT)}`, {args.seconds} s of reports from each guest "
             "at once; reproduce with `make bench-isolation` (or `bench/isolation.py`). The jitter "
             "guest wakes on a 10 ms timer; latency is its deadline to the guest running again. "
             "Shared: `jitter`, created by `xu create` in Pool-0 (credit2) on CPU 0 with Dom0, "
             "DomD, the shm pair and linux_pv_domu running a busy loop. Alone: `rt_jitter`, "
             "started by Xen at boot in the pool `rt`, CPU 1 alone under the null scheduler.", "",
             "| | reports | min | avg | max |", "|---|---|---|---|---|",
             f"| shared (Pool-0, CPU 0, a busy neighbour) | {a['reports']} | {a['min_us']} us | "
             f"{a['avg_us']} us | {a['max_us']} us |",
             f"| alone (pool rt, null scheduler, CPU 1) | {b['reports']} | {b['min_us']} us | "
             f"{b['avg_us']} us | {b['max_us']} us |", "",
             f"Worst wake-up shared / alone: **{results['max_ratio']}×**; average: "
             f"{results['avg_ratio']}×. Under TCG each vCPU is a host thread, so \"alone\" still "
             "shares the two host cores with the other vCPU's thread; a board's core in a null "
             "pool shares nothing.",
             "<!-- isolation:end -->"]
    replace_section(os.path.join(HERE, "RESULTS.md"), "isolation",
                    "Isolation: a real-time guest sharing a CPU against one in a pool of its own",
                    "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
