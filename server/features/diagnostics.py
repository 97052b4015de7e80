"""Diagnostics on open, change (debounced while typing) and save; cleared on close.

Analysis runs in a worker thread so that hovers and code actions stay responsive while a
large file is converted. A result is published only if the document has not changed since.
When the document does not parse, the last published diagnostics are kept, moved through the
edits made since (and dropped where an edit touched them).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from lsprotocol import types
from mindconverter.server.analysis import DocumentAnalysis, analyse, diagnostics_json
from mindconverter.server.guard import guarded
from mindconverter.server.memory import freeze_startup_objects, paused_gc
from mindconverter.server.positions import EditShift
from mindconverter.server.server import DocumentState, MindConverterServer
from pygls.uris import to_fs_path

logger = logging.getLogger(__name__)

TYPING_GAP = 0.25
"""Edits closer together than this (seconds) are typing: their analysis is debounced."""


def _point(position: dict[str, int]) -> tuple[int, int]:
    return position["line"], position["character"]


def shift_diagnostics(
    diagnostics: list[dict[str, Any]],
    changes: list[types.TextDocumentContentChangeEvent],
    encoding: str,
) -> list[dict[str, Any]]:
    """Move diagnostics (JSON form) through content changes (whole-document changes clear them).

    A diagnostic the edits do not move is kept as is; a moved one is copied with its new range.
    """
    current = list(diagnostics)
    for change in changes:
        if not isinstance(change, types.TextDocumentContentChangePartial):
            return []
        shift = EditShift(change.range, change.text, encoding)
        moved = []
        for diagnostic in current:
            rng = diagnostic["range"]
            start, end = _point(rng["start"]), _point(rng["end"])
            if not shift.start < end:  # the edit is after it
                moved.append(diagnostic)
                continue
            after = shift.apply(start, end)
            if after is not None:
                (start_line, start_char), (end_line, end_char) = after
                new_range = {
                    "start": {"line": start_line, "character": start_char},
                    "end": {"line": end_line, "character": end_char},
                }
                moved.append({**diagnostic, "range": new_range})
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
    convert = False
    while True:
        # The analysis allocates ~10^5 objects: a collection between it and its publication
        # would traverse them all on the way to the client.
        with paused_gc():
            started = time.monotonic()
            analysis = await loop.run_in_executor(
                ls.thread_pool, analyse_text, ls, uri, text, version, convert, previous
            )
            if not convert:
                state.analysis_seconds = time.monotonic() - started
            if not _current(ls, uri, version):
                return
            _publish_analysis(ls, uri, version, analysis)
        if analysis.torch is None or analysis.torch.complete:
            return
        convert, previous = True, analysis


def _publish_analysis(
    ls: MindConverterServer, uri: str, version: int | None, analysis: DocumentAnalysis
) -> None:
    """Keep an analysis of the current version and publish its diagnostics."""
    state = ls.state(uri)
    if analysis.parsed or state.analysis is None:
        state.analysis = analysis
    if analysis.parsed:
        memo = state.torch_cache.memo
        state.published = diagnostics_json(analysis, ls.settings, uri, ls.encoding, memo)
    publish(ls, uri, state.published, version)
    if analysis.torch is not None and analysis.torch.error:
        ls.log(f"{uri}: {analysis.torch.error}", types.MessageType.Warning)


def publish(
    ls: MindConverterServer, uri: str, diagnostics: list[dict[str, Any]], version: int | None
) -> None:
    """Send ``textDocument/publishDiagnostics`` (diagnostics in their JSON form)."""
    params: dict[str, Any] = {"uri": uri, "diagnostics": diagnostics}
    if version is not None:
        params["version"] = version
    with paused_gc():  # serialising thousands of diagnostics allocates a lot
        ls.protocol.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)


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


def debounce_delay(state: DocumentState, now: float, debounce: float) -> float:
    """Seconds to wait before analysing a document edited at ``now`` (``time.monotonic()``).

    An isolated edit is analysed at once. An edit following another within
    :data:`TYPING_GAP` seconds (typing) waits, so that a burst of keystrokes is analysed once:
    as long as the document's last analysis took, and at most ``debounce`` seconds (a small
    document is analysed before the next keystroke anyway).
    """
    if now - state.last_change >= TYPING_GAP:
        return 0.0
    return min(debounce, state.analysis_seconds)


def on_did_change(ls: MindConverterServer, params: types.DidChangeTextDocumentParams) -> None:
    """Move the kept diagnostics through the edit and schedule the analysis.

    The analysis starts after :func:`debounce_delay`; a further edit restarts the wait.
    """
    uri = params.text_document.uri
    state = ls.documents.get(uri)
    if state is None:
        return
    state.published = shift_diagnostics(state.published, list(params.content_changes), ls.encoding)
    now = time.monotonic()
    delay = debounce_delay(state, now, ls.debounce)
    state.last_change = now
    schedule(ls, uri, delay)


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
    """Freeze the start-up objects and warm up in the background once the client is connected.

    The collector stays off from process start to here (see
    :func:`~mindconverter.server.memory.pause_for_startup`): the ``initialize`` answer does not
    wait for a collection.
    """
    freeze_startup_objects()
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
