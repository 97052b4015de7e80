"""Quick fixes for placeholders: edits applied, then the script re-checked."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from mindconverter.server.edits import apply_source_edits
from mindconverter.server.placeholder_actions import fix_all_concrete, fixes_for
from mindconverter.server.reports import ReportCache
from mindconverter.server.script_analysis import analyse_script

from tests.server.lsp_fixtures import LEGACY_SCRIPT, SCRIPT, write_converted


def apply_fix(text: str, attr: str, report=None) -> tuple[str, str]:
    analysis = analyse_script(text, report)
    placeholder = analysis.placeholder(attr)
    assert placeholder is not None
    (fix,) = fixes_for(analysis, placeholder)
    return apply_source_edits(text, fix.edits), fix.kind


def test_reshape_fix_touches_init_and_construct_and_rechecks_clean() -> None:
    fixed, kind = apply_fix(SCRIPT, "reshape_4")
    assert kind == "concrete"
    assert "self.reshape_4" not in fixed
    assert "reshape_4 = ops.reshape(tile_3, (2, 1536))" in fixed
    ast.parse(fixed)
    after = analyse_script(fixed)
    assert after.placeholder("reshape_4") is None
    assert len(after.placeholders) == 4  # the others are untouched


@pytest.mark.parametrize(
    ("attr", "expected"),
    [
        ("transpose_1", "transpose_1 = ops.transpose(features_0_0, (0, 2, 3, 1))"),
        (
            "resize_2",
            'ops.interpolate(features_0_0, size=(8, 12), mode="bilinear", align_corners=True)',
        ),
        ("tile_3", "tile_3 = ops.tile(resize_2, (2, 1, 2, 1))"),
    ],
)
def test_other_shape_ops(attr: str, expected: str) -> None:
    fixed, kind = apply_fix(SCRIPT, attr)
    assert kind == "concrete" and expected in fixed
    assert analyse_script(fixed).placeholder(attr) is None


def test_unknown_op_gets_a_wired_skeleton_cell(tmp_path: Path) -> None:
    report = ReportCache().for_script(write_converted(tmp_path))
    fixed, kind = apply_fix(SCRIPT, "nms_5", report)
    assert kind == "skeleton"
    tree = ast.parse(fixed)
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    assert classes == ["UnconvertedOp", "NonMaxSuppression", "Tinynet"]
    assert "self.nms_5 = NonMaxSuppression()" in fixed
    assert "nms_5 = self.nms_5(boxes, scores)" in fixed  # the call is kept
    skeleton = fixed[fixed.index("class NonMaxSuppression") : fixed.index("class Tinynet")]
    for fact in ("(1, 100, 4) float32", "(5, 3) int64", '"center_point_box": 0', '"2": [10]'):
        assert fact in skeleton
    assert "def construct(self, x0, x1):" in skeleton
    assert "if x0.shape != (1, 100, 4):" in skeleton
    assert "if x1.shape != (1, 1, 100):" in skeleton
    assert "raise NotImplementedError" in skeleton
    assert analyse_script(fixed).placeholder("nms_5") is None


def test_skeleton_names_do_not_clash() -> None:
    text = SCRIPT.replace(
        "class Tinynet(nn.Cell):", "class NonMaxSuppression:\n    pass\n\n\nclass Tinynet(nn.Cell):"
    )
    fixed, _ = apply_fix(text, "nms_5")
    assert "class NonMaxSuppressionNms5(nn.Cell):" in fixed
    ast.parse(fixed)


def test_legacy_placeholder_fix_adds_the_missing_import() -> None:
    fixed, kind = apply_fix(LEGACY_SCRIPT, "reshape")
    assert kind == "concrete"
    assert fixed.startswith(
        "import mindspore.ops as P\nfrom mindspore import nn\nfrom mindspore import ops\n"
    )
    assert "x = ops.reshape(x, (1, 1280))" in fixed
    assert "onnx.Reshape" not in fixed
    ast.parse(fixed)
    assert analyse_script(fixed).placeholders == []


def test_crlf_documents_keep_their_line_endings() -> None:
    text = SCRIPT.replace("\n", "\r\n")
    fixed, _ = apply_fix(text, "nms_5")
    assert "\n" not in fixed.replace("\r\n", "")
    ast.parse(fixed)


def test_fix_all_applies_every_concrete_fix_once() -> None:
    analysis = analyse_script(SCRIPT)
    fixed = apply_source_edits(SCRIPT, fix_all_concrete(analysis))
    ast.parse(fixed)
    remaining = [p.attr_name for p in analyse_script(fixed).placeholders]
    assert remaining == ["nms_5"]
    legacy = analyse_script(LEGACY_SCRIPT)
    fixed_legacy = apply_source_edits(LEGACY_SCRIPT, fix_all_concrete(legacy))
    assert fixed_legacy.count("from mindspore import ops") == 1
