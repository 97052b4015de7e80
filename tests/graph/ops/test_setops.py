"""Unique (all four outputs, with and without axis) against onnxruntime, PyNative and graph."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics

BOTH = ("pynative", "graph")


def unique_model(x: np.ndarray, n_outputs: int = 4, **attrs: Any) -> onnx.ModelProto:
    model = single_node_model("Unique", [("x", x)], n_outputs, opset=11, **attrs)
    return onnx.shape_inference.infer_shapes(model)


def repeated(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Random values drawn from a few, so that most occur several times."""
    return (rng.integers(-3, 4, shape) * 1.5).astype(dtype)


@pytest.mark.parametrize("sorted_", [1, 0])
@pytest.mark.parametrize("dtype", ["float32", "int64", "int8"])
def test_unique_without_axis(rng: np.random.Generator, sorted_: int, dtype: str) -> None:
    x = repeated(rng, (4, 5), dtype)
    source = assert_matches_ort(unique_model(x, sorted=sorted_), [x], modes=BOTH, atol=0)
    assert "ops.sort(" in source and "ops.masked_select(" in source


@pytest.mark.parametrize(("axis", "sorted_"), [(0, 1), (1, 0), (-1, 1), (1, 1)])
def test_unique_slices_along_axis(rng: np.random.Generator, axis: int, sorted_: int) -> None:
    # few distinct values per position: many slices repeat, others differ at a late column
    x = rng.integers(0, 2, (3, 6, 2)).astype(np.float32)
    x[:, 3] = x[:, 0]
    source = assert_matches_ort(unique_model(x, axis=axis, sorted=sorted_), [x], modes=BOTH,
                                atol=0)
    assert "ops.sort(" not in source or not sorted_


def test_unique_values_only_and_single_element(rng: np.random.Generator) -> None:
    x = repeated(rng, (12,), "float32")
    assert_matches_ort(unique_model(x, n_outputs=1), [x], modes=BOTH, atol=0)
    one = np.array([[2.5]], np.float32)
    assert_matches_ort(unique_model(one), [one], atol=0)
