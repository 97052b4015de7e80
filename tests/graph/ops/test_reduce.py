"""Reduction, ArgMax/ArgMin, CumSum and TopK converters against onnxruntime."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.backend import MindSporeBackend
from onnx import TensorProto, helper

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics

REDUCTIONS = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
              "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"]
# First opset where ``axes`` is an input.
AXES_INPUT = {op: 13 if op == "ReduceSum" else 18 for op in REDUCTIONS}


def node_model(op_type: str, inputs: list[tuple[str, np.ndarray]], **kwargs: Any
               ) -> onnx.ModelProto:
    """A one-node model whose output types are inferred (onnxruntime needs them)."""
    return onnx.shape_inference.infer_shapes(single_node_model(op_type, inputs, **kwargs))


def reduce_model(op_type: str, x: np.ndarray, axes: list[int] | None, opset: int,
                 **attrs: Any) -> tuple[onnx.ModelProto, list]:
    """A reduction with axes as attribute (old opsets) or constant input."""
    feeds = [x]
    if opset < AXES_INPUT[op_type]:
        if axes is not None:
            attrs["axes"] = axes
        return node_model(op_type, [("x", x)], opset=opset, **attrs), feeds
    if axes is None:
        return node_model(op_type, [("x", x)], opset=opset, **attrs), feeds
    axes_array = np.array(axes, np.int64)
    return node_model(op_type, [("x", x)], opset=opset, initializers=[("axes", axes_array)],
                      **attrs), feeds


def runtime_axes_model(op_type: str, x: np.ndarray, axes: list[int], keepdims: int,
                       opset: int = 18) -> onnx.ModelProto:
    """A reduction whose axes are a graph input (the output shape is declared from NumPy)."""
    out_shape = np.sum(x, axis=tuple(axes), keepdims=bool(keepdims)).shape
    elem = helper.np_dtype_to_tensor_dtype(x.dtype)
    graph = helper.make_graph(
        [helper.make_node(op_type, ["x", "axes"], ["y"], keepdims=keepdims)], "g",
        [helper.make_tensor_value_info("x", elem, x.shape),
         helper.make_tensor_value_info("axes", TensorProto.INT64, [len(axes)])],
        [helper.make_tensor_value_info("y", elem, out_shape)],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def run_ms(model: onnx.ModelProto, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The converted network's outputs, for cases onnxruntime cannot run."""
    return list(MindSporeBackend.prepare(model, "CPU").run(inputs))


def positive(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape).astype(np.float32)


@pytest.mark.parametrize("op_type", REDUCTIONS)
@pytest.mark.parametrize("opset", [11, 18])
@pytest.mark.parametrize("axes, keepdims", [([1], 1), ([0, 2], 0), ([-1], 0), (None, 1)])
def test_reductions(op_type: str, opset: int, axes: list[int] | None, keepdims: int,
                    rng: np.random.Generator) -> None:
    model, feeds = reduce_model(op_type, positive(rng, (2, 3, 4)), axes, opset,
                                keepdims=keepdims)
    assert_matches_ort(model, feeds)


@pytest.mark.parametrize("op_type", REDUCTIONS)
def test_reductions_with_axes_given_at_run_time(op_type: str, rng: np.random.Generator
                                                ) -> None:
    x = positive(rng, (2, 3, 4))
    for axes, keepdims in (([1], 1), ([-1, 0], 0)):
        model = runtime_axes_model(op_type, x, axes, keepdims)
        assert_matches_ort(model, [x, np.array(axes, np.int64)])


@pytest.mark.parametrize("axis", [1, 2, -1])
def test_ambiguous_runtime_axis_is_picked_at_run_time(axis: int, rng: np.random.Generator
                                                      ) -> None:
    """(3, 2, 2) → (3, 2) could drop axis 1 or 2: both are computed, the input picks one."""
    x = positive(rng, (3, 2, 2))
    model = runtime_axes_model("ReduceSum", x, [axis], 0, opset=13)
    source = assert_matches_ort(model, [x, np.array([axis], np.int64)],
                                modes=("pynative", "graph"))
    assert "ops.stack(" in source and "[axes[0]]" in source


def test_reading_of_source(rng: np.random.Generator) -> None:
    model, feeds = reduce_model("ReduceMean", positive(rng, (2, 3, 4)), [1], 18, keepdims=1)
    source = assert_matches_ort(model, feeds, modes=("pynative", "graph"))
    assert "ms.mint.mean(x, (1,), keepdim=True)" in source


# (axes, keepdims) of the reductions in one model: negative, several, all axes, a size-1 axis.
COMBOS = [([-1], 1), ([0, 2], 0), ([-1, 1], 1), (None, 0), ([1], 0)]


