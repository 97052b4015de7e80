"""Comparison and logic converters against onnxruntime."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics

COMPARE = {"Equal": "==", "Less": "<", "LessOrEqual": "<=", "Greater": ">",
           "GreaterOrEqual": ">="}


def node_model(op_type: str, inputs: list[tuple[str, np.ndarray]], **kwargs: Any
               ) -> onnx.ModelProto:
    """A one-node model whose output types are inferred (onnxruntime needs them)."""
    return onnx.shape_inference.infer_shapes(single_node_model(op_type, inputs, **kwargs))


@pytest.mark.parametrize("op_type", sorted(COMPARE))
def test_comparisons_render_as_operators(op_type: str, rng: np.random.Generator) -> None:
    a = rng.integers(0, 4, (2, 3, 4)).astype(np.float32)
    b = rng.integers(0, 4, (3, 1)).astype(np.float32)
    source = assert_matches_ort(node_model(op_type, [("a", a), ("b", b)]), [a, b])
    assert f"a {COMPARE[op_type]} b" in source


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "uint16", "uint64",
                                   "float16", "float64"])
def test_comparisons_of_every_dtype(dtype: str) -> None:
    a = np.array([[1, 5, 3], [0, 2, 2]], dtype)
    b = np.array([[1, 2, 7], [3, 2, 0]], dtype)
    for op_type in ("Equal", "Less", "GreaterOrEqual"):
        assert_matches_ort(node_model(op_type, [("a", a), ("b", b)]), [a, b])


@pytest.mark.parametrize("dtype", ["uint16", "uint32", "int32", "float32"])
def test_comparison_with_a_scalar_constant(dtype: str) -> None:
    a = np.array([[1, 5, 3], [0, 2, 2]], dtype)
    model = node_model("Greater", [("a", a)], initializers=[("two", np.array(2, dtype))])
    source = assert_matches_ort(model, [a], modes=("pynative", "graph"))
    assert "a > " in source


def test_equal_bool() -> None:
    a = np.array([True, False, True, False])
    b = np.array([True, True, False, False])
    assert_matches_ort(node_model("Equal", [("a", a), ("b", b)], opset=19), [a, b])


@pytest.mark.parametrize("op_type", ["And", "Or", "Xor"])
def test_logic_with_broadcasting(op_type: str, rng: np.random.Generator) -> None:
    a = rng.integers(0, 2, (2, 3, 4)).astype(bool)
    b = rng.integers(0, 2, (3, 4)).astype(bool)
    source = assert_matches_ort(node_model(op_type, [("a", a), ("b", b)]), [a, b],
                                modes=("pynative", "graph"))
    assert f"ops.logical_{op_type.lower()}(a, b)" in source


def test_not() -> None:
    a = np.array([[True, False], [False, False]])
    source = assert_matches_ort(node_model("Not", [("a", a)]), [a])
    assert "ops.logical_not(a)" in source


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_isnan(dtype: str) -> None:
    x = np.array([1.0, np.nan, np.inf, -np.inf, 0.0], dtype)
    assert_matches_ort(node_model("IsNaN", [("x", x)]), [x])


@pytest.mark.parametrize("positive, negative, text", [
    (1, 1, "ops.isinf(x)"), (1, 0, "x == float('inf')"), (0, 1, "x == (float('-inf'))"),
    (0, 0, "ops.zeros_like(x, dtype=ms.bool_)"),
])
def test_isinf_directions(positive: int, negative: int, text: str) -> None:
    x = np.array([[-1.5, np.nan, np.inf], [2.0, -np.inf, np.inf]], np.float32)
    model = node_model("IsInf", [("x", x)], opset=20, detect_positive=positive,
                       detect_negative=negative)
    source = assert_matches_ort(model, [x], modes=("pynative", "graph"))
    assert text in source
