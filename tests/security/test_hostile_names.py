"""Names and strings from a model never reach the generated script as code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from mindconverter import convert_onnx

HOSTILE = [
    "x'); __import__('os').system('touch {canary}'); ('",
    'y"""\nimport os; os.system("touch {canary}")\n"""',
    "class",
    "self",
    "__import__('os').system('touch {canary}')",
    "ｉｍｐｏｒｔ",  # full-width look-alikes
    "a\nb\r\nc\\",
    "lambda",
    "",
]


def hostile_model(canary: Path) -> onnx.ModelProto:
    names = [h.format(canary=canary) for h in HOSTILE]
    rng = np.random.default_rng(0)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    bias = rng.standard_normal((1, 4, 1, 1)).astype(np.float32)
    inp, w_name, conv_out, b_name, add_out, out = (
        names[0], names[1], names[2], names[3], names[4], names[5])
    nodes = [
        helper.make_node("Conv", [inp, w_name], [conv_out], name=names[6], pads=[1, 1, 1, 1]),
        helper.make_node("Add", [conv_out, b_name], [add_out], name=names[7]),
        helper.make_node("Relu", [add_out], [out], name=names[8]),
        helper.make_node("Evil", [out], ["z"], name=names[4], domain="com.evil",
                         payload=names[1], more=names[0]),
    ]
    graph = helper.make_graph(
        nodes, names[1],
        [helper.make_tensor_value_info(inp, TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 4, 8, 8]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 4, 8, 8])],
        [numpy_helper.from_array(w, w_name), numpy_helper.from_array(bias, b_name)],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("com.evil", 1)],
                              producer_name=names[1])
    return model


@pytest.mark.numerics
def test_hostile_names_are_inert_and_the_network_still_matches(tmp_path: Path) -> None:
    canary = tmp_path / "PWNED"
    model_file = tmp_path / "evil'name.onnx"
    onnx.save(hostile_model(canary), model_file)
    result = convert_onnx(str(model_file), str(tmp_path / "out"))
    source = Path(result.script).read_text()
    tree = ast.parse(source)
    # Only our own imports, no calls outside the class/functions at module level.
    imports = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert {(a.name if isinstance(n, ast.Import) else n.module) for n in imports
            for a in n.names} <= {"mindspore", "os", "glob"}
    assert all(isinstance(n, (ast.Expr, ast.Import, ast.ImportFrom, ast.ClassDef,
                              ast.FunctionDef)) for n in tree.body)
    assert not canary.exists()
    # Importing and running the script in a fresh interpreter runs nothing but the model.
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('gen', {result.script!r})\n"
        "m = importlib.util.module_from_spec(spec); sys.modules['gen'] = m\n"
        "spec.loader.exec_module(m)\n"
        f"net = getattr(m, {result.class_name!r})()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not canary.exists()
    (ph,) = result.unconverted  # the custom op keeps its attribute strings as data
    assert ph.attributes["payload"] == HOSTILE[1].format(canary=canary)


@pytest.mark.numerics
def test_hostile_names_without_placeholder_match_onnxruntime(tmp_path: Path) -> None:
    canary = tmp_path / "PWNED"
    model = hostile_model(canary)
    del model.graph.node[3]
    del model.graph.output[1]
    model_file = tmp_path / "m.onnx"
    onnx.save(model, model_file)
    result = convert_onnx(str(model_file), str(tmp_path / "out"))
    assert result.verification.status == "passed", result.verification
    assert not canary.exists()
    assert result.inputs[0].name == HOSTILE[0].format(canary=canary)
    assert result.inputs[0].py_name.isidentifier()
