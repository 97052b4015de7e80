"""Activations: Relu, Sigmoid, Tanh, LeakyRelu, Clip, HardSigmoid, HardSwish, Softmax..."""

from __future__ import annotations

import math

import numpy as np

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import call, norm_axis
from mindconverter.converter.graph.registry import register
from mindconverter.converter.graph.spec import BinOp, Call, LayerSpec, Ref, kw


@register("Relu", since=(1, 6, 13, 14))
def convert_relu(ctx: ConvertContext) -> LayerSpec:
    """Relu(X) → ``ops.relu`` (since 1, 6, 13, 14)."""
    return call("ops.relu", Ref(0))


@register("Sigmoid", since=(1, 6, 13))
def convert_sigmoid(ctx: ConvertContext) -> LayerSpec:
    """Sigmoid(X) → ``ops.sigmoid`` (since 1, 6, 13)."""
    return call("ops.sigmoid", Ref(0))


@register("Tanh", since=(1, 6, 13))
def convert_tanh(ctx: ConvertContext) -> LayerSpec:
    """Tanh(X) → ``ops.tanh`` (since 1, 6, 13)."""
    return call("ops.tanh", Ref(0))


@register("LeakyRelu", since=(1, 6, 16))
def convert_leaky_relu(ctx: ConvertContext) -> LayerSpec:
    """LeakyRelu(X; alpha=0.01) → ``ops.leaky_relu`` (since 1, 6, 16)."""
    return call("ops.leaky_relu", Ref(0), float(ctx.attr("alpha", 0.01)))


@register("Clip", since=(1, 6, 11, 12, 13))
def convert_clip(ctx: ConvertContext) -> LayerSpec:
    """Clip(X, min?, max?) → ``ops.clamp`` (since 1, 6, 11, 12, 13; bounds must be constant)."""
    if ctx.opset < 11:
        low, high = ctx.attr("min"), ctx.attr("max")
    else:
        low = ctx.const(1).item() if ctx.has_input(1) else None
        high = ctx.const(2).item() if ctx.has_input(2) else None
    if low is None and high is None:
        return LayerSpec(Ref(0))
    if ctx.dtype(0).kind == "f":
        low = None if low is None else float(low)
        high = None if high is None else float(high)
    if low == 0 and high == 6 and ctx.dtype(0).kind == "f":
        return call("ops.relu6", Ref(0))
    if high is None:
        return call("ops.clamp", Ref(0), min=low)
    if low is None:
        return call("ops.clamp", Ref(0), max=high)
    return call("ops.clamp", Ref(0), low, high)


@register("HardSigmoid", since=(1, 6))
def convert_hard_sigmoid(ctx: ConvertContext) -> LayerSpec:
    """HardSigmoid(X; alpha=0.2, beta=0.5) → ``ops.hardsigmoid`` or a clamp (since 1, 6)."""
    alpha, beta = float(ctx.attr("alpha", 0.2)), float(ctx.attr("beta", 0.5))
    if math.isclose(alpha, 1 / 6, rel_tol=1e-6) and math.isclose(beta, 0.5):
        return call("ops.hardsigmoid", Ref(0))
    scaled = BinOp("+", BinOp("*", Ref(0), alpha), beta)
    return LayerSpec(Call("ops.clamp", (scaled, 0.0, 1.0)))


@register("HardSwish", since=14)
def convert_hard_swish(ctx: ConvertContext) -> LayerSpec:
    """HardSwish(X) → ``ops.hardswish`` (since 14)."""
    return call("ops.hardswish", Ref(0))


@register("Softmax", since=(1, 11, 13))
@register("LogSoftmax", since=(1, 11, 13))
def convert_softmax(ctx: ConvertContext) -> LayerSpec:
    """Softmax/LogSoftmax(X; axis) → ``ops.softmax``/``ops.log_softmax`` (since 1, 11, 13).

    Before opset 13 the input is coerced to 2-D at ``axis``; that is reproduced with reshapes.
    """
    func = "ops.softmax" if ctx.node.op_type == "Softmax" else "ops.log_softmax"
    rank = ctx.rank(0)
    default = -1 if ctx.opset >= 13 else 1
    axis = norm_axis(int(ctx.attr("axis", default)), rank)
    if ctx.opset >= 13 or axis == rank - 1:
        return call(func, Ref(0), axis=-1 if axis == rank - 1 else axis)
    shape = ctx.shape(0)
    flat = Call("ops.reshape", (Ref(0), (int(np.prod(shape[:axis])), -1)))
    return LayerSpec(Call("ops.reshape", (Call(func, (flat,), kw(axis=-1)), tuple(shape))))
