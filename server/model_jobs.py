"""Run a worker job (graph conversion, model inspection) from the server's event loop.

:class:`WorkerJob` starts ``python -m mindconverter.server.worker``, feeds it the request,
forwards its progress lines to a callback and returns its result. Cancelling the awaiting task
kills the child process. Errors come back as :class:`ConverterError`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mindconverter.converter.errors import ConverterError, ErrorCode

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, float], None]
STDERR_TAIL = 40
TERMINATE_GRACE = 20.0


def error_from(data: dict[str, Any]) -> ConverterError:
    """Rebuild a :class:`ConverterError` from its ``to_dict`` form."""
    code = next((c for c in ErrorCode if c.code == data.get("code")), ErrorCode.INTERNAL)
    return ConverterError(code, str(data.get("message", "")), data.get("hint"))


async def _drain(stream: asyncio.StreamReader, tail: deque[str]) -> None:
    while line := await stream.readline():
        text = line.decode("utf-8", "replace").rstrip()
        tail.append(text)
        logger.debug("worker: %s", text)


async def run_worker(
    request: dict[str, Any],
    progress: ProgressCallback | None = None,
    command: Sequence[str] | None = None,
) -> Any:
    """Run one worker request and return its result.

    Args:
        request: The JSON request (see :mod:`mindconverter.server.worker`).
        progress: Called with ``(stage, fraction)`` for each progress line.
        command: The worker command line (default: this interpreter, ``-m ...worker``).

    Raises:
        ConverterError: The worker's error, or ``MC901`` if it died without answering.
        asyncio.CancelledError: When cancelled; the worker is killed first.
    """
    argv = list(command or [sys.executable, "-m", "mindconverter.server.worker"])
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        limit=16 * 1024 * 1024,
    )
    tail: deque[str] = deque(maxlen=STDERR_TAIL)
    drain = asyncio.ensure_future(_drain(proc.stderr, tail))  # type: ignore[arg-type]
    try:
        proc.stdin.write(json.dumps(request).encode("utf-8"))  # type: ignore[union-attr]
        await proc.stdin.drain()  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
        answer = await _read_answer(proc.stdout, progress)  # type: ignore[arg-type]
        await proc.wait()
    except BaseException:
        await _stop(proc)
        raise
    finally:
        await asyncio.wait([drain], timeout=1.0)
        drain.cancel()
    if answer is None:
        detail = " | ".join(list(tail)[-5:]) or f"exit code {proc.returncode}"
        raise ConverterError(ErrorCode.INTERNAL, f"the conversion worker stopped: {detail}")
    if "error" in answer:
        raise error_from(answer["error"])
    return answer.get("result")


async def _stop(proc: asyncio.subprocess.Process) -> None:
    """Ask the worker to stop (it discards staged outputs), kill it if it does not."""
    if proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(asyncio.shield(proc.wait()), TERMINATE_GRACE)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()


async def _read_answer(
    stream: asyncio.StreamReader, progress: ProgressCallback | None
) -> dict[str, Any] | None:
    while line := await stream.readline():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if "progress" in message:
            if progress is not None:
                progress(str(message["progress"]), float(message.get("fraction", 0.0)))
        elif "result" in message or "error" in message:
            return message
    return None


def conversion_request(
    path: str, options: dict[str, Any], output_folder: str | None
) -> dict[str, Any]:
    """The worker request for ``mindconverter.convertModelFile``.

    Args:
        path: The model file.
        options: ``shapes``, ``inputNodes``, ``outputNodes``, ``outputDir``, ``reportDir``,
            ``verify``, ``overwrite`` (all optional).
        output_folder: The configured output folder (used when ``outputDir`` is absent).
    """
    model = Path(path)
    output_dir = options.get("outputDir") or output_folder or str(model.parent / "output")
    return {
        "command": "convertModelFile",
        "path": str(model),
        "output_dir": str(output_dir),
        "report_dir": options.get("reportDir"),
        "shapes": options.get("shapes"),
        "input_nodes": options.get("inputNodes"),
        "output_nodes": options.get("outputNodes"),
        "verify": options.get("verify", True),
        "overwrite": options.get("overwrite", False),
    }


def summary_of(result: dict[str, Any]) -> dict[str, Any]:
    """The command's answer from a ``ConversionResult.to_dict()``."""
    unconverted = result.get("unconverted") or []
    verification = result.get("verification") or {}
    return {
        "script": result.get("script"),
        "checkpoint": result.get("checkpoint"),
        "reportJson": result.get("report_json"),
        "reportText": result.get("report_text"),
        "weightMap": result.get("weight_map"),
        "summary": {
            "ops_total": result.get("ops_total", 0),
            "ops_converted": result.get("ops_converted", 0),
            "unconverted": len(unconverted),
            "unconverted_ops": sorted({str(u.get("op_type")) for u in unconverted}),
            "verification": verification.get("status", "skipped"),
        },
    }
