"""Fast name resolution on Python's :mod:`ast`: imports and the dotted name under the cursor.

Hover and code actions must answer in milliseconds on large files, so they work on the
stdlib parser (tens of times faster than a full LibCST metadata pass) and resolve names the
way Python binds them at import: ``import torch.nn as nn`` makes ``nn.Linear`` mean
``torch.nn.Linear``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

_NEWLINE = re.compile("\n")


def _import_nodes(tree: ast.AST, text: str | None) -> Iterator[ast.AST]:
    """The nodes to look for imports in: with the source text, only statements mentioning
    ``import`` are walked (cheap on large files)."""
    if text is None or not isinstance(tree, ast.Module):
        yield from ast.walk(tree)
        return
    starts = [0, *(match.end() for match in _NEWLINE.finditer(text))]
    for statement in tree.body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            yield statement
            continue
        first = starts[statement.lineno - 1] if statement.lineno - 1 < len(starts) else 0
        end_line = statement.end_lineno or statement.lineno
        last = starts[end_line] if end_line < len(starts) else len(text)
        if "import" in text[first:last]:
            yield from ast.walk(statement)


def import_map(tree: ast.AST, text: str | None = None) -> dict[str, str]:
    """Map every imported local name to the fully qualified name it is bound to.

    All ``import`` statements count, wherever they are (functions too); the last binding of a
    name wins. ``import a.b`` binds ``a``; ``from . import x`` (relative) is skipped.

    Args:
        tree: The parsed module.
        text: Its source; when given, statements that cannot contain an import are skipped.
    """
    names: dict[str, str] = {}
    for node in _import_nodes(tree, text):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def dotted_parts(node: ast.AST) -> list[str] | None:
    """``a.b.c`` as ``["a", "b", "c"]``; ``None`` when the chain does not start at a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def qualify(parts: list[str], imports: dict[str, str]) -> str | None:
    """Resolve a dotted chain through the import map (``None`` when its head is not imported)."""
    head = imports.get(parts[0])
    if head is None:
        return None
    return ".".join([head, *parts[1:]])


def _covers(node: ast.AST, line: int, byte_col: int) -> bool:
    start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
    end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    return start <= (line, byte_col) <= end


def nodes_at(tree: ast.AST, line: int, byte_col: int) -> list[ast.AST]:
    """The chain of nodes covering a position, outermost first.

    Args:
        tree: A parsed module.
        line: 1-based line.
        byte_col: Column in UTF-8 bytes (the :mod:`ast` convention).
    """
    path: list[ast.AST] = []
    children: Iterator[ast.AST] = ast.iter_child_nodes(tree)
    while True:
        for child in children:
            if getattr(child, "lineno", None) is None:
                if any(_covers(c, line, byte_col) for c in _positioned(child)):
                    children = ast.iter_child_nodes(child)
                    break
                continue
            if _covers(child, line, byte_col):
                path.append(child)
                children = ast.iter_child_nodes(child)
                break
        else:
            return path


def _positioned(node: ast.AST) -> Iterator[ast.AST]:
    for child in ast.iter_child_nodes(node):
        if getattr(child, "lineno", None) is not None:
            yield child
        else:
            yield from _positioned(child)


@dataclass(frozen=True)
class NameAtCursor:
    """A dotted name under the cursor.

    Attributes:
        parts: The chain up to and including the segment under the cursor.
        full: The whole chain the cursor sits in.
        node: The :mod:`ast` node of ``parts``.
        full_node: The :mod:`ast` node of ``full``.
    """

    parts: list[str]
    full: list[str]
    node: ast.AST
    full_node: ast.AST


def name_at(tree: ast.AST, line: int, byte_col: int) -> NameAtCursor | None:
    """The dotted name (``nn.Linear``) under a position, if the cursor is on one."""
    chain = [n for n in nodes_at(tree, line, byte_col) if isinstance(n, (ast.Attribute, ast.Name))]
    if not chain:
        return None
    outer = next((n for n in chain if dotted_parts(n) is not None), None)
    if outer is None:
        return None
    inner = chain[-1]
    for node in reversed(chain):
        if isinstance(node, ast.Name) or _on_attr_segment(node, line, byte_col):
            inner = node
            break
    inner_parts = dotted_parts(inner)
    full_parts = dotted_parts(outer)
    if inner_parts is None or full_parts is None:
        return None
    return NameAtCursor(parts=inner_parts, full=full_parts, node=inner, full_node=outer)


def _on_attr_segment(node: ast.AST, line: int, byte_col: int) -> bool:
    """Whether the position is on the ``.attr`` segment of an Attribute (not its value)."""
    value = node.value  # type: ignore[attr-defined]
    return (line, byte_col) > (value.end_lineno, value.end_col_offset)
