"""Bad ``--in_file`` / ``--weight_file`` inputs, end to end through the CLI (issue 8).

Each row of the error table for Python sources and ``.pth`` files: exit status 2, one
``error MC<code>: ...`` line plus a ``hint:`` line on stderr, no traceback unless ``--debug``,
and the output folder exactly as it was (no partial files, no staging folder left beside it).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

MODEL = """\
import torch
import torch.nn as nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(x).flatten()
"""


def _run(tmp_path: Path, *args: str, debug: bool = False) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "mindconverter", *args, "--output", str(tmp_path / "out")]
    return subprocess.run(cmd + (["--debug"] if debug else []), capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)


def _prepare_output(tmp_path: Path) -> None:
    """An output folder with a file of an earlier run, which a failure must leave alone."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("earlier run\n", encoding="utf-8")


def _assert_refused(tmp_path: Path, proc: subprocess.CompletedProcess, code: str) -> str:
    """Exit 2, ``error <code>: ...`` then a hint, no traceback, output folder untouched."""
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert len(lines) == 2, proc.stderr
    assert lines[0].startswith(f"error {code}: "), lines
    assert lines[1].startswith("hint: ") and len(lines[1]) > len("hint: ") + 10, lines
    assert "\x1b[" not in proc.stderr  # no terminal escapes copied from torch's messages
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".mindconverter-")]
    return lines[0]


