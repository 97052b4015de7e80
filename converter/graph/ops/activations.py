"""Activations: Relu, Sigmoid, Tanh, LeakyRelu, Clip, HardSigmoid, HardSwish, Softmax, PRelu,
Elu, Selu, Celu, Softplus, Softsign, Gelu, Mish, ThresholdedRelu, Shrink, Hardmax."""

from __future__ import annotations

import dataclasses
import functools
import math
from typing import Any

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import call, float_attr, norm_axis
from mindconverter.converter.graph.registry import Converter, register
from mindconverter.converter.graph.render import ms_dtype_name
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    CellDef,
    DType,
    LayerCall,
    LayerSpec,
    Method,
    ParamDef,
    Ref,
    kw,
)


def _bfloat16_in_float32(func: Converter) -> Converter:
    """Compute a one-input activation in float32 when X is bfloat16 (no bfloat16 CPU kernels)."""

    @functools.wraps(func)
    def wrapper(ctx: ConvertContext) -> LayerSpec:
        spec = func(ctx)
        if ctx.dtype(0).name != "bfloat16" or spec.cell is not None:
            return spec
        widened = Method(Ref(0), "astype", (DType("float32"),))
        expr = _substitute(spec.expr, Ref(0), widened)
        return LayerSpec(Method(expr, "astype", (DType("bfloat16"),)), comment=spec.comment)

    return wrapper


def _substitute(expr: Any, old: Any, new: Any) -> Any:
    """``expr`` with every ``old`` sub-expression replaced by ``new``."""
    if expr == old:
        return new
    if isinstance(expr, tuple):
        return tuple(_substitute(e, old, new) for e in expr)
    if dataclasses.is_dataclass(expr) and not isinstance(expr, type):
        changes = {f.name: _substitute(getattr(expr, f.name), old, new)
                   for f in dataclasses.fields(expr)}
        return dataclasses.replace(expr, **changes)
    return expr


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
    return call("ops.leaky_relu", Ref(0), float_attr(ctx, "alpha", 0.01))


@register("Clip", since=(1, 6, 11, 12, 13))
def convert_clip(ctx: ConvertContext) -> LayerSpec:
    """Clip(X, min?, max?) → ``ops.clamp`` (since 1, 6, 11, 12, 13; bounds constant or not)."""
    if ctx.opset < 11:
        low, high = ctx.attr("min"), ctx.attr("max")
    else:
        low, high = (_clip_bound(ctx, i) for i in (1, 2))
        if isinstance(low, Ref) or isinstance(high, Ref):  # bounds computed at run time
            return call("ops.clamp", Ref(0), low, high)
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


def _clip_bound(ctx: ConvertContext, index: int) -> Any:
    if not ctx.has_input(index):
        return None
    return ctx.const(index).item() if ctx.is_const(index) else Ref(index)


@register("HardSigmoid", since=(1, 6))
def convert_hard_sigmoid(ctx: ConvertContext) -> LayerSpec:
    """HardSigmoid(X; alpha=0.2, beta=0.5) → ``ops.hardsigmoid`` or a clamp (since 1, 6)."""
    alpha, beta = float_attr(ctx, "alpha", 0.2), float_attr(ctx, "beta", 0.5)
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


def convert_guarded_softmax(ctx: ConvertContext) -> LayerSpec:
    """Softmax/LogSoftmax of a value whose rows may be all ``-inf`` (masked attention scores).

    MindSpore's CPU softmax (2.10) zeroes every row after a row that is all ``-inf``; shifting
    by the row maximum first (``x - ops.amax(x)``, which the kernel does anyway) turns such a
    row into NaN, the result of onnxruntime and PyTorch, and leaves the other rows alone. The
    fusion pass routes a Softmax here (domain ``mindconverter.fused``) when a ``-inf`` mask
    reaches it and may block a whole row.
    """
    func = "ops.softmax" if ctx.node.op_type == "Softmax" else "ops.log_softmax"
    rank = ctx.rank(0)
    axis = norm_axis(int(ctx.attr("axis", -1)), rank)
    axis = -1 if axis == rank - 1 else axis
    shifted = BinOp("-", Ref(0), Call("ops.amax", (Ref(0), axis), kw(keepdims=True)))
    return LayerSpec(Call(func, (shifted,), kw(axis=axis)),
                     comment="shifted by the row maximum: a fully masked row gives NaN and "
                             "leaves the next rows intact")


