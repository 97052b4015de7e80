"""An interrupt that the kernel hands to another thread still waits for the commit to end.

OpenBLAS and onnxruntime start native threads; a process-directed SIGINT may reach one of
them, where the main thread's signal mask does not apply.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
from mindconverter.converter import atomic
from mindconverter.converter.atomic import AtomicOutput


def test_signal_delivered_to_another_thread_waits_for_the_last_move(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dest = tmp_path / "out"
    names = ["a.py", "b.ckpt", "c.json"]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    real_replace = os.replace
    calls: list[str] = []

    def replace_then_interrupt(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        real_replace(src, dst)
        calls.append(Path(dst).name)
        if len(calls) == 1:
            assert other.ident is not None
            signal.pthread_kill(other.ident, signal.SIGINT)
            time.sleep(0.3)  # the other thread's C handler runs; the main thread then sees it

    monkeypatch.setattr(atomic.os, "replace", replace_then_interrupt)
    monkeypatch.setattr(atomic, "COMMITTED", [])
    out = AtomicOutput()
    for name in names:
        out.path(dest, name).write_text(name)
    try:
        with pytest.raises(KeyboardInterrupt):
            out.commit()
    finally:
        stop.set()
    assert calls == names
    assert sorted(p.name for p in dest.iterdir()) == names
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
