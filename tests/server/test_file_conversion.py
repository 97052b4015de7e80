"""mindconverter.convertFile's core: where the converted file goes, in-place mode, errors."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from mindconverter.converter.errors import ConverterError
from mindconverter.server.file_conversion import convert_document, output_path
from mindconverter.server.settings import Settings, merge

from tests.server.torch_samples import MODEL


def test_output_paths(tmp_path: Path) -> None:
    source = tmp_path / "model.py"
    assert output_path(source, None) == tmp_path / "model_mindspore.py"
    assert output_path(source, str(tmp_path)) == tmp_path / "model_mindspore.py"  # never itself
    assert output_path(source, str(tmp_path / "out")) == tmp_path / "out" / "model.py"


def test_the_converted_file_is_written_beside(tmp_path: Path) -> None:
    source = tmp_path / "model.py"
    source.write_text("# on disk: stale\n", encoding="utf-8")
    outcome = convert_document(source.as_uri(), MODEL, Settings())  # the editor's text counts
    written = Path(outcome.path)
    assert written == tmp_path / "model_mindspore.py"
    code = written.read_text(encoding="utf-8")
    ast.parse(code)
    assert "class Net(nn.Cell):" in code and outcome.to_dict()["inPlace"] is False
    assert outcome.total >= outcome.converted > 0
    assert source.read_text(encoding="utf-8") == "# on disk: stale\n"


def test_in_place_returns_the_text(tmp_path: Path) -> None:
    settings, _ = merge(Settings(), {"convertInPlace": True})
    outcome = convert_document((tmp_path / "model.py").as_uri(), MODEL, settings)
    assert outcome.in_place_text is not None and "nn.Cell" in outcome.in_place_text
    assert not (tmp_path / "model_mindspore.py").exists()


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(ConverterError) as syntax:
        convert_document((tmp_path / "m.py").as_uri(), "def f(:\n", Settings())
    assert syntax.value.code.code == "MC501"
    with pytest.raises(ConverterError) as unsaved:
        convert_document("untitled:Untitled-1", MODEL, Settings())
    assert unsaved.value.code.code == "MC206"
