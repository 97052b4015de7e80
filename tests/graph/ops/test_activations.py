"""Activation converters (PRelu, Elu, Selu, Celu, Softplus, Softsign, Gelu, Mish,
ThresholdedRelu, Shrink, Hardmax) against onnxruntime."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def node_model(op_type: str, inputs: list[tuple[str, np.ndarray]],
               initializers: list[tuple[str, np.ndarray]] = (), opset: int = 18,
               **attrs: Any) -> onnx.ModelProto:
    """A one-node model with inferred output types (onnxruntime needs them)."""
    model = single_node_model(op_type, inputs, opset=opset, initializers=initializers, **attrs)
    return onnx.shape_inference.infer_shapes(model)


@pytest.fixture
def x(rng: np.random.Generator) -> np.ndarray:
    """A 4-D input with values on both sides of the activations' kinks."""
    return (rng.standard_normal((2, 3, 4, 5)) * 2).astype(np.float32)


@pytest.mark.parametrize(("op_type", "attrs", "expected"), [
    ("Elu", {}, "ops.elu("),
    ("Elu", {"alpha": 2.0}, "ops.expm1("),
    ("Selu", {}, "ops.selu("),
    ("Selu", {"alpha": 2.0, "gamma": 3.0}, "ops.where("),
    ("Celu", {"alpha": 2.0}, "ops.celu("),
    ("Softplus", {}, "ops.softplus("),
    ("Softsign", {}, "ops.softsign("),
    ("Mish", {}, "ops.mish("),
    ("ThresholdedRelu", {"alpha": 0.5}, "ops.where("),
    ("Shrink", {"lambd": 1.5}, "ops.hardshrink("),
    ("Shrink", {"lambd": 1.5, "bias": 1.5}, "ops.softshrink("),
    ("Shrink", {"lambd": 1.0, "bias": 0.25}, "ops.where("),
])
def test_unary_activation(op_type: str, attrs: dict[str, Any], expected: str,
                          x: np.ndarray) -> None:
    source = assert_matches_ort(node_model(op_type, [("x", x)], **attrs), [x])
    assert expected in source


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_opset20(approximate: str, x: np.ndarray) -> None:
    model = node_model("Gelu", [("x", x)], opset=20, approximate=approximate)
    assert "ops.gelu(" in assert_matches_ort(model, [x], modes=("pynative", "graph"))


def test_shrink_on_integers() -> None:
    x = np.arange(-5, 6, dtype=np.int32)
    model = node_model("Shrink", [("x", x)], lambd=2.0, bias=1.0)
    assert_matches_ort(model, [x])


def test_prelu_per_channel_constant_slope_is_a_layer(x: np.ndarray,
                                                     rng: np.random.Generator) -> None:
    slope = rng.uniform(0.1, 0.5, (3, 1, 1)).astype(np.float32)
    model = node_model("PRelu", [("x", x)], [("slope", slope)], opset=16)
    source = assert_matches_ort(model, [x], modes=("pynative", "graph"))
    assert "nn.PReLU(3)" in source


def test_prelu_slope_broadcast_on_last_axis_keeps_onnx_broadcasting(
        x: np.ndarray, rng: np.random.Generator) -> None:
    slope = rng.uniform(0.1, 0.5, (5,)).astype(np.float32)  # broadcasts on W, not on C
    model = node_model("PRelu", [("x", x)], [("slope", slope)], opset=16)
    source = assert_matches_ort(model, [x])
    assert "nn.PReLU" not in source and "ops.where(" in source


def test_prelu_runtime_slope(x: np.ndarray, rng: np.random.Generator) -> None:
    slope = rng.uniform(0.1, 0.5, (4, 5)).astype(np.float32)
    model = node_model("PRelu", [("x", x), ("slope", slope)], opset=9)
    assert_matches_ort(model, [x, slope])


@pytest.mark.parametrize(("opset", "axis"), [(13, 0), (13, 2), (13, -1), (11, 1), (11, 3)])
def test_hardmax(opset: int, axis: int, rng: np.random.Generator) -> None:
    x = rng.integers(0, 3, (2, 3, 4, 5)).astype(np.float32)  # ties: the first maximum wins
    model = node_model("Hardmax", [("x", x)], opset=opset, axis=axis)
    source = assert_matches_ort(model, [x])
    assert "ops.one_hot(ops.argmax(" in source


def test_bfloat16_activation_computes_in_float32() -> None:
    from mindconverter.converter.graph.ops.activations import convert_elu
    from mindconverter.converter.graph.spec import Method

    class Ctx:  # the smallest context convert_elu reads
        def attr(self, name: str, default: Any = None) -> Any:
            return {"alpha": 2.0}.get(name, default)

        def dtype(self, index: int) -> np.dtype:
            import ml_dtypes

            return np.dtype(ml_dtypes.bfloat16)

    spec = convert_elu(Ctx())  # type: ignore[arg-type]
    assert isinstance(spec.expr, Method) and spec.expr.args[0].name == "bfloat16"


@pytest.mark.parametrize("dtype", ["float32", "int8"])
def test_clip_with_runtime_bounds(dtype: str, rng: np.random.Generator) -> None:
    x = (rng.standard_normal((3, 4)) * 5).astype(dtype)
    low, high = np.array(-2, dtype), np.array(3, dtype)
    model = node_model("Clip", [("x", x), ("low", low), ("high", high)], opset=13)
    assert "ops.clamp(x, low, high)" in assert_matches_ort(model, [x, low, high])
