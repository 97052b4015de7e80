"""``verify="nodes"`` names the first node whose output diverges from onnxruntime."""

from __future__ import annotations

from pathlib import Path

import mindconverter.converter.graph.ops  # noqa: F401
import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.ops.common import call
from mindconverter.converter.graph.registry import OpKey, default_registry
from mindconverter.converter.graph.spec import Ref
from onnx import TensorProto, helper, numpy_helper

from mindconverter import convert_onnx

pytestmark = pytest.mark.numerics


def chain_model() -> onnx.ModelProto:
    rng = np.random.default_rng(1)
    w1 = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    w2 = rng.standard_normal((4, 4, 3, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="/block/conv1/Conv", pads=[1] * 4),
        helper.make_node("Relu", ["c1"], ["r1"], name="/block/act/Relu"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="/block/conv2/Conv", pads=[1] * 4),
        helper.make_node("Add", ["c2", "c1"], ["s"], name="/block/Add"),
        helper.make_node("Sigmoid", ["s"], ["y"], name="/head/Sigmoid"),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 6, 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 6, 6])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(w2, "w2")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def test_all_nodes_match_when_conversion_is_right(tmp_path: Path) -> None:
    path = tmp_path / "chain.onnx"
    onnx.save(chain_model(), path)
    result = convert_onnx(str(path), str(tmp_path / "out"), verify="nodes")
    nodes = result.verification.nodes
    assert nodes is not None and nodes.error is None
    assert (nodes.checked, nodes.diverged, nodes.first_divergence) == (5, 0, None)
    assert "all 5 intermediate values match" in Path(result.report_text).read_text()


def test_planted_wrong_conversion_is_named(tmp_path: Path) -> None:
    registry = default_registry.copy()
    for version in registry.versions("Relu"):
        registry.replace(OpKey("", "Relu", version), lambda ctx: call("ops.tanh", Ref(0)))
    path = tmp_path / "chain.onnx"
    onnx.save(chain_model(), path)
    result = convert_onnx(str(path), str(tmp_path / "out"), verify="nodes", registry=registry)
    assert result.verification.status == "failed"
    first = result.verification.nodes.first_divergence
    assert (first.node, first.op_type, first.output) == ("/block/act/Relu", "Relu", "r1")
    script = Path(result.script).read_text().splitlines()
    assert len(first.lines) == 1 and "ops.tanh(" in script[first.lines[0] - 1]
    # Downstream values diverge too, but the first one in graph order is the planted node.
    assert result.verification.nodes.diverged >= 2
    text = Path(result.report_text).read_text()
    assert "first divergence: node '/block/act/Relu' (Relu) output 'r1'" in text
    assert f"script line {first.lines[0]}" in text