def combos_model(op_type: str, x: np.ndarray, opset: int = 18) -> onnx.ModelProto:
    """One reduction per :data:`COMBOS` entry over ``x`` (one compilation in graph mode)."""
    elem = helper.np_dtype_to_tensor_dtype(x.dtype)
    nodes, inits, outs = [], [], []
    for i, (axes, keepdims) in enumerate(COMBOS):
        inputs = ["x"]
        if axes is not None:
            inits.append(onnx.numpy_helper.from_array(np.array(axes, np.int64), f"axes{i}"))
            inputs.append(f"axes{i}")
        nodes.append(helper.make_node(op_type, inputs, [f"y{i}"], keepdims=keepdims))
        outs.append(helper.make_tensor_value_info(f"y{i}", elem, None))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", elem, x.shape)],
                              outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model)


def combo_inputs(dtype: str, rng: np.random.Generator) -> np.ndarray:
    """(2, 1, 4, 3) values of ``dtype``; signed integers include negatives (truncation)."""
    if np.dtype(dtype).kind == "f":
        return rng.uniform(-2.0, 2.0, (2, 1, 4, 3)).astype(dtype)
    low = 0 if np.dtype(dtype).kind == "u" else -7
    return rng.integers(low, 8, (2, 1, 4, 3)).astype(dtype)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64"])
def test_reduce_mean_is_mint_mean_for_every_dtype(dtype: str, rng: np.random.Generator
                                                  ) -> None:
    """``mint.mean`` (no host wait in PyNative) matches onnxruntime in both modes."""
    x = combo_inputs(dtype, rng)
    tolerance = {"rtol": 1e-3, "atol": 1e-3} if dtype == "float16" else {}
    source = assert_matches_ort(combos_model("ReduceMean", x), [x], modes=("pynative", "graph"),
                                **tolerance)
    assert source.count("ms.mint.mean(") == len(COMBOS) and "ops.mean" not in source


@pytest.mark.parametrize("dtype", ["uint32", "uint64"])
@pytest.mark.parametrize("mode", ["pynative", "graph"])
def test_reduce_mean_unsigned_in_both_modes(dtype: str, mode: str, rng: np.random.Generator
                                            ) -> None:
    """onnxruntime has no unsigned ReduceMean: compare with NumPy (the mean truncated)."""
    x = combo_inputs(dtype, rng)
    rep = MindSporeBackend.prepare(combos_model("ReduceMean", x), "CPU", mode=mode)
    outputs = rep.run([x])
    for out, (axes, keepdims) in zip(outputs, COMBOS):
        axis = None if axes is None else tuple(a % x.ndim for a in axes)
        expected = np.mean(x, axis=axis, keepdims=bool(keepdims)).astype(dtype)
        assert out.dtype == x.dtype
        np.testing.assert_array_equal(out, expected)
    assert "ms.mint.mean(" in (rep.script_source or "")


@pytest.mark.parametrize("dtype", ["float32", "int32", "int64"])
def test_reduce_prod_takes_one_axis_per_call(dtype: str, rng: np.random.Generator) -> None:
    """A tuple of axes would take ``ops.prod``'s ReduceProd path (a host wait per call)."""
    x = combo_inputs(dtype, rng)
    if dtype != "float32":
        x = np.where(x == 0, 1, x % 3 + 1).astype(dtype)  # products of 24 values stay small
    source = assert_matches_ort(combos_model("ReduceProd", x), [x], modes=("pynative", "graph"))
    assert "ops.prod(x, (" not in source
    if dtype == "float32":
        assert "ops.prod(ops.prod(x, 2, keep_dims=False), 0, keep_dims=False)" in source
        assert "ops.prod(ops.prod(x, 3, keep_dims=True), 1, keep_dims=True)" in source
    else:  # int32 would be multiplied into int64
        assert ("dtype=ms.int32" in source) == (dtype == "int32")


@pytest.mark.parametrize("op_type", ["ReduceSum", "ReduceL1", "ReduceMean", "ReduceProd"])
def test_empty_axes_noop_or_reduce_all(op_type: str, rng: np.random.Generator) -> None:
    x = positive(rng, (2, 3))
    empty = np.array([], np.int64)
    for noop in (0, 1):
        model = node_model(op_type, [("x", x)], opset=18, initializers=[("axes", empty)],
                           noop_with_empty_axes=noop)
        source = assert_matches_ort(model, [x])
        assert ("return x" in source) == bool(noop)


@pytest.mark.parametrize("op_type, expected", [
    ("ReduceSum", 0.0), ("ReduceProd", 1.0), ("ReduceMax", -np.inf), ("ReduceMin", np.inf),
    ("ReduceLogSumExp", -np.inf), ("ReduceL2", 0.0),
])
def test_empty_set(op_type: str, expected: float) -> None:
    x = np.zeros((2, 0, 4), np.float32)
    model, feeds = reduce_model(op_type, x, [1], 18, keepdims=1)
    (out,) = run_ms(model, feeds)
    assert out.shape == (2, 1, 4) and out.dtype == np.float32
    np.testing.assert_array_equal(out, np.full((2, 1, 4), expected, np.float32))


INT_REDUCTIONS = ["ReduceSum", "ReduceProd", "ReduceMax", "ReduceMin", "ReduceMean"]


