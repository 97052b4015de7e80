"""Normalisations: BatchNormalization, InstanceNormalization, LayerNormalization,
GroupNormalization, LRN, MeanVarianceNormalization, LpNormalization.

Constant scales and statistics become layers (``nn.BatchNorm*d``, ``nn.LayerNorm``,
``nn.GroupNorm``); runtime ones use ``ops.batch_norm``, ``ops.LayerNorm``, ``ops.group_norm``.
"""

from __future__ import annotations

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import float_attr, int_tuple, norm_axis
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.render import ms_dtype_name
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    CellDef,
    DType,
    Item,
    LayerCall,
    LayerSpec,
    ParamDef,
    Ref,
    TupleOf,
    kw,
)

_BATCH_NORM = {2: "nn.BatchNorm1d", 3: "nn.BatchNorm1d", 4: "nn.BatchNorm2d", 5: "nn.BatchNorm3d"}


def _all_const(ctx: ConvertContext, indices: range | tuple[int, ...]) -> bool:
    return all(ctx.is_const(i) for i in indices if ctx.has_input(i))


def _wanted_outputs(ctx: ConvertContext) -> int:
    """Number of outputs up to the last one the graph uses."""
    used = [i for i, name in enumerate(ctx.node.output) if name]
    return used[-1] + 1 if used else 1


@register("BatchNormalization", since=(1, 6, 7, 9, 14, 15))
def convert_batch_norm(ctx: ConvertContext) -> LayerSpec:
    """BatchNormalization(X, scale, B, mean, var) → ``nn.BatchNorm1d/2d/3d`` (since 1-15).

    Runtime statistics use ``ops.batch_norm``; ``training_mode=1`` normalises with the batch's
    own statistics and returns the updated running mean and variance (explicit ops).
    """
    rank = ctx.rank(0)
    if int(ctx.attr("spatial", 1)) != 1:
        raise ConversionNotPossible("BatchNormalization with spatial=0 is not supported")
    eps = float_attr(ctx, "epsilon", 1e-5)
    momentum = float_attr(ctx, "momentum", 0.9)
    training = bool(ctx.attr("training_mode", 0)) or (
        ctx.opset < 14 and _wanted_outputs(ctx) > 1)
    if training:
        return _batch_norm_training(ctx, eps, momentum)
    if _all_const(ctx, range(1, 5)) and rank in _BATCH_NORM and ctx.dtype(0) == np.float32:
        return _batch_norm_layer(ctx, rank, eps, momentum)
    stats = tuple(ctx.operand(i, inline=False) for i in (3, 4, 1, 2))
    return LayerSpec(_functional_batch_norm(ctx, Ref(0), stats, eps))


def _batch_norm_layer(ctx: ConvertContext, rank: int, eps: float, momentum: float) -> LayerSpec:
    names = ("gamma", "beta", "moving_mean", "moving_variance")
    prefix = "bn2d." if rank == 5 else ""
    params = tuple(
        ParamDef(prefix + name, ctx.const(i).astype(np.float32), ctx.node.input[i],
                 trainable=name in ("gamma", "beta"))
        for name, i in zip(names, range(1, 5))
    )
    options = []
    if eps != 1e-5:
        options.append(("eps", eps))
    if momentum != 0.9:
        options.append(("momentum", momentum))
    cell = CellDef(_BATCH_NORM[rank], (int(ctx.shape(0)[1]),), tuple(options), params)
    return LayerSpec(LayerCall((Ref(0),)), cell)


def _functional_batch_norm(ctx: ConvertContext, x: object, stats: tuple, eps: float) -> object:
    """``ops.batch_norm`` (inference) with ``stats`` = (mean, var, scale, bias)."""
    shape = tuple(int(d) for d in ctx.shape(0))
    if len(shape) > 4:  # the CPU kernel takes up to 4-D: fold the trailing axes
        x = Call("ops.reshape", (x, (*shape[:3], int(np.prod(shape[3:])))))
    out = Call("ops.batch_norm", (x, *stats), kw(training=False, eps=eps))
    return Call("ops.reshape", (out, shape)) if len(shape) > 4 else out


