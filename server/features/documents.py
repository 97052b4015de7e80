"""Shared helpers for request handlers: the current analysis of an open document."""

from __future__ import annotations

from mindconverter.server.analysis import DocumentAnalysis, find_report
from mindconverter.server.features.diagnostics import document_path
from mindconverter.server.reports import lines_match
from mindconverter.server.script_analysis import analyse_script
from mindconverter.server.server import MindConverterServer


def current_analysis(ls: MindConverterServer, uri: str) -> DocumentAnalysis:
    """The analysis of the document's current version.

    The diagnostics run's analysis is reused when it is current; otherwise the document is
    parsed again (stdlib :mod:`ast` only: fast, without the AST converter's findings, which
    code actions read from the diagnostics the client sends back).
    """
    document = ls.workspace.get_text_document(uri)
    state = ls.documents.get(uri)
    cached = state.analysis if state is not None else None
    if cached is not None and (cached.version, cached.text) == (document.version, document.source):
        return cached
    text = document.source
    path = document_path(uri)
    report = find_report(text, path, ls.settings, ls.reports)
    trust = bool(report and path and lines_match(path, text, report))
    script = analyse_script(text, report)
    return DocumentAnalysis(version=document.version, script=script, trust_lines=trust)