@register("PRelu", since=(1, 6, 7, 9, 16))
def convert_prelu(ctx: ConvertContext) -> LayerSpec:
    """PRelu(X, slope) → ``nn.PReLU`` (per-channel constant slope) or ``ops.where`` (since 1-16)."""
    rank = ctx.rank(0)
    if ctx.is_const(1) and rank >= 2:
        slope = ctx.const(1)
        if ctx.opset < 7 and slope.ndim == 1 and slope.size == ctx.shape(0)[1]:
            slope = slope.reshape((-1,) + (1,) * (rank - 2))  # before 7: one slope per channel
        full = (1,) * (rank - slope.ndim) + tuple(slope.shape)
        channels = ctx.shape(0)[1]
        per_channel = all(d == 1 for i, d in enumerate(full) if i != 1) and full[1] in (1, channels)
        if per_channel and slope.ndim <= rank and ctx.dtype(0) == np.float32:
            weight = slope.reshape(-1).astype(np.float32)
            cell = CellDef("nn.PReLU", (int(weight.size),),
                           params=(ParamDef("w", weight, ctx.node.input[1]),))
            return LayerSpec(LayerCall((Ref(0),)), cell)
    scaled = BinOp("*", Ref(0), ctx.operand(1))
    return call("ops.where", BinOp("<", Ref(0), 0), scaled, Ref(0))


@register("Elu", since=(1, 6, 22))
@_bfloat16_in_float32
def convert_elu(ctx: ConvertContext) -> LayerSpec:
    """Elu(X; alpha=1) → ``ops.elu`` (alpha 1) or ``ops.where``/``ops.expm1`` (since 1, 6, 22)."""
    alpha = float_attr(ctx, "alpha", 1.0)
    if alpha == 1.0:
        return call("ops.elu", Ref(0))
    negative = BinOp("*", Call("ops.expm1", (Ref(0),)), alpha)
    return call("ops.where", BinOp(">", Ref(0), 0), Ref(0), negative)


_SELU_ALPHA = 1.67326319217681884765625
_SELU_GAMMA = 1.05070102214813232421875


@register("Selu", since=(1, 6, 22))
@_bfloat16_in_float32
def convert_selu(ctx: ConvertContext) -> LayerSpec:
    """Selu(X; alpha, gamma) → ``ops.selu`` (defaults) or ``ops.where`` (since 1, 6, 22)."""
    alpha = float_attr(ctx, "alpha", _SELU_ALPHA)
    gamma = float_attr(ctx, "gamma", _SELU_GAMMA)
    if math.isclose(alpha, _SELU_ALPHA, rel_tol=1e-6) and math.isclose(gamma, _SELU_GAMMA,
                                                                        rel_tol=1e-6):
        return call("ops.selu", Ref(0))
    negative = BinOp("*", Call("ops.expm1", (Ref(0),)), alpha * gamma)
    return call("ops.where", BinOp(">", Ref(0), 0), BinOp("*", Ref(0), gamma), negative)


@register("Celu", since=(12, 28))
@_bfloat16_in_float32
def convert_celu(ctx: ConvertContext) -> LayerSpec:
    """Celu(X; alpha=1) → ``ops.celu`` (since 12, 28)."""
    return call("ops.celu", Ref(0), float_attr(ctx, "alpha", 1.0))


@register("Softplus", since=(1, 22))
@_bfloat16_in_float32
def convert_softplus(ctx: ConvertContext) -> LayerSpec:
    """Softplus(X) → ``ops.softplus`` (since 1, 22)."""
    return call("ops.softplus", Ref(0))


