"""A real converter output with a placeholder: the quick fix makes it run and match ONNX."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from mindconverter.server.analysis import analyse, diagnostics_for
from mindconverter.server.edits import apply_source_edits
from mindconverter.server.placeholder_actions import fixes_for
from mindconverter.server.reports import ReportCache
from mindconverter.server.settings import Settings

pytestmark = pytest.mark.numerics

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def conv_reshape_relu() -> onnx.ModelProto:
    """x[1,3,8,8] → Conv(8, 3x3, pad 1) → Reshape(1, -1) → Relu → y[1, 512]."""
    helper, numpy_helper = onnx.helper, onnx.numpy_helper
    rng = np.random.default_rng(0)
    weight = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="/stem/Conv", pads=[1] * 4),
        helper.make_node("Reshape", ["c", "shape"], ["r"], name="/head/Reshape"),
        helper.make_node("Relu", ["r"], ["y"], name="/head/Relu"),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, 512])],
        [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(np.array([1, -1]), "shape")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # graph mode compiles construct's source by module name
    spec.loader.exec_module(module)
    return module


def test_reshape_placeholder_fix_runs_and_matches_onnxruntime(tmp_path: Path) -> None:
    pytest.importorskip("mindspore")
    import mindconverter.converter.graph.ops  # noqa: F401  (registers the converters)
    from mindconverter.converter.graph.registry import default_registry

    from mindconverter import convert_onnx

    model_file = tmp_path / "net.onnx"
    onnx.save(conv_reshape_relu(), model_file)
    registry = default_registry.copy()
    registry.remove("Reshape")
    result = convert_onnx(str(model_file), str(tmp_path / "out"), registry=registry, verify=False)
    script = Path(result.script)
    text = script.read_text(encoding="utf-8")

    analysis = analyse(text, str(script), Settings(), ReportCache())
    (diagnostic,) = diagnostics_for(analysis, Settings(), script.as_uri())
    assert diagnostic.code == "MC-G001" and diagnostic.data["constantInputs"] == {"1": [1, -1]}
    (placeholder,) = analysis.script.placeholders
    (fix,) = fixes_for(analysis.script, placeholder)
    assert fix.kind == "concrete"
    fixed = apply_source_edits(text, fix.edits)
    assert "ops.reshape(" in fixed and "UnconvertedOp('Reshape'" not in fixed
    assert analyse(fixed, str(script), Settings(), ReportCache()).script.placeholders == []

    fixed_path = tmp_path / "out" / "net_fixed.py"
    fixed_path.write_text(fixed, encoding="utf-8")
    network = load(fixed_path).load_model(result.checkpoint)
    x = np.random.default_rng(1).standard_normal((1, 3, 8, 8)).astype(np.float32)
    import mindspore as ms

    got = network(ms.Tensor(x)).asnumpy()
    session = ort.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
    expected = session.run(None, {"x": x})[0]
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4)
