"""The language server object: settings, per-document state and the feature modules."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from mindconverter.server.converter_pool import ConverterPool
from mindconverter.server.positions import UTF16
from mindconverter.server.reports import ReportCache
from mindconverter.server.settings import Settings
from mindconverter.server.torch_analysis import TorchCache
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol, LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from mindconverter import __version__

if TYPE_CHECKING:
    from mindconverter.server.analysis import DocumentAnalysis

logger = logging.getLogger(__name__)

SERVER_NAME = "mindconverter-lsp"


class MindConverterProtocol(LanguageServerProtocol):
    """pygls' protocol, keeping what ``workspace/executeCommand`` handlers cannot see.

    pygls 2 passes command arguments to the handler as separate parameters, so the
    ``workDoneToken`` of the request would be lost; and it runs the handler as a separate task
    that ``$/cancelRequest`` does not reach (it cancels the request's outer future only). The
    protocol records both per request id, for :meth:`command_token` and :meth:`link_cancel`.
    """

    def __init__(self, server: Any, converter: Any) -> None:
        self.command_tokens: dict[Any, types.ProgressToken] = {}
        self.command_futures: dict[Any, Future[Any]] = {}
        super().__init__(server, converter)

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(
        self, params: types.ExecuteCommandParams
    ) -> Generator[Any, Any, Any]:
        """Record the request's token and future, then run the command as pygls does."""
        msg_id = self.msg_id
        if params.work_done_token is not None and msg_id is not None:
            self.command_tokens[msg_id] = params.work_done_token
        outer = self._request_futures.get(msg_id) if msg_id is not None else None
        if outer is not None:
            self.command_futures[msg_id] = outer
        try:
            return (yield from super().lsp_workspace__execute_command(params))
        finally:
            self.command_tokens.pop(msg_id, None)
            self.command_futures.pop(msg_id, None)

    def notify_json(self, method: str, params: dict[str, Any]) -> None:
        """Send a notification whose ``params`` are already in JSON form.

        :meth:`notify` builds ``lsprotocol`` objects and serialises them with ``cattrs``, which
        costs more than the work for a large ``publishDiagnostics``; plain dicts go straight to
        the JSON encoder (the message on the wire is the same).
        """
        self._send_data({"jsonrpc": JsonRPCProtocol.VERSION, "method": method, "params": params})

    def command_token(self) -> types.ProgressToken | None:
        """The ``workDoneToken`` of the command request being handled, if the client sent one."""
        return self.command_tokens.get(self.msg_id)

    def link_cancel(self, task: asyncio.Task[Any]) -> None:
        """Cancel ``task`` when the client cancels the command request being handled."""
        outer = self.command_futures.get(self.msg_id)
        if outer is None:
            return
        loop = asyncio.get_running_loop()

        def cancelled(future: Future[Any]) -> None:
            if future.cancelled():
                loop.call_soon_threadsafe(task.cancel)

        outer.add_done_callback(cancelled)


@dataclass
class DocumentState:
    """What the server remembers about one open document.

    Attributes:
        published: The diagnostics last published (JSON form), moved through later edits.
        pending: The scheduled (debounced) diagnostics run, if any.
        analysis: The last analysis (any parse state), for code actions and hover.
        torch_cache: Converted chunks of the document (incremental re-analysis).
        last_change: When the last edit arrived (``time.monotonic()``), for the debounce.
        analysis_seconds: How long the last analysis for a first publication took (the
            debounce while typing waits no longer).
    """

    published: list[dict[str, Any]] = field(default_factory=list)
    pending: asyncio.Task[None] | None = None
    analysis: DocumentAnalysis | None = None
    torch_cache: TorchCache = field(default_factory=TorchCache)
    last_change: float = 0.0
    analysis_seconds: float = 0.0


class MindConverterServer(LanguageServer):
    """MindConverter's language server.

    Attributes:
        settings: The settings in force.
        reports: Cache of the graph converter's JSON reports and weight maps.
        documents: Per-URI state of open documents.
        debounce: Most seconds to wait after an edit while typing before analysing again.
        convert_budget: Seconds of AST conversion between two publications of a document's
            diagnostics while its analysis completes.
        converter: The process running the AST converter.
    """

    def __init__(self) -> None:
        super().__init__(
            SERVER_NAME,
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=MindConverterProtocol,
            max_workers=4,
        )
        self.settings = Settings()
        self.reports = ReportCache()
        self.documents: dict[str, DocumentState] = {}
        self.debounce = 0.03
        self.convert_budget = 0.5
        self.converter = ConverterPool()

    @property
    def encoding(self) -> str:
        """The negotiated position encoding (``utf-16`` before initialisation)."""
        try:
            encoding = self.workspace.position_encoding
        except RuntimeError:
            return UTF16
        if encoding is None:
            return UTF16
        return str(getattr(encoding, "value", encoding))

    def state(self, uri: str) -> DocumentState:
        """The state of a document (created on first use)."""
        return self.documents.setdefault(uri, DocumentState())

    def log(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        """Log to the server log and to the client's output channel."""
        logger.log(logging.WARNING if level <= types.MessageType.Warning else logging.INFO, message)
        try:
            self.window_log_message(types.LogMessageParams(type=level, message=message))
        except Exception:  # not connected (unit tests)
            logger.debug("could not send log message", exc_info=True)


def create_server() -> MindConverterServer:
    """A server with every feature module registered."""
    from mindconverter.server.features import register_all

    server = MindConverterServer()
    register_all(server)
    return server
