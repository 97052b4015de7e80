"""Convert many scripts with a process pool (``convert_path`` on a large folder).

LibCST conversion is CPU-bound Python, so threads do not help; worker processes do. A pool
costs about half a second to start (``spawn``: each worker imports LibCST and the converter), so
it is used only when there are several scripts and enough source to repay that. Results come
back in script order, and the first failing script (in that order) raises its error, as in a
sequential run.

``MINDCONVERTER_JOBS`` sets the number of processes (``1`` turns the pool off).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from mindconverter.converter.errors import ConverterError, ErrorCode

MIN_BYTES = 256 * 1024  # about 6k lines: roughly 3 s of conversion on one core
JOBS_ENV = "MINDCONVERTER_JOBS"


def job_count(paths: Sequence[Path]) -> int:
    """How many processes to use for ``paths`` (1: convert in this process)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    wanted = os.environ.get(JOBS_ENV, "")
    if wanted.strip().isdigit():
        return max(1, min(int(wanted), len(paths)))
    if len(paths) < 2 or _total_bytes(paths) < MIN_BYTES:
        return 1
    return max(1, min(cores or 1, len(paths)))


def _total_bytes(paths: Sequence[Path]) -> int:
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total


def map_in_order(fn: Callable[[Path, str], Any], paths: Sequence[Path], target: str) -> list[Any]:
    """``[fn(path, target) for path in paths]``, in worker processes when it pays.

    Args:
        fn: A module-level function (it is pickled by name).
        paths: The scripts.
        target: The target tier, passed through.

    Raises:
        ConverterError: The first script's error, in ``paths`` order.
    """
    jobs = job_count(paths)
    if jobs <= 1:
        return [fn(path, target) for path in paths]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        futures = [pool.submit(_guarded, fn, path, target) for path in paths]
        outcomes = [future.result() for future in futures]
    results = []
    for failed, value in outcomes:
        if failed:
            code, message, hint = value
            raise ConverterError(ErrorCode[code], message, hint=hint)
        results.append(value)
    return results


def _guarded(fn: Callable[[Path, str], Any], path: Path, target: str) -> tuple[bool, Any]:
    """Run ``fn`` in a worker; a ConverterError travels back as plain data."""
    try:
        return False, fn(path, target)
    except ConverterError as exc:
        return True, (exc.code.name, exc.message, exc.hint)
