"""Losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.

Both pick, for every sample, the (log-)probability of its target class with
``ops.gather_elements`` along the class axis 1. Targets equal to ``ignore_index`` are replaced by
class 0 before the gather (they may be out of range) and masked out of the loss and of the
``mean`` denominator, which is the sum of the picked class weights.
"""

from __future__ import annotations

from typing import Any

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.elementwise import astype
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import BinOp, Call, LayerSpec, Ref, TupleOf, UnaryOp

_REDUCTIONS = ("none", "sum", "mean")


def nll(ctx: ConvertContext, log_prob: Any) -> Any:
    """The NLL loss of ``log_prob`` (N, C, d...) for the node's target (input 1) and weight (2)."""
    reduction = ctx.attr("reduction", "mean")
    if reduction not in _REDUCTIONS:
        raise ConversionNotPossible(f"unknown reduction '{reduction}'")
    dtype = ctx.dtype(0)
    target: Any = Ref(1)
    ignore = ctx.attr("ignore_index")
    mask: Any = None
    if ignore is not None:
        is_kept = BinOp("!=", target, int(ignore))
        target = Call("ops.where", (is_kept, target, Call("ops.zeros_like", (target,))))
        mask = astype(is_kept, dtype)
    picked = Call("ops.gather_elements", (log_prob, 1, Call("ops.unsqueeze", (target, 1))))
    loss: Any = UnaryOp("-", Call("ops.squeeze", (picked, 1)))
    weight: Any = None
    if ctx.has_input(2):
        weight = Call("ops.gather", (ctx.operand(2, inline=False), target, 0))
    if mask is not None:
        weight = mask if weight is None else BinOp("*", weight, mask)
    if weight is not None:
        loss = BinOp("*", loss, weight)
    if reduction == "none":
        return loss
    total = Call("ops.sum", (loss,))
    if reduction == "sum":
        return total
    if weight is None:
        return Call("ops.mean", (loss,))
    return BinOp("/", total, Call("ops.sum", (weight,)))


@register("NegativeLogLikelihoodLoss", since=(12, 13, 22))
def convert_negative_log_likelihood_loss(ctx: ConvertContext) -> LayerSpec:
    """NegativeLogLikelihoodLoss(input, target, weight?; reduction, ignore_index) →
    ``ops.gather_elements`` of the target class, weighted and reduced (since 12, 13, 22)."""
    return LayerSpec(nll(ctx, Ref(0)))


@register("SoftmaxCrossEntropyLoss", since=(12, 13))
def convert_softmax_cross_entropy_loss(ctx: ConvertContext) -> LayerSpec:
    """SoftmaxCrossEntropyLoss(scores, labels, weights?; reduction, ignore_index) →
    ``ops.log_softmax`` over axis 1, then the NLL loss; optional log_prob output (since 12, 13)."""
    log_prob = Call("ops.log_softmax", (Ref(0), 1))
    loss = nll(ctx, log_prob)
    if ctx.n_outputs > 1 and ctx.node.output[1]:
        return LayerSpec(TupleOf((loss, log_prob)))
    return LayerSpec(loss)
