"""Losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.

Both become ``ops.nll_loss`` (whose semantics match ONNX's: class axis 1, optional class weights,
``ignore_index`` masked out of the loss and of the ``mean`` denominator, the sum of the picked
weights); SoftmaxCrossEntropyLoss applies ``ops.log_softmax`` over axis 1 first.
"""

from __future__ import annotations

from typing import Any

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import Call, LayerSpec, Ref, TupleOf, kw

_REDUCTIONS = ("none", "sum", "mean")


def nll(ctx: ConvertContext, log_prob: Any) -> Any:
    """``ops.nll_loss`` of ``log_prob`` (N, C, d...) for the node's target (input 1) and
    weight (input 2)."""
    reduction = ctx.attr("reduction", "mean")
    if reduction not in _REDUCTIONS:
        raise ConversionNotPossible(f"unknown reduction '{reduction}'")
    args: tuple[Any, ...] = (log_prob, Ref(1))
    if ctx.has_input(2):
        args += (ctx.operand(2, inline=False),)
    options = kw(ignore_index=int(ctx.attr("ignore_index"))) if "ignore_index" in ctx.attrs else ()
    if reduction != "mean":
        options += kw(reduction=reduction)
    return Call("ops.nll_loss", args, options)


@register("NegativeLogLikelihoodLoss", since=(12, 13, 22))
def convert_negative_log_likelihood_loss(ctx: ConvertContext) -> LayerSpec:
    """NegativeLogLikelihoodLoss(input, target, weight?; reduction, ignore_index) →
    ``ops.nll_loss`` (since 12, 13, 22)."""
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
