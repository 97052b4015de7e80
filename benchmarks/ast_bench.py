"""AST conversion throughput (issue 8): lines per second over a generated corpus of 20k+ lines.

The corpus repeats the test model scripts (tests/data/ast) until it holds at least 20,000
lines; each file goes through ``convert_source`` once (the converter's cache is bypassed by a
unique comment per copy). Prints a markdown table.
"""

from __future__ import annotations

import time
from pathlib import Path

from mindconverter.converter.ast.api import convert_source

ROOT = Path(__file__).resolve().parents[1]
TARGET_LINES = 20_000


def corpus() -> list[str]:
    """Sources totalling at least TARGET_LINES lines."""
    base = [p.read_text(encoding="utf-8")
            for p in sorted((ROOT / "tests" / "data" / "ast").rglob("*.py"))
            if p.name != "__init__.py"]
    sources, lines, copy = [], 0, 0
    while lines < TARGET_LINES:
        for text in base:
            sources.append(f"# copy {copy}\n{text}")
            lines += text.count("\n") + 1
        copy += 1
    return sources


def main() -> None:
    """Convert the corpus and print lines/s."""
    sources = corpus()
    total_lines = sum(s.count("\n") + 1 for s in sources)
    start = time.perf_counter()
    sites = 0
    for index, source in enumerate(sources):
        sites += convert_source(source, filename=f"f{index}.py").total
    seconds = time.perf_counter() - start
    print("| files | lines | torch call sites | seconds | lines/s | target |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(f"| {len(sources)} | {total_lines} | {sites} | {seconds:.1f} | "
          f"{total_lines / seconds:.0f} | 10,000 |")


if __name__ == "__main__":
    main()
