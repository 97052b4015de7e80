"""One parse of a migrated MindSpore script, shared by diagnostics, code actions and hover."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from mindconverter.server.names import import_map
from mindconverter.server.op_records import OpRecord, record_for
from mindconverter.server.placeholders import Placeholder, find_placeholders
from mindconverter.server.positions import split_lines
from mindconverter.server.reparse import reparse
from mindconverter.server.reports import ReportIndex

MARKERS = ("UnconvertedOp", "onnx.")
"""Text whose absence proves a document has no placeholder (a cheap pre-check)."""


@dataclass
class ScriptAnalysis:
    """A parsed script with its placeholders and (optional) conversion report.

    Attributes:
        text: The document text analysed.
        lines: ``text`` split into LSP lines.
        tree: The parsed module, ``None`` when the text does not parse.
        imports: Local name → qualified name of every import.
        placeholders: Unconverted-operator placeholders, in source order.
        report: The report found beside the script, if any.
        syntax_error: The parse error's message, when ``tree`` is ``None``.
    """

    text: str
    lines: list[str]
    tree: ast.Module | None
    imports: dict[str, str] = field(default_factory=dict)
    placeholders: list[Placeholder] = field(default_factory=list)
    report: ReportIndex | None = None
    syntax_error: str | None = None

    def record(self, placeholder: Placeholder) -> OpRecord:
        """The merged record of a placeholder."""
        return record_for(placeholder, self.report)

    def placeholder(self, attr_name: str) -> Placeholder | None:
        """The placeholder assigned to ``self.<attr_name>``, if any."""
        return next((p for p in self.placeholders if p.attr_name == attr_name), None)

    def module_names(self) -> set[str]:
        """Names bound at module level (classes, functions, assignments, imports)."""
        names = set(self.imports)
        for node in self.tree.body if self.tree else ():
            if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        return names


def parse(text: str) -> tuple[ast.Module | None, str | None]:
    """Parse Python source; returns ``(tree, None)`` or ``(None, error message)``."""
    try:
        return ast.parse(text), None
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        return None, str(exc)


def analyse_script(
    text: str,
    report: ReportIndex | None = None,
    tree: ast.Module | None = None,
    previous: ScriptAnalysis | None = None,
) -> ScriptAnalysis:
    """Parse a script and find its placeholders.

    Args:
        text: The document text.
        report: The report beside the script (placeholders are found without it).
        tree: An already parsed module for ``text`` (saves a parse).
        previous: The analysis of an earlier version: its statements away from the edit are
            reused (see :mod:`mindconverter.server.reparse`).
    """
    lines = split_lines(text)
    error = None
    if tree is None and previous is not None and previous.tree is not None:
        tree = reparse(previous.tree, previous.lines, lines)
    if tree is None:
        tree, error = parse(text)
    if tree is None:
        return ScriptAnalysis(text, lines, None, report=report, syntax_error=error)
    has_markers = any(marker in text for marker in MARKERS)
    placeholders = find_placeholders(tree, lines) if has_markers else []
    return ScriptAnalysis(text, lines, tree, import_map(tree, text), placeholders, report)
