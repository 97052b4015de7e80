"""DeformConv against onnxruntime: random offsets (some far outside), masks, groups, strides."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def out_size(size: int, k: int, s: int, d: int, begin: int, end: int) -> int:
    return (size + begin + end - (k - 1) * d - 1) // s + 1


@pytest.mark.parametrize(("attrs", "with_mask", "const_weight"), [
    ({}, False, True),
    ({"strides": [2, 1], "pads": [1, 0, 2, 1], "dilations": [1, 2]}, True, False),
    ({"group": 2, "offset_group": 2, "pads": [1, 1, 1, 1]}, True, True),
])
def test_deform_conv(rng: np.random.Generator, attrs: dict[str, Any], with_mask: bool,
                     const_weight: bool) -> None:
    n, c, h, w, m, kh, kw = 2, 4, 7, 6, 6, 3, 2
    strides, dilations = attrs.get("strides", [1, 1]), attrs.get("dilations", [1, 1])
    pads = attrs.get("pads", [0, 0, 0, 0])
    oh = out_size(h, kh, strides[0], dilations[0], pads[0], pads[2])
    ow = out_size(w, kw, strides[1], dilations[1], pads[1], pads[3])
    groups = attrs.get("offset_group", 1)
    x = rng.standard_normal((n, c, h, w)).astype(np.float32)
    weight = rng.standard_normal((m, c // attrs.get("group", 1), kh, kw)).astype(np.float32)
    offset = (rng.standard_normal((n, 2 * groups * kh * kw, oh, ow)) * 2.5).astype(np.float32)
    bias = rng.standard_normal((m,)).astype(np.float32)
    runtime = [("x", x), ("offset", offset)]
    consts = [("w", weight), ("b", bias)] if const_weight else []
    if not const_weight:
        runtime = [("x", x), ("w", weight), ("offset", offset), ("b", bias)]
    if with_mask:
        runtime.append(("mask", rng.random((n, groups * kh * kw, oh, ow)).astype(np.float32)))
    model = single_node_model("DeformConv", runtime, opset=22, initializers=consts, **attrs)
    node = model.graph.node[0]
    order = ["x", "w", "offset", "b"] + (["mask"] if with_mask else [])
    node.ClearField("input")
    node.input.extend(order)
    model = onnx.shape_inference.infer_shapes(model)
    source = assert_matches_ort(model, [a for _, a in runtime], modes=("pynative", "graph"))
    assert "ops.deformable_conv2d(" in source
