"""Interrupting a conversion (SIGTERM/SIGINT) leaves nothing half-written."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import MODELS

pytestmark = pytest.mark.e2e

FILES = {"model.py", "model.ckpt", "report_of_model.txt", "report_of_model.json",
         "weight_map_of_model.json"}


def _start(out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mindconverter", "--model_file",
         str(MODELS / "squeezenet1_1_op11" / "model.onnx"), "--output", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _staged(folder: Path) -> bool:
    return any(p.name.startswith(".mindconverter-") for p in folder.iterdir())


def _outcome(proc: subprocess.Popen[str], folder: Path) -> tuple[set[str], str]:
    _, stderr = proc.communicate(timeout=300)
    out = folder / "out"
    written = {p.name for p in out.iterdir()} if out.exists() else set()
    assert not _staged(folder), "the staging folder was left behind"
    return written, stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_while_files_are_staged_writes_nothing(tmp_path: Path, sig: int) -> None:
    """The signal lands after the files are staged (verification runs then), before the commit."""
    proc = _start(tmp_path / "out")
    deadline = time.monotonic() + 240
    while not _staged(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the conversion ended before its files were staged"
    proc.send_signal(sig)
    written, stderr = _outcome(proc, tmp_path)
    assert proc.returncode == 130, stderr[-2000:]
    assert "interrupted: nothing was written" in stderr and "Traceback" not in stderr
    assert written == set(), written


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("delay", [0.3, 1.0, 1.8, 2.6])
def test_interrupted_conversion_writes_all_or_nothing(tmp_path: Path, sig: int, delay: float
                                                      ) -> None:
    """Wherever the signal lands (start-up, conversion, verification, commit, exit)."""
    proc = _start(tmp_path / "out")
    time.sleep(delay)
    proc.send_signal(sig)
    written, stderr = _outcome(proc, tmp_path)
    assert written in (FILES, set()), written
    if proc.returncode == 0:  # finished before the signal arrived
        assert written == FILES
    elif proc.returncode == 130:
        assert "interrupted" in stderr and "Traceback" not in stderr
        if written:  # arrived after the commit: the CLI must not claim nothing was written
            assert "outputs were complete" in stderr, stderr[-2000:]
        else:
            assert "nothing was written" in stderr, stderr[-2000:]
    else:  # killed by the default handler: during interpreter start-up or after the commit
        assert proc.returncode == -sig, stderr[-2000:]
