"""Code actions, computed purely from an analysis, a range and the client's capabilities.

* Quick fixes: one per placeholder under the cursor (concrete code or a skeleton cell) and one
  per converted torch site under the cursor (the AST converter's replacement).
* Source actions: "Fix all convertible calls in this file" (``source.fixAll.mindconverter``),
  "Replace all placeholders with recorded-shape code" (same kind, for migrated scripts) and
  "Convert this file to MindSpore" (``source.convert.mindconverter``), which runs the
  ``mindconverter.convertFile`` command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from mindconverter.converter.issues import SourceRange
from mindconverter.server.analysis import DocumentAnalysis
from mindconverter.server.edits import SourceEdit, to_text_edits, workspace_edit
from mindconverter.server.placeholder_actions import fix_all_concrete, fixes_for
from mindconverter.server.positions import UTF16, overlaps, to_lsp_range
from mindconverter.server.torch_fixes import fixable_issues, site_edits, site_fix

FIX_ALL_KIND = "source.fixAll.mindconverter"
CONVERT_FILE_KIND = "source.convert.mindconverter"
CONVERT_FILE_COMMAND = "mindconverter.convertFile"


def _kind(kind: Any) -> str:
    return str(getattr(kind, "value", kind))


@dataclass(frozen=True)
class ActionContext:
    """What every action needs besides the analysis.

    Attributes:
        uri: The document.
        version: Its version (for versioned workspace edits).
        encoding: The negotiated position encoding.
        capabilities: The client's capabilities (edit shape).
        only: Requested action kinds (``None`` = all).
    """

    uri: str
    version: int | None
    encoding: str = UTF16
    capabilities: types.ClientCapabilities | None = None
    only: Sequence[str] | None = None

    def wants(self, kind: str) -> bool:
        """Whether the client asked for actions of ``kind`` (hierarchical match)."""
        if not self.only:
            return True
        kind = _kind(kind)
        return any(kind == _kind(k) or kind.startswith(f"{_kind(k)}.") for k in self.only)

    def edit(self, lines: Sequence[str], edits: Sequence[SourceEdit]) -> types.WorkspaceEdit:
        """A workspace edit of this document from source edits."""
        text_edits = to_text_edits(lines, edits, self.encoding)
        return workspace_edit(self.uri, self.version, text_edits, self.capabilities)


def _whole_lines(lines: Sequence[str], rng: SourceRange, encoding: str) -> types.Range:
    """The lines a range spans, start to end (a cursor anywhere on them is "on" the site)."""
    last = lines[rng.end_line - 1] if rng.end_line <= len(lines) else ""
    full = SourceRange(rng.start_line, 0, rng.end_line, len(last))
    return to_lsp_range(lines, full, encoding)


def _matching(diagnostics: Sequence[types.Diagnostic], code: Any, attr: str | None = None):
    for diagnostic in diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        if diagnostic.code == code and (attr is None or data.get("attr") == attr):
            return diagnostic
    return None


@dataclass(frozen=True)
class QuickFixQuery:
    """A request for the quick fixes of a range, and how to build one.

    Attributes:
        analysis: The document's current analysis.
        rng: The range the client asks about.
        diagnostics: The client's diagnostics for the range (attached to matching fixes).
        ctx: The request context.
    """

    analysis: DocumentAnalysis
    rng: types.Range
    diagnostics: Sequence[types.Diagnostic]
    ctx: ActionContext

    def quick_fix(
        self,
        title: str,
        attached: Sequence[types.Diagnostic],
        preferred: bool,
        edits: Sequence[SourceEdit],
    ) -> types.CodeAction:
        """A quick fix of this document applying ``edits``."""
        return types.CodeAction(
            title=title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=list(attached) or None,
            is_preferred=preferred,
            edit=self.ctx.edit(self.analysis.script.lines, edits),
        )


def placeholder_actions(query: QuickFixQuery) -> list[types.CodeAction]:
    """Quick fixes for the placeholders whose assignment or calls touch the range."""
    script, encoding = query.analysis.script, query.ctx.encoding
    actions = []
    for placeholder in script.placeholders:
        spans = [placeholder.statement, *(site.range for site in placeholder.calls)]
        if not any(overlaps(_whole_lines(script.lines, s, encoding), query.rng) for s in spans):
            continue
        code = "MC-G002" if placeholder.legacy else "MC-G001"
        diagnostic = _matching(query.diagnostics, code, placeholder.attr_name)
        attached = [diagnostic] if diagnostic else []
        for fix in fixes_for(script, placeholder):
            preferred = fix.kind == "concrete"
            actions.append(query.quick_fix(fix.title, attached, preferred, fix.edits))
    return actions


def torch_actions(query: QuickFixQuery) -> list[types.CodeAction]:
    """Quick fixes for the converted torch sites touching the range.

    The sites come from the server's analysis of the current text (which must have the
    converter's findings for the range); the client's diagnostic at the same place, if any, is
    attached so the editor shows the fix on it.
    """
    analysis, rng = query.analysis, query.rng
    script = analysis.script
    if analysis.torch is None or script.tree is None:
        return []
    actions = []
    first, last = rng.start.line + 1, rng.end.line + 1
    for issue in analysis.torch.issues:
        if issue.range.end_line < first or issue.range.start_line > last:
            continue  # cheap line test before the exact one
        fix = site_fix(issue)
        if fix is None:
            continue
        here = to_lsp_range(script.lines, issue.range, query.ctx.encoding)
        if not overlaps(here, rng):
            continue
        edits = site_edits(script, [fix])
        if not edits:
            continue
        attached = [d for d in query.diagnostics if d.code == issue.code and d.range == here]
        title = f"Convert {issue.source_api} to {issue.target or 'MindSpore'}"
        actions.append(query.quick_fix(title, attached, True, edits))
    return actions


def fix_all_action(analysis: DocumentAnalysis, ctx: ActionContext) -> types.CodeAction | None:
    """ "Fix all convertible calls" (torch files) / "Replace all placeholders" (scripts)."""
    script = analysis.script
    if script.tree is None or not ctx.wants(FIX_ALL_KIND):
        return None
    edits: list[SourceEdit] = []
    title = ""
    if analysis.torch is not None and analysis.torch.complete and analysis.torch.issues:
        edits = site_edits(script, fixable_issues(analysis.torch.issues))
        title = "Fix all convertible calls in this file"
    elif script.placeholders:
        edits = fix_all_concrete(script)
        title = "Replace all placeholders that have recorded shapes with MindSpore code"
    if not edits:
        return None
    return types.CodeAction(title=title, kind=FIX_ALL_KIND, edit=ctx.edit(script.lines, edits))


def convert_file_action(analysis: DocumentAnalysis, ctx: ActionContext) -> types.CodeAction | None:
    """ "Convert this file to MindSpore", as the ``mindconverter.convertFile`` command.

    The command writes the converted file (or, with ``convertInPlace``, asks the client to
    replace the document), so the whole-file conversion runs only when chosen.
    """
    if analysis.torch is None or not ctx.wants(CONVERT_FILE_KIND):
        return None
    title = "Convert this file to MindSpore"
    command = types.Command(title=title, command=CONVERT_FILE_COMMAND, arguments=[ctx.uri])
    return types.CodeAction(title=title, kind=CONVERT_FILE_KIND, command=command)


def code_actions(
    analysis: DocumentAnalysis,
    rng: types.Range,
    diagnostics: Sequence[types.Diagnostic],
    ctx: ActionContext,
) -> list[types.CodeAction]:
    """Every code action for a range of a document."""
    actions: list[types.CodeAction] = []
    if ctx.wants(types.CodeActionKind.QuickFix):
        query = QuickFixQuery(analysis, rng, diagnostics, ctx)
        actions += placeholder_actions(query) + torch_actions(query)
    fix_all = fix_all_action(analysis, ctx)
    if fix_all is not None:
        actions.append(fix_all)
    convert = convert_file_action(analysis, ctx)
    if convert is not None:
        actions.append(convert)
    return actions
