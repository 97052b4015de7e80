"""Diagnostics on open, change (debounced) and save; cleared on close.

Analysis runs in a worker thread so that hovers and code actions stay responsive while a
large file is converted. A result is published only if the document has not changed since.
When the document does not parse, the last published diagnostics are kept, moved through the
edits made since (and dropped where an edit touched them).
"""

from __future__ import annotations

import asyncio
import logging
import time

from lsprotocol import types
from mindconverter.server.analysis import DocumentAnalysis, analyse, diagnostics_for
from mindconverter.server.guard import guarded
from mindconverter.server.memory import paused_gc
from mindconverter.server.positions import shift_range
from mindconverter.server.server import MindConverterServer
from pygls.uris import to_fs_path

logger = logging.getLogger(__name__)

TYPING_GAP = 0.25
"""Edits closer together than this (seconds) are typing: their analysis is debounced."""


def shift_diagnostics(
    diagnostics: list[types.Diagnostic],
    changes: list[types.TextDocumentContentChangeEvent],
    encoding: str,
) -> list[types.Diagnostic]:
    """Move diagnostics through a list of content changes (whole-document changes clear them)."""
    current = list(diagnostics)
    for change in changes:
        if not isinstance(change, types.TextDocumentContentChangePartial):
            return []
        moved = []
        for diagnostic in current:
            rng = shift_range(diagnostic.range, change.range, change.text, encoding)
            if rng is not None:
                diagnostic.range = rng
                moved.append(diagnostic)
        current = moved
    return current


def is_python(uri: str, language_id: str | None = None) -> bool:
    """Whether a document is Python source (by language id, else by extension)."""
    if language_id:
        return language_id == "python"
    return uri.endswith((".py", ".pyi"))


def document_path(uri: str) -> str | None:
    """The file-system path of a ``file:`` URI, ``None`` for other schemes."""
    return to_fs_path(uri) if uri.startswith("file:") else None


def analyse_text(
    ls: MindConverterServer,
    uri: str,
    text: str,
    version: int | None,
    convert: bool,
    previous: DocumentAnalysis | None = None,
) -> DocumentAnalysis:
    """Analyse one version of an open document (runs in a worker thread).

    With ``convert`` the AST converter works on unseen chunks for up to
    :attr:`MindConverterServer.convert_budget` seconds, stopping early when the document
    changes; without, unseen chunks get the preliminary scan.
    """
    state = ls.state(uri)

    def stale() -> bool:
        try:
            return ls.workspace.get_text_document(uri).version != version
        except Exception:
            return True

    return analyse(
        text,
        document_path(uri),
        ls.settings,
        ls.reports,
        version=version,
        torch_cache=state.torch_cache,
        convert=convert,
        budget=ls.convert_budget if convert else None,
        should_stop=stale,
        previous=previous,
        converter=ls.converter.convert,
    )


def _current(ls: MindConverterServer, uri: str, version: int | None) -> bool:
    if uri not in ls.documents:
        return False
    return ls.workspace.get_text_document(uri).version == version


async def run_diagnostics(ls: MindConverterServer, uri: str, delay: float) -> None:
    """Analyse a document off the loop and publish, then complete the analysis progressively.

    The first publication comes from the converter's cached chunks plus the preliminary scan
    (milliseconds); then the converter works through the unseen chunks in rounds of
    :attr:`MindConverterServer.convert_budget` seconds, publishing after each. A newer
    version of the document stops the run (its own run takes over, reusing the cache).
    """
    if delay > 0:
        await asyncio.sleep(delay)
    document = ls.workspace.get_text_document(uri)
    version, text = document.version, document.source
    loop = asyncio.get_running_loop()
    state = ls.state(uri)
    previous = state.analysis if state.analysis is not None and state.analysis.parsed else None
    analysis = await loop.run_in_executor(
        ls.thread_pool, analyse_text, ls, uri, text, version, False, previous
    )
    while _current(ls, uri, version):
        state = ls.state(uri)
        if analysis.parsed or state.analysis is None:
            state.analysis = analysis
        if analysis.parsed:
            state.published = diagnostics_for(analysis, ls.settings, uri, ls.encoding)
        publish(ls, uri, state.published, version)
        if analysis.torch is not None and analysis.torch.error:
            ls.log(f"{uri}: {analysis.torch.error}", types.MessageType.Warning)
        if analysis.torch is None or analysis.torch.complete:
            return
        analysis = await loop.run_in_executor(
            ls.thread_pool, analyse_text, ls, uri, text, version, True, analysis
        )


