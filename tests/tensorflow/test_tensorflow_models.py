"""Keras models frozen to .pb convert through tf2onnx and match TensorFlow's outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mindconverter.converter.report import ConversionResult

from mindconverter import convert_onnx
from mindconverter.cli import main
from tests.numerics.helpers import assert_network_matches
from tests.tensorflow.conftest import Frozen

pytestmark = pytest.mark.numerics


def convert(model: Frozen, out: Path, **options: object):
    return convert_onnx(str(model.pb), str(out), shapes=[model.shape],
                        input_nodes=["input_1:0"], output_nodes=["Identity:0"],
                        input_data=[model.x], **options)


@pytest.mark.parametrize("name", ["lstm", "lstm_unrolled"])
def test_keras_lstm_matches_tensorflow(frozen_models: dict[str, Frozen], tmp_path: Path,
                                       name: str) -> None:
    """A Keras LSTM frozen with an unknown batch becomes an ONNX LSTM; unrolled, plain ops."""
    model = frozen_models[name]
    result = convert(model, tmp_path)
    assert result.verification.status == "passed", result.verification
    assert result.source["format"] == "tensorflow"
    assert result.source["path"] == str(model.pb.resolve())
    assert result.source["tf2onnx"] and result.source["tensorflow"]
    assert [i.name for i in result.inputs] == ["input_1:0"]
    assert [o.name for o in result.outputs] == ["Identity:0"]
    if name == "lstm":
        assert result.op_histogram.get("LSTM") == 1, result.op_histogram
    assert_network_matches(result, [model.x], [model.y], rtol=1e-3, atol=1e-4)


def test_keras_cnn_from_the_command_line_matches_tensorflow(
        frozen_models: dict[str, Frozen], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``--model_file cnn.pb --input_nodes input_1 --output_nodes Identity:0 --shape ...``;
    the reports keep TensorFlow's tensor and node names."""
    model = frozen_models["cnn"]
    out = tmp_path / "out"
    x_file = tmp_path / "x.npy"
    np.save(x_file, model.x)
    code = main(["--model_file", str(model.pb), "--input_nodes", "input_1",
                 "--output_nodes", "Identity:0", "--shape", "1,32,32,3", "--output", str(out),
                 "--input_data", str(x_file)])
    assert code == 0, capsys.readouterr().err
    assert "Verification: passed" in capsys.readouterr().out
    report = json.loads((out / "report_of_cnn.json").read_text(encoding="utf-8"))
    assert report["source"]["format"] == "tensorflow"
    assert report["source"]["tf_ops"]["Conv2D"] == 2
    assert report["inputs"][0]["name"] == "input_1:0"
    assert report["outputs"][0]["name"] == "Identity:0"
    names = [n["name"] for n in report["nodes"]]
    assert any("/conv2d" in n for n in names) and any("/dense" in n for n in names), names
    result = ConversionResult.load(out / "report_of_cnn.json")
    assert_network_matches(result, [model.x], [model.y], rtol=1e-3, atol=1e-4)


def test_keras_lstm_loop_converts_to_a_python_loop(
        frozen_models: dict[str, Frozen], tmp_path: Path) -> None:
    """Frozen with a fixed batch, Keras 3's LSTM reaches ONNX as a Loop over the cell (tf2onnx's
    LSTM rewriter does not match): it becomes a loop in ``construct`` and matches TensorFlow."""
    model = frozen_models["lstm_static"]
    result = convert(model, tmp_path)
    assert result.unconverted == []
    assert result.op_histogram.get("Loop") == 1, result.op_histogram
    script = Path(result.script).read_text(encoding="utf-8")
    assert "for " in script or "while " in script
    pynative = [m for m in result.verification.modes if m.mode == "pynative"]
    assert pynative and pynative[0].passed, result.verification
    assert_network_matches(result, [model.x], [model.y], rtol=1e-3, atol=1e-4,
                           modes=("pynative",))
