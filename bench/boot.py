#!/usr/bin/python3
"""Boot stages and what u-boot reads from the card, for builds side by side.

Each CARD is a folder where make put a machine's images (build/MACHINE: its
full.img, rootfs.img, u-boot's environment and boot.cmd). They are booted in
turn, BOOTS times each, alternating, so a slow spell of the host hits all
alike; each boot stamps, from the emulator's start: Xen's banner, Xen
starting the domains, Dom0's ready line and prompt, DomD's ready line, and
DomD's `xu devd` serving; and Dom0's own uptime at its ready line (the time
from its kernel's start). The bytes u-boot reads are the sizes of the files
boot.cmd loads.

    bench/boot.py [--boots 3] LABEL=CARD [LABEL=CARD ...]

e.g., Dom0's own kernel against Debian's generic one as Dom0, on the same
machine: a worktree of the last commit before Dom0 had its own (1e8c5c9),
and this one:

    M=$MACHINE   # the machine's folder under platform/
    git worktree add /tmp/before 1e8c5c9 && make -C /tmp/before full.img rootfs.img
    make full.img rootfs.img
    bench/boot.py --section dom0-kernel --heading "Dom0's kernel: its own against Debian's" \
        "Debian's 7.3=/tmp/before/build/$M" "own 7.2=build/$M"

Writes build/<machine>/results/bench-boot.json for the first CARD's machine
and rewrites its section (--section) of bench/RESULTS.md. Absolute times on a shared
machine are noise; each stage's ratio against the first CARD is the result.
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
from console import PROMPT, Machine, machine_files  # noqa: E402
from results_md import replace_section  # noqa: E402

# The emulator's start → each of these, in whatever order they come.
MARKS = {
    "xen_banner": r"Xen version 4\.17",
    "xen_handover": r"Freed \d+kB init memory",
    "dom0_ready": r"pixen: Dom0 ready in ([0-9.]+) s",
    "dom0_prompt": PROMPT,
    "domd_ready": r"pixen: DomD ready in",
    "domd_serving": r"xu devd: serving the PV backends",
}
LABELS = {
    "xen_banner": "Xen's banner",
    "xen_handover": "Xen starts the domains (its init memory freed)",
    "dom0_ready": "Dom0's ready line",
    "dom0_prompt": "Dom0's prompt",
    "domd_ready": "DomD's ready line",
    "domd_serving": "DomD's `xu devd` serving",
}
# Not from the emulator's start: Dom0's own clock (its uptime, from its
# kernel's start) at its ready line, which its prompt follows at once.
UPTIME = "dom0_uptime"
LABELS[UPTIME] = "Dom0's kernel start → its ready line (Dom0's uptime)"


def card_bytes(boot_cmd):
    """What boot.scr has u-boot read from the card: the files it loads, each as built."""
    text = open(boot_cmd).read()
    return sum(int(n) for n in re.findall(r"^# [^:\n]+: (\d+) bytes when built", text, re.M))


def boot_once(files, log):
    m = Machine(files["image"], log, machine=files["machine"], uboot_env=files["uboot_env"],
                rootfs=files["rootfs"])
    try:
        seen = {}
        names, patterns = list(MARKS), list(MARKS.values())
        while not all(k in seen for k in MARKS):
            i = m.child.expect(patterns, timeout=300)
            seen.setdefault(names[i], round(time.monotonic() - m.started, 2))
            if names[i] == "dom0_ready":
                seen.setdefault(UPTIME, float(m.child.match.group(1)))
        return seen
    finally:
        m.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--boots", type=int, default=3)
    p.add_argument("--section", default="boot",
                   help="the section of bench/RESULTS.md to write (one per comparison)")
    p.add_argument("--heading", default="Boot stages and what u-boot reads, card against card")
    p.add_argument("--how", default="its help says how to build the cards",
                   help="how the cards were made, for the section's first line")
    p.add_argument("cards", nargs="+", metavar="LABEL=CARD")
    args = p.parse_args()
    cards = []
    for spec in args.cards:
        label, _, folder = spec.rpartition("=")
        files = machine_files(os.path.abspath(folder))
        for key in ("image", "rootfs"):
            if not os.path.exists(files[key]):
                p.error(f"{files[key]}: no such file (make full.img rootfs.img there)")
        cards.append((label or folder, files, card_bytes(os.path.join(folder, "boot.cmd"))))
    results_dir = cards[0][1]["results"]
    os.makedirs(results_dir, exist_ok=True)
    stages = {label: [] for label, _, _ in cards}
    for n in range(args.boots):
        for i, (label, files, _) in enumerate(cards):
            log = os.path.join(results_dir, f"console-bench-boot-{i}-{n}.log")
            stages[label].append(boot_once(files, log))
    results = {"date": time.strftime("%Y-%m-%d"), "boots": args.boots,
               "cards": {label: {"folder": files["image"], "card_read_bytes": read,
                                 "stages_s": stages[label]} for label, files, read in cards}}
    with open(os.path.join(results_dir, "bench-boot.json"), "w") as f:
        json.dump(results, f, indent=2)

    rows = list(MARKS) + [UPTIME]
    median = {label: {k: statistics.median(b[k] for b in stages[label]) for k in rows}
              for label in stages}
    first = cards[0][0]
    head = "| from the emulator's start to | " + " | ".join(label for label, _, _ in cards)
    head += "".join(f" | {label} / {first}" for label, _, _ in cards[1:]) + " |"
    lines = [f"<!-- {args.section}:begin (written by bench/boot.py) -->",
             f"Measured {results['date']}, {args.boots} boots of each card, alternating "
             f"(medians of seconds); reproduce with `bench/boot.py` ({args.how}).", "", head,
             "|---" * (1 + 2 * len(cards) - 1) + "|"]
    for k in rows:
        row = f"| {LABELS[k]} | " + " | ".join(f"{median[label][k]:.2f}" for label, _, _ in cards)
        row += "".join(f" | {median[label][k] / median[first][k]:.2f}" for label, _, _ in cards[1:])
        lines.append(row + " |")
    row = "| u-boot reads from the card | " + " | ".join(
        f"{read / (1 << 20):.1f} MiB" for _, _, read in cards)
    row += "".join(f" | {read / cards[0][2]:.2f}" for _, _, read in cards[1:])
    lines += [row + " |", f"<!-- {args.section}:end -->"]
    block = "\n".join(lines)
    replace_section(os.path.join(HERE, "RESULTS.md"), args.section, args.heading, block)
    print(block)


if __name__ == "__main__":
    main()
