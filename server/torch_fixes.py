"""Edits that apply the AST converter's replacement of a torch call site.

Each converted call-site issue carries ``data["replacement"]`` (the converted code of the whole
site) and ``data["imports"]`` (the import lines it needs). Applying one site means replacing
its range and adding the imports the document lacks. When the document already binds a needed
name to something else (``nn`` is still ``torch.nn``), the replacement is re-qualified
(``mindspore.nn.Dense``) so that the rest of the file keeps its meaning.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mindconverter.converter.issues import ConversionIssue, SourceRange
from mindconverter.server.edits import SourceEdit, insert_at, line_ending
from mindconverter.server.names import import_map
from mindconverter.server.placeholder_actions import import_insert_line
from mindconverter.server.positions import split_lines, text_in, utf8_to_codepoint
from mindconverter.server.script_analysis import ScriptAnalysis

FIXABLE_KINDS = frozenset({"convert"})


@dataclass(frozen=True)
class SiteFix:
    """A converted site to apply: where, what, and which imports it needs."""

    range: SourceRange
    replacement: str
    imports: tuple[str, ...]
    site: str | None = None


def site_fix(issue: ConversionIssue) -> SiteFix | None:
    """The fix an issue carries, if it is a converted site with a replacement."""
    replacement = issue.data.get("replacement")
    if issue.kind not in FIXABLE_KINDS or not isinstance(replacement, str) or not replacement:
        return None
    imports = tuple(str(line) for line in issue.data.get("imports") or ())
    return SiteFix(issue.range, replacement, imports, issue.data.get("site"))


def _bindings(import_line: str) -> dict[str, str]:
    try:
        return import_map(ast.parse(import_line.strip()))
    except (SyntaxError, ValueError):
        return {}


def _requalify(replacement: str, names: dict[str, str]) -> str:
    """Replace free names (``nn``) by their qualified module (``mindspore.nn``)."""
    try:
        tree = ast.parse(replacement.strip(), mode="eval")
    except SyntaxError:
        return replacement
    text = replacement.strip()
    lines = split_lines(text)
    hits = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)
    ]
    hits.sort(key=lambda n: (n.lineno, n.col_offset), reverse=True)
    for node in hits:
        row = lines[node.lineno - 1]
        start = utf8_to_codepoint(row, node.col_offset)
        end = utf8_to_codepoint(row, node.end_col_offset or 0)
        lines[node.lineno - 1] = row[:start] + names[node.id] + row[end:]
    return "\n".join(lines)


def resolve_imports(analysis: ScriptAnalysis, fix: SiteFix) -> tuple[str, list[str]]:
    """The replacement to write and the import lines to add for one site.

    Returns:
        ``(replacement, import lines)``: names the document binds differently are spelled
        fully qualified, with ``import <root>`` added instead of the conflicting import.
    """
    replacement = fix.replacement
    needed: list[str] = []
    conflicts: dict[str, str] = {}
    for line in fix.imports:
        bindings = _bindings(line)
        clashing = {n: q for n, q in bindings.items() if analysis.imports.get(n) not in (None, q)}
        if clashing:
            conflicts.update(clashing)
            for qualified in clashing.values():
                root = qualified.split(".")[0]
                if analysis.imports.get(root) != root:
                    needed.append(f"import {root}")
        elif any(analysis.imports.get(n) != q for n, q in bindings.items()):
            needed.append(line.strip())
    if conflicts:
        replacement = _requalify(replacement, conflicts)
    return replacement, needed


def _outermost(fixes: Sequence[SiteFix]) -> list[SiteFix]:
    def key(f: SiteFix) -> tuple[int, int, int, int]:
        r = f.range
        return (r.start_line, r.start_col, -r.end_line, -r.end_col)

    kept: list[SiteFix] = []
    for fix in sorted(fixes, key=key):
        if kept and _inside(fix.range, kept[-1].range):
            continue
        if kept and _starts_before_end(fix.range, kept[-1].range):
            continue
        kept.append(fix)
    return kept


def _inside(inner: SourceRange, outer: SourceRange) -> bool:
    return (outer.start_line, outer.start_col) <= (inner.start_line, inner.start_col) and (
        inner.end_line,
        inner.end_col,
    ) <= (outer.end_line, outer.end_col)


def _starts_before_end(later: SourceRange, earlier: SourceRange) -> bool:
    return (later.start_line, later.start_col) < (earlier.end_line, earlier.end_col)


def site_edits(analysis: ScriptAnalysis, fixes: Iterable[SiteFix]) -> list[SourceEdit]:
    """Edits applying several sites (nested ones give way to the outermost), imports once."""
    edits: list[SourceEdit] = []
    imports: list[str] = []
    for fix in _outermost(list(fixes)):
        if fix.site is not None and text_in(analysis.lines, fix.range) != fix.site:
            continue
        replacement, needed = resolve_imports(analysis, fix)
        edits.append(SourceEdit(fix.range, replacement))
        imports += [line for line in needed if line not in imports]
    if not edits:
        return []
    if imports:
        eol = line_ending(analysis.text)
        text = "".join(line + eol for line in imports)
        edits.insert(0, insert_at(import_insert_line(analysis), 0, text))
    return edits


def fixable_issues(issues: Iterable[ConversionIssue]) -> list[SiteFix]:
    """The site fixes of every converted issue that carries a replacement."""
    return [fix for issue in issues if (fix := site_fix(issue)) is not None]
