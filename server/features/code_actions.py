"""``textDocument/codeAction``: quick fixes and source actions."""

from __future__ import annotations

import asyncio

from lsprotocol import types
from mindconverter.server.actions import (
    CONVERT_FILE_KIND,
    FIX_ALL_KIND,
    ActionContext,
    code_actions,
)
from mindconverter.server.analysis import DocumentAnalysis, analyse
from mindconverter.server.features.diagnostics import document_path
from mindconverter.server.features.documents import current_analysis
from mindconverter.server.guard import guarded
from mindconverter.server.server import MindConverterServer
from mindconverter.server.torch_analysis import mentions_torch

KINDS = [types.CodeActionKind.QuickFix, FIX_ALL_KIND, CONVERT_FILE_KIND]


def with_converter(
    ls: MindConverterServer,
    uri: str,
    analysis: DocumentAnalysis,
    focus: tuple[int, int] | None,
) -> DocumentAnalysis:
    """The analysis with the converter's findings for ``focus`` lines (``None``: all).

    Chunks already converted come from the cache; the others are converted now.
    """
    if analysis.script.tree is None or not mentions_torch(analysis.script):
        return analysis
    torch = analysis.torch
    if torch is not None and torch.complete:
        return analysis
    return analyse(
        analysis.text,
        document_path(uri),
        ls.settings,
        ls.reports,
        version=analysis.version,
        torch_cache=ls.state(uri).torch_cache,
        previous=analysis,
        focus=focus,
        converter=ls.converter.convert,
    )


async def on_code_action(
    ls: MindConverterServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    """Quick fixes for the sites in range, plus the file-level source actions.

    Only the chunks under the range are converted for an ordinary request (the editor asks on
    every cursor move); an explicit request for source actions converts the whole file, so
    that "Fix all" covers everything.
    """
    uri = params.text_document.uri
    analysis = current_analysis(ls, uri)
    only = params.context.only
    asked_source = any(str(getattr(k, "value", k)).startswith("source") for k in only or ())
    lines = (params.range.start.line + 1, params.range.end.line + 1)
    focus = None if asked_source else lines
    loop = asyncio.get_running_loop()
    analysis = await loop.run_in_executor(ls.thread_pool, with_converter, ls, uri, analysis, focus)
    ctx = ActionContext(
        uri=uri,
        version=analysis.version,
        encoding=ls.encoding,
        capabilities=ls.client_capabilities,
        only=only,
    )
    return code_actions(analysis, params.range, params.context.diagnostics, ctx) or None


def register(server: MindConverterServer) -> None:
    """Register the code action handler."""
    options = types.CodeActionOptions(code_action_kinds=KINDS)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)(guarded(on_code_action, fallback=None))
