"""Conversion rate of the AST converter over the test scripts, from its own JSON reports.

    python benchmarks/ast_rate.py [folder ...]   (default: tests/data/ast)

Converts every ``*.py`` under the folders with ``convert_path`` and sums ``converted`` and
``total`` torch call sites from the ``report_of_*.json`` files it wrote.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from mindconverter.converter.ast.api import convert_path
from mindconverter.converter.ast.report import summarize

ROOT = Path(__file__).resolve().parents[1]


def main(folders: list[str]) -> None:
    """Print a per-file table and the total."""
    paths = [Path(f) for f in folders] or [ROOT / "tests" / "data" / "ast"]
    files = sorted(p for folder in paths for p in folder.rglob("*.py")
                   if p.name != "__init__.py")
    print("| script | converted | total |\n| --- | --- | --- |")
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, file in enumerate(files):
            out = Path(tmp) / str(i)
            convert_path(str(file), str(out))
            report = next(out.glob("report_of_*.json"))
            data = json.loads(report.read_text(encoding="utf-8"))
            print(f"| {file.relative_to(ROOT) if file.is_relative_to(ROOT) else file} | "
                  f"{data['converted']} | {data['total']} |")
            reports.append(str(report))
        converted, total = summarize(reports)
    rate = 100.0 * converted / total if total else 100.0
    print(f"\nConversion rate: {converted}/{total} torch call sites ({rate:.1f}%) "
          f"over {len(files)} scripts")


if __name__ == "__main__":
    main(sys.argv[1:])
