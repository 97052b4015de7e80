"""convert_path: files, folders, reports, weights, errors; nothing partial on failure."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from mindconverter.converter.ast import convert_path
from mindconverter.converter.errors import ConverterError, ErrorCode

MODEL = """\
import torch.nn as nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.bn = nn.BatchNorm1d(2)

    def forward(self, x):
        return self.bn(self.fc(x))
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_single_file_writes_script_and_reports(tmp_path: Path) -> None:
    src = write(tmp_path / "in" / "tiny.py", MODEL)
    result = convert_path(str(src), str(tmp_path / "out"), report_dir=str(tmp_path / "rep"))
    script = tmp_path / "out" / "tiny.py"
    assert script.read_text().startswith("from mindspore import nn")
    text = (tmp_path / "rep" / "report_of_tiny.txt").read_text()
    assert text.splitlines()[0] == "[Start Convert]" and text.splitlines()[-1] == "[Convert Over]"
    data = json.loads((tmp_path / "rep" / "report_of_tiny.json").read_text())
    assert data["total"] == 2 and data["converted"] == 2
    assert result.files[0].script == str(script)
    assert (result.converted, result.total) == (2, 2)


def test_folder_keeps_layout_and_skips_hidden(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "a.py", MODEL)
    write(tmp_path / "proj" / "pkg" / "b.py", "import torch\ny = torch.cat([x])\n")
    write(tmp_path / "proj" / ".hidden" / "c.py", "import torch\n")
    write(tmp_path / "proj" / "notes.txt", "not python")
    result = convert_path(str(tmp_path / "proj"), str(tmp_path / "out"))
    assert sorted(
        Path(f.script).relative_to(tmp_path / "out").as_posix() for f in result.files
    ) == ["a.py", "pkg/b.py"]
    assert (tmp_path / "out" / "pkg" / "report_of_b.json").is_file()
    assert not (tmp_path / "out" / ".hidden").exists()


def test_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    src = write(tmp_path / "tiny.py", MODEL)
    out = tmp_path / "out"
    convert_path(str(src), str(out))
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    with pytest.raises(ConverterError) as info:
        convert_path(str(src), str(out))
    assert info.value.code is ErrorCode.OUTPUT_EXISTS
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before
    convert_path(str(src), str(out), overwrite=True)


def test_one_bad_file_in_a_folder_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "a.py", MODEL)
    write(tmp_path / "proj" / "b.py", "def broken(:\n")
    with pytest.raises(ConverterError) as info:
        convert_path(str(tmp_path / "proj"), str(tmp_path / "out"))
    assert info.value.code is ErrorCode.PYTHON_SYNTAX
    assert "b.py" in info.value.message
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"x = '\xff\xfe'\n", ErrorCode.PYTHON_ENCODING),
        (b"# -*- coding: klingon -*-\nx = 1\n", ErrorCode.PYTHON_ENCODING),
    ],
)
def test_encoding_errors(tmp_path: Path, content: bytes, code: ErrorCode) -> None:
    src = tmp_path / "bad.py"
    src.write_bytes(content)
    with pytest.raises(ConverterError) as info:
        convert_path(str(src), str(tmp_path / "out"))
    assert info.value.code is code


def test_declared_latin1_source_is_read_and_written_in_its_encoding(tmp_path: Path) -> None:
    src = tmp_path / "latin.py"
    src.write_bytes(
        "# -*- coding: latin-1 -*-\nimport torch\nname = 'café'\ny = torch.cat([a])\n".encode(
            "latin-1"
        )
    )
    convert_path(str(src), str(tmp_path / "out"))
    data = (tmp_path / "out" / "latin.py").read_bytes()
    assert "café".encode("latin-1") in data and b"ops.cat([a])" in data


def test_too_large_and_missing(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    with big.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)
    with pytest.raises(ConverterError) as info:
        convert_path(str(big), str(tmp_path / "out"))
    assert info.value.code is ErrorCode.PYTHON_TOO_LARGE
    with pytest.raises(ConverterError) as info:
        convert_path(str(tmp_path / "nope.py"), str(tmp_path / "out"))
    assert info.value.code is ErrorCode.FILE_NOT_FOUND


def test_weights_written_with_mindspore_names(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    src = write(tmp_path / "tiny.py", MODEL)
    namespace: dict = {}
    exec(compile(MODEL, "tiny", "exec"), namespace)  # test-only: our own model source
    net = namespace["Tiny"]()
    torch.save(net.state_dict(), tmp_path / "w.pth")
    result = convert_path(str(src), str(tmp_path / "out"), weight_file=str(tmp_path / "w.pth"))
    assert result.checkpoint == str(tmp_path / "out" / "tiny.ckpt")
    mapping = json.loads(Path(result.weight_map or "").read_text())
    names = {
        row["source_weight"]["name"]: row["converted_weight"]["name"] for row in mapping["tiny"]
    }
    assert names == {
        "fc.weight": "fc.weight",
        "fc.bias": "fc.bias",
        "bn.weight": "bn.gamma",
        "bn.bias": "bn.beta",
        "bn.running_mean": "bn.moving_mean",
        "bn.running_var": "bn.moving_variance",
    }
    row = next(r for r in mapping["tiny"] if r["source_weight"]["name"] == "fc.weight")
    assert row["converted_weight"] == {"name": "fc.weight", "shape": [2, 3], "data_type": "float32"}


def test_pickled_code_in_weights_is_refused_and_not_run(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    import pickle

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self) -> tuple:
            return (os.system, (f"touch {marker}",))

    weights = tmp_path / "evil.pth"
    weights.write_bytes(pickle.dumps({"w": Evil()}))
    src = write(tmp_path / "tiny.py", MODEL)
    with pytest.raises(ConverterError) as info:
        convert_path(str(src), str(tmp_path / "out"), weight_file=str(weights))
    assert info.value.code is ErrorCode.WEIGHTS_UNREADABLE
    assert not marker.exists()
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_weights_that_are_not_a_state_dict(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    src = write(tmp_path / "tiny.py", MODEL)
    torch.save([1, 2, 3], tmp_path / "list.pth")
    with pytest.raises(ConverterError) as info:
        convert_path(str(src), str(tmp_path / "out"), weight_file=str(tmp_path / "list.pth"))
    assert info.value.code is ErrorCode.WEIGHTS_UNREADABLE


def test_output_folder_inside_the_input_folder_is_not_an_input(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "a.py", MODEL)
    convert_path(str(tmp_path / "proj"), str(tmp_path / "proj" / "converted"))
    again = convert_path(
        str(tmp_path / "proj"), str(tmp_path / "proj" / "converted"), overwrite=True
    )
    assert [Path(f.source).name for f in again.files] == ["a.py"]


def test_api_module_exposes_convert_path_with_a_summary(tmp_path: Path) -> None:
    from mindconverter.converter.ast import api

    src = write(tmp_path / "tiny.py", MODEL)
    result = api.convert_path(str(src), str(tmp_path / "out"))
    text = result.summary()
    assert "tiny.py" in text and text.endswith("converted 2/2 torch call sites (100.0%)")
