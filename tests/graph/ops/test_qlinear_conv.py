"""QLinearConv against onnxruntime: per-tensor and per-channel scales, bias, padding, groups."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def qlinear_conv(x: np.ndarray, w: np.ndarray, per_channel: bool, bias: bool,
                 runtime_scales: bool = False, **attrs: Any) -> tuple[onnx.ModelProto, list]:
    """The model and its runtime inputs (x, plus the three scales when ``runtime_scales``)."""
    m = w.shape[0]
    w_scale = (np.linspace(0.002, 0.02, m, dtype=np.float32) if per_channel
               else np.array(0.01, np.float32))
    values = {
        "xs": np.array(0.05, np.float32), "xz": np.array(7, x.dtype), "w": w, "ws": w_scale,
        "wz": np.zeros(m if per_channel else (), w.dtype), "ys": np.array(0.3, np.float32),
        "yz": np.array(5, x.dtype), "b": np.arange(-m, m, 2, dtype=np.int32) * 40,
    }
    names = ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"] + (["b"] if bias else [])
    runtime: list[tuple[str, np.ndarray]] = [("x", x)]
    if runtime_scales:
        runtime += [(n, values[n]) for n in ("xs", "ws", "ys")]
    consts = [(n, values[n]) for n in names if n not in dict(runtime)]
    model = single_node_model("QLinearConv", runtime, opset=10, initializers=consts, **attrs)
    node = model.graph.node[0]
    node.ClearField("input")
    node.input.extend(names)  # the node's own input order (runtime inputs come first above)
    return onnx.shape_inference.infer_shapes(model), [a for _, a in runtime]


@pytest.mark.parametrize(("dtype", "per_channel", "bias"), [
    (np.uint8, False, False), (np.uint8, True, True), (np.int8, True, False),
    (np.int8, False, True)])
def test_qlinear_conv(rng: np.random.Generator, dtype: type, per_channel: bool,
                      bias: bool) -> None:
    low, high = np.iinfo(dtype).min, np.iinfo(dtype).max
    x: np.ndarray = rng.integers(low, high, (2, 3, 7, 6), endpoint=True).astype(dtype)
    w = rng.integers(-40, 40, (4, 3, 3, 3)).astype(np.int8)
    model, inputs = qlinear_conv(x, w, per_channel, bias, pads=[1, 0, 1, 2], strides=[1, 2])
    source = assert_matches_ort(model, inputs, modes=("pynative", "graph"), atol=0)
    assert "ops.conv2d(" in source and "ops.round(" in source


def test_qlinear_conv_groups_and_runtime_scales(rng: np.random.Generator) -> None:
    x = rng.integers(0, 255, (1, 4, 6, 6), endpoint=True).astype(np.uint8)
    w = rng.integers(-60, 60, (6, 2, 2, 2)).astype(np.int8)
    model, inputs = qlinear_conv(x, w, True, True, runtime_scales=True, group=2,
                                 dilations=[2, 1])
    assert_matches_ort(model, inputs, atol=0)
