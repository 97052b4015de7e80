"""``textDocument/codeAction``: quick fixes and source actions."""

from __future__ import annotations

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


def _with_torch(ls: MindConverterServer, uri: str, analysis: DocumentAnalysis) -> DocumentAnalysis:
    """The analysis with the AST converter's findings (chunk cache makes this incremental)."""
    if analysis.torch is not None or analysis.script.tree is None:
        return analysis
    if not mentions_torch(analysis.script):
        return analysis
    state = ls.state(uri)
    return analyse(
        analysis.text,
        document_path(uri),
        ls.settings,
        ls.reports,
        version=analysis.version,
        torch_cache=state.torch_cache,
    )


def on_code_action(
    ls: MindConverterServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    """Quick fixes for the diagnostics in range, plus the file-level source actions."""
    uri = params.text_document.uri
    analysis = current_analysis(ls, uri)
    only = params.context.only
    wants_source = not only or any(str(getattr(k, "value", k)).startswith("source") for k in only)
    if wants_source:
        analysis = _with_torch(ls, uri, analysis)
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
