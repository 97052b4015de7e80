"""Quantization converters against onnxruntime."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.backend import MindSporeBackend, UnconvertedModelError

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def _model(op_type: str, inputs: list, initializers: list, opset: int, n_outputs: int = 1,
           **attrs: Any) -> onnx.ModelProto:
    model = single_node_model(op_type, inputs, n_outputs=n_outputs, opset=opset,
                              initializers=initializers, **attrs)
    return onnx.shape_inference.infer_shapes(model)


@pytest.mark.parametrize(("dtype", "opset"), [(np.uint8, 13), (np.int8, 13), (np.int8, 21),
                                              (np.int16, 21), (np.uint16, 21)])
def test_quantize_per_tensor(rng: np.random.Generator, dtype: type, opset: int) -> None:
    x = (rng.standard_normal((3, 8)) * 100).astype(np.float32)
    zero = np.array(3, dtype)
    model = _model("QuantizeLinear", [("x", x)],
                   [("s", np.array(0.5, np.float32)), ("z", zero)], opset)
    source = assert_matches_ort(model, [x], atol=0)
    assert "ops.round" in source


def test_quantize_per_axis_and_default_uint8(rng: np.random.Generator) -> None:
    x = (rng.standard_normal((2, 3, 4)) * 10).astype(np.float32)
    scale = np.array([0.1, 0.2, 0.4], np.float32)
    per_axis = _model("QuantizeLinear", [("x", x)],
                      [("s", scale), ("z", np.array([0, 10, -5], np.int8))], 13, axis=1)
    assert_matches_ort(per_axis, [x], modes=("pynative", "graph"), atol=0)
    no_zero = _model("QuantizeLinear", [("x", x)], [("s", np.array(0.3, np.float32))], 13)
    assert_matches_ort(no_zero, [x], atol=0)


def test_quantize_blocked_runtime_scale(rng: np.random.Generator) -> None:
    x = (rng.standard_normal((3, 5)) * 10).astype(np.float32)
    scale = (rng.random((3, 3)) + 0.1).astype(np.float32)
    zero = np.array([[1, 2, 3]] * 3, np.uint8)
    model = _model("QuantizeLinear", [("x", x), ("s", scale), ("z", zero)], [], 21,
                   axis=1, block_size=2)
    assert_matches_ort(model, [x, scale, zero], atol=0)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int32])
def test_dequantize(rng: np.random.Generator, dtype: type) -> None:
    x = rng.integers(-100 if dtype != np.uint8 else 0, 100, (2, 3, 4)).astype(dtype)
    scale = np.array([0.1, 0.2, 0.4], np.float32)
    zero = [("z", np.array([0, 3, 1], dtype))] if dtype != np.int32 else []
    model = _model("DequantizeLinear", [("x", x)], [("s", scale), *zero], 13, axis=1)
    assert_matches_ort(model, [x])


def test_dequantize_float16_scale(rng: np.random.Generator) -> None:
    x = rng.integers(0, 255, (6,)).astype(np.uint8)
    model = _model("DequantizeLinear", [("x", x)],
                   [("s", np.array(0.25, np.float16)), ("z", np.array(7, np.uint8))], 21)
    assert_matches_ort(model, [x], atol=1e-3)


def test_dynamic_quantize_linear(rng: np.random.Generator) -> None:
    x = (rng.standard_normal((4, 5)) * 3 + 2).astype(np.float32)
    model = _model("DynamicQuantizeLinear", [("x", x)], [], 11, n_outputs=3)
    assert_matches_ort(model, [x], modes=("pynative", "graph"), atol=1e-6)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
def test_matmul_integer(rng: np.random.Generator, dtype: type) -> None:
    low = 0 if dtype == np.uint8 else -50
    a = rng.integers(low, 100, (2, 3, 4)).astype(dtype)
    b = rng.integers(low, 100, (4, 5)).astype(dtype)
    model = _model("MatMulInteger", [("a", a), ("b", b)],
                   [("az", np.array(3, dtype)), ("bz", np.arange(5).astype(dtype))], 10)
    assert_matches_ort(model, [a, b], atol=0)


def test_qlinear_matmul(rng: np.random.Generator) -> None:
    a = rng.integers(0, 255, (3, 4)).astype(np.uint8)
    b = rng.integers(0, 255, (4, 2)).astype(np.uint8)
    consts = [("as", np.array(0.02, np.float32)), ("az", np.array(100, np.uint8)),
              ("bs", np.array(0.03, np.float32)), ("bz", np.array(120, np.uint8)),
              ("ys", np.array(0.5, np.float32)), ("yz", np.array(10, np.uint8))]
    model = single_node_model("QLinearMatMul", [("a", a), ("b", b)], opset=10,
                              initializers=consts)
    model.graph.node[0].ClearField("input")
    model.graph.node[0].input.extend(["a", "as", "az", "b", "bs", "bz", "ys", "yz"])
    assert_matches_ort(onnx.shape_inference.infer_shapes(model), [a, b], atol=1)


@pytest.mark.parametrize("pads", [[0, 0, 0, 0], [1, 1, 1, 1]])
def test_conv_integer(rng: np.random.Generator, pads: list[int]) -> None:
    x = rng.integers(0, 255, (1, 2, 5, 5)).astype(np.uint8)
    w = rng.integers(0, 255, (3, 2, 3, 3)).astype(np.uint8)
    model = _model("ConvInteger", [("x", x), ("w", w)],
                   [("xz", np.array(128, np.uint8)), ("wz", np.array(100, np.uint8))], 10,
                   pads=pads, strides=[1, 2])
    assert_matches_ort(model, [x, w], atol=0)


def test_int4_output_is_not_converted(rng: np.random.Generator) -> None:
    x = rng.standard_normal((4,)).astype(np.float32)
    model = _model("QuantizeLinear", [("x", x)], [("s", np.array(0.5, np.float32))], 21,
                   output_dtype=onnx.TensorProto.INT4)
    with pytest.raises(UnconvertedModelError, match="QuantizeLinear"):
        MindSporeBackend.prepare(model, "CPU").run([x])
