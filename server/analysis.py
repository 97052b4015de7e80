"""One analysis of a document: the script view (placeholders) and the PyTorch view (issues).

:func:`analyse` is pure apart from reading reports from disk; :func:`diagnostics_for` turns an
analysis into the diagnostics to publish. Both are what the diagnostics feature runs off the
event loop, and what the unit tests call directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lsprotocol import types
from mindconverter.server.memory import paused_gc
from mindconverter.server.placeholder_diagnostics import placeholder_diagnostics
from mindconverter.server.positions import UTF16
from mindconverter.server.reports import ReportCache, ReportIndex, lines_match
from mindconverter.server.script_analysis import ScriptAnalysis, analyse_script
from mindconverter.server.settings import Settings
from mindconverter.server.torch_analysis import (
    Converter,
    DiagnosticMemo,
    TorchAnalysis,
    TorchCache,
    analyse_torch,
    mentions_torch,
    torch_diagnostics,
    torch_diagnostics_json,
)

REPORT_HINTS = ("mindspore", "UnconvertedOp", "onnx.")
"""A generated script mentions one of these; other documents skip the report lookup."""


@dataclass
class DocumentAnalysis:
    """Everything the server derived from one version of a document.

    Attributes:
        version: The document version analysed.
        script: The stdlib-``ast`` view (tree, imports, placeholders).
        torch: The AST converter's findings, ``None`` for documents that do not use torch.
        trust_lines: The report's line numbers still describe this text.
    """

    version: int | None
    script: ScriptAnalysis
    torch: TorchAnalysis | None = None
    trust_lines: bool = False

    @property
    def text(self) -> str:
        """The analysed text."""
        return self.script.text

    @property
    def parsed(self) -> bool:
        """Whether the text parsed (diagnostics are fresh, not carried over)."""
        return self.script.tree is not None


def analyse(
    text: str,
    path: str | None,
    settings: Settings,
    reports: ReportCache | None = None,
    version: int | None = None,
    torch_cache: TorchCache | None = None,
    *,
    convert: bool = True,
    budget: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    previous: DocumentAnalysis | None = None,
    focus: tuple[int, int] | None = None,
    converter: Converter | None = None,
) -> DocumentAnalysis:
    """Analyse a document.

    Args:
        text: The document text.
        path: Its file-system path (``None`` for unsaved documents): used to find reports.
        settings: The settings (target tier, output folder).
        reports: Report cache; reports are not looked up without one.
        version: The document version.
        torch_cache: Per-document cache of converter results (makes re-analysis incremental).
        convert: Run the AST converter on chunks it has not seen (else: preliminary scan).
        budget: Seconds the converter may run; the rest stays preliminary.
        should_stop: Checked between converted chunks.
        previous: An earlier analysis of the document: reused whole for the same text, and
            its unchanged statements reused for a new text.
        focus: Only convert the chunks overlapping these 1-based lines (first, last).
        converter: How chunks are converted (default: in this process).
    """
    with paused_gc():
        if previous is not None and previous.text == text:
            script = previous.script
        else:
            report = find_report(text, path, settings, reports)
            script = analyse_script(text, report, previous=previous.script if previous else None)
        torch = None
        if script.tree is not None and mentions_torch(script):
            torch = analyse_torch(
                script,
                settings.target,
                torch_cache,
                convert=convert,
                budget=budget,
                should_stop=should_stop,
                focus=focus,
                converter=converter,
            )
    report = script.report
    trust = bool(report and path and lines_match(path, text, report))
    return DocumentAnalysis(version=version, script=script, torch=torch, trust_lines=trust)


def find_report(
    text: str, path: str | None, settings: Settings, reports: ReportCache | None
) -> ReportIndex | None:
    """The report of a generated script (only looked up for texts that may be one)."""
    if reports is None or not path:
        return None
    if not any(marker in text for marker in REPORT_HINTS):
        return None
    return reports.for_script(Path(path), [settings.output_folder or ""])


def diagnostics_for(
    analysis: DocumentAnalysis, settings: Settings, uri: str = "", encoding: str = UTF16
) -> list[types.Diagnostic]:
    """The diagnostics of an analysed document (placeholders first, then torch sites)."""
    with paused_gc():
        found = placeholder_diagnostics(analysis.script, settings, uri, encoding)
        if analysis.torch is not None:
            found += torch_diagnostics(analysis.torch, analysis.script.lines, settings, encoding)
    return found


@cache
def _converter() -> Any:
    from pygls.protocol import default_converter

    return default_converter()


def diagnostics_json(
    analysis: DocumentAnalysis,
    settings: Settings,
    uri: str = "",
    encoding: str = UTF16,
    memo: DiagnosticMemo | None = None,
) -> list[dict[str, Any]]:
    """:func:`diagnostics_for` in the JSON form published to the client (what the server sends).

    The torch sites (possibly thousands) are built as dicts directly, reusing those of the
    issues in ``memo`` (the document's last publication); the few placeholders go through
    ``lsprotocol``'s converter.
    """
    with paused_gc():
        placeholders = placeholder_diagnostics(analysis.script, settings, uri, encoding)
        found = [_converter().unstructure(d) for d in placeholders]
        if analysis.torch is not None:
            lines = analysis.script.lines
            found += torch_diagnostics_json(analysis.torch, lines, settings, encoding, memo)
    return found
