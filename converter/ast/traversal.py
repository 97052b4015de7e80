"""One traversal of the original tree that runs every rule (LibCST's batched visiting, leaner).

:func:`libcst.visit_batched` looks up ``visit_<Type>``/``leave_<Type>`` methods by formatting a
string for every node and every attribute of every node; here the methods are gathered once per
node type (and per attribute) for the whole file. The order of calls is the same: the hooks
first, then each visitor in the order given; on leave, each visitor, then the hooks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import libcst as cst
from libcst import BatchableCSTVisitor

LINE_NODES = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
_LINE_TYPES: dict[type, bool] = {}

Methods = tuple[Callable[[cst.CSTNode], Any], ...]


def is_line(node: cst.CSTNode) -> bool:
    """Whether ``node`` is a statement line (``isinstance`` on LINE_NODES, memoised per type)."""
    kind = type(node)
    flag = _LINE_TYPES.get(kind)
    if flag is None:
        flag = _LINE_TYPES[kind] = issubclass(kind, LINE_NODES)
    return flag


class BatchedTraversal(cst.CSTVisitor):
    """Dispatch each node to the rules' methods; keep ``lines`` (the enclosing statements).

    Args:
        visitors: The batchable visitors, in call order.
        lines: The stack of statements being visited (shared with the rules' context).
    """

    def __init__(self, visitors: Sequence[BatchableCSTVisitor], lines: list[cst.CSTNode]) -> None:
        super().__init__()
        self.lines = lines
        self._methods: dict[str, list[Callable[[cst.CSTNode], Any]]] = {}
        for visitor in visitors:
            for name, method in visitor.get_visitors().items():
                self._methods.setdefault(name, []).append(method)
        self._by_key: dict[tuple[str, type, str], Methods] = {}

    def _lookup(self, prefix: str, kind: type, attribute: str = "") -> Methods:
        key = (prefix, kind, attribute)
        methods = self._by_key.get(key)
        if methods is None:
            name = f"{prefix}_{kind.__name__}" + (f"_{attribute}" if attribute else "")
            methods = self._by_key[key] = tuple(self._methods.get(name, ()))
        return methods

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Push statements, then call every ``visit_<Type>``."""
        if is_line(node):
            self.lines.append(node)
        for method in self._lookup("visit", type(node)):
            method(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        """Call every ``leave_<Type>``, then pop statements."""
        for method in self._lookup("leave", type(original_node)):
            method(original_node)
        lines = self.lines
        if lines and lines[-1] is original_node and is_line(original_node):
            lines.pop()

    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        """Call every ``visit_<Type>_<attribute>``."""
        for method in self._lookup("visit", type(node), attribute):
            method(node)

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        """Call every ``leave_<Type>_<attribute>``."""
        for method in self._lookup("leave", type(original_node), attribute):
            method(original_node)