def _script(tmp_path: Path, text: str = MODEL, name: str = "model.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- Python sources ---------------------------------------------------------------------


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    _prepare_output(tmp_path)
    src = _script(tmp_path, MODEL + "\ndef broken(:\n    pass\n")
    line = _assert_refused(tmp_path, _run(tmp_path, "--in_file", str(src)), "MC501")
    assert "model.py:13:" in line  # file:line:column of the error


def test_debug_flag_shows_the_traceback(tmp_path: Path) -> None:
    _prepare_output(tmp_path)
    src = _script(tmp_path, "def broken(:\n")
    proc = _run(tmp_path, "--in_file", str(src), debug=True)
    assert proc.returncode == 2
    assert "Traceback" in proc.stderr and "error MC501: " in proc.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["keep.txt"]


def test_syntax_error_in_one_file_of_a_folder_writes_nothing(tmp_path: Path) -> None:
    _prepare_output(tmp_path)
    (tmp_path / "proj").mkdir()
    _script(tmp_path, MODEL, "proj/a.py")
    _script(tmp_path, "x = (\n", "proj/b.py")
    line = _assert_refused(tmp_path, _run(tmp_path, "--in_file", str(tmp_path / "proj")),
                           "MC501")
    assert "b.py" in line


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_undeclared_non_utf8_source_is_refused(tmp_path: Path, encoding: str) -> None:
    _prepare_output(tmp_path)
    src = tmp_path / "model.py"
    src.write_bytes(("# caf\xe9\n" + MODEL).encode(encoding))
    line = _assert_refused(tmp_path, _run(tmp_path, "--in_file", str(src)), "MC502")
    assert "model.py" in line and "encoding" in line


def test_unknown_coding_cookie_is_refused(tmp_path: Path) -> None:
    _prepare_output(tmp_path)
    src = tmp_path / "model.py"
    src.write_bytes(b"# -*- coding: no-such-codec -*-\n" + MODEL.encode())
    line = _assert_refused(tmp_path, _run(tmp_path, "--in_file", str(src)), "MC502")
    assert "no-such-codec" in line


def test_pep263_latin1_source_is_converted_in_its_encoding(tmp_path: Path) -> None:
    src = tmp_path / "model.py"
    text = "# -*- coding: latin-1 -*-\n" + MODEL + "GREETING = 'd\xe9j\xe0 vu'\n"
    src.write_bytes(text.encode("latin-1"))
    proc = _run(tmp_path, "--in_file", str(src))
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = (tmp_path / "out" / "model.py").read_bytes()
    out = data.decode("latin-1")
    assert out.startswith("# -*- coding: latin-1 -*-\n")  # cookie kept, bytes still latin-1
    assert "GREETING = 'd\xe9j\xe0 vu'" in out
    assert "nn.Dense(4, 2)" in out and "torch" not in out
    assert {p.name for p in (tmp_path / "out").iterdir()} == {
        "model.py", "report_of_model.txt", "report_of_model.json"}


def test_50_mb_source_is_refused_quickly(tmp_path: Path) -> None:
    _prepare_output(tmp_path)
    src = tmp_path / "big.py"
    line = "x = torch.zeros(2)  # " + "a" * 57 + "\n"
    with src.open("w", encoding="utf-8") as handle:
        handle.write("import torch\n")
        handle.write(line * (50 * 1024 * 1024 // len(line) + 1))
    start = time.perf_counter()
    proc = _run(tmp_path, "--in_file", str(src))
    elapsed = time.perf_counter() - start
    first = _assert_refused(tmp_path, proc, "MC503")
    assert "52.4 MB (limit 2 MB)" in first
    assert elapsed < 30, elapsed  # a stat, not a parse (about 0.3 s on an idle machine)


# --- weight files -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``.pth`` files that are not plain state_dicts (and one that is, with no tensors)."""
    torch = pytest.importorskip("torch")
    folder = tmp_path_factory.mktemp("pth")
    marker = folder / "pwned"

    class Evil:
        def __reduce__(self) -> tuple:
            return (os.system, (f"touch {marker}",))

    files = {name: folder / f"{name}.pth" for name in
             ("module", "evil", "list", "no_tensors", "empty", "zip", "garbage", "truncated")}
    torch.save(torch.nn.Linear(4, 2), files["module"])  # a full pickled nn.Module
    torch.save({"fc.weight": torch.zeros(2, 4), "x": Evil()}, files["evil"])
    torch.save([torch.zeros(2)], files["list"])
    torch.save({"epoch": 3, "lr": 0.1}, files["no_tensors"])
    files["empty"].write_bytes(b"")
    with zipfile.ZipFile(files["zip"], "w") as archive:
        archive.writestr("notes.txt", "not a torch file")
    files["garbage"].write_bytes(bytes(range(256)) * 8)
    torch.save({"w": torch.zeros(64, 64)}, folder / "whole.pth")
    files["truncated"].write_bytes((folder / "whole.pth").read_bytes()[:4096])  # cut download
    files["marker"] = marker
    return files


@pytest.mark.parametrize(
    ("name", "code", "words"),
    [
        ("module", "MC504", "pickles Python objects (torch.nn.modules.linear.Linear)"),
        ("evil", "MC504", "pickles Python objects (posix.system)"),
        ("list", "MC504", "holds a list, expected a dict of tensors"),
        ("no_tensors", "MC504", "no tensors found"),
        ("empty", "MC103", "weight file is empty"),
        ("zip", "MC504", "a zip archive but not a torch.save file"),
        ("garbage", "MC504", "not a file written by torch.save"),
        ("truncated", "MC504", "damaged zip archive"),
    ],
)
def test_weight_file_that_is_not_a_plain_state_dict(
    tmp_path: Path, torch_files: dict[str, Path], name: str, code: str, words: str
) -> None:
    _prepare_output(tmp_path)
    src = _script(tmp_path)
    proc = _run(tmp_path, "--in_file", str(src), "--weight_file", str(torch_files[name]))
    line = _assert_refused(tmp_path, proc, code)
    assert words in line, line
    assert not torch_files["marker"].exists()  # pickled code never ran


def test_weight_file_that_is_a_folder(tmp_path: Path) -> None:
    _prepare_output(tmp_path)
    src = _script(tmp_path)
    (tmp_path / "weights").mkdir()
    proc = _run(tmp_path, "--in_file", str(src), "--weight_file", str(tmp_path / "weights"))
    _assert_refused(tmp_path, proc, "MC102")
