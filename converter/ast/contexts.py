"""Rule: gradient-mode contexts (``with torch.no_grad():``, ``@torch.no_grad()``).

Spec: MindSpore records no gradients outside ``mindspore.grad``/``value_and_grad``, so a
``with`` whose items are all gradient-mode switches is replaced by its body (comments kept);
other items of the same ``with`` stay. The same switches used as decorators are removed.
"""

from __future__ import annotations

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.rule import Rule

GRAD_MODES = frozenset(
    {
        "torch.no_grad",
        "torch.enable_grad",
        "torch.inference_mode",
        "torch.set_grad_enabled",
        "torch.autograd.no_grad",
        "torch.autograd.grad_mode.no_grad",
    }
)
TARGET = "nothing (MindSpore records gradients only inside grad functions)"


class GradModeRule(Rule):
    """Remove gradient-mode contexts and decorators."""

    DESCRIPTION = "torch.no_grad() and friends"

    def visit_With(self, node: cst.With) -> None:  # noqa: N802
        grad_items = [item for item in node.items if self._grad_mode(item.item)]
        if not grad_items:
            return
        for item in grad_items:
            self._claim(item.item)
        if len(grad_items) < len(node.items):
            keep = [i for i, item in enumerate(node.items) if item not in grad_items]
            self.ctx.edit(node, lambda updated: updated.with_changes(items=_items(updated, keep)))
            return
        self.ctx.edit(node, _unwrap)

    def visit_Decorator(self, node: cst.Decorator) -> None:  # noqa: N802
        if self._grad_mode(node.decorator):
            self._claim(node.decorator)
            self.ctx.edit(node, lambda updated: cst.RemovalSentinel.REMOVE)

    def _grad_mode(self, expr: cst.BaseExpression) -> str | None:
        func = expr.func if isinstance(expr, cst.Call) else expr
        name = self.torch_name(func)
        return name if name in GRAD_MODES else None

    def _claim(self, expr: cst.BaseExpression) -> None:
        name = self._grad_mode(expr) or ""
        func = expr.func if isinstance(expr, cst.Call) else expr
        self.ctx.handled.add(expr)
        self.ctx.claim(func)
        self.ctx.consume(func)
        self.site(expr, codes.CALL_CONVERTED, name, TARGET)


def _items(updated: cst.CSTNode, keep: list[int]) -> list[cst.WithItem]:
    assert isinstance(updated, cst.With)
    items = [updated.items[i] for i in keep]
    items[-1] = items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return items


def _unwrap(updated: cst.CSTNode) -> cst.CSTNode | cst.FlattenSentinel:
    assert isinstance(updated, cst.With)
    body = updated.body
    if isinstance(body, cst.SimpleStatementSuite):
        statements: list[cst.BaseStatement] = [cst.SimpleStatementLine(body=body.body)]
    else:
        statements = [s for s in body.body if isinstance(s, cst.BaseStatement)]
    if not statements:
        return cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=updated.leading_lines)
    first = statements[0]
    statements[0] = first.with_changes(
        leading_lines=[*updated.leading_lines, *getattr(first, "leading_lines", ())]
    )
    return cst.FlattenSentinel(statements)
