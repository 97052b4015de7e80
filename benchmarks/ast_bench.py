"""AST conversion throughput (issue 8): lines per second over a generated corpus of 20k+ lines.

    python benchmarks/ast_bench.py [--jobs N] [--phases]

The corpus repeats the test model scripts (tests/data/ast) until it holds at least 20,000
lines; each file goes through ``convert_source`` once (the converter's cache is bypassed by a
unique comment per copy). Prints markdown tables:

* the single-process rate (wall clock and CPU time; the CPU rate is the one to compare on a
  busy machine), and the floor set by LibCST itself (``parse_module`` + ``.code``);
* with ``--jobs N`` (N > 1), the rate of N worker processes (wall clock, pool start included,
  and the busiest worker's CPU time: what the wall time would be with N idle cores);
* with ``--phases``, where the CPU time goes (parse, metadata, rules, edits, codegen, report).
"""

from __future__ import annotations

import argparse
import ast
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import libcst as cst
from mindconverter.converter.ast import api, pipeline
from mindconverter.converter.ast.api import convert_source
from mindconverter.converter.ast.report import report_lines

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


def _convert_batch(batch: list[tuple[int, str]]) -> tuple[int, float]:
    """(torch call sites, CPU seconds) for a batch of sources."""
    cpu = time.process_time()
    sites = sum(convert_source(source, filename=f"f{index}.py").total for index, source in batch)
    return sites, time.process_time() - cpu


def single(sources: list[str]) -> tuple[int, float, float]:
    """(torch call sites, wall seconds, CPU seconds) converting in this process."""
    wall = time.perf_counter()
    sites, cpu = _convert_batch(list(enumerate(sources)))
    return sites, time.perf_counter() - wall, cpu


def parallel(sources: list[str], jobs: int) -> tuple[int, float, float]:
    """(sites, wall seconds, busiest worker's CPU seconds) with ``jobs`` processes.

    The wall time includes starting the pool; on a machine whose cores are busy with other
    work it says little, while the busiest worker's CPU time bounds the wall time on idle cores.
    """
    chunks = [list(enumerate(sources))[i::jobs] for i in range(jobs)]
    wall = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(_convert_batch, chunks))
    wall = time.perf_counter() - wall
    return sum(r[0] for r in results), wall, max(r[1] for r in results)


def libcst_floor(sources: list[str]) -> float:
    """CPU seconds of plain ``libcst.parse_module`` + ``.code`` over the corpus."""
    cpu = time.process_time()
    for source in sources:
        _ = cst.parse_module(source).code
    return time.process_time() - cpu


def qualified_floor(sources: list[str]) -> float:
    """CPU seconds of parse + ``QualifiedNameProvider`` + ``.code``: the least a LibCST
    converter that resolves names (as this one must) can do, before any rewriting."""
    from libcst.metadata import MetadataWrapper, QualifiedNameProvider

    cpu = time.process_time()
    for source in sources:
        wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
        wrapper.resolve(QualifiedNameProvider)
        _ = wrapper.module.code
    return time.process_time() - cpu


def phases(sources: list[str]) -> dict[str, float]:
    """CPU seconds per phase, following ``convert_source`` step by step."""
    totals: dict[str, float] = {}
    last = [0.0]

    def clock(phase: str) -> None:
        now = time.process_time()
        totals[phase] = totals.get(phase, 0.0) + now - last[0]
        last[0] = now

    for index, source in enumerate(sources):
        last[0] = time.process_time()
        api.check_syntax(source, f"f{index}.py")
        clock("syntax check (ast.parse)")
        module = cst.parse_module(source)
        clock("parse (libcst)")
        result = pipeline.run(module, "nn_ops", clock)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(result.code)
        clock("output check (ast.parse)")
        report_lines(result.ctx.issues())
        result.ctx.counts()
        clock("issues and report")
    return totals


def main() -> None:
    """Convert the corpus and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="also run with N processes")
    parser.add_argument("--phases", action="store_true", help="per-phase CPU breakdown")
    args = parser.parse_args()
    sources = corpus()
    lines = sum(s.count("\n") + 1 for s in sources)
    sites, wall, cpu = single(sources)
    floor = libcst_floor(sources)
    print("| mode | files | lines | torch call sites | seconds | lines/s | target |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    row = f"| {{}} | {len(sources)} | {lines} | {{}} | {{:.2f}} | {{:.0f}} | 10,000 |"
    print(row.format("1 process, wall", sites, wall, lines / wall))
    print(row.format("1 process, CPU", sites, cpu, lines / cpu))
    print(row.format("libcst parse+code only, CPU", "-", floor, lines / floor))
    qfloor = qualified_floor(sources)
    print(row.format("libcst parse+qualified names+code, CPU", "-", qfloor, lines / qfloor))
    if args.jobs > 1:
        psites, pwall, pcpu = parallel(sources, args.jobs)
        print(row.format(f"{args.jobs} processes, wall", psites, pwall, lines / pwall))
        print(row.format(f"{args.jobs} processes, busiest worker CPU", psites, pcpu, lines / pcpu))
    if args.phases:
        totals = phases(sources)
        total = sum(totals.values())
        print("\n| phase | CPU s | ms per 1k lines | share |\n| --- | --- | --- | --- |")
        for phase, seconds in totals.items():
            print(f"| {phase} | {seconds:.2f} | {1e6 * seconds / lines:.1f} | "
                  f"{100 * seconds / total:.1f}% |")
        print(f"| total | {total:.2f} | {1e6 * total / lines:.1f} | 100% |")


if __name__ == "__main__":
    main()
