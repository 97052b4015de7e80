"""Users' own operators: a custom-domain op is a placeholder without its plugin, converts with
it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mindconverter.converter.errors import ConverterError
from mindconverter.converter.graph.plugins import load_plugins
from mindconverter.converter.graph.registry import default_registry
from onnx import TensorProto, helper

from mindconverter import convert_onnx
from tests.conftest import ROOT
from tests.numerics.helpers import load_generated

PLUGIN = ROOT / "examples" / "plugins" / "scaled_tanh.py"


def custom_model(path: Path) -> Path:
    nodes = [
        helper.make_node("Relu", ["x"], ["r"], name="relu"),
        helper.make_node("ScaledTanh", ["r"], ["y"], name="scaled", domain="com.example",
                         alpha=1.7159, beta=0.6666),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("com.example", 1)])
    path.write_bytes(model.SerializeToString())
    return path


def test_without_plugin_the_op_is_a_placeholder(tmp_path: Path) -> None:
    result = convert_onnx(str(custom_model(tmp_path / "m.onnx")), str(tmp_path / "o"))
    assert [(u.op_type, u.domain) for u in result.unconverted] == [("ScaledTanh", "com.example")]


@pytest.mark.numerics
def test_with_plugin_it_converts_and_matches_reference(tmp_path: Path) -> None:
    x = np.random.default_rng(0).standard_normal((2, 5)).astype(np.float32)
    result = convert_onnx(str(custom_model(tmp_path / "m.onnx")), str(tmp_path / "o"),
                          plugins=[str(PLUGIN)], input_data=[x])
    assert not result.unconverted
    # onnxruntime cannot run the custom op, so the verification says so...
    assert result.verification.status == "error"
    # ...and the reference is the op's definition.
    net = load_generated(result)
    import mindspore as ms

    out = net(ms.Tensor(x)).asnumpy()  # type: ignore[operator]
    np.testing.assert_allclose(out, 1.7159 * np.tanh(0.6666 * np.maximum(x, 0)), rtol=1e-5)


def test_plugin_registry_does_not_leak_into_the_default(tmp_path: Path) -> None:
    registry = load_plugins([PLUGIN])
    assert registry.versions("ScaledTanh", "com.example") == [1]
    assert default_registry.versions("ScaledTanh", "com.example") == []


def test_broken_plugin_gives_error_code(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('boom')\n")
    with pytest.raises(ConverterError) as info:
        load_plugins([bad])
    assert info.value.code.code == "MC207" and "boom" in info.value.message
    with pytest.raises(ConverterError) as info:
        load_plugins([tmp_path / "missing.py"])
    assert info.value.code.code == "MC101"


def test_cli_plugin_flag(tmp_path: Path) -> None:
    model = custom_model(tmp_path / "m.onnx")
    proc = subprocess.run(
        [sys.executable, "-m", "mindconverter", "--model_file", str(model), "--plugin",
         str(PLUGIN), "--no-verify", "--output", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Converted 2/2 operators" in proc.stdout
    assert "ops.tanh(" in (tmp_path / "out" / "m.py").read_text()