@register("Softsign", since=(1, 22))
@_bfloat16_in_float32
def convert_softsign(ctx: ConvertContext) -> LayerSpec:
    """Softsign(X) → ``ops.softsign`` (since 1, 22)."""
    return call("ops.softsign", Ref(0))


@register("Gelu", since=20)
@_bfloat16_in_float32
def convert_gelu(ctx: ConvertContext) -> LayerSpec:
    """Gelu(X; approximate) → ``ops.gelu`` (since 20)."""
    approximate = ctx.attr("approximate", "none")
    if approximate == "none":
        return call("ops.gelu", Ref(0))
    return call("ops.gelu", Ref(0), approximate=approximate)


@register("Mish", since=(18, 22))
@_bfloat16_in_float32
def convert_mish(ctx: ConvertContext) -> LayerSpec:
    """Mish(X) → ``ops.mish`` (since 18, 22)."""
    return call("ops.mish", Ref(0))


@register("ThresholdedRelu", since=(10, 22))
@_bfloat16_in_float32
def convert_thresholded_relu(ctx: ConvertContext) -> LayerSpec:
    """ThresholdedRelu(X; alpha=1) → ``ops.where(x > alpha, x, 0)`` (since 10, 22)."""
    alpha = float_attr(ctx, "alpha", 1.0)
    return call("ops.where", BinOp(">", Ref(0), alpha), Ref(0), Call("ops.zeros_like", (Ref(0),)))


@register("Shrink", since=9)
@_bfloat16_in_float32
def convert_shrink(ctx: ConvertContext) -> LayerSpec:
    """Shrink(X; bias, lambd) → ``ops.softshrink``/``ops.hardshrink`` or ``ops.where`` (since 9)."""
    lambd, bias = float_attr(ctx, "lambd", 0.5), float_attr(ctx, "bias", 0.0)
    is_float = ctx.dtype(0).kind == "f"
    if is_float and lambd >= 0 and bias == lambd:
        return call("ops.softshrink", Ref(0), lambd)
    if is_float and lambd >= 0 and bias == 0.0:
        return call("ops.hardshrink", Ref(0), lambd)
    if not is_float:
        lambd, bias = _int_if_whole(lambd), _int_if_whole(bias)
    zero = Call("ops.zeros_like", (Ref(0),))
    above = Call("ops.where", (BinOp(">", Ref(0), lambd), BinOp("-", Ref(0), bias), zero))
    return call("ops.where", BinOp("<", Ref(0), -lambd), BinOp("+", Ref(0), bias), above)


def _int_if_whole(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


@register("Hardmax", since=(1, 11, 13))
def convert_hardmax(ctx: ConvertContext) -> LayerSpec:
    """Hardmax(X; axis) → ``ops.one_hot(ops.argmax(x, axis), ...)`` (since 1, 11, 13).

    Before opset 13 the input is coerced to 2-D at ``axis``; that is reproduced with reshapes.
    """
    rank = ctx.rank(0)
    shape = ctx.shape(0)
    axis = norm_axis(int(ctx.attr("axis", -1 if ctx.opset >= 13 else 1)), rank)
    dtype = DType(ms_dtype_name(ctx.out_dtype(0)))
    if ctx.opset >= 13 or axis == rank - 1:
        hot = Call("ops.one_hot", (Call("ops.argmax", (Ref(0), axis)), int(shape[axis]), 1.0, 0.0,
                                   axis))
        return LayerSpec(Method(hot, "astype", (dtype,)))
    rows = int(np.prod(shape[:axis]))
    flat = Call("ops.reshape", (Ref(0), (rows, -1)))
    cols = int(np.prod(shape[axis:]))
    hot = Call("ops.one_hot", (Call("ops.argmax", (flat, 1)), cols, 1.0, 0.0, 1))
    return LayerSpec(Method(Call("ops.reshape", (hot, tuple(shape))), "astype", (dtype,)))
