"""Run the AST converter in a separate process, one chunk at a time.

The converter is CPU-bound Python (LibCST): in the server's process it would hold the GIL
for seconds on a large file, and hovers would wait behind it. A one-process pool keeps the
server responsive, uses the second core, and survives a crash in native parser code (the
pool is rebuilt; the chunk gets a "left unchanged" note).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from mindconverter.converter.issues import ConversionIssue, SourceRange

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

logger = logging.getLogger(__name__)

LEFT_UNCHANGED = "MC-A015"


def convert_chunk(text: str, target: str) -> list[ConversionIssue]:
    """The converter's issues for one chunk (runs in the pool's process)."""
    from mindconverter.converter.ast.api import convert_source

    return list(convert_source(text, target=target).issues)


def _crash_note(reason: str) -> list[ConversionIssue]:
    return [
        ConversionIssue(
            code=LEFT_UNCHANGED,
            kind="note",
            source_api="",
            target=None,
            message=f"This part was not analysed: {reason}.",
            range=SourceRange(1, 0, 1, 0),
        )
    ]


class ConverterPool:
    """A lazily started single-process pool for :func:`convert_chunk`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        import multiprocessing  # with the process, not at server start-up
        from concurrent.futures import ProcessPoolExecutor

        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
            return self._pool

    def convert(self, text: str, target: str) -> list[ConversionIssue]:
        """Convert one chunk in the pool (blocking; call it from a worker thread)."""
        from concurrent.futures.process import BrokenProcessPool

        try:
            return self._executor().submit(convert_chunk, text, target).result()
        except BrokenProcessPool:
            logger.exception("the converter process died; restarting it")
            self._reset()
            return _crash_note("the converter process stopped on it")

    def _reset(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        """Stop the process (at server exit)."""
        self._reset()
