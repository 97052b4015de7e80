"""``workspace/executeCommand``: convert a model file, inspect a model, convert a Python file.

* ``mindconverter.convertModelFile`` (path, options?) runs the graph conversion in a worker
  process, reports ``$/progress`` (on the client's ``workDoneToken``, else on a token created
  with ``window/workDoneProgress/create``) and stops the worker when the request or the progress
  is cancelled. It answers ``{script, checkpoint, reportJson, reportText, weightMap, summary}``.
* ``mindconverter.inspectModel`` (path) answers the model's inputs, outputs and opset.
* ``mindconverter.convertFile`` (uri) converts a PyTorch document with the AST converter and
  answers ``{path}`` (the file written, or the document itself with ``convertInPlace``).

Every failure is an error response carrying ``ConverterError.to_dict()`` in ``data``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from pathlib import Path
from typing import Any

from lsprotocol import types
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.server.file_conversion import convert_document
from mindconverter.server.guard import guarded
from mindconverter.server.model_jobs import conversion_request, run_worker, summary_of
from mindconverter.server.server import MindConverterServer
from pygls.exceptions import JsonRpcServerError
from pygls.uris import to_fs_path

logger = logging.getLogger(__name__)

CONVERT_MODEL = "mindconverter.convertModelFile"
INSPECT_MODEL = "mindconverter.inspectModel"
CONVERT_FILE = "mindconverter.convertFile"
ERROR_CODE = -32001
URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")  # two letters at least: not "C:"


def error_response(error: ConverterError) -> JsonRpcServerError:
    """The JSON-RPC error for a converter error (its dict in ``data``)."""
    return JsonRpcServerError(error.one_line(), ERROR_CODE, data=error.to_dict())


def _bad_argument(message: str) -> JsonRpcServerError:
    return error_response(ConverterError(ErrorCode.BAD_ARGUMENT, message))


def as_path(value: Any) -> str:
    """A path argument: a file-system path or a ``file:`` URI."""
    if not isinstance(value, str) or not value:
        raise _bad_argument(f"expected a file path, got {value!r}")
    if value.startswith("file:"):
        return to_fs_path(value) or value
    return value


def model_arguments(args: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """``(path, options)`` from ``[path, options?]`` or ``[{"path": ..., ...}]``."""
    if not args:
        raise _bad_argument("missing argument: the model file path")
    first = args[0]
    if isinstance(first, dict):
        options = dict(first)
        return as_path(options.pop("path", None)), options
    options = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
    if len(args) > 1 and not isinstance(args[1], dict) and args[1] is not None:
        raise _bad_argument(f"options must be an object, got {args[1]!r}")
    return as_path(first), dict(options)


class Progress:
    """Work-done progress of one command (a no-op when the client cannot show it)."""

    def __init__(self, ls: MindConverterServer, token: types.ProgressToken | None) -> None:
        self.ls = ls
        self.token = token
        self._last = -1

    @classmethod
    async def open(cls, ls: MindConverterServer, title: str) -> Progress:
        """Use the request's token, or create one if the client supports progress."""
        token = ls.protocol.command_token()
        window = ls.client_capabilities.window
        if token is None and window and window.work_done_progress:
            token = f"mindconverter-{uuid.uuid4()}"
            try:
                await ls.work_done_progress.create_async(token)
            except Exception:
                logger.warning("client refused the progress token", exc_info=True)
                token = None
        progress = cls(ls, token)
        if token is not None:
            begin = types.WorkDoneProgressBegin(title=title, cancellable=True, percentage=0)
            ls.work_done_progress.begin(token, begin)
        return progress

    def on_cancel(self, task: asyncio.Task[Any]) -> None:
        """Cancel ``task`` when the user cancels the progress."""
        future = self.ls.work_done_progress.tokens.get(self.token) if self.token else None
        if future is not None:
            future.add_done_callback(lambda _: task.cancel())

    def report(self, stage: str, fraction: float) -> None:
        """Report a stage (skipping repeats of the same percentage)."""
        percentage = max(0, min(100, int(fraction * 100)))
        if self.token is None or (percentage == self._last and stage == ""):
            return
        self._last = percentage
        value = types.WorkDoneProgressReport(message=stage, percentage=percentage)
        self.ls.work_done_progress.report(self.token, value)

    def end(self, message: str) -> None:
        """Close the progress."""
        if self.token is None:
            return
        self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
        self.ls.work_done_progress.tokens.pop(self.token, None)


