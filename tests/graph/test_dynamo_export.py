"""Models from PyTorch's dynamo-based ONNX exporter (torch.onnx.export's default since 2.9).

Its node names carry no module path (``node_linear_3``); the path is in node metadata
(``pkg.torch.onnx.name_scopes``). The shipped file was exported by
``tests/data/dynamo/make_mlp_blocks.py`` (needs onnxscript, so it is not re-exported here).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.names import DYNAMO_SCOPES, node_base_name, scope_chain
from mindconverter.converter.graph.passes import optimize
from onnx import TensorProto, helper

from mindconverter import convert_onnx
from tests.conftest import DATA

MODEL = DATA / "dynamo" / "mlp_blocks.onnx"


def _node(op: str, name: str, scopes: str | None) -> onnx.NodeProto:
    node = helper.make_node(op, ["x"], ["y"], name=name)
    if scopes is not None:
        node.metadata_props.add(key=DYNAMO_SCOPES, value=scopes)
    return node


def test_the_shipped_model_is_a_dynamo_export() -> None:
    model = onnx.load(str(MODEL))
    assert all(not n.name.startswith("/") for n in model.graph.node)
    assert any(p.key == DYNAMO_SCOPES for n in model.graph.node for p in n.metadata_props)


@pytest.mark.numerics
def test_dynamo_export_keeps_module_structure_and_matches(tmp_path: Path) -> None:
    import onnxruntime as ort

    x = np.random.default_rng(1).standard_normal((2, 4, 8)).astype(np.float32)
    expected = ort.InferenceSession(str(MODEL)).run(None, {"x": x})
    result = convert_onnx(str(MODEL), str(tmp_path / "out"), input_data=[x])
    assert result.verification.status == "passed", result.verification
    from tests.numerics.helpers import assert_network_matches

    assert_network_matches(result, [x], expected)
    script = Path(result.script).read_text(encoding="utf-8")
    # module paths name the layers, repeated modules become one class, the GELU is fused
    assert "self.stem = nn.Conv1d(" in script and "self.head = nn.Dense(16, 3)" in script
    assert "self.blocks_0 = BlocksBlock()" in script and "self.blocks_1 = BlocksBlock()" in script
    assert "self.norm = nn.LayerNorm(" in script
    assert "ops.gelu(" in script and "ops.erf" not in script
    assert not re.search(r"\bnode_", script), "exporter node names leaked into identifiers"


def test_recorded_scopes_give_the_module_path() -> None:
    scopes = "['', 'enc', 'enc.layers.0', 'enc.layers.0.fc1', 'linear_3']"
    node = _node("Gemm", "node_linear_3", scopes)
    assert scope_chain(node) == ["enc", "enc.layers.0", "enc.layers.0.fc1"]
    assert node_base_name(node) == "enc_layers_0_fc1"
    add = _node("Add", "node_add_1", "['', 'enc', 'add_1']")
    assert node_base_name(add) == "enc_add"
    assert node_base_name(_node("Add", "node_add", "['', 'add']")) == "add"


@pytest.mark.parametrize("value", [
    "__import__('os').system('touch /tmp/mindconverter_pwned')",  # not a literal: never run
    "['a', 3]", "{'a': 'b'}", "[" * 5000, "[" * 2000, "['" + "x" * 5000 + "']", "not python",
])
def test_malformed_recorded_scopes_fall_back_to_the_node_name(value: str) -> None:
    node = _node("Conv", "/features/features.0/Conv", value)
    assert scope_chain(node) == ["features", "features.0"]
    assert node_base_name(node) == "features_0"
    assert not Path("/tmp/mindconverter_pwned").exists()


def test_optimizer_keeps_node_metadata() -> None:
    nodes = [_node("Relu", "node_relu", "['', 'act', 'relu']"),
             helper.make_node("Identity", ["y"], ["z"], name="node_id")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                                         [2])],
                              [helper.make_tensor_value_info("z", TensorProto.FLOAT, [2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    result = optimize(model, [])
    assert [n.op_type for n in result.graph.node] == ["Relu"]  # the Identity is gone
    assert scope_chain(result.graph.node[0]) == ["act"]


@pytest.mark.numerics
def test_exporter_temporary_weight_names_are_replaced(tmp_path: Path) -> None:
    """``val_7`` (a transposed nn.Linear weight) is named after its consumer's module path."""
    weight = np.random.default_rng(2).standard_normal((4, 3)).astype(np.float32)
    node = helper.make_node("MatMul", ["x", "val_7"], ["y"], name="node_MatMul_3")
    node.metadata_props.add(key=DYNAMO_SCOPES, value="['', 'proj', 'linear']")
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5, 3])],
        [onnx.numpy_helper.from_array(weight, "val_7")])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]), str(path))
    result = convert_onnx(str(path), str(tmp_path / "out"))
    assert result.verification.status == "passed", result.verification
    script = Path(result.script).read_text(encoding="utf-8")
    assert "val_7" not in script and "self.proj_mat_mul_const = ms.Parameter(" in script
