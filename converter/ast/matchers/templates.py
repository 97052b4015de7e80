"""Build a replacement expression from a source template (for matchers that restructure a call).

A template is Python source whose upper-case placeholder names (``_Q_``, ``_OPS_``) are
replaced by argument expressions or rendered MindSpore modules::

    fill("_OPS_.matmul(_Q_, _K_)", planner, Q=q_node, K=k_node)

``_OPS_`` and ``_MS_`` render ``mindspore.ops`` and ``mindspore`` through the
:class:`ImportPlanner` (so the import is planned); an operand that is not atomic is
parenthesised.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from mindconverter.converter.ast.callargs import is_atomic, literal_number, parse_code
from mindconverter.converter.ast.render import ImportPlanner

MODULES = {"OPS": "mindspore.ops", "MS": "mindspore", "NN": "mindspore.nn"}


def code_of(node: cst.CSTNode) -> str:
    """Source text of a node."""
    return cst.Module(body=()).code_for_node(node)


def fill(template: str, planner: ImportPlanner, **values: cst.BaseExpression) -> cst.BaseExpression:
    """The template with ``_NAME_`` placeholders replaced (see the module docstring)."""
    nodes: dict[str, cst.BaseExpression] = {}
    for key, module in MODULES.items():
        if f"_{key}_" in template:
            nodes[f"_{key}_"] = planner.render(module)
    for key, value in values.items():
        safe = is_atomic(value) or isinstance(value, (cst.List, cst.Dict, cst.SimpleString))
        nodes[f"_{key}_"] = (
            value if safe else value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        )
    return parse_code(template).visit(_Fill(nodes))  # type: ignore[return-value]


class _Fill(cst.CSTTransformer):
    def __init__(self, nodes: dict[str, cst.BaseExpression]) -> None:
        super().__init__()
        self.nodes = nodes

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> Any:  # noqa: N802
        return self.nodes.get(updated_node.value, updated_node)


def is_plain(expr: cst.BaseExpression | None) -> bool:
    """A name, attribute chain or integer subscript of one: safe to evaluate twice."""
    if isinstance(expr, cst.Name):
        return True
    if isinstance(expr, cst.Attribute):
        return is_plain(expr.value)
    if isinstance(expr, cst.Subscript):
        return is_plain(expr.value) and all(_constant_index(s.slice) for s in expr.slice)
    return False


def _constant_index(index: cst.BaseSlice) -> bool:
    """``0``, ``-1``, ``:4``, ``1:-1:2`` or ``...``."""
    if isinstance(index, cst.Slice):
        bounds = (index.lower, index.upper, index.step)
        return all(b is None or literal_number(b) is not None for b in bounds)
    value = index.value if isinstance(index, cst.Index) else None
    return isinstance(value, cst.Ellipsis) or (
        value is not None and literal_number(value) is not None
    )


def literal_bool(expr: cst.BaseExpression | None) -> bool | None:
    """``True``/``False`` literal value, else ``None``."""
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None
