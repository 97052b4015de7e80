"""Base class of the conversion rules, and the shared call-site conversion.

A rule is a :class:`~libcst.BatchableCSTVisitor`: all rules run in one traversal of the original
tree, read the metadata resolved once for the module
(:class:`~mindconverter.converter.ast.metadata.ModuleMetadata`, in ``ctx.meta``), and register
edits and findings in the shared :class:`~mindconverter.converter.ast.context.ConversionContext`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import libcst as cst
from libcst import BatchableCSTVisitor
from mindconverter.converter.ast import codes, tables
from mindconverter.converter.ast.callargs import UnconvertibleError
from mindconverter.converter.ast.context import ConversionContext, Site
from mindconverter.converter.ast.matchers import CallMatcher, CallPlan, find
from mindconverter.converter.ast.metadata import CachedVisitorsMixin
from mindconverter.converter.ast.resolve import source_range, torch_name
from mindconverter.converter.ast.typeinfo import TypeTracker


class Rule(CachedVisitorsMixin, BatchableCSTVisitor):
    """One conversion concern (imports, calls, tensor methods, modules, training...).

    Args:
        ctx: The shared conversion state.
        types: The expression-kind tracker (runs before the rules in the same traversal).
    """

    DESCRIPTION: ClassVar[str] = ""

    def __init__(self, ctx: ConversionContext, types: TypeTracker) -> None:
        super().__init__()
        self.ctx = ctx
        self.types = types

    def torch_name(self, node: cst.CSTNode) -> str | None:
        """The torch API ``node`` names, resolved through imports."""
        return torch_name(self.ctx.meta, node)

    def site(
        self,
        node: cst.CSTNode,
        code: str,
        source: str,
        target: str | None,
        **extra: Any,
    ) -> Site:
        """Record a finding at ``node``; its kind comes from the code table."""
        kind = codes.CODES[code].kind
        return self.ctx.add_site(
            Site(
                code=code,
                kind=kind,
                source_api=source,
                target=target,
                range=source_range(self.ctx.meta, node),
                node=node,
                **extra,
            )
        )

    def convert_call(self, node: cst.Call, source: str, *, receiver: bool = False) -> bool:
        """Convert one torch call site (function, layer, or method on a tensor/module).

        Returns:
            Whether the site was converted.
        """
        mapping = tables.lookup(source, self.ctx.tier)
        matcher_cls = find(source, mapping)
        matcher: CallMatcher | None = None
        if matcher_cls is not None:
            matcher = matcher_cls(source, mapping, receiver, self.ctx.tier)
            if not matcher.applies():
                matcher = None
        if matcher is None:
            if mapping is None or not mapping.target or mapping.status == "unsupported":
                return self._unconvert(node, source, mapping, "", receiver)
            matcher = CallMatcher(source, mapping, receiver, self.ctx.tier)
        try:
            plan = matcher.plan(node)
        except UnconvertibleError as exc:
            return self._unconvert(node, source, mapping, exc.reason, receiver)
        self._apply(node, source, plan, mapping, receiver)
        return True

    def _apply(
        self, node: cst.Call, source: str, plan: CallPlan, mapping: Any, receiver: bool
    ) -> None:
        imports = self.ctx.imports
        self.ctx.edit(node, lambda updated: plan.apply(updated, imports))
        if not receiver:
            self.ctx.consume(node.func)
        data = {**plan.spec.facts(), **plan.args.facts(), "notes": plan.notes}
        hint = "; ".join(plan.notes)
        self.site(
            node, plan.code, source, plan.target, status=plan.spec.status, hint=hint, data=data
        )

    def _unconvert(
        self, node: cst.Call, source: str, mapping: Any, reason: str, receiver: bool
    ) -> bool:
        target = mapping.target if mapping is not None else None
        if reason:
            code = codes.ARGS_UNCONVERTIBLE
        else:
            code = codes.TENSOR_METHOD_UNKNOWN if receiver else codes.API_UNKNOWN
        hint = reason
        if target:
            hint = f"{reason} Maybe could convert to {target}.".strip()
        data: dict[str, Any] = {}
        if mapping is not None:
            data = {"status": mapping.status, "mapping_target": target}
        status = mapping.status if mapping is not None else ""
        self.site(node, code, source, None, status=status, hint=hint, data=data)
        return False
