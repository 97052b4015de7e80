"""Invalid models and unsafe external data are refused with an error code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnx
import pytest
from mindconverter.converter.errors import ConverterError
from onnx import TensorProto, helper, numpy_helper
from onnx.external_data_helper import convert_model_to_external_data

from mindconverter import convert_onnx
from tests.graph.builders import conv_reshape_relu


def _graph(nodes: list, inputs: list | None = None, outputs: list | None = None,
           opset: int = 13) -> onnx.ModelProto:
    graph = helper.make_graph(
        nodes, "g",
        inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _code_of(model: onnx.ModelProto, tmp_path: Path) -> str:
    path = tmp_path / "m.onnx"
    path.write_bytes(model.SerializeToString())
    with pytest.raises(ConverterError) as info:
        convert_onnx(str(path), str(tmp_path / "out"), verify=False)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    return info.value.code.code


@pytest.mark.parametrize(
    "nodes",
    [
        [helper.make_node("Relu", ["missing"], ["y"])],  # dangling input
        [helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Relu", ["x"], ["y"])],
        [helper.make_node("Add", ["x", "b"], ["a"]), helper.make_node("Relu", ["a"], ["b"]),
         helper.make_node("Relu", ["b"], ["y"])],  # cycle
    ],
    ids=["dangling", "duplicate-output", "cycle"],
)
def test_invalid_graph(nodes: list, tmp_path: Path) -> None:
    assert _code_of(_graph(nodes), tmp_path) == "MC105"


def test_opset_newer_than_supported(tmp_path: Path) -> None:
    model = _graph([helper.make_node("Relu", ["x"], ["y"])], opset=99)
    assert _code_of(model, tmp_path) in {"MC105", "MC106"}


def _external_model(tmp_path: Path, location: str) -> Path:
    model = conv_reshape_relu()
    convert_model_to_external_data(model, all_tensors_to_one_file=True, location="w.bin",
                                   size_threshold=0)
    onnx.save(model, tmp_path / "m.onnx", save_as_external_data=False)
    model = onnx.load(tmp_path / "m.onnx", load_external_data=False)
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location":
                entry.value = location
    path = tmp_path / "evil.onnx"
    onnx.save(model, path)
    return path


@pytest.mark.parametrize("location", ["/etc/passwd", "../outside.bin", "missing.bin"])
def test_external_data_outside_folder_or_missing_is_refused(tmp_path: Path, location: str
                                                            ) -> None:
    (tmp_path / "outside.bin").write_bytes(b"\0" * 4096)
    folder = tmp_path / "model"
    folder.mkdir()
    path = _external_model(folder, location)
    with pytest.raises(ConverterError) as info:
        convert_onnx(str(path), str(tmp_path / "out"), verify=False)
    assert info.value.code.code == "MC107"


def test_external_data_symlink_escaping_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.bin").write_bytes(b"\0" * 4096)
    folder = tmp_path / "model"
    folder.mkdir()
    os.symlink(tmp_path / "secret.bin", folder / "link.bin")
    path = _external_model(folder, "link.bin")
    with pytest.raises(ConverterError) as info:
        convert_onnx(str(path), str(tmp_path / "out"), verify=False)
    assert info.value.code.code == "MC107"


@pytest.mark.numerics
def test_model_with_external_data_converts(tmp_path: Path) -> None:
    model = conv_reshape_relu()
    original = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    folder = tmp_path / "model"
    folder.mkdir()
    onnx.save(model, folder / "net.onnx", save_as_external_data=True,
              all_tensors_to_one_file=True, location="net.weights", size_threshold=0)
    assert (folder / "net.weights").stat().st_size > 800
    result = convert_onnx(str(folder / "net.onnx"), str(tmp_path / "out"))
    assert result.verification.status == "passed", result.verification
    import mindspore as ms

    saved = ms.load_checkpoint(result.checkpoint)
    wmap = json.loads(Path(result.weight_map).read_text())["net"]
    assert wmap
    for entry in wmap:
        np.testing.assert_array_equal(saved[entry["converted_weight"]["name"]].asnumpy(),
                                      original[entry["source_weight"]["name"]])


@pytest.mark.numerics
def test_checkpoint_is_split_above_the_limit(tmp_path: Path) -> None:
    model_file = tmp_path / "net.onnx"
    onnx.save(conv_reshape_relu(), model_file)
    result = convert_onnx(str(model_file), str(tmp_path / "out"), checkpoint_limit=100)
    parts = sorted(p.name for p in (tmp_path / "out").glob("*.ckpt"))
    assert parts == ["net_0.ckpt", "net_1.ckpt"], parts  # 864-byte weight, 32-byte bias
    assert [Path(c).name for c in result.checkpoints] == parts
    assert result.verification.status == "passed", result.verification
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("net_split", result.script)
    module = importlib.util.module_from_spec(spec)
    sys.modules["net_split"] = module
    spec.loader.exec_module(module)
    net = module.load_model()  # finds and loads both parts
    import mindspore as ms

    saved = {**ms.load_checkpoint(result.checkpoints[0]),
             **ms.load_checkpoint(result.checkpoints[1])}
    for param in net.get_parameters():
        np.testing.assert_array_equal(param.asnumpy(), saved[param.name].asnumpy())
    assert len(saved) == 2
