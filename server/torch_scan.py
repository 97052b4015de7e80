"""A fast, preliminary scan of torch call sites (stdlib :mod:`ast` + the mapping table).

The AST converter is the authority on what a call site becomes, but it costs milliseconds per
line. While it works through a newly opened or edited part of a document, the server shows
what this scan finds in a few milliseconds: every call whose callee resolves through the
imports to a ``torch`` API, classified by the mapping table the converter uses, with the
converter's codes (``MC-A001`` convertible, ``MC-A002`` no counterpart). The converter's
findings replace these as soon as they are ready (they add what needs its type inference:
tensor methods, module structure, argument checks).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence

from mindconverter.converter.issues import ConversionIssue
from mindconverter.server.mapping_info import torch_entry
from mindconverter.server.names import dotted_parts, qualify
from mindconverter.server.positions import ast_range

CONVERTIBLE = "MC-A001"
NO_COUNTERPART = "MC-A002"
UNSUPPORTED_STATUS = "unsupported"


def _site(node: ast.Call, lines: Sequence[str], qualified: str, tier: str) -> ConversionIssue:
    entry = torch_entry(qualified, tier)
    target = getattr(entry, "target", None) if entry is not None else None
    status = getattr(entry, "status", "") if entry is not None else ""
    rng = ast_range(lines, node)
    if target and status != UNSUPPORTED_STATUS:
        rename = dict(getattr(entry, "rename", {}) or {})
        return ConversionIssue(
            code=CONVERTIBLE,
            kind="convert",
            source_api=qualified,
            target=target,
            message=f"'{qualified}' is converted to '{target}'.",
            range=rng,
            status=status,
            data={"rename": rename, "args": list(getattr(entry, "args", ())), "preliminary": True},
        )
    return ConversionIssue(
        code=NO_COUNTERPART,
        kind="unconvert",
        source_api=qualified,
        target=None,
        message=f"'{qualified}' didn't convert.",
        range=rng,
        status=status,
        data={"preliminary": True},
    )


def _calls(statement: ast.AST) -> Iterator[ast.Call]:
    """Every call under ``statement`` (a leaner :func:`ast.walk`: this is the hot loop)."""
    stack = [statement]
    call, node_type, listed = ast.Call, ast.AST, list
    while stack:
        node = stack.pop()
        if type(node) is call:
            yield node  # type: ignore[misc]
        for value in node.__dict__.values():
            if isinstance(value, node_type):
                stack.append(value)
            elif type(value) is listed:
                stack.extend(v for v in value if isinstance(v, node_type))


def scan_statements(
    statements: Iterable[ast.stmt], lines: Sequence[str], imports: dict[str, str], tier: str
) -> list[ConversionIssue]:
    """Preliminary issues for the torch calls in ``statements`` (document coordinates)."""
    torch_names = {
        name for name, qualified in imports.items() if qualified.split(".")[0] == "torch"
    }
    found = []
    for statement in statements:
        for node in _calls(statement):
            parts = dotted_parts(node.func)
            if not parts or parts[0] not in torch_names:
                continue
            qualified = qualify(parts, imports)
            if qualified is not None:
                found.append(_site(node, lines, qualified, tier))
    found.sort(key=lambda i: (i.range.start_line, i.range.start_col))
    return found
