"""Child process that runs graph conversions for the server.

The server never imports onnx, onnxruntime or mindspore itself: a conversion runs here, in a
separate process, so that start-up stays fast, a crash in native code cannot take the server
down, and cancelling means terminating this process.

Protocol: one JSON request on stdin (``{"command": "convertModelFile" | "inspectModel", ...}``);
JSON lines on stdout: ``{"progress": stage, "fraction": f}`` while working, then exactly one
``{"result": ...}`` or ``{"error": {"code", "message", "hint"}}``. Anything else the libraries
print goes to stderr.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

Emit = Callable[[dict[str, Any]], None]


def _protocol_stream() -> TextIO:
    """Keep the real stdout for the protocol; send fd 1 (C libraries too) to stderr."""
    stream = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def convert_model(request: dict[str, Any], emit: Emit) -> dict[str, Any]:
    """Run :func:`mindconverter.convert_onnx` for a ``convertModelFile`` request."""
    from mindconverter.converter.atomic import preload_native_libraries

    from mindconverter import convert_onnx

    preload_native_libraries()  # a SIGTERM during these imports waits until they are done

    def progress(stage: str, fraction: float) -> None:
        emit({"progress": stage, "fraction": float(fraction)})

    result = convert_onnx(
        request["path"],
        request["output_dir"],
        report_dir=request.get("report_dir"),
        shapes=request.get("shapes"),
        input_nodes=request.get("input_nodes"),
        output_nodes=request.get("output_nodes"),
        verify=bool(request.get("verify", True)),
        overwrite=bool(request.get("overwrite", False)),
        progress=progress,
    )
    return result.to_dict()


def inspect_model(request: dict[str, Any], emit: Emit) -> dict[str, Any]:
    """Describe a model's inputs, outputs and opset."""
    from mindconverter.converter.graph.inspect import inspect_model as inspect

    return inspect(request["path"])


COMMANDS = {"convertModelFile": convert_model, "inspectModel": inspect_model}


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def run(request: dict[str, Any], emit: Emit) -> None:
    """Execute one request, emitting its result or its error."""
    from mindconverter.converter.errors import ConverterError, ErrorCode

    try:
        handler = COMMANDS[request.get("command", "")]
        emit({"result": handler(request, emit)})
    except ConverterError as exc:
        emit({"error": exc.to_dict()})
    except KeyError as exc:
        error = ConverterError(ErrorCode.BAD_ARGUMENT, f"missing or unknown request field {exc}")
        emit({"error": error.to_dict()})
    except Exception as exc:  # the server must get an answer, whatever happened
        message = f"{type(exc).__name__}: {exc}"
        emit({"error": ConverterError(ErrorCode.INTERNAL, message).to_dict()})


def _stop(signum: int, frame: Any) -> None:
    from mindconverter.converter.atomic import request_abort

    request_abort()  # native code may swallow the KeyboardInterrupt: the commit still won't happen
    raise KeyboardInterrupt  # unwinds like Ctrl-C: staged outputs are discarded


def main() -> None:
    """Read the request from stdin and run it (SIGTERM cancels cleanly)."""
    signal.signal(signal.SIGTERM, _stop)
    stream = _protocol_stream()

    def emit(message: dict[str, Any]) -> None:
        stream.write(json.dumps(message, default=_jsonable) + "\n")
        stream.flush()

    run(json.loads(sys.stdin.read() or "{}"), emit)
    stream.close()


if __name__ == "__main__":
    main()
