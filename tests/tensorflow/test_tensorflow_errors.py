"""A .pb that cannot convert fails with a stable code and a useful hint, writing nothing."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.graph.tensorflow import resolve_tf_python, tensor_names
from mindconverter.converter.graph.tf_driver import is_unsafe

from mindconverter import convert_onnx
from tests.tensorflow.conftest import Frozen


def convert_pb(pb: Path, out: Path, **options: object) -> None:
    options.setdefault("input_nodes", ["input_1:0"])
    options.setdefault("output_nodes", ["Identity:0"])
    convert_onnx(str(pb), str(out), **options)


def expect(code: ErrorCode, pb: Path, out: Path, **options: object) -> ConverterError:
    with pytest.raises(ConverterError) as info:
        convert_pb(pb, out, **options)
    assert info.value.code is code, info.value.one_line()
    assert not out.exists(), "nothing may be written on failure"
    return info.value


def test_tensor_names_default_to_output_zero() -> None:
    assert tensor_names(["input_1", "x:1"], "--input_nodes") == ["input_1:0", "x:1"]
    for bad in (["^ctrl"], ["x:first"], [":0"]):
        with pytest.raises(ConverterError) as info:
            tensor_names(bad, "--input_nodes")
        assert info.value.code is ErrorCode.BAD_ARGUMENT


@pytest.mark.parametrize("missing", ["input_nodes", "output_nodes"])
def test_pb_needs_input_and_output_nodes(tmp_path: Path, missing: str) -> None:
    pb = tmp_path / "model.pb"
    pb.write_bytes(b"\x0a\x00")
    err = expect(ErrorCode.BAD_ARGUMENT, pb, tmp_path / "out", **{missing: None})
    assert f"--{missing}" in err.message


def test_file_and_python_operators_are_refused_by_name() -> None:
    for op in ("ReadFile", "WriteFile", "PyFunc", "EagerPyFunc", "PrintV2", "TFRecordDataset",
               "IteratorGetNext", "WholeFileReaderV2", "SaveV2", "RestoreV2", "ImmutableConst"):
        assert is_unsafe(op), op
    for op in ("Conv2D", "MatMul", "While", "StatelessWhile", "TensorListReserve", "Const"):
        assert not is_unsafe(op), op


def test_unknown_tf_python(tmp_path: Path) -> None:
    (tmp_path / "x.pb").write_bytes(b"\x0a\x00")
    err = expect(ErrorCode.MISSING_DEPENDENCY, tmp_path / "x.pb", tmp_path / "out",
                 tf_python=str(tmp_path / "no-such-python"))
    assert "no-such-python" in err.message
    with pytest.raises(ConverterError):
        resolve_tf_python(str(tmp_path / "x.pb"))  # not executable


def test_python_without_tensorflow(tmp_path: Path) -> None:
    """A Python whose site-packages are hidden has neither tensorflow nor tf2onnx."""
    wrapper = tmp_path / "bare-python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n', encoding="utf-8")
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    pb = tmp_path / "model.pb"
    pb.write_bytes(b"\x0a\x00")
    err = expect(ErrorCode.MISSING_DEPENDENCY, pb, tmp_path / "out", tf_python=str(wrapper))
    assert "No module named" in err.message and "mindconverter[tf]" in err.hint


def test_tf_python_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINDCONVERTER_TF_PYTHON", str(tmp_path / "env-python"))
    (tmp_path / "x.pb").write_bytes(b"\x0a\x00")
    err = expect(ErrorCode.MISSING_DEPENDENCY, tmp_path / "x.pb", tmp_path / "out")
    assert "env-python" in err.message
    monkeypatch.delenv("MINDCONVERTER_TF_PYTHON")
    assert Path(resolve_tf_python()).samefile(sys.executable)


@pytest.mark.e2e
def test_corrupt_pb(tmp_path: Path) -> None:
    pb = tmp_path / "model.pb"
    pb.write_bytes(bytes(range(256)) * 8)
    err = expect(ErrorCode.NOT_ONNX, pb, tmp_path / "out")
    assert "GraphDef" in err.message


@pytest.mark.e2e
def test_unknown_input_lists_the_placeholders(frozen_models: dict[str, Frozen],
                                              tmp_path: Path) -> None:
    err = expect(ErrorCode.UNKNOWN_NODE, frozen_models["cnn"].pb, tmp_path / "out",
                 input_nodes=["image:0"])
    assert "image:0" in err.message and "input_1:0" in err.hint


@pytest.mark.e2e
def test_shape_that_does_not_fit_the_placeholder(frozen_models: dict[str, Frozen],
                                                 tmp_path: Path) -> None:
    err = expect(ErrorCode.BAD_SHAPE, frozen_models["lstm_unrolled"].pb, tmp_path / "out",
                 shapes=[[1, 32, 32, 3]])
    assert "'input_1:0'" in err.message


@pytest.mark.e2e
def test_lowered_control_flow_gets_a_freezing_hint(frozen_models: dict[str, Frozen],
                                                   tmp_path: Path) -> None:
    err = expect(ErrorCode.TF_CONVERSION, frozen_models["lstm_lowered"].pb, tmp_path / "out",
                 shapes=[[1, 7, 5]])
    assert "TensorList" in err.message
    assert "lower_control_flow=False" in err.hint


@pytest.mark.e2e
def test_graph_reading_a_file_is_refused(frozen_models: dict[str, Frozen],
                                         tmp_path: Path) -> None:
    err = expect(ErrorCode.TF_CONVERSION, frozen_models["reads_file"].pb, tmp_path / "out")
    assert "ReadFile" in err.message
