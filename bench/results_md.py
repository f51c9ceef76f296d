"""bench/RESULTS.md: each benchmark owns one marked section and rewrites only that."""
import os
import re


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
