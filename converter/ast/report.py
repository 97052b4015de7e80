"""Text and JSON reports of an AST conversion.

The text report keeps the original MindConverter format::

    [Start Convert]
    [Insert] 'from mindspore import nn' is inserted to the converted file.
    line 1:0: [Convert] 'import torch' is converted to 'import mindspore'.
    line 9:15: [UnConvert] 'torch.foo' didn't convert. Maybe could convert to mindspore.ops.Bar.
    [Convert Over]

The JSON report (``report_of_<stem>.json``) lists every finding with its range, source API,
target, status and hint, plus the converted/total counts.
"""

from __future__ import annotations

import json
from typing import Any

from mindconverter.converter.issues import ConversionIssue

SCHEMA_VERSION = 1
TAGS = {"convert": "Convert", "unconvert": "UnConvert", "note": "Note"}


def report_lines(issues: list[ConversionIssue]) -> list[str]:
    """Report lines (without the start/end markers): inserts first, then by position."""
    lines = [f"[Insert] {i.message}" for i in issues if i.kind == "insert"]
    for issue in issues:
        tag = TAGS.get(issue.kind)
        if tag is None:
            continue
        start = issue.range
        lines.append(f"line {start.start_line}:{start.start_col}: [{tag}] {issue.message}")
    return lines


def text_report(lines: list[str]) -> str:
    """The report file's content."""
    return "\n".join(["[Start Convert]", *lines, "[Convert Over]"]) + "\n"


def json_report(
    issues: list[ConversionIssue],
    converted: int,
    total: int,
    *,
    source: str,
    script: str,
    target: str,
    weights: dict[str, Any] | None = None,
) -> str:
    """The JSON report's content."""
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "kind": "ast",
        "source": source,
        "script": script,
        "target": target,
        "converted": converted,
        "total": total,
        "conversion_rate": round(converted / total, 4) if total else 1.0,
        "sites": [issue.to_dict() for issue in issues],
    }
    if weights is not None:
        data["weights"] = weights
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def summarize(report_paths: list[str]) -> tuple[int, int]:
    """(converted, total) torch call sites over ``report_of_*.json`` files."""
    converted = total = 0
    for path in report_paths:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        converted += int(data.get("converted", 0))
        total += int(data.get("total", 0))
    return converted, total
