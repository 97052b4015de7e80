"""Metadata of one module, resolved once and shared by every rule of the traversal.

* **Scopes** come from LibCST's :class:`~libcst.metadata.ScopeProvider` (one scope analysis per
  module). Both providers it needs are run directly: through a ``MetadataWrapper`` each would
  also cost a batched traversal of the whole tree that only calls its ``visit_Module``.
* **Qualified names** are what :class:`~libcst.metadata.QualifiedNameProvider` returns
  (``scope.get_qualified_names_for(node)`` of the node's scope), computed on demand for the nodes
  the rules ask about and remembered, instead of a provider pass that visits every node.
* **Positions** are those of :class:`~libcst.metadata.PositionProvider`, computed on the first
  request (a file without findings never pays for them) by one code generation pass whose state
  keeps plain tuples and skips the regex split of tokens that hold no newline.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Collection, Mapping
from functools import cache
from typing import Any, cast

import libcst as cst
from libcst._nodes.internal import CodegenState  # the state PositionProvider extends
from libcst.metadata import (
    CodePosition,
    CodeRange,
    ExpressionContextProvider,
    QualifiedName,
    Scope,
    ScopeProvider,
)

_NO_NAMES: frozenset[QualifiedName] = frozenset()
NEWLINE_RE = re.compile(r"\r\n?|\n")
Span = tuple[tuple[int, int], tuple[int, int]]


class ModuleMetadata:
    """Scopes, qualified names and positions of one parsed module.

    Args:
        module: The parsed module (used as is, never copied).
    """

    def __init__(self, module: cst.Module) -> None:
        self.module = module
        self._scopes: Mapping[cst.CSTNode, Scope | None] = scopes(module)
        self._names: dict[cst.CSTNode, Collection[QualifiedName]] = {}
        self._positions: Mapping[cst.CSTNode, Span] | None = None
        self.torch_names: dict[cst.CSTNode, str | None] = {}

    def scope(self, node: cst.CSTNode) -> Scope | None:
        """The scope ``node`` belongs to (``None`` for formatting nodes)."""
        return self._scopes.get(node)

    def qualified_names(self, node: cst.CSTNode) -> Collection[QualifiedName]:
        """The ``QualifiedNameProvider`` value of ``node`` (empty when it has no scope)."""
        names = self._names.get(node)
        if names is None:
            scope = self._scopes.get(node)
            names = scope.get_qualified_names_for(node) if scope else _NO_NAMES
            self._names[node] = names
        return names

    def position(self, node: cst.CSTNode) -> CodeRange | None:
        """The ``PositionProvider`` range of ``node`` (``None`` for a node not in the module)."""
        if self._positions is None:
            self._positions = positions(self.module)
        span = self._positions.get(node)
        if span is None:
            return None
        (start_line, start_col), (end_line, end_col) = span
        return CodeRange(CodePosition(start_line, start_col), CodePosition(end_line, end_col))


def scopes(module: cst.Module) -> Mapping[cst.CSTNode, Scope | None]:
    """The ``ScopeProvider`` mapping of ``module`` (what ``MetadataWrapper.resolve`` returns).

    Each provider's whole work is its ``visit_Module``; its results are in ``_computed``.
    """
    contexts = ExpressionContextProvider()
    contexts.visit_Module(module)
    provider = ScopeProvider()
    provider.metadata = {ExpressionContextProvider: contexts._computed}
    provider.visit_Module(module)
    return cast(Mapping[cst.CSTNode, Scope | None], provider._computed)


def positions(module: cst.Module) -> dict[cst.CSTNode, Span]:
    """Every node's ``PositionProvider`` range, as ``((line, col), (line, col))`` tuples."""
    state = _PositionState(module)
    module._codegen(state)  # what PositionProvider does, with a lighter state
    return state.computed


class _PositionState(CodegenState):
    """``PositionProvidingCodegenState`` semantics; tuples instead of position objects."""

    __slots__ = ("_stack", "column", "computed", "line")

    def __init__(self, module: cst.Module) -> None:
        super().__init__(module.default_indent, module.default_newline)
        self.line = 1
        self.column = 0
        self._stack: list[tuple[int, int]] = []
        self.computed: dict[cst.CSTNode, Span] = {}

    def add_indent_tokens(self) -> None:
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self._advance(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self._advance(value)

    def _advance(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            segments = NEWLINE_RE.split(value)
            self.line += len(segments) - 1
            self.column = len(segments[-1])
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        if node not in self.computed:  # a syntactic position was recorded already
            self.computed[node] = (start, (self.line, self.column))

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _SyntacticPosition:
        return _SyntacticPosition(self, node, start_node, end_node)


class _SyntacticPosition:
    """The context manager ``record_syntactic_position`` returns (cheaper than a generator)."""

    __slots__ = ("end_node", "node", "start", "start_node", "state")

    def __init__(
        self,
        state: _PositionState,
        node: cst.CSTNode,
        start_node: cst.CSTNode | None,
        end_node: cst.CSTNode | None,
    ) -> None:
        self.state = state
        self.node = node
        self.start_node = start_node
        self.end_node = end_node
        self.start = (state.line, state.column)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        state = self.state
        computed = state.computed
        start = self.start if self.start_node is None else computed[self.start_node][0]
        end = (state.line, state.column) if self.end_node is None else computed[self.end_node][1]
        computed[self.node] = (start, end)


@cache
def visitor_method_names(cls: type) -> tuple[str, ...]:
    """Names of the ``visit_*``/``leave_*`` methods a batchable visitor class defines.

    What :meth:`libcst.BatchableCSTVisitor.get_visitors` finds with ``inspect.getmembers`` on
    every instance (about 1.5 ms each), worked out once per class.
    """
    names = []
    for name, member in inspect.getmembers(cls, inspect.isfunction):
        if name.startswith(("visit_", "leave_")) and not getattr(member, "_is_no_op", False):
            names.append(name)
    return tuple(names)


class CachedVisitorsMixin:
    """``get_visitors`` from a per-class table (same result as LibCST's, much cheaper)."""

    def get_visitors(self) -> dict[str, Any]:
        """The visitor's ``visit_*``/``leave_*`` bound methods, excluding no-op stubs."""
        names = visitor_method_names(cast(type, type(self)))
        return {name: getattr(self, name) for name in names}