def _batch_norm_training(ctx: ConvertContext, eps: float, momentum: float) -> LayerSpec:
    axes = tuple(i for i in range(ctx.rank(0)) if i != 1)
    batch_mean = Call("ops.mean", (Ref(0), axes))
    batch_var = Call("ops.var", (Ref(0), axes))
    scale, bias = ctx.operand(1, inline=False), ctx.operand(2, inline=False)
    y = _functional_batch_norm(ctx, Ref(0), (batch_mean, batch_var, scale, bias), eps)
    n_out = _wanted_outputs(ctx)
    if n_out == 1:
        return LayerSpec(y)
    if ctx.opset < 14:
        raise ConversionNotPossible("BatchNormalization training outputs before opset 14")
    running = [
        BinOp("+", BinOp("*", ctx.operand(i, inline=False), momentum),
              BinOp("*", stat, 1.0 - momentum))
        for i, stat in ((3, batch_mean), (4, batch_var))
    ]
    return LayerSpec(TupleOf((y, *running)[:ctx.n_outputs]))


@register("InstanceNormalization", since=(1, 6, 22))
def convert_instance_norm(ctx: ConvertContext) -> LayerSpec:
    """InstanceNormalization(X, scale, B) → ``nn.GroupNorm(C, C)`` / ``ops.group_norm`` (1-22).

    MindSpore's InstanceNorm layers lack CPU kernels; one group per channel is the same thing.
    """
    channels = int(ctx.shape(0)[1])
    eps = float_attr(ctx, "epsilon", 1e-5)
    return _group_norm(ctx, channels, channels, eps)


def _group_norm(ctx: ConvertContext, groups: int, channels: int, eps: float,
                repeat: int = 1) -> LayerSpec:
    """``nn.GroupNorm`` for constant scale and bias, else ``ops.group_norm``; ``repeat`` widens
    per-group scales to per-channel ones."""
    if ctx.rank(0) < 2:
        raise ConversionNotPossible("group normalisation needs a channel axis")
    if _all_const(ctx, (1, 2)) and ctx.dtype(0) == np.float32:
        scale, bias = (np.repeat(ctx.const(i).astype(np.float32), repeat) for i in (1, 2))
        options = (("eps", eps),) if eps != 1e-5 else ()
        params = (ParamDef("gamma", scale, ctx.node.input[1]),
                  ParamDef("beta", bias, ctx.node.input[2]))
        cell = CellDef("nn.GroupNorm", (groups, channels), options, params)
        return LayerSpec(LayerCall((Ref(0),)), cell)
    scale, bias = (ctx.operand(i, inline=False) for i in (1, 2))
    if repeat > 1:
        scale, bias = (Call("ops.repeat_interleave", (v, repeat)) for v in (scale, bias))
    return LayerSpec(Call("ops.group_norm", (Ref(0), groups, scale, bias, eps)))


@register("GroupNormalization", since=(18, 21))
def convert_group_norm(ctx: ConvertContext) -> LayerSpec:
    """GroupNormalization(X, scale, bias) → ``nn.GroupNorm``/``ops.group_norm`` (since 18, 21).

    Opset 18 gives one scale per group: it is repeated over the group's channels.
    """
    groups = int(ctx.attr("num_groups"))
    channels = int(ctx.shape(0)[1])
    eps = float_attr(ctx, "epsilon", 1e-5)
    per_group = ctx.opset < 21 and ctx.shape(1)[0] == groups and groups != channels
    repeat = channels // groups if per_group else 1
    return _group_norm(ctx, groups, channels, eps, repeat)


@register("LayerNormalization", since=17)
def convert_layer_norm(ctx: ConvertContext) -> LayerSpec:
    """LayerNormalization(X, Scale, B?; axis) → ``nn.LayerNorm`` or ``ops.LayerNorm`` (since 17).

    The optional Mean and InvStdDev outputs come from the ``ops.LayerNorm`` primitive.
    """
    rank = ctx.rank(0)
    axis = norm_axis(int(ctx.attr("axis", -1)), rank)
    eps = float_attr(ctx, "epsilon", 1e-5)
    shape = tuple(int(d) for d in ctx.shape(0)[axis:])
    n_out = _wanted_outputs(ctx)
    begin = -1 if axis == rank - 1 else axis
    if n_out == 1 and _all_const(ctx, (1, 2)) and ctx.dtype(0) == np.float32:
        gamma = np.broadcast_to(ctx.const(1), shape).astype(np.float32)
        beta = (np.broadcast_to(ctx.const(2), shape).astype(np.float32) if ctx.has_input(2)
                else np.zeros(shape, np.float32))
        params = (ParamDef("gamma", np.ascontiguousarray(gamma), ctx.node.input[1]),
                  ParamDef("beta", np.ascontiguousarray(beta),
                           ctx.node.input[2] if ctx.has_input(2) else ""))
        options = kw(begin_norm_axis=begin, begin_params_axis=begin, epsilon=eps)
        cell = CellDef("nn.LayerNorm", (shape,), options, params)
        return LayerSpec(LayerCall((Ref(0),)), cell)
    dtype = DType(ms_dtype_name(ctx.dtype(0)))
    scale = _full(ctx, 1, shape)
    bias = _full(ctx, 2, shape) if ctx.has_input(2) else Call("ops.zeros", (shape, dtype))
    cell = CellDef("ops.LayerNorm", (begin, begin, eps))
    result = LayerCall((Ref(0), scale, bias))
    if n_out == 1:
        return LayerSpec(Item(result, 0), cell)
    inv_std = Call("ops.rsqrt", (BinOp("+", Item(result, 2), eps),))
    items = (Item(result, 0), Item(result, 1), inv_std)
    return LayerSpec(TupleOf(items[:ctx.n_outputs]), cell)


