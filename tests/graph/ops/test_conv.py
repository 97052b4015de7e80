"""Conv and ConvTranspose converters against onnxruntime: layers for constant weights,
functional ops / primitives for weights computed at run time."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def conv_model(op_type: str, x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
               const: bool, opset: int = 17, **attrs: Any) -> tuple[onnx.ModelProto, list]:
    """A one-node convolution; weights are initializers when ``const``, else inputs."""
    params = [("w", w)] + ([("b", b)] if b is not None else [])
    runtime = [("x", x)] + ([] if const else params)
    model = single_node_model(op_type, runtime, opset=opset,
                              initializers=params if const else (), **attrs)
    return onnx.shape_inference.infer_shapes(model), [a for _, a in runtime]


def arrays(rng: np.random.Generator, x_shape: tuple[int, ...], w_shape: tuple[int, ...],
           bias: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    b = rng.standard_normal(bias).astype(np.float32) if bias else None
    return x, w, b


CONV_CASES = [
    ((1, 2, 9), (4, 2, 3), 4, {"pads": [1, 1], "strides": [2]}),
    ((1, 2, 9), (4, 2, 3), None, {"pads": [2, 0], "dilations": [2]}),
    ((2, 3, 7, 6), (4, 3, 3, 3), 4, {"pads": [1, 1, 1, 1]}),
    ((1, 3, 7, 6), (4, 3, 3, 2), None, {"pads": [1, 0, 2, 1], "strides": [2, 1]}),
    ((1, 4, 7, 7), (4, 1, 3, 3), 4, {"group": 4, "auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    ((1, 4, 8, 8), (6, 2, 3, 3), 6, {"group": 2, "auto_pad": "SAME_LOWER", "strides": [2, 2]}),
    ((1, 2, 6, 6), (3, 2, 3, 3), 3, {"auto_pad": "VALID", "strides": [2, 2]}),
    ((1, 4, 8, 8), (4, 4, 3, 3), None, {"pads": [2, 1, 2, 1], "dilations": [2, 3]}),
    ((1, 2, 5, 6, 4), (3, 2, 3, 3, 2), 3, {"pads": [1, 1, 0, 1, 1, 0]}),
    ((1, 2, 5, 6, 4), (3, 2, 3, 3, 3), None, {"pads": [0, 1, 1, 1, 0, 1]}),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "bias", "attrs"), CONV_CASES)
def test_conv_with_constant_weights_is_a_layer(x_shape: tuple[int, ...], w_shape: tuple[int, ...],
                                               bias: int | None, attrs: dict[str, Any],
                                               rng: np.random.Generator) -> None:
    x, w, b = arrays(rng, x_shape, w_shape, bias)
    model, inputs = conv_model("Conv", x, w, b, const=True, **attrs)
    source = assert_matches_ort(model, inputs)
    assert f"nn.Conv{len(x_shape) - 2}d(" in source


@pytest.mark.parametrize(("x_shape", "w_shape", "bias", "attrs"), CONV_CASES[::2])
def test_conv_with_runtime_weights_is_functional(x_shape: tuple[int, ...],
                                                 w_shape: tuple[int, ...], bias: int | None,
                                                 attrs: dict[str, Any],
                                                 rng: np.random.Generator) -> None:
    x, w, b = arrays(rng, x_shape, w_shape, bias)
    model, inputs = conv_model("Conv", x, w, b, const=False, **attrs)
    source = assert_matches_ort(model, inputs)
    assert f"ops.conv{len(x_shape) - 2}d(" in source


def test_conv_runs_in_graph_mode(rng: np.random.Generator) -> None:
    x, w, b = arrays(rng, (1, 3, 7, 6), (4, 3, 3, 2), 4)
    model, inputs = conv_model("Conv", x, w, b, const=True, opset=11, pads=[1, 0, 2, 1])
    assert_matches_ort(model, inputs, modes=("pynative", "graph"))


DECONV_CASES = [
    ((1, 2, 5), (2, 3, 3), 3, {"strides": [2], "pads": [1, 1]}),
    ((1, 2, 5), (2, 3, 3), None, {"strides": [2], "pads": [0, 1], "output_padding": [1]}),
    ((2, 2, 4, 5), (2, 3, 3, 3), 3, {"strides": [2, 2], "pads": [1, 1, 1, 1]}),
    ((1, 2, 4, 5), (2, 3, 3, 3), None, {"strides": [3, 2], "output_padding": [1, 1]}),
    ((1, 2, 4, 5), (2, 3, 3, 3), 3, {"strides": [3, 2], "output_shape": [12, 10]}),
    ((1, 2, 4, 5), (2, 3, 3, 3), None, {"strides": [2, 2], "auto_pad": "SAME_UPPER"}),
    ((1, 2, 4, 5), (2, 3, 3, 3), None, {"strides": [2, 2], "auto_pad": "SAME_LOWER"}),
    ((1, 4, 4, 4), (4, 2, 3, 3), 4, {"group": 2, "dilations": [2, 2], "pads": [0, 1, 2, 1]}),
    ((1, 2, 3, 4, 3), (2, 3, 3, 2, 3), 3, {"strides": [2, 1, 2], "output_padding": [1, 0, 1]}),
]


@pytest.mark.parametrize(("x_shape", "w_shape", "bias", "attrs"), DECONV_CASES)
def test_conv_transpose_with_constant_weights(x_shape: tuple[int, ...], w_shape: tuple[int, ...],
                                              bias: int | None, attrs: dict[str, Any],
                                              rng: np.random.Generator) -> None:
    x, w, b = arrays(rng, x_shape, w_shape, bias)
    model, inputs = conv_model("ConvTranspose", x, w, b, const=True, **attrs)
    source = assert_matches_ort(model, inputs)
    assert "Transpose(" in source


@pytest.mark.parametrize(("x_shape", "w_shape", "bias", "attrs"), DECONV_CASES[::2])
def test_conv_transpose_with_runtime_weights_uses_primitives(
        x_shape: tuple[int, ...], w_shape: tuple[int, ...], bias: int | None,
        attrs: dict[str, Any], rng: np.random.Generator) -> None:
    x, w, b = arrays(rng, x_shape, w_shape, bias)
    model, inputs = conv_model("ConvTranspose", x, w, b, const=False, **attrs)
    source = assert_matches_ort(model, inputs)
    assert f"ops.Conv{3 if len(x_shape) == 5 else 2}DTranspose(" in source


def test_conv_transpose_graph_mode(rng: np.random.Generator) -> None:
    x, w, b = arrays(rng, (1, 2, 4, 5), (2, 3, 3, 3), 3)
    model, inputs = conv_model("ConvTranspose", x, w, b, const=True, strides=[2, 2],
                               output_padding=[1, 1], pads=[1, 0, 1, 1])
    source = assert_matches_ort(model, inputs, modes=("pynative", "graph"))
    assert "nn.Conv2dTranspose(" in source
    assert "output_padding" not in source  # folded into the (smaller) end padding
