"""Optimizers, schedulers, data loading and the training-step calls.

``OptimizerBetas`` is a plain call rewrite. ``DataLoader``, ``DatasetBase``, ``LrSchedule`` and
``TrainingLoop`` need the surrounding code (the loop, the optimizer's construction); the training
rule rewrites the shapes it recognises and claims those sites, so reaching these matchers means
the shape was not recognised: they report why.
"""

from __future__ import annotations

from typing import ClassVar

import libcst as cst
from mindconverter.converter.ast.callargs import (
    ArgOut,
    Bound,
    Spec,
    UnconvertibleError,
    plan_arguments,
)
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register


@register("OptimizerBetas")
class OptimizerBetasMatcher(CallMatcher):
    """Adam/AdamW: ``betas=(b1, b2)`` → ``beta1=b1, beta2=b2``.

    A non-literal ``betas`` becomes ``beta1=betas[0], beta2=betas[1]``.
    """

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Split ``betas``."""
        plan = plan_arguments(spec, bound, skip=("betas",))
        if bound.has("betas"):
            index = bound.params["betas"]
            plan.args.append(ArgOut(keyword="beta1", source=index, transform=_item(0)))
            plan.args.append(ArgOut(keyword="beta2", source=index, transform=_item(1)))
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


def _item(position: int):
    def transform(expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, (cst.Tuple, cst.List)) and len(expr.elements) == 2:
            return expr.elements[position].value
        return cst.Subscript(expr, [cst.SubscriptElement(cst.Index(cst.Integer(str(position))))])

    return transform


class NeedsContext(CallMatcher):
    """A site only the training rule can rewrite; alone it is reported with ``REASON``."""

    REASON: ClassVar[str] = ""

    def plan(self, call: cst.Call) -> CallPlan:
        """Always refused at the call level."""
        raise UnconvertibleError(self.REASON)


@register("DataLoader")
class DataLoaderMatcher(NeedsContext):
    """``DataLoader(ds, ...)`` outside a recognised assignment."""

    REASON = "DataLoader is converted when assigned to a name (loader = DataLoader(ds, ...))."


@register("DatasetBase")
class DatasetBaseMatcher(NeedsContext):
    """``Dataset`` used other than as a base class."""

    REASON = "torch Dataset is only converted as a base class."


@register("LrSchedule")
class LrScheduleMatcher(NeedsContext):
    """A scheduler whose optimizer could not be found."""

    REASON = "The scheduler is converted with the optimizer it wraps (assigned to a name)."


@register("TrainingLoop")
class TrainingLoopMatcher(NeedsContext):
    """``backward``/``zero_grad``/``step`` outside a recognised training step."""

    REASON = "Only converted as part of a recognised training step (zero_grad/backward/step)."
