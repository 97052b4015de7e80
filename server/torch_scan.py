"""A fast, preliminary scan of torch call sites (stdlib :mod:`ast` + the mapping table).

The AST converter is the authority on what a call site becomes, but it costs milliseconds per
line. While it works through a newly opened or edited part of a document, the server shows
what this scan finds in a few milliseconds: every call whose callee resolves through the
imports to a ``torch`` API, classified by the mapping table the converter uses, with the
converter's codes (``MC-A001`` convertible, ``MC-A002`` no counterpart). The converter's
findings replace these as soon as they are ready (they add what needs its type inference:
tensor methods, module structure, argument checks).

The scan is on the path from ``didOpen`` to the first diagnostics, so it avoids work that
cannot find anything: statements whose lines never name a torch import are not walked, nor are
the leaves of the tree (contexts, constants), and each API is classified once per document.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any

from mindconverter.converter.issues import ConversionIssue
from mindconverter.server.mapping_info import torch_entry
from mindconverter.server.names import dotted_parts, qualify
from mindconverter.server.positions import ast_range

CONVERTIBLE = "MC-A001"
NO_COUNTERPART = "MC-A002"
UNSUPPORTED_STATUS = "unsupported"

_LEAVES = (ast.expr_context, ast.Constant, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
"""Node types that never contain a call (not walked)."""

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
"""Statements whose decorators start above ``lineno`` (always walked, body filtered)."""

_NOT_NODES = frozenset({"ctx", "id", "attr", "arg", "name", "module", "type_comment", "level"})
"""Fields that never hold a node (names, contexts)."""

_CALL_ARGUMENTS = ("args", "keywords")
"""What the walk enters of a call whose callee is a dotted name."""

_OTHER, _CALL, _STATEMENT = 0, 1, 2
_TABLE: dict[type, tuple[int, tuple[str, ...]]] = {}
"""Per type: its kind for the walk and the fields that may hold nodes."""


def _entry(node_type: type) -> tuple[int, tuple[str, ...]]:
    """The walk's view of a type (computed once per type)."""
    if not issubclass(node_type, ast.AST) or issubclass(node_type, _LEAVES):
        entry: tuple[int, tuple[str, ...]] = (_OTHER, ())
    else:
        fields = tuple(f for f in node_type._fields if f not in _NOT_NODES)
        if node_type is ast.Call:
            kind = _CALL
        elif issubclass(node_type, ast.stmt) and not issubclass(node_type, _DEFINITIONS):
            kind = _STATEMENT
        else:
            kind = _OTHER
        entry = (kind, fields)
    _TABLE[node_type] = entry
    return entry


def classify(qualified: str, tier: str) -> tuple[str, str, str | None, str, str, dict[str, Any]]:
    """What the scan reports for a torch API: ``(code, kind, target, message, status, data)``.

    ``data`` is a template: each issue gets its own copy.
    """
    entry = torch_entry(qualified, tier)
    target = getattr(entry, "target", None) if entry is not None else None
    status = getattr(entry, "status", "") if entry is not None else ""
    if target and status != UNSUPPORTED_STATUS:
        rename = dict(getattr(entry, "rename", {}) or {})
        data = {"rename": rename, "args": list(getattr(entry, "args", ())), "preliminary": True}
        message = f"'{qualified}' is converted to '{target}'."
        return CONVERTIBLE, "convert", target, message, status, data
    message = f"'{qualified}' didn't convert."
    return NO_COUNTERPART, "unconvert", None, message, status, {"preliminary": True}


def _issue(
    node: ast.Call, lines: Sequence[str], qualified: str, found: tuple[Any, ...]
) -> ConversionIssue:
    code, kind, target, message, status, template = found
    data = dict(template)
    if "rename" in data:
        data["rename"], data["args"] = dict(data["rename"]), list(data["args"])
    return ConversionIssue(
        code=code,
        kind=kind,
        source_api=qualified,
        target=target,
        message=message,
        range=ast_range(lines, node),
        status=status,
        data=data,
    )


class TorchScanner:
    """The preliminary scan of one document version (its imports and lines, resolved once).

    Args:
        lines: The document split with :func:`~mindconverter.server.positions.split_lines`.
        imports: Local name → qualified name of the document's imports.
        tier: API tier (``nn_ops`` or ``mint``).
    """

    def __init__(self, lines: Sequence[str], imports: dict[str, str], tier: str) -> None:
        self.lines = lines
        self.imports = imports
        self.tier = tier
        self.torch_names = frozenset(
            name for name, qualified in imports.items() if qualified.split(".")[0] == "torch"
        )
        self._found: dict[str, tuple[Any, ...]] = {}
        self._marked: list[int] | None = None
        self._walk_all = False

    def _mark_lines(self) -> list[int] | None:
        """Running count of lines naming a torch import (``None``: walk everything).

        Identifiers are NFKC-normalised by the parser, so a non-ASCII document may spell a
        name differently from its import: such documents are walked whole.
        """
        if not self.torch_names or not all(line.isascii() for line in self.lines):
            return None
        names = "|".join(re.escape(n) for n in sorted(self.torch_names))
        search = re.compile(rf"(?<!\w)(?:{names})(?!\w)").search
        return [0, *accumulate(1 if search(line) else 0 for line in self.lines)]

    def _may_call(self, statement: ast.stmt) -> bool:
        """Whether a (non-definition) statement's lines name a torch import."""
        marked = self._marked
        if marked is None:
            if self._walk_all:
                return True
            marked = self._marked = self._mark_lines()
            if marked is None:
                self._walk_all = True
                return True
        first = max(statement.lineno, 1)
        last = min(statement.end_lineno or statement.lineno, len(marked) - 1)
        return marked[last] > marked[first - 1]

    def calls(self, statement: ast.AST) -> Iterator[tuple[ast.Call, list[str]]]:
        """The calls of dotted names under ``statement``, with the names' parts.

        A lean :func:`ast.walk`: it skips statements that name no torch import, leaves, and
        the callee of such a call (a dotted name holds no call).
        """
        stack: list[Any] = [statement]
        table, may_call = _TABLE, self._may_call
        while stack:
            node = stack.pop()
            kind, fields = table.get(type(node)) or _entry(type(node))
            if kind == _CALL:
                parts = dotted_parts(node.func)
                if parts is not None:
                    yield node, parts
                    fields = _CALL_ARGUMENTS
            elif kind == _STATEMENT and not may_call(node):
                continue
            for name in fields:
                value = getattr(node, name, None)
                if type(value) is list:
                    stack.extend(value)
                elif value is not None:
                    stack.append(value)

    def scan(self, statements: Iterable[ast.stmt]) -> list[ConversionIssue]:
        """Preliminary issues for the torch calls in ``statements`` (document coordinates)."""
        torch_names, imports, found_for = self.torch_names, self.imports, self._found
        found = []
        for statement in statements:
            for node, parts in self.calls(statement):
                if parts[0] not in torch_names:
                    continue
                qualified = qualify(parts, imports)
                if qualified is None:
                    continue
                classified = found_for.get(qualified)
                if classified is None:
                    classified = found_for[qualified] = classify(qualified, self.tier)
                found.append(_issue(node, self.lines, qualified, classified))
        found.sort(key=lambda i: (i.range.start_line, i.range.start_col))
        return found


def scan_statements(
    statements: Iterable[ast.stmt], lines: Sequence[str], imports: dict[str, str], tier: str
) -> list[ConversionIssue]:
    """Preliminary issues for the torch calls in ``statements`` (document coordinates)."""
    return TorchScanner(lines, imports, tier).scan(statements)