@pytest.mark.parametrize("dtype", ["int32", "int64"])
@pytest.mark.parametrize("op_type", INT_REDUCTIONS)
def test_integer_reductions_keep_the_dtype(dtype: str, op_type: str) -> None:
    x = np.array([[3, 1, 4], [1, 5, 9]], dtype)
    model, feeds = reduce_model(op_type, x, [1], 18)
    assert_matches_ort(model, feeds)


@pytest.mark.parametrize("dtype", ["uint32", "uint64"])
def test_unsigned_reductions(dtype: str) -> None:
    """onnxruntime has no unsigned reduction kernels: compare with NumPy."""
    x = np.array([[3, 1, 4], [1, 5, 9]], dtype)
    for op_type, func in zip(INT_REDUCTIONS, (np.sum, np.prod, np.max, np.min, np.mean)):
        model, feeds = reduce_model(op_type, x, [1], 18)
        (out,) = run_ms(model, feeds)
        assert out.dtype == x.dtype, op_type
        np.testing.assert_array_equal(out, func(x, axis=1, keepdims=True).astype(dtype))


@pytest.mark.parametrize("op_type", ["ReduceL2", "ReduceLogSum", "ReduceLogSumExp",
                                     "ReduceSumSquare", "ReduceL1"])
def test_float_kernels_on_integers(op_type: str) -> None:
    x = np.array([[3, 4, 4], [1, 1, 9]], np.int32)
    model, feeds = reduce_model(op_type, x, [1], 18)
    assert_matches_ort(model, feeds)


@pytest.mark.parametrize("dtype", ["int8", "uint8", "bool"])
def test_reduce_max_min_small_types(dtype: str) -> None:
    x = np.array([[1, 0, 1], [0, 0, 0]], dtype)
    for op_type in ("ReduceMax", "ReduceMin"):
        model, feeds = reduce_model(op_type, x, [1], 20, keepdims=0)
        assert_matches_ort(model, feeds)


@pytest.mark.parametrize("op_type", ["ArgMax", "ArgMin"])
@pytest.mark.parametrize("axis, keepdims, last", [(0, 1, 0), (-1, 0, 0), (1, 1, 1), (0, 0, 1)])
def test_arg_extremes(op_type: str, axis: int, keepdims: int, last: int) -> None:
    x = np.array([[[2, 2, 1], [3, 3, 3]], [[2, 9, 1], [0, 3, 3]]], np.float32)
    model = node_model(op_type, [("x", x)], opset=13, axis=axis, keepdims=keepdims,
                       select_last_index=last)
    assert_matches_ort(model, [x])


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int64", "float16"])
def test_arg_extremes_dtypes(dtype: str) -> None:
    x = np.array([[4, 1, 4], [0, 7, 7]], dtype)
    for op_type in ("ArgMax", "ArgMin"):
        model = node_model(op_type, [("x", x)], opset=11, axis=1)
        source = assert_matches_ort(model, [x], modes=("pynative", "graph"))
        # ops.max/ops.min indices: ops.argmax/ops.argmin wait for the host on every call
        assert f"ops.{op_type[3:].lower()}(x, 1, keepdims=True)[1]" in source, source


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("exclusive, reverse", [(0, 0), (1, 0), (0, 1), (1, 1)])
def test_cumsum(dtype: str, exclusive: int, reverse: int) -> None:
    x = np.arange(1, 25).reshape(2, 3, 4).astype(dtype)
    model = node_model("CumSum", [("x", x)], opset=14, exclusive=exclusive, reverse=reverse,
                       initializers=[("axis", np.array(1, np.int32))])
    assert_matches_ort(model, [x])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_cumsum_axis_given_at_run_time(axis: int) -> None:
    x = np.arange(1, 7).reshape(2, 3).astype(np.float32)
    a = np.array(axis, np.int64)
    model = node_model("CumSum", [("x", x), ("axis", a)], opset=14, exclusive=1)
    source = assert_matches_ort(model, [x, a], modes=("pynative", "graph"))
    assert "ops.stack(" in source


@pytest.mark.parametrize("opset", [1, 10, 11])
@pytest.mark.parametrize("axis, largest", [(-1, 1), (0, 1), (1, 0)])
def test_topk(opset: int, axis: int, largest: int, rng: np.random.Generator) -> None:
    x = rng.permutation(24).reshape(4, 6).astype(np.float32)
    if opset == 1:
        model = node_model("TopK", [("x", x)], n_outputs=2, opset=1, axis=axis, k=3)
    else:
        extra = {"largest": largest} if opset >= 11 else {}
        model = node_model("TopK", [("x", x)], n_outputs=2, opset=opset, axis=axis,
                           initializers=[("k", np.array([3], np.int64))], **extra)
    assert_matches_ort(model, [x])


def test_topk_ties_keep_the_lower_index_and_int64_indices() -> None:
    x = np.array([[1, 1, 1, 1], [2, 3, 3, 2]], np.int64)
    k = np.array([3], np.int64)
    for largest in (0, 1):
        model = node_model("TopK", [("x", x), ("k", k)], n_outputs=2, opset=11,
                           largest=largest)
        source = assert_matches_ort(model, [x, k], modes=("pynative", "graph"))
        assert ".astype(ms.int64)" in source
