"""Concrete MindSpore expressions built from recorded shapes."""

from __future__ import annotations

from typing import Any

import pytest
from mindconverter.server.op_records import OpRecord
from mindconverter.server.placeholder_fixes import concrete_expression, transpose_permutation


def record(op: str, ins: Any, outs: Any, attributes: dict | None = None, dtypes=()) -> OpRecord:
    ins = tuple(tuple(s) if s is not None else None for s in ins)
    outs = tuple(tuple(s) for s in outs)
    return OpRecord(op, None, ins, outs, ins, attributes or {}, output_dtypes=tuple(dtypes))


@pytest.mark.parametrize(
    ("op", "ins", "outs", "attributes", "expected"),
    [
        ("Reshape", [(1, 1280, 1, 1)], [(1, 1280)], {}, "ops.reshape(x, (1, 1280))"),
        ("Flatten", [(2, 3, 4)], [(2, 12)], {"axis": 1}, "ops.reshape(x, (2, 12))"),
        ("Squeeze", [(1, 5, 1)], [(5,)], {}, "ops.reshape(x, (5,))"),
        ("Unsqueeze", [(5,)], [(1, 5)], {}, "ops.reshape(x, (1, 5))"),
        ("Expand", [(3, 1)], [(2, 3, 4)], {}, "ops.broadcast_to(x, (2, 3, 4))"),
        ("Tile", [(1, 2, 3)], [(2, 2, 9)], {}, "ops.tile(x, (2, 1, 3))"),
        ("Transpose", [(1, 3, 4, 5)], [(1, 4, 5, 3)], {}, "ops.transpose(x, (0, 2, 3, 1))"),
        ("Transpose", [(2, 2)], [(2, 2)], {"perm": [1, 0]}, "ops.transpose(x, (1, 0))"),
        (
            "Resize",
            [(1, 3, 4, 4)],
            [(1, 3, 8, 8)],
            {"mode": "nearest"},
            'ops.interpolate(x, size=(8, 8), mode="nearest")',
        ),
        (
            "Resize",
            [(1, 3, 4, 4)],
            [(1, 3, 8, 8)],
            {"mode": b"linear"},
            'ops.interpolate(x, size=(8, 8), mode="bilinear")',
        ),
        (
            "Upsample",
            [(1, 3, 4)],
            [(1, 3, 8)],
            {"mode": "linear", "coordinate_transformation_mode": "align_corners"},
            'ops.interpolate(x, size=(8,), mode="linear", align_corners=True)',
        ),
        ("Shape", [(1, 3, 7)], [(3,)], {}, "ms.Tensor((1, 3, 7), ms.int64)"),
        ("Shape", [(1, 3, 7)], [(2,)], {"start": 1}, "ms.Tensor((3, 7), ms.int64)"),
    ],
)
def test_shape_dependent_ops(op: str, ins, outs, attributes, expected: str) -> None:
    assert concrete_expression(record(op, ins, outs, attributes), "x") == expected


def test_constant_of_shape_uses_value_and_dtype() -> None:
    rec = record("ConstantOfShape", [(2,)], [(2, 3)], {"value": [1]}, dtypes=["int64"])
    assert concrete_expression(rec, None) == "ops.full((2, 3), 1, dtype=ms.int64)"
    default = record("ConstantOfShape", [(2,)], [(4,)])
    assert concrete_expression(default, None) == "ops.full((4,), 0.0, dtype=ms.float32)"


@pytest.mark.parametrize(
    ("op", "ins", "outs"),
    [
        ("Transpose", [(2, 2)], [(2, 2)]),  # two permutations fit: ambiguous
        ("Transpose", [(2, 3)], [(4, 3)]),  # none fits
        ("Tile", [(2, 3)], [(3, 3)]),  # not a multiple
        ("Reshape", [(2, 3)], [(None, 3)]),  # unknown dim
        ("Resize", [(1, 3, 4, 4)], [(1, 6, 8, 8)]),  # channels change: not a resize
        ("NonMaxSuppression", [(1, 4, 4)], [(1, 3)]),  # no counterpart at all
    ],
)
def test_no_expression_when_shapes_do_not_decide(op: str, ins, outs) -> None:
    assert concrete_expression(record(op, ins, outs), "x") is None


def test_resize_sampling_must_match_mindspore() -> None:
    shapes = ([(1, 3, 4, 4)], [(1, 3, 6, 6)])
    asymmetric = {"mode": "linear", "coordinate_transformation_mode": "asymmetric"}
    assert concrete_expression(record("Resize", *shapes, asymmetric), "x") is None
    assert concrete_expression(record("Resize", *shapes, {"mode": "nearest"}), "x") is None  # 1.5x
    torch_like = {
        "mode": "nearest",
        "coordinate_transformation_mode": "asymmetric",
        "nearest_mode": "floor",
    }
    assert concrete_expression(record("Resize", *shapes, torch_like), "x") is not None
    cubic = {"mode": "cubic"}  # MindSpore's bicubic differs from ONNX's: a skeleton instead
    assert concrete_expression(record("Resize", [(1, 3, 4, 4)], [(1, 3, 8, 8)], cubic), "x") is None


def test_data_input_is_required_except_for_inputless_ops() -> None:
    assert concrete_expression(record("Reshape", [(2, 3)], [(6,)]), None) is None
    assert concrete_expression(record("Shape", [(2, 3)], [(2,)]), None) is not None


def test_transpose_permutation_from_shapes() -> None:
    rec = record("Transpose", [(8, 16, 32)], [(32, 8, 16)])
    assert transpose_permutation(rec) == (2, 0, 1)
