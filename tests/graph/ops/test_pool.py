"""Pooling converters against onnxruntime: MaxPool (with indices), AveragePool, LpPool,
global pools and MaxUnpool."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from onnx import helper

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def node_model(op_type: str, x: np.ndarray, n_outputs: int = 1, opset: int = 19,
               **attrs: Any) -> onnx.ModelProto:
    """A one-node model on input ``x`` with inferred output types."""
    model = single_node_model(op_type, [("x", x)], n_outputs, opset=opset, **attrs)
    return onnx.shape_inference.infer_shapes(model)


def image(rng: np.random.Generator, shape: tuple[int, ...], dtype: str = "float32") -> np.ndarray:
    if dtype == "float32":
        return rng.standard_normal(shape).astype(np.float32)
    return rng.integers(0, 100, shape).astype(dtype)


MAX_CASES = [
    ((1, 3, 11), {"kernel_shape": [3], "strides": [2], "pads": [1, 1]}),
    ((2, 3, 9, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 9, 8), {"kernel_shape": [3, 2], "pads": [0, 1, 2, 0]}),
    ((1, 2, 8, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 2, 9, 9), {"kernel_shape": [2, 2], "dilations": [2, 2], "strides": [2, 2]}),
    ((1, 2, 7, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 2, 7, 8), {"kernel_shape": [2, 2], "auto_pad": "SAME_LOWER"}),
    ((1, 2, 5, 6, 7), {"kernel_shape": [2, 3, 2], "strides": [2, 1, 2],
                       "pads": [1, 1, 0, 1, 1, 0]}),
]


@pytest.mark.parametrize(("shape", "attrs"), MAX_CASES)
def test_max_pool(shape: tuple[int, ...], attrs: dict[str, Any], rng: np.random.Generator) -> None:
    x = image(rng, shape)
    source = assert_matches_ort(node_model("MaxPool", x, **attrs), [x])
    assert "ops.max_pool" in source


@pytest.mark.parametrize("dtype", ["uint8", "int8"])
def test_max_pool_integers_pad_with_lowest_value(dtype: str, rng: np.random.Generator) -> None:
    x = image(rng, (1, 1, 6, 6), dtype)
    model = node_model("MaxPool", x, kernel_shape=[5, 5], pads=[2, 3, 2, 3])
    assert_matches_ort(model, [x])


@pytest.mark.parametrize(("shape", "storage_order"), [((1, 1, 6, 7), 0), ((2, 3, 6, 7), 0),
                                                       ((2, 2, 6, 7), 1)])
def test_max_pool_indices(shape: tuple[int, ...], storage_order: int,
                          rng: np.random.Generator) -> None:
    x = image(rng, shape)
    model = node_model("MaxPool", x, n_outputs=2, kernel_shape=[3, 3], strides=[2, 2],
                       pads=[1, 1, 1, 1], storage_order=storage_order)
    source = assert_matches_ort(model, [x], modes=("pynative", "graph"))
    assert "return_indices=True" in source


AVG_CASES = [
    ((1, 3, 11), {"kernel_shape": [3], "strides": [2], "pads": [1, 1]}),
    ((2, 3, 9, 8), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1}),
    ((2, 3, 9, 8), {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 0}),
    ((1, 2, 8, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1}),
    ((1, 2, 8, 8), {"kernel_shape": [3, 3], "strides": [3, 3], "pads": [1, 1, 1, 1],
                    "ceil_mode": 1, "count_include_pad": 1}),
    ((1, 2, 9, 8), {"kernel_shape": [3, 2], "pads": [0, 1, 2, 0], "count_include_pad": 1}),
    ((1, 2, 9, 8), {"kernel_shape": [3, 2], "pads": [0, 1, 2, 0]}),
    ((1, 2, 9, 9), {"kernel_shape": [2, 2], "dilations": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 7, 8), {"kernel_shape": [3, 3], "strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 2, 5, 6, 7), {"kernel_shape": [2, 3, 2], "pads": [1, 1, 1, 1, 1, 1]}),
]


@pytest.mark.parametrize(("shape", "attrs"), AVG_CASES)
def test_average_pool(shape: tuple[int, ...], attrs: dict[str, Any],
                      rng: np.random.Generator) -> None:
    x = image(rng, shape)
    assert_matches_ort(node_model("AveragePool", x, **attrs), [x])


def test_average_pool_graph_mode_and_readable_call(rng: np.random.Generator) -> None:
    x = image(rng, (1, 3, 8, 8))
    model = node_model("AveragePool", x, opset=11, kernel_shape=[2, 2], strides=[2, 2])
    source = assert_matches_ort(model, [x], modes=("pynative", "graph"))
    assert "ops.avg_pool2d(x, 2, stride=2)" in source  # no padding: count_include_pad is moot


@pytest.mark.parametrize(("p", "attrs"), [
    (1, {"kernel_shape": [2, 2]}),
    (2, {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]}),
    (3, {"kernel_shape": [2, 2], "dilations": [2, 2], "pads": [0, 1, 0, 1]}),
])
def test_lp_pool(p: int, attrs: dict[str, Any], rng: np.random.Generator) -> None:
    x = image(rng, (1, 2, 7, 8))
    assert_matches_ort(node_model("LpPool", x, opset=18, p=p, **attrs), [x])


@pytest.mark.parametrize("op_type", ["GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"])
@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 5, 4), (1, 2, 3, 4, 5)])
def test_global_pools(op_type: str, shape: tuple[int, ...], rng: np.random.Generator) -> None:
    x = image(rng, shape)
    assert_matches_ort(node_model(op_type, x, opset=13), [x])


@pytest.mark.parametrize("output_shape", [None, (2, 3, 9, 9)])
def test_max_unpool_after_max_pool(output_shape: tuple[int, ...] | None,
                                   rng: np.random.Generator) -> None:
    x = image(rng, (2, 3, 8, 8))
    pool = helper.make_node("MaxPool", ["x"], ["p", "i"], kernel_shape=[2, 2], strides=[2, 2])
    unpool_inputs = ["p", "i"] + (["shape"] if output_shape else [])
    unpool = helper.make_node("MaxUnpool", unpool_inputs, ["y"], kernel_shape=[2, 2],
                              strides=[2, 2])
    inits = [onnx.numpy_helper.from_array(np.array(output_shape, np.int64), "shape")
             ] if output_shape else []
    graph = helper.make_graph(
        [pool, unpool], "g", [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, x.shape)],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, output_shape or x.shape)],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    source = assert_matches_ort(onnx.shape_inference.infer_shapes(model), [x])
    assert ("ops.max_unpool2d(" if output_shape is None else "ops.tensor_scatter_update(") in source
