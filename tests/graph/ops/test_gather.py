"""Indexing converters (ops/gather.py) against onnxruntime."""

from __future__ import annotations

import numpy as np
import pytest

from tests.graph.ops.test_shape import arange, check, check_bfloat16, i64

pytestmark = pytest.mark.numerics


@pytest.mark.parametrize(("indices", "axis", "code"), [
    (np.array(-1), 0, "x[-1]"),
    (np.array(1), 1, "x[:, 1]"),
    (i64(2), 2, "x[..., 2:3]"),
    (i64(1, 2, 3), -1, "x[..., 1:4]"),
    (i64(0, 2), 1, "x[:, :3:2]"),
    (np.array([[3, -1], [0, 2]], np.int64), 0, "ops.gather(x, self."),
    (np.array([2, 0, 0], np.int32), 1, "ops.gather(x, self."),
])
def test_gather_with_constant_indices(indices: np.ndarray, axis: int, code: str) -> None:
    source = check("Gather", [("x", arange(4, 3, 5))], [("i", indices)], axis=axis)
    assert code in source


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16", "uint8"])
def test_gather_with_runtime_indices(dtype: str) -> None:
    indices = np.array([[1, -2], [0, 2]], np.int64)
    check("Gather", [("x", arange(3, 4, dtype=dtype)), ("i", indices)], axis=0,
          modes=("pynative", "graph"))


def test_gather_from_a_constant_table() -> None:
    ids = np.array([[0, 4, 2]], np.int64)
    source = check("Gather", [("ids", ids)], [("table", arange(5, 3))], order=["table", "ids"])
    assert "ops.gather(self." in source


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_gather_elements(axis: int) -> None:
    indices = np.array([[0, -1, 2], [1, 0, -3]], np.int64)
    check("GatherElements", [("x", arange(3, 3)), ("i", indices)], axis=axis)


@pytest.mark.parametrize("const", [False, True])
def test_gather_nd_wraps_negative_indices(const: bool) -> None:
    x = arange(3, 4, 2)
    indices = np.array([[0, -1], [2, 1], [-3, 0]], np.int64)
    if const:
        check("GatherND", [("x", x)], [("i", indices)])
    else:
        check("GatherND", [("x", x), ("i", indices)])
        check("GatherND", [("x", x), ("i", indices[:, :1].copy())])


@pytest.mark.parametrize("batch_dims", [1, 2])
def test_gather_nd_batch_dims(batch_dims: int) -> None:
    x = arange(2, 3, 4)
    indices = np.array([[[1, 3], [0, -1]], [[2, 0], [-1, 2]]], np.int64)
    if batch_dims == 2:
        indices = np.array([[[1], [0], [3]], [[2], [-1], [0]]], np.int64)
    check("GatherND", [("x", x), ("i", indices)], batch_dims=batch_dims)


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
def test_scatter_nd_reductions(reduction: str) -> None:
    indices = np.array([[1], [-1]], np.int64)
    updates = arange(2, 4) - 3
    check("ScatterND", [("x", arange(4, 4)), ("i", indices), ("u", updates)], opset=18,
          reduction=reduction)


def test_scatter_nd_element_indices_and_constant_indices() -> None:
    indices = np.array([[0, 1], [2, -1]], np.int64)
    check("ScatterND", [("x", arange(3, 4)), ("u", np.array([10, 20], np.float32))],
          [("i", indices)], opset=16, reduction="add", order=["x", "i", "u"])


@pytest.mark.parametrize("reduction", ["none", "add", "mul", "max", "min"])
@pytest.mark.parametrize("axis", [0, 1, 2])
def test_scatter_elements_reductions(reduction: str, axis: int) -> None:
    x = arange(2, 3, 4)
    shape = [2, 2, 2]
    indices = np.zeros(shape, np.int64) - 1
    indices[0, 0, 0] = 1
    updates = np.full(shape, 2.5, np.float32)
    modes = ("pynative", "graph") if axis == 1 else ("pynative",)
    check("ScatterElements", [("x", x), ("i", indices), ("u", updates)], opset=18, axis=axis,
          reduction=reduction, modes=modes)


def test_scatter_elements_constant_indices_and_deprecated_scatter() -> None:
    indices = np.array([[1, -1]], np.int64)
    check("ScatterElements", [("x", arange(2, 3)), ("u", np.ones((1, 2), np.float32))],
          [("i", indices)], opset=18, axis=1, reduction="mul", order=["x", "i", "u"])
    check("ScatterElements", [("x", arange(2, 3)), ("i", np.array([[2, -3]], np.int32)),
                              ("u", np.ones((1, 2), np.float32))], opset=18, axis=1,
          reduction="max")
    check("Scatter", [("x", arange(2, 3)), ("i", np.array([[2, 0]], np.int64)),
                      ("u", np.ones((1, 2), np.float32))], opset=9, axis=1)


@pytest.mark.parametrize("dtype", ["float32", "int64", "int32", "uint8", "float16"])
def test_where_broadcasts(dtype: str) -> None:
    cond = np.array([[True], [False]])
    check("Where", [("c", cond), ("x", arange(2, 3, dtype=dtype)), ("y", arange(3, dtype=dtype))])


def test_where_with_a_scalar_constant_keeps_the_dtype() -> None:
    cond = np.array([True, False, True])
    source = check("Where", [("c", cond), ("x", arange(3, dtype="int32"))],
                   [("y", np.array(-7, np.int32))])
    assert "ops.where(c, x, -7)" in source
    check("Where", [("c", cond)], [("x", np.array(0.5, np.float16)),
                                   ("y", arange(3, dtype="float16"))])


@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_nonzero(dtype: str) -> None:
    x = np.array([[1, 0, 3], [0, 0, 2]]).astype(dtype)
    check("NonZero", [("x", x)])


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_compress_constant_and_runtime_condition(axis: int | None) -> None:
    x = arange(3, 4)
    cond = np.array([True, False, True])
    attrs = {} if axis is None else {"axis": axis}
    check("Compress", [("x", x)], [("c", cond)], opset=11, **attrs)
    check("Compress", [("x", x), ("c", cond)], opset=11, out_rank=1 if axis is None else 2,
          **attrs)


@pytest.mark.parametrize("sorted_", [0, 1])
def test_unique_values(sorted_: int) -> None:
    x = np.array([[3, 1, 3], [7, 1, 0]], np.int64)
    check("Unique", [("x", x)], opset=11, sorted=sorted_, out_rank=1)


@pytest.mark.parametrize("op", ["Gather", "GatherElements", "GatherND", "ScatterND", "Where",
                                "NonZero", "Compress"])
def test_bfloat16_through_float32_kernels(op: str) -> None:
    x = arange(3, 4) - 5
    index = np.array([[1, 0, 2, 1], [0, 2, 1, 0]], np.int64)
    cases = {
        "Gather": ([("x", x), ("i", i64(2, 0))], [], {"axis": 1}),
        "GatherElements": ([("x", x), ("i", index)], [], {}),
        "GatherND": ([("x", x), ("i", np.array([[2, 1], [0, 3]], np.int64))], [], {}),
        "ScatterND": ([("x", x), ("i", np.array([[1]], np.int64)),
                       ("u", np.ones((1, 4), np.float32))], [], {}),
        "Where": ([("c", x > 0), ("x", x), ("y", -x)], [], {}),
        "NonZero": ([("x", x)], [], {}),
        "Compress": ([("x", x)], [("c", np.array([True, False, True]))], {"axis": 0}),
    }
    inputs, consts, attrs = cases[op]
    source = check_bfloat16(op, inputs, consts, **attrs)
    assert "ms.float32" in source