def publish(
    ls: MindConverterServer, uri: str, diagnostics: list[types.Diagnostic], version: int | None
) -> None:
    """Send ``textDocument/publishDiagnostics``."""
    params = types.PublishDiagnosticsParams(uri=uri, diagnostics=list(diagnostics), version=version)
    with paused_gc():  # serialising thousands of diagnostics allocates a lot
        ls.text_document_publish_diagnostics(params)


def schedule(ls: MindConverterServer, uri: str, delay: float = 0.0) -> None:
    """(Re)start the diagnostics run of a document, cancelling a pending one."""
    state = ls.state(uri)
    if state.pending is not None and not state.pending.done():
        state.pending.cancel()
    task = asyncio.ensure_future(guarded(run_diagnostics)(ls, uri, delay))
    state.pending = task


def refresh_all(ls: MindConverterServer) -> None:
    """Re-analyse every open document (after a settings change)."""
    for uri in list(ls.documents):
        schedule(ls, uri)


def on_did_open(ls: MindConverterServer, params: types.DidOpenTextDocumentParams) -> None:
    """Analyse a newly opened Python document right away."""
    document = params.text_document
    if is_python(document.uri, document.language_id):
        ls.state(document.uri)
        schedule(ls, document.uri)


def on_did_change(ls: MindConverterServer, params: types.DidChangeTextDocumentParams) -> None:
    """Move the kept diagnostics through the edit and schedule the analysis.

    An isolated edit is analysed at once; an edit following another within
    :data:`TYPING_GAP` seconds (typing) waits :attr:`MindConverterServer.debounce` seconds,
    and a further edit restarts that wait.
    """
    uri = params.text_document.uri
    state = ls.documents.get(uri)
    if state is None:
        return
    state.published = shift_diagnostics(state.published, list(params.content_changes), ls.encoding)
    now = time.monotonic()
    typing = now - state.last_change < TYPING_GAP
    state.last_change = now
    schedule(ls, uri, ls.debounce if typing else 0.0)


def on_did_save(ls: MindConverterServer, params: types.DidSaveTextDocumentParams) -> None:
    """Re-analyse on save (the report beside a script may have changed too)."""
    if params.text_document.uri in ls.documents:
        schedule(ls, params.text_document.uri)


def on_did_close(ls: MindConverterServer, params: types.DidCloseTextDocumentParams) -> None:
    """Forget the document and clear its diagnostics."""
    uri = params.text_document.uri
    state = ls.documents.pop(uri, None)
    if state is not None and state.pending is not None:
        state.pending.cancel()
    publish(ls, uri, [], None)


def warm_up(ls: MindConverterServer) -> None:
    """Load the mapping tables and start the converter process before the first document."""
    from mindconverter.server.mapping_info import torch_entry

    torch_entry("torch.nn.Linear", ls.settings.target)
    ls.converter.convert("import torch\n", ls.settings.target)


def on_initialized(ls: MindConverterServer, params: types.InitializedParams) -> None:
    """Warm up in the background once the client is connected."""
    ls.thread_pool.submit(guarded(warm_up), ls)


def on_shutdown(ls: MindConverterServer, params: None) -> None:
    """Stop the converter process."""
    ls.converter.shutdown()


def register(server: MindConverterServer) -> None:
    """Register the document-sync handlers that drive diagnostics."""
    server.feature(types.INITIALIZED)(guarded(on_initialized))
    server.feature(types.SHUTDOWN)(guarded(on_shutdown))
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(guarded(on_did_open))
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(guarded(on_did_change))
    server.feature(types.TEXT_DOCUMENT_DID_SAVE)(guarded(on_did_save))
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(guarded(on_did_close))
