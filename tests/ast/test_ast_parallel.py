"""convert_path with worker processes: same files and errors as a sequential run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mindconverter.converter.ast import convert_path
from mindconverter.converter.ast.parallel import JOBS_ENV, MIN_BYTES, job_count
from mindconverter.converter.errors import ConverterError, ErrorCode

MODEL = """\
import torch
import torch.nn as nn


class Tiny(nn.Module):  # keeps its comment
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return torch.relu(self.fc(x)).view(-1)
"""


def _project(root: Path, texts: dict[str, str]) -> Path:
    for name, text in texts.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _outputs(folder: Path) -> dict[str, object]:
    found: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if path.suffix == ".json":
                data = json.loads(text)
                data.pop("script")  # the output path differs between the two runs
                found[str(path.relative_to(folder))] = data
            else:
                found[str(path.relative_to(folder))] = text
    return found


def test_two_processes_write_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = {
        "a.py": MODEL,
        "pkg/b.py": MODEL.replace("relu", "sigmoid"),
        "c.py": "x = 1\n",
    }
    src = _project(tmp_path / "proj", texts)
    monkeypatch.setenv(JOBS_ENV, "1")
    one = convert_path(str(src), str(tmp_path / "one"))
    monkeypatch.setenv(JOBS_ENV, "2")
    two = convert_path(str(src), str(tmp_path / "two"))
    assert [f.source for f in two.files] == [f.source for f in one.files]
    assert (two.converted, two.total) == (one.converted, one.total) != (0, 0)
    assert _outputs(tmp_path / "two") == _outputs(tmp_path / "one")
    assert "# keeps its comment" in (tmp_path / "two" / "a.py").read_text(encoding="utf-8")


def test_the_first_failing_script_raises_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = {"a.py": MODEL, "b.py": "def broken(:\n", "c.py": "class (\n"}
    src = _project(tmp_path / "proj", texts)
    errors = []
    for jobs in ("1", "2"):
        monkeypatch.setenv(JOBS_ENV, jobs)
        with pytest.raises(ConverterError) as info:
            convert_path(str(src), str(tmp_path / f"out{jobs}"))
        assert info.value.code is ErrorCode.PYTHON_SYNTAX
        assert not (tmp_path / f"out{jobs}").exists()
        errors.append((info.value.message, info.value.hint))
    assert errors[0] == errors[1]
    assert "b.py" in errors[0][0]


def test_job_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(JOBS_ENV, raising=False)
    small = [_project(tmp_path, {f"s{i}.py": "x = 1\n"}) / f"s{i}.py" for i in range(3)]
    assert job_count(small) == 1  # not worth a pool
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * (MIN_BYTES // 6 + 1), encoding="utf-8")
    assert job_count([big]) == 1  # one script: nothing to share out
    assert job_count([big, small[0]]) >= 1
    monkeypatch.setenv(JOBS_ENV, "4")
    assert job_count(small) == 3  # never more processes than scripts
    monkeypatch.setenv(JOBS_ENV, "1")
    assert job_count([big, small[0]]) == 1
