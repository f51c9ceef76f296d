"""bench/RESULTS.md: each benchmark owns one marked section and rewrites only that."""
import os
import re
import subprocess
import time


def replace_section(path, name, heading, block):
    """Puts `block` (which starts with <!-- NAME:begin and ends with <!-- NAME:end -->) in
    place of the old one, or under a new `heading` at the end."""
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n\n"
    if f"<!-- {name}:begin" in text:
        text = re.sub(rf"<!-- {name}:begin.*?<!-- {name}:end -->", lambda _: block, text,
                      flags=re.S)
    else:
        text += f"\n## {heading}\n\n{block}\n"
    with open(path, "w") as f:
        f.write(text)


def run_record(**fields):
    """A measurement's date and host (this machine, running QEMU's TCG), with `fields`."""
    host = subprocess.run(["uname", "-m"], capture_output=True, text=True).stdout.strip()
    return {"date": time.strftime("%Y-%m-%d"), **fields, "host": host + ", QEMU TCG"}
