"""Unsupported operators become placeholders; the run still writes everything."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import mindconverter.converter.graph.ops  # noqa: F401
import onnx
import pytest
from mindconverter.converter.graph.registry import default_registry
from mindconverter.converter.report import ConversionResult

from mindconverter import convert_onnx
from tests.graph.builders import conv_reshape_relu, custom_domain_model


@pytest.fixture
def without_reshape() -> object:
    reg = default_registry.copy()
    reg.remove("Reshape")
    return reg


def test_unregistered_op_becomes_placeholder(tmp_path: Path, without_reshape: object) -> None:
    model_file = tmp_path / "net.onnx"
    onnx.save(conv_reshape_relu(), model_file)
    result = convert_onnx(str(model_file), str(tmp_path / "out"), registry=without_reshape)

    out = tmp_path / "out"
    for name in ("net.py", "net.ckpt", "report_of_net.txt", "report_of_net.json",
                 "weight_map_of_net.json"):
        assert (out / name).is_file(), name
    assert (result.ops_total, result.ops_converted) == (3, 2)
    (ph,) = result.unconverted
    assert (ph.op_type, ph.name) == ("Reshape", "/head/Reshape")
    assert ph.input_shapes == [[1, 8, 8, 8], [2]]
    assert ph.output_shapes == [[1, 512]]
    assert ph.input_dtypes == ["float32", "int64"]
    assert ph.constant_inputs == {"1": [1, -1]}
    assert result.verification.status == "skipped"

    lines = (out / "net.py").read_text().splitlines()
    init_line = lines[ph.line - 1]
    assert init_line[ph.column - 1:].startswith(f"self.{ph.attr_name} = UnconvertedOp('Reshape'")
    assert "input_shape=(1, 8, 8, 8)" in init_line and "output_shape=(1, 512)" in init_line
    assert f"self.{ph.attr_name}(" in lines[ph.construct_line - 1]
    ast.parse("\n".join(lines))  # the script is valid Python

    text = (out / "report_of_net.txt").read_text()
    assert f"line {ph.line}:{ph.column}: [UnConvert] 'onnx::Reshape' didn't convert." in text
    assert "Converted Rate: 66.67%. (2/3 operators)" in text
    again = ConversionResult.load(out / "report_of_net.json")
    assert again.unconverted[0] == ph
    wmap = json.loads((out / "weight_map_of_net.json").read_text())
    assert {e["source_weight"]["name"] for e in wmap["net"]} == {"stem.conv.weight",
                                                                "stem.conv.bias"}


def test_placeholder_raises_when_run(tmp_path: Path, without_reshape: object) -> None:
    import importlib.util
    import sys

    model_file = tmp_path / "net2.onnx"
    onnx.save(conv_reshape_relu(), model_file)
    result = convert_onnx(str(model_file), str(tmp_path), verify=False, registry=without_reshape)
    spec = importlib.util.spec_from_file_location("net2_generated", result.script)
    module = importlib.util.module_from_spec(spec)
    sys.modules["net2_generated"] = module
    spec.loader.exec_module(module)
    net = module.load_model()
    import mindspore as ms
    import numpy as np

    with pytest.raises(NotImplementedError, match="Reshape"):
        net(ms.Tensor(np.zeros((1, 3, 8, 8), np.float32)))


def test_custom_domain_op_is_placeholder_with_shapes(tmp_path: Path) -> None:
    model_file = tmp_path / "custom.onnx"
    onnx.save(custom_domain_model(), model_file)
    result = convert_onnx(str(model_file), str(tmp_path / "o"))
    (ph,) = result.unconverted
    assert (ph.op_type, ph.domain, ph.attributes) == ("MyOp", "com.example", {"alpha": 0.5})
    assert ph.input_shapes == [[2, 4]]
    assert "com.example::MyOp" in Path(result.script).read_text()
    assert "'com.example::MyOp' didn't convert" in Path(result.report_text).read_text()