def _full(ctx: ConvertContext, index: int, shape: tuple[int, ...]) -> object:
    """Input ``index`` broadcast to the normalised shape."""
    if tuple(ctx.shape(index)) == shape:
        return ctx.operand(index, inline=False)
    if ctx.is_const(index):
        full = np.ascontiguousarray(np.broadcast_to(ctx.const(index), shape))
        return ctx.array_param(f"{ctx.node.input[index]}_full", full)
    return Call("ops.broadcast_to", (Ref(index), shape))


@register("LRN", since=(1, 13))
def convert_lrn(ctx: ConvertContext) -> LayerSpec:
    """LRN(X; size, alpha, beta, bias) → ``x / (bias + alpha * mean_window(x²)) ** beta``.

    The channel-window mean is an ``ops.avg_pool3d`` over zero-padded squares (any ``size``,
    off-centre for even sizes). ``ops.lrn`` is not used: its CPU kernel fails with "could not
    execute a primitive" for many channels (96 in AlexNet) in MindSpore 2.10. (since 1, 13)
    """
    size = int(ctx.attr("size"))
    alpha = float_attr(ctx, "alpha", 1e-4)
    beta = float_attr(ctx, "beta", 0.75)
    bias = float_attr(ctx, "bias", 1.0)
    if ctx.rank(0) != 4:
        raise ConversionNotPossible("LRN is converted for 4-D inputs only")
    low, high = (size - 1) // 2, size - 1 - (size - 1) // 2
    squares = Call("ops.expand_dims", (BinOp("*", Ref(0), Ref(0)), 1))
    padded = Call("ops.pad", (squares, (0, 0, 0, 0, low, high)))
    mean = Call("ops.squeeze", (Call("ops.avg_pool3d", (padded, (size, 1, 1)), kw(stride=1)), 1))
    return LayerSpec(BinOp("/", Ref(0), BinOp("**", BinOp("+", BinOp("*", mean, alpha), bias),
                                              beta)))


@register("MeanVarianceNormalization", since=(9, 13))
def convert_mean_variance_norm(ctx: ConvertContext) -> LayerSpec:
    """MeanVarianceNormalization(X; axes=[0,2,3]) → ``(x - mean) / (std + 1e-9)`` (since 9, 13)."""
    rank = ctx.rank(0)
    axes = tuple(norm_axis(a, rank) for a in int_tuple(ctx.attr("axes", [0, 2, 3])))
    centred = BinOp("-", Ref(0), Call("ops.mean", (Ref(0), axes), kw(keep_dims=True)))
    std = Call("ops.sqrt", (Call("ops.var", (Ref(0), axes), kw(keepdims=True)),))
    return LayerSpec(BinOp("/", centred, BinOp("+", std, 1e-9)))


@register("LpNormalization", since=(1, 22))
def convert_lp_norm(ctx: ConvertContext) -> LayerSpec:
    """LpNormalization(X; axis, p) → ``x / ops.norm(x, p, axis, keepdim=True)`` (since 1, 22)."""
    p = int(ctx.attr("p", 2))
    if p not in (1, 2):
        raise ConversionNotPossible(f"LpNormalization with p={p}")
    axis = norm_axis(int(ctx.attr("axis", -1)), ctx.rank(0))
    norm = Call("ops.norm", (Ref(0), p, axis), kw(keepdim=True))
    return LayerSpec(BinOp("/", Ref(0), norm))
