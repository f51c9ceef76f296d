#!/usr/bin/python3
"""Runs every fuzz target Meson builds in BUILD (the libFuzzer build) for SECONDS
each, JOBS at a time, from its corpus (BUILD/corpus-T, grown as it runs, and
tests/fuzz/corpus/T, kept in git). A crash stops everything: its input is in
BUILD/crash-T-*, to be fixed and then kept in tests/fuzz/corpus/T.

    tests/fuzz/run.py BUILD --seconds N [--jobs J] [--only T,...] [--record bench/RESULTS.md]

--record writes each target's executions and rate into the fuzz section of
bench/RESULTS.md (`make fuzz` does; `make test`'s short run does not); with
--only, the other targets' rows stay as they were.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from results_md import replace_section  # noqa: E402

MAX_LEN = 4096
GOAL_RUNS = 10 ** 7


def targets(build):
    out = subprocess.run(["meson", "introspect", "--targets", build], check=True,
                         capture_output=True, text=True).stdout
    return sorted(t["name"] for t in json.loads(out) if t["name"].startswith("fuzz_"))


RUNNING = set()  # the fuzzers under way: a crash in one stops the others


def run(build, name, seconds):
    """Returns (name, ok, runs, runs_per_s, log path)."""
    t = name[len("fuzz_"):]
    corpus = os.path.join(build, f"corpus-{t}")
    os.makedirs(corpus, exist_ok=True)
    log = os.path.join(build, f"{name}.log")
    with open(log, "w") as f:
        proc = subprocess.Popen([os.path.join(build, "tests/fuzz", name),
                                 f"-max_total_time={seconds}", f"-max_len={MAX_LEN}",
                                 "-print_final_stats=1",
                                 f"-artifact_prefix={os.path.join(build, f'crash-{t}-')}", corpus,
                                 os.path.join(ROOT, "tests/fuzz/corpus", t)],
                                stdout=f, stderr=subprocess.STDOUT)
        RUNNING.add(proc)
        rc = proc.wait()
        RUNNING.discard(proc)
    text = open(log).read()
    stat = dict(re.findall(r"^stat::(\w+):\s*(\d+)$", text, re.M))
    return name, rc == 0, int(stat.get("number_of_executed_units", 0)), \
        int(stat.get("average_exec_per_sec", 0)), log


def record(path, seconds, jobs, results):
    rows = {name: f"| {name} | {runs:,} | {rate:,} | {'yes' if runs >= GOAL_RUNS else 'no'} | "
                  f"{datetime.date.today()} |" for name, _, runs, rate, _ in results}
    old = open(path).read() if os.path.exists(path) else ""
    section = re.search(r"<!-- fuzz:begin.*?<!-- fuzz:end -->", old, re.S)
    if section:
        for m in re.finditer(r"^\| (fuzz_\w+) \|.*$", section.group(0), re.M):
            rows.setdefault(m.group(1), m.group(0))
    rows = "\n".join(rows[name] for name in sorted(rows))
    block = (f"<!-- fuzz:begin (written by tests/fuzz/run.py) -->\n"
             f"Measured {datetime.date.today()} on {platform.machine()}, {jobs} target(s) at a "
             f"time on {os.cpu_count()} cores, {seconds} s each, libFuzzer with ASan and UBSan, "
             f"inputs up to {MAX_LEN} bytes, from the corpus in tests/fuzz/corpus; reproduce "
             f"with `make fuzz FUZZ_SECONDS={seconds} FUZZ_JOBS={jobs}`. No crash.\n\n"
             f"| target | executions | per second | ≥ 10^7 | measured |\n|---|---|---|---|---|\n"
             f"{rows}\n"
             f"<!-- fuzz:end -->")
    replace_section(path, "fuzz", "Fuzzing: executions per target", block)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seconds", type=int, required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--only", help="these targets (comma-separated), not all")
    ap.add_argument("--record")
    args = ap.parse_args()
    names = targets(args.build)
    if args.only:
        names = [n for n in names if n in args.only.split(",")]
    if not names:
        sys.exit("pixen: Meson names no fuzz target")
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run, args.build, n, args.seconds) for n in names]
        for future in concurrent.futures.as_completed(futures):
            name, ok, runs, rate, log = future.result()
            if not ok:
                for f in futures:
                    f.cancel()
                for proc in list(RUNNING):
                    proc.kill()
                sys.stderr.write("".join(open(log).readlines()[-40:]))
                sys.exit(f"pixen: {name} failed; the input is in {args.build}/")
            print(f"{name}: {runs} runs ({rate}/s), no crash", flush=True)
            results.append((name, ok, runs, rate, log))
    results.sort()
    if args.record:
        record(args.record, args.seconds, args.jobs, results)


if __name__ == "__main__":
    main()