async def convert_model_file(ls: MindConverterServer, *args: Any) -> dict[str, Any]:
    """``mindconverter.convertModelFile``: convert an ONNX model off the event loop."""
    path, options = model_arguments(args)
    request = conversion_request(path, options, ls.settings.output_folder)
    progress = await Progress.open(ls, f"Converting {Path(path).name}")
    task = asyncio.current_task()
    if task is not None:
        progress.on_cancel(task)
        ls.protocol.link_cancel(task)
    outcome = "failed"
    try:
        result = await run_worker(request, progress.report)
        outcome = "done"
    except ConverterError as exc:
        outcome = exc.one_line()
        raise error_response(exc) from exc
    except asyncio.CancelledError:
        outcome = "cancelled"
        raise
    finally:
        progress.end(outcome)
    from mindconverter.server.features.diagnostics import refresh_all

    refresh_all(ls)
    return summary_of(result)


async def inspect_model(ls: MindConverterServer, *args: Any) -> dict[str, Any]:
    """``mindconverter.inspectModel``: the model's inputs, outputs, opset and format."""
    path, _ = model_arguments(args)
    try:
        return await run_worker({"command": "inspectModel", "path": path})
    except ConverterError as exc:
        raise error_response(exc) from exc


async def convert_file(ls: MindConverterServer, *args: Any) -> dict[str, Any]:
    """``mindconverter.convertFile``: AST-convert a PyTorch document."""
    if not args or not isinstance(args[0], str):
        raise _bad_argument("missing argument: the document URI")
    uri = args[0] if URI_SCHEME.match(args[0]) else Path(args[0]).resolve().as_uri()
    try:
        text = ls.workspace.get_text_document(uri).source
    except (OSError, UnicodeDecodeError) as exc:
        raise error_response(
            ConverterError(ErrorCode.FILE_NOT_FOUND, f"cannot read {uri}: {exc}")
        ) from exc
    settings = ls.settings
    loop = asyncio.get_running_loop()
    try:
        outcome = await loop.run_in_executor(ls.thread_pool, convert_document, uri, text, settings)
    except ConverterError as exc:
        raise error_response(exc) from exc
    if outcome.in_place_text is not None:
        await _replace_document(ls, uri, text, outcome.in_place_text)
    return outcome.to_dict()


async def _replace_document(ls: MindConverterServer, uri: str, old: str, new: str) -> None:
    from mindconverter.server.edits import workspace_edit
    from mindconverter.server.positions import split_lines, units_len

    lines = split_lines(old)
    end = types.Position(line=len(lines) - 1, character=units_len(lines[-1], ls.encoding))
    whole = types.Range(start=types.Position(line=0, character=0), end=end)
    version = ls.workspace.get_text_document(uri).version
    edit = workspace_edit(
        uri, version, [types.TextEdit(range=whole, new_text=new)], ls.client_capabilities
    )
    params = types.ApplyWorkspaceEditParams(edit=edit, label="Convert this file to MindSpore")
    result = await ls.workspace_apply_edit_async(params)
    if not result.applied:
        reason = result.failure_reason or "the editor refused the edit"
        raise error_response(ConverterError(ErrorCode.OUTPUT_NOT_WRITABLE, reason))


def internal_error(exc: Exception) -> JsonRpcServerError:
    """The error response for an unexpected exception in a command."""
    return error_response(ConverterError(ErrorCode.INTERNAL, f"{type(exc).__name__}: {exc}"))


def register(server: MindConverterServer) -> None:
    """Register the commands."""
    server.command(CONVERT_MODEL)(guarded(convert_model_file, error=internal_error))
    server.command(INSPECT_MODEL)(guarded(inspect_model, error=internal_error))
    server.command(CONVERT_FILE)(guarded(convert_file, error=internal_error))
