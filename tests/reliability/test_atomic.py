"""AtomicOutput: staged files land all at once, and an interrupt never splits a commit."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest
from mindconverter.converter import atomic
from mindconverter.converter.atomic import AtomicOutput
from mindconverter.converter.errors import ConverterError, ErrorCode


def _stage(out: AtomicOutput, dest: Path, names: list[str]) -> None:
    for name in names:
        out.path(dest, name).write_text(name)


def test_exception_inside_discards_everything(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    with pytest.raises(RuntimeError), AtomicOutput() as out:
        _stage(out, dest, ["a.py", "b.ckpt"])
        raise RuntimeError("boom")
    assert list(dest.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_existing_file_is_refused_without_overwrite(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "a.py").write_text("old")
    with pytest.raises(ConverterError) as info, AtomicOutput() as out:
        out.path(dest, "a.py")
    assert info.value.code is ErrorCode.OUTPUT_EXISTS
    assert (dest / "a.py").read_text() == "old"


def test_signal_during_commit_is_delivered_after_the_last_move(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "out"
    names = ["a.py", "b.ckpt", "c.json"]
    real_replace = os.replace
    calls: list[str] = []

    def replace_then_interrupt(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        real_replace(src, dst)
        calls.append(Path(dst).name)
        if len(calls) == 1:
            os.kill(os.getpid(), signal.SIGINT)  # arrives between the first and second move

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupt)
    monkeypatch.setattr(atomic, "COMMITTED", [])
    out = AtomicOutput()
    _stage(out, dest, names)
    with pytest.raises(KeyboardInterrupt):
        out.commit()
    assert sorted(p.name for p in dest.iterdir()) == names  # every move happened first
    assert calls == names
    assert [dest.resolve()] == atomic.COMMITTED


def test_requested_abort_turns_the_commit_into_a_discard(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A signal handler's KeyboardInterrupt may be swallowed by native code; its flag is not."""
    monkeypatch.setattr(atomic, "_ABORT", threading.Event())
    monkeypatch.setattr(atomic, "COMMITTED", [])
    dest = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt), AtomicOutput() as out:
        _stage(out, dest, ["a.py", "b.ckpt"])
        atomic.request_abort()
    assert list(dest.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert atomic.COMMITTED == []


def test_signal_during_the_native_imports_waits_until_they_are_done() -> None:
    """A SIGTERM sent while the libraries load reaches the handler installed after them."""
    import sys

    seen: list[tuple[int, bool]] = []

    def install() -> None:
        # sent to this (the main) thread, which holds it: pending until the mask is lifted
        signal.pthread_kill(threading.get_ident(), signal.SIGTERM)
        assert seen == []
        loaded = "mindspore" in sys.modules
        signal.signal(signal.SIGTERM, lambda sig, _f: seen.append((sig, loaded)))

    previous = signal.getsignal(signal.SIGTERM)
    try:
        atomic.preload_native_libraries(install)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == [(signal.SIGTERM, True)]
    assert signal.SIGTERM not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
