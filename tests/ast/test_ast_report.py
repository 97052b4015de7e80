"""Findings, report lines, JSON report and the issue-code table."""

from __future__ import annotations

import json

from mindconverter.converter.ast import codes
from mindconverter.converter.ast.report import json_report, text_report
from mindconverter.converter.issues import ConversionIssue

from tests.ast.ast_helpers import convert

SOURCE = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        y = torch.frobnicate(x)
        return nn.functional.relu(y)
"""


def test_report_lines_use_the_original_format() -> None:
    result = convert(SOURCE)
    assert result.report_lines == [
        "[Insert] 'from mindspore import nn, ops' is inserted to the converted file.",
        "line 2:0: [Convert] 'import torch.nn as nn' is converted to 'import mindspore'.",
        "line 5:10: [Convert] 'torch.nn.Module' is converted to 'mindspore.nn.Cell'.",
        "line 6:8: [Convert] 'torch.nn.Module.forward' is converted to "
        "'mindspore.nn.Cell.construct'.",
        "line 7:12: [UnConvert] 'torch.frobnicate' didn't convert.",
        "line 8:15: [Convert] 'torch.nn.functional.relu' is converted to 'mindspore.ops.relu'.",
    ]
    assert (result.converted, result.total) == (1, 2)


def test_unconverted_site_keeps_code_and_gets_a_marker() -> None:
    result = convert(SOURCE)
    lines = result.code.splitlines()
    index = lines.index("        y = torch.frobnicate(x)")
    assert lines[index - 1] == "        # TODO(mindconverter): 'torch.frobnicate' didn't convert."
    assert "import torch\n" in result.code


def test_suggestion_when_the_table_knows_a_target() -> None:
    result = convert("import torch\ny = torch.cat([a], out=b)\n")
    site = next(i for i in result.issues if i.kind == "unconvert")
    assert site.message == (
        "'torch.cat' didn't convert. Argument 'out' is not supported by mindspore.ops.cat. "
        "Maybe could convert to mindspore.ops.cat."
    )
    assert site.data["mapping_target"] == "mindspore.ops.cat"


def test_ranges_are_in_original_coordinates_with_unicode() -> None:
    result = convert("import torch\nnom = 'é'; y = torch.cat([a, b])\n")
    site = next(i for i in result.issues if i.source_api == "torch.cat")
    assert (site.range.start_line, site.range.start_col) == (2, 15)
    assert site.range.end_col == 15 + len("torch.cat([a, b])")


def test_every_issue_code_is_in_the_table() -> None:
    result = convert(SOURCE + "z = torch.Tensor\nw = torch.cuda\n")
    for issue in result.issues:
        assert issue.code in codes.CODES
        assert issue.kind == codes.CODES[issue.code].kind or issue.code == "MC-A015"


def test_code_table_is_documented() -> None:
    for code in codes.CODES:
        assert code in (codes.__doc__ or "")


def test_text_and_json_reports() -> None:
    result = convert(SOURCE)
    text = text_report(result.report_lines)
    assert text.startswith("[Start Convert]\n[Insert] ")
    assert text.endswith("[Convert Over]\n")
    data = json.loads(
        json_report(
            result.issues,
            result.converted,
            result.total,
            source="in.py",
            script="out/in.py",
            target="nn_ops",
        )
    )
    assert data["converted"] == 1 and data["total"] == 2 and data["conversion_rate"] == 0.5
    assert data["kind"] == "ast"
    first = data["sites"][0]
    assert set(first) >= {"code", "kind", "source_api", "target", "range", "status", "hint"}
    restored = [ConversionIssue.from_dict(site) for site in data["sites"]]
    assert restored == result.issues
