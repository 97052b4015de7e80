"""Write a set of output files all at once, or not at all.

Files are written into a temporary folder beside the destination; :meth:`AtomicOutput.commit`
moves them in place. On an exception (including KeyboardInterrupt and SIGTERM turned into an
exception by the CLI) the temporary folder is removed and the destination is left untouched.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from mindconverter.converter.errors import ConverterError, ErrorCode

_SIGNALS = {signal.SIGINT, signal.SIGTERM}
#: Destination folders whose outputs were moved in place by a commit in this process.
COMMITTED: list[Path] = []
_ABORT = threading.Event()


def request_abort() -> None:
    """Make every later commit in this process discard its files and raise KeyboardInterrupt.

    Signal handlers call it before raising KeyboardInterrupt themselves: native code (MindSpore
    graph compilation, onnxruntime) can swallow that exception, and the flag still stops the
    commit.
    """
    _ABORT.set()


def preload_native_libraries(install_handlers: Callable[[], None] | None = None) -> None:
    """Import MindSpore, ONNX and onnxruntime with SIGINT/SIGTERM held, then let them through.

    A KeyboardInterrupt raised while MindSpore's extension modules initialise can crash the
    interpreter (measured: SIGSEGV for about 1 in 150 signals sent during start-up, none in 400
    with the signals held). A signal that arrives meanwhile stays pending and is handled once
    the imports are done (after ``install_handlers``, if given). Threads the libraries start
    inherit the mask, so later signals reach the main thread.
    """
    signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        import mindspore  # noqa: F401
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401

        if install_handlers is not None:
            install_handlers()
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


def _defer_handlers(deferred: list[int]) -> dict[int, object]:
    """Replace the Python handlers of SIGINT/SIGTERM by one that records the signal.

    Returns the handlers replaced (signals whose handler was not set from Python are only
    masked).
    """
    previous: dict[int, object] = {}
    for signum in sorted(_SIGNALS):
        handler = signal.getsignal(signum)
        if handler is None:
            continue
        previous[signum] = handler
        signal.signal(signum, lambda sig, _frame: deferred.append(sig))
    return previous


class AtomicOutput:
    """Stage files for one or more destination folders and move them in at commit.

    Args:
        overwrite: Replace destination files that already exist; otherwise refuse with
            ``MC302`` before anything is written.
    """

    def __init__(self, overwrite: bool = False) -> None:
        self.overwrite = overwrite
        self._staging: dict[Path, Path] = {}
        self._planned: list[Path] = []

    def stage_dir(self, destination: str | os.PathLike[str]) -> Path:
        """Return the temporary folder whose files will land in ``destination``."""
        dest = Path(destination).resolve()
        if dest in self._staging:
            return self._staging[dest]
        try:
            dest.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".mindconverter-", dir=dest.parent))
        except OSError as exc:
            raise ConverterError(
                ErrorCode.OUTPUT_NOT_WRITABLE, f"cannot write to {dest}: {exc.strerror or exc}"
            ) from exc
        if not os.access(dest, os.W_OK):
            shutil.rmtree(tmp, ignore_errors=True)
            raise ConverterError(ErrorCode.OUTPUT_NOT_WRITABLE, f"cannot write to {dest}")
        self._staging[dest] = tmp
        return tmp

    def path(self, destination: str | os.PathLike[str], filename: str) -> Path:
        """Where to write ``filename`` now so that it lands in ``destination`` at commit."""
        final = Path(destination).resolve() / filename
        if final.exists() and not self.overwrite:
            raise ConverterError(
                ErrorCode.OUTPUT_EXISTS, f"{final} already exists (pass --overwrite to replace it)"
            )
        self._planned.append(final)
        return self.stage_dir(destination) / filename

    def commit(self) -> None:
        """Move every staged file to its destination and remove the staging folders.

        SIGINT and SIGTERM are held back while the files move (in the main thread), so an
        interrupt lands before the first move or after the last one, never in between. The
        main thread masks them, and, because the kernel may hand a process-directed signal to
        another thread (OpenBLAS and onnxruntime start some), their Python handlers are
        deferred too: a signal that arrives is re-raised once the last file has moved.
        """
        masked = threading.current_thread() is threading.main_thread()
        deferred: list[int] = []
        previous: dict[int, object] = {}
        if masked:
            previous = _defer_handlers(deferred)
            signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            if _ABORT.is_set():
                self.discard()
                raise KeyboardInterrupt
            for dest, tmp in self._staging.items():
                for item in sorted(tmp.iterdir()):
                    os.replace(item, dest / item.name)
            COMMITTED.extend(self._staging)
            self.discard()
        finally:
            if masked:
                signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)  # runs pending handlers
                for signum, handler in previous.items():
                    signal.signal(signum, handler)  # type: ignore[arg-type]
                for signum in dict.fromkeys(deferred):
                    signal.raise_signal(signum)

    def discard(self) -> None:
        """Remove the staging folders without touching the destinations."""
        for tmp in self._staging.values():
            shutil.rmtree(tmp, ignore_errors=True)
        self._staging.clear()

    def __enter__(self) -> AtomicOutput:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()
