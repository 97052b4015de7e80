"""Quick fixes for placeholders: the edits that replace one with real MindSpore code.

A fix is one set of :class:`~mindconverter.server.edits.SourceEdit` objects touching every
place the placeholder lives: its assignment in ``__init__`` (deleted, or rewired to a skeleton
cell), its calls in ``construct`` (replaced by the concrete expression), the imports the new
code needs, and the skeleton class when there is one.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from mindconverter.converter.issues import SourceRange
from mindconverter.server.edits import SourceEdit, delete_lines, insert_at, line_ending
from mindconverter.server.placeholder_fixes import concrete_expression, needs_names
from mindconverter.server.placeholders import Placeholder
from mindconverter.server.script_analysis import ScriptAnalysis
from mindconverter.server.skeleton import class_name_for, skeleton_class

IMPORTS = {
    "ms": ("mindspore", "import mindspore as ms"),
    "ops": ("mindspore.ops", "from mindspore import ops"),
    "nn": ("mindspore.nn", "from mindspore import nn"),
}


@dataclass(frozen=True)
class Fix:
    """A quick fix for one placeholder.

    Attributes:
        title: The code action's title.
        edits: The edits, in source coordinates of the analysed text.
        kind: ``concrete`` (real code) or ``skeleton`` (a cell to fill in).
        attr_name: The placeholder fixed.
    """

    title: str
    edits: tuple[SourceEdit, ...]
    kind: str
    attr_name: str


def import_edits(analysis: ScriptAnalysis, names: set[str]) -> list[SourceEdit]:
    """Insertions binding each of ``names`` (``ms``, ``ops``, ``nn``) that is not bound yet."""
    missing = [n for n in sorted(names) if analysis.imports.get(n) != IMPORTS[n][0]]
    if not missing:
        return []
    eol = line_ending(analysis.text)
    text = "".join(IMPORTS[n][1] + eol for n in missing)
    return [insert_at(import_insert_line(analysis), 0, text)]


def import_insert_line(analysis: ScriptAnalysis) -> int:
    body = analysis.tree.body if analysis.tree else []
    last = 0
    for index, node in enumerate(body):
        is_doc = index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if isinstance(node, (ast.Import, ast.ImportFrom)) or is_doc:
            last = node.end_lineno or node.lineno
        else:
            break
    return last + 1


def _remove_statement(lines: Sequence[str], placeholder: Placeholder) -> SourceEdit:
    rng = placeholder.statement
    if placeholder.alone:
        return delete_lines(lines, rng.start_line, rng.end_line)
    return SourceEdit(rng, "pass")


def concrete_fix(analysis: ScriptAnalysis, placeholder: Placeholder) -> Fix | None:
    """Replace the placeholder's calls with concrete code; ``None`` when the op needs more."""
    if not placeholder.calls:
        return None
    record = analysis.record(placeholder)
    edits: list[SourceEdit] = []
    names: set[str] = set()
    for site in placeholder.calls:
        expression = concrete_expression(record, site.args[0] if site.args else None)
        if expression is None:
            return None
        names |= needs_names(expression)
        edits.append(SourceEdit(site.range, expression))
    edits.append(_remove_statement(analysis.lines, placeholder))
    head = edits[0].new_text.split("(", 1)[0]
    return Fix(
        title=f"Replace the {placeholder.op_type} placeholder with {head} (recorded shapes)",
        edits=(*import_edits(analysis, names), *edits),
        kind="concrete",
        attr_name=placeholder.attr_name,
    )


def _indent_unit(lines: Sequence[str], placeholder: Placeholder) -> str:
    prefix = lines[placeholder.statement.start_line - 1][: placeholder.statement.start_col]
    if prefix and len(prefix) % 2 == 0 and len(set(prefix)) == 1:
        return prefix[: len(prefix) // 2]
    return "    "


def skeleton_fix(
    analysis: ScriptAnalysis, placeholder: Placeholder, taken: set[str] | None = None
) -> Fix:
    """Insert a skeleton ``nn.Cell`` for the operator and wire it in place of the placeholder."""
    record = analysis.record(placeholder)
    used = analysis.module_names() | (taken or set())
    name = class_name_for(placeholder.op_type, placeholder.attr_name, used)
    n_inputs = len(placeholder.calls[0].args) if placeholder.calls else len(record.runtime_shapes)
    indent = _indent_unit(analysis.lines, placeholder)
    eol = line_ending(analysis.text)
    source = skeleton_class(name, record, n_inputs, indent).replace("\n", eol)
    edits = [
        *import_edits(analysis, {"nn"}),
        insert_at(placeholder.class_line, 0, source + eol * 3),
        SourceEdit(placeholder.value, f"{name}()"),
    ]
    return Fix(
        title=f"Replace the {placeholder.op_type} placeholder with a skeleton cell {name}",
        edits=tuple(edits),
        kind="skeleton",
        attr_name=placeholder.attr_name,
    )


def fixes_for(analysis: ScriptAnalysis, placeholder: Placeholder) -> list[Fix]:
    """The concrete fix when the recorded shapes allow one, else the skeleton fix."""
    concrete = concrete_fix(analysis, placeholder)
    return [concrete] if concrete is not None else [skeleton_fix(analysis, placeholder)]


def _overlap(first: SourceRange, second: SourceRange) -> bool:
    a = ((first.start_line, first.start_col), (first.end_line, first.end_col))
    b = ((second.start_line, second.start_col), (second.end_line, second.end_col))
    return a[0] < b[1] and b[0] < a[1]


def fix_all_concrete(analysis: ScriptAnalysis) -> list[SourceEdit]:
    """Every concrete placeholder fix of the script, merged (imports added once)."""
    names: set[str] = set()
    edits: list[SourceEdit] = []
    for placeholder in analysis.placeholders:
        fix = concrete_fix(analysis, placeholder)
        if fix is None:
            continue
        body = [e for e in fix.edits if not _is_import_edit(analysis, e)]
        if any(_overlap(e.range, d.range) for e in body for d in edits):
            continue
        edits.extend(body)
        names |= {n for e in body for n in needs_names(e.new_text)}
    return [*import_edits(analysis, names), *edits] if edits else []


def _is_import_edit(analysis: ScriptAnalysis, edit: SourceEdit) -> bool:
    line = import_insert_line(analysis)
    start = (edit.range.start_line, edit.range.start_col)
    return start == (line, 0) and edit.new_text.lstrip().startswith(("import ", "from "))
