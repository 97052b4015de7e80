"""Rule: torch imports out, MindSpore imports in.

Spec: an import alias of a torch package is removed when every reference to it was converted
(scope analysis: all its accesses were consumed by converted sites); otherwise it stays, since
unconverted code still needs it. The MindSpore modules the converted code uses are imported at
the place of the first module-level torch import (else after the docstring and ``__future__``
imports), each reported as ``[Insert]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.context import Site
from mindconverter.converter.ast.resolve import TORCH_ROOTS, source_range
from mindconverter.converter.ast.rule import Rule
from mindconverter.converter.issues import SourceRange


@dataclass
class _ImportStatement:
    """One ``import``/``from ... import`` statement and what it binds."""

    node: cst.Import | cst.ImportFrom
    line: cst.CSTNode | None
    module_level: bool
    torch: bool
    bound: list[tuple[cst.ImportAlias, str]] = field(default_factory=list)
    removable: set[str] = field(default_factory=set)
    scope: Any = None
    ancestors: list[cst.CSTNode] = field(default_factory=list)
    range: SourceRange = field(default_factory=lambda: SourceRange(1, 0, 1, 0))
    line_range: SourceRange = field(default_factory=lambda: SourceRange(1, 0, 1, 0))


def _alias_text(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_alias_text(node.value)}.{node.attr.value}"
    return ""


class ImportRule(Rule):
    """Plan the import rewrite (see the module docstring)."""

    DESCRIPTION = "torch imports → MindSpore imports"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.statements: list[_ImportStatement] = []
        self.names: dict[str, list[cst.Name]] = {}
        self._skip: set[cst.CSTNode] = set()
        self._depth = 0
        self.module: cst.Module | None = None
        self.placeholder: cst.SimpleStatementLine | None = None
        self.anchor_range = SourceRange(1, 0, 1, 0)

    # --- collection -----------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:  # noqa: N802
        self.module = node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:  # noqa: N802
        self._depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:  # noqa: N802
        self._depth -= 1

    def visit_ClassDef(self, node: cst.ClassDef) -> None:  # noqa: N802
        self._depth += 1

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:  # noqa: N802
        self._depth -= 1

    def visit_Import(self, node: cst.Import) -> None:  # noqa: N802
        torch = any(_alias_text(a.name).split(".")[0] in TORCH_ROOTS for a in node.names)
        record = self._record(node, torch)
        for alias in node.names:
            dotted = _alias_text(alias.name)
            bound = alias.evaluated_alias or dotted.split(".")[0]
            record.bound.append((alias, bound))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:  # noqa: N802
        module = _alias_text(node.module) if node.module is not None else ""
        torch = not node.relative and module.split(".")[0] in TORCH_ROOTS
        record = self._record(node, torch)
        if isinstance(node.names, cst.ImportStar):
            record.torch = False  # names unknown: keep the statement as it is
            if torch:
                self.site(
                    node,
                    codes.REFERENCE_UNKNOWN,
                    f"{module}.*",
                    None,
                    hint="Star imports cannot be resolved; import names explicitly.",
                )
            return
        for alias in node.names:
            record.bound.append((alias, alias.evaluated_alias or _alias_text(alias.name)))

    def _record(self, node: cst.Import | cst.ImportFrom, torch: bool) -> _ImportStatement:
        line = self.ctx.current_line()
        record = _ImportStatement(node=node, line=line, module_level=self._depth == 0, torch=torch)
        record.ancestors = list(self.ctx.lines)
        meta = self.ctx.meta
        record.scope = meta.scope(node) if meta is not None else None
        record.range = source_range(meta, node)
        if line is not None:
            record.line_range = source_range(meta, line)
        self.statements.append(record)
        self._skip.add(node)
        return record

    def visit_Attribute(self, node: cst.Attribute) -> None:  # noqa: N802
        self._skip.add(node.attr)

    def visit_Arg(self, node: cst.Arg) -> None:  # noqa: N802
        if node.keyword is not None:
            self._skip.add(node.keyword)

    def visit_ImportAlias(self, node: cst.ImportAlias) -> None:  # noqa: N802
        for child in (node.name, node.asname.name if node.asname else None):
            self._skip_tree(child)

    def _skip_tree(self, node: cst.CSTNode | None) -> None:
        while isinstance(node, cst.Attribute):
            self._skip.add(node.attr)
            node = node.value
        if node is not None:
            self._skip.add(node)

    def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
        if node not in self._skip:
            self.names.setdefault(node.value, []).append(node)

    # --- planning (after the traversal) --------------------------------------------------
    def plan(self) -> None:
        """Decide which aliases go, which names are taken, and edit the import statements."""
        for record in self.statements:
            if record.torch:
                record.removable = {
                    bound for _, bound in record.bound if self._unreferenced(record, bound)
                }
        taken = {
            name
            for name, nodes in self.names.items()
            if any(n not in self.ctx.consumed for n in nodes)
        }
        for record in self.statements:
            taken.update(bound for _, bound in record.bound if bound not in record.removable)
        self.ctx.imports.taken = taken
        self.ctx.extra["names"] = set(self.names) | taken
        anchor = self._anchor()
        drops: dict[cst.SimpleStatementLine, set[int]] = {}
        if anchor is not None and isinstance(anchor.line, cst.SimpleStatementLine):
            drops[anchor.line] = set()
            self.placeholder = _placeholder(anchor.line.leading_lines)
        for record in self.statements:
            if record.torch and record.removable:
                self._plan_removal(record, drops)
        for line, positions in drops.items():
            placeholder = self.placeholder if anchor is not None and line is anchor.line else None
            owner = next(r for r in self.statements if r.line is line)
            self.ctx.edit(line, _line_editor(positions, placeholder), owner.ancestors)
        if anchor is None:
            self.placeholder = _placeholder(())
            self._insert_at_top()

    def _unreferenced(self, record: _ImportStatement, bound: str) -> bool:
        if record.scope is None:
            return False
        accesses = [
            access
            for assignment in record.scope.assignments[bound]
            if getattr(assignment, "node", None) is record.node
            for access in assignment.references
        ]
        return all(access.node in self.ctx.consumed for access in accesses)

    def _anchor(self) -> _ImportStatement | None:
        for record in self.statements:
            if (
                record.torch
                and record.module_level
                and isinstance(record.line, cst.SimpleStatementLine)
            ):
                self.anchor_range = record.line_range
                return record
        return None

    def _plan_removal(
        self, record: _ImportStatement, drops: dict[cst.SimpleStatementLine, set[int]]
    ) -> None:
        keep = [alias for alias, bound in record.bound if bound not in record.removable]
        removed = [alias for alias, bound in record.bound if bound in record.removable]
        empty = cst.Module([])
        text = empty.code_for_node(record.node)
        self.ctx.add_site(
            Site(
                code=codes.IMPORT_CONVERTED,
                kind="convert",
                source_api=text,
                target="import mindspore",
                range=record.range,
                message=f"'{text}' is converted to 'import mindspore'.",
                data={"removed": [empty.code_for_node(a.name) for a in removed]},
            )
        )
        statement = record.node
        line = record.line
        if keep:
            fixed = [
                a.with_changes(comma=cst.MaybeSentinel.DEFAULT) if i == len(keep) - 1 else a
                for i, a in enumerate(keep)
            ]
            self.ctx.edit(
                statement, lambda updated: updated.with_changes(names=fixed), record.ancestors
            )
        elif isinstance(line, cst.SimpleStatementLine) and statement in line.body:
            drops.setdefault(line, set()).add(line.body.index(statement))
        else:
            self.ctx.edit(statement, lambda updated: cst.RemovalSentinel.REMOVE, record.ancestors)

    def _insert_at_top(self) -> None:
        module = self.module
        placeholder = self.placeholder
        if module is None or placeholder is None:
            return
        index = _insert_index(module)

        def insert(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Module)
            body = list(updated.body)
            body.insert(index, placeholder)
            return updated.with_changes(body=body)

        self.ctx.edit(module, insert, [])

    # --- after the edits -------------------------------------------------------------------
    def insert_imports(self, module: cst.Module) -> cst.Module:
        """Replace the placeholder with the imports the converted code uses."""
        lines = self.ctx.imports.import_lines()
        placeholder = self.placeholder
        if placeholder is None:
            return module
        body = list(module.body)
        position = next((i for i, s in enumerate(body) if s is placeholder), None)
        if position is None:
            return module
        new = [cst.parse_statement(line) for line in lines]
        if new:
            new[0] = new[0].with_changes(leading_lines=placeholder.leading_lines)
        elif position + 1 < len(body):
            following = body[position + 1]
            body[position + 1] = following.with_changes(
                leading_lines=[*placeholder.leading_lines, *following.leading_lines]
            )
        body[position : position + 1] = new
        for line in lines:
            self.ctx.add_site(
                Site(
                    code=codes.IMPORT_INSERTED,
                    kind="insert",
                    source_api="",
                    target=line,
                    range=self.anchor_range,
                    message=f"'{line}' is inserted to the converted file.",
                )
            )
        return module.with_changes(body=body)


def _placeholder(leading_lines: Sequence[cst.EmptyLine]) -> cst.SimpleStatementLine:
    """A unique statement that marks where the MindSpore imports go."""
    return cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=leading_lines)


def _line_editor(
    positions: set[int], placeholder: cst.SimpleStatementLine | None
) -> Callable[[cst.CSTNode], cst.CSTNode | cst.FlattenSentinel | cst.RemovalSentinel]:
    """Drop the statements at ``positions`` of a line; put ``placeholder`` before it."""

    def edit(updated: cst.CSTNode) -> cst.CSTNode | cst.FlattenSentinel | cst.RemovalSentinel:
        assert isinstance(updated, cst.SimpleStatementLine)
        body = [s for i, s in enumerate(updated.body) if i not in positions]
        kept: list[cst.CSTNode] = []
        if body:
            last = len(body) - 1
            fixed = [
                s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT) if i == last else s
                for i, s in enumerate(body)
            ]
            line = updated.with_changes(body=fixed)
            if placeholder is not None:
                line = line.with_changes(leading_lines=())
            kept.append(line)
        if placeholder is not None:
            return cst.FlattenSentinel([placeholder, *kept])
        return kept[0] if kept else cst.RemovalSentinel.REMOVE

    return edit


def _insert_index(module: cst.Module) -> int:
    index = 0
    for position, statement in enumerate(module.body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        first = statement.body[0] if statement.body else None
        is_doc = (
            position == 0
            and isinstance(first, cst.Expr)
            and isinstance(first.value, (cst.SimpleString, cst.ConcatenatedString))
        )
        is_future = (
            isinstance(first, cst.ImportFrom)
            and first.module is not None
            and _alias_text(first.module) == "__future__"
        )
        if is_doc or is_future:
            index = position + 1
        else:
            break
    return index
