"""Convolutions: Conv, ConvTranspose.

Constant weights become layers (``nn.Conv1d/2d/3d``, ``nn.Conv*dTranspose``); weights computed at
run time use the functional ``ops.conv1d/2d/3d`` or the ``ops.Conv2DTranspose``/
``ops.Conv3DTranspose`` primitives, which take the weight as an input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import explicit_pads, int_tuple, ms_padding
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    CellDef,
    LayerCall,
    LayerSpec,
    Method,
    ParamDef,
    Ref,
    kw,
)

_CONV = {1: "nn.Conv1d", 2: "nn.Conv2d", 3: "nn.Conv3d"}
_DECONV = {1: "nn.Conv1dTranspose", 2: "nn.Conv2dTranspose", 3: "nn.Conv3dTranspose"}


def _params(ctx: ConvertContext, weight: np.ndarray) -> tuple[ParamDef, ...]:
    params = [ParamDef("weight", weight, ctx.node.input[1])]
    if ctx.has_input(2):
        params.append(ParamDef("bias", ctx.const(2), ctx.node.input[2]))
    return tuple(params)


def _spatial_rank(ctx: ConvertContext) -> int:
    n = ctx.rank(1) - 2
    if n not in _CONV:
        raise ConversionNotPossible(f"{n}-D convolution is not supported")
    return n


def _const_weights(ctx: ConvertContext) -> bool:
    return ctx.is_const(1) and (not ctx.has_input(2) or ctx.is_const(2))


@register("Conv", since=(1, 11, 22))
def convert_conv(ctx: ConvertContext) -> LayerSpec:
    """Conv(X, W, B?) → ``nn.Conv1d/2d/3d`` or, for runtime W, ``ops.conv1d/2d/3d`` (1-22)."""
    n = _spatial_rank(ctx)
    kernel = int_tuple(ctx.shape(1)[2:])
    pads = explicit_pads(ctx, ctx.shape(0)[2:], kernel)
    symmetric = pads[:n] == pads[n:]
    if not _const_weights(ctx):
        return _functional_conv(ctx, n, pads)
    group = int(ctx.attr("group", 1))
    weight = ctx.const(1)
    x = Ref(0)
    if n == 1:  # MindSpore's Conv1d stores (out, in, 1, k) and takes one symmetric padding
        weight = weight[:, :, None, :]
        if not symmetric:
            x, pads = Call("ops.pad", (x, (pads[0], pads[1]))), [0, 0]
    kwargs = [
        ("stride", _one(ctx.attr("strides", [1] * n))),
        ("pad_mode", "pad"),
        ("padding", ms_padding(pads)),
        ("dilation", _one(ctx.attr("dilations", [1] * n))),
        ("group", group),
        ("has_bias", ctx.has_input(2)),
    ]
    cell = CellDef(
        _CONV[n],
        (int(weight.shape[1]) * group, int(weight.shape[0]), _one(kernel)),
        tuple((k, v) for k, v in kwargs if not _is_default(k, v)),
        _params(ctx, weight),
    )
    return LayerSpec(LayerCall((x,)), cell)


def _functional_conv(ctx: ConvertContext, n: int, pads: list[int]) -> LayerSpec:
    x = Ref(0)
    if pads[:n] == pads[n:]:
        padding: tuple[int, ...] = tuple(pads[:n])
    else:  # ops.pad lists the last axis first
        order = tuple(v for i in reversed(range(n)) for v in (pads[i], pads[i + n]))
        x = Call("ops.pad", (x, order))
        padding = (0,) * n
    kwargs = [
        ("stride", _one(ctx.attr("strides", [1] * n))),
        ("pad_mode", "pad" if any(padding) else "valid"),
        ("padding", padding[0] if len(set(padding)) == 1 else padding),
        ("dilation", _one(ctx.attr("dilations", [1] * n))),
        ("groups", int(ctx.attr("group", 1))),
    ]
    kwargs = [(k, v) for k, v in kwargs if not _is_default(k, v)]
    args: tuple[object, ...] = (x, ctx.operand(1, inline=False))
    if ctx.has_input(2):
        args += (ctx.operand(2, inline=False),)
    return LayerSpec(Call(f"ops.conv{n}d", args, tuple(kwargs)))


@dataclass
class _Deconv:
    """Geometry of one ConvTranspose node, with padding made explicit."""

    n: int
    kernel: tuple[int, ...]
    strides: list[int]
    dilations: list[int]
    pads: list[int]
    output_padding: list[int]
    group: int
    out_shape: tuple[int, ...]


def _deconv_geometry(ctx: ConvertContext) -> _Deconv:
    n = _spatial_rank(ctx)
    in_shape = ctx.shape(0)
    kernel = int_tuple(ctx.shape(1)[2:])
    strides = list(int_tuple(ctx.attr("strides", [1] * n)))
    dilations = list(int_tuple(ctx.attr("dilations", [1] * n)))
    out_pad = list(int_tuple(ctx.attr("output_padding", [0] * n)))
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    target = ctx.attr("output_shape")
    if target is None and auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        target = [in_shape[2 + i] * strides[i] for i in range(n)]
    if target is not None:
        target = list(int_tuple(target))[-n:]
        begins, ends = [], []
        for i in range(n):
            full = (strides[i] * (in_shape[2 + i] - 1) + out_pad[i]
                    + (kernel[i] - 1) * dilations[i] + 1)
            total = full - target[i]
            if total < 0:
                out_pad[i] -= total
                total = 0
            small, big = total // 2, total - total // 2
            upper = auto_pad == "SAME_UPPER"
            begins.append(small if upper else big)
            ends.append(big if upper else small)
        pads = begins + ends
    elif auto_pad == "VALID":
        pads = [0] * (2 * n)
    else:
        pads = list(int_tuple(ctx.attr("pads", [0] * (2 * n))))
    for i in range(n):  # output padding inside the end padding is just less cropping; MindSpore's
        fold = min(out_pad[i], pads[i + n])  # Conv2dTranspose mis-places output_padding there
        out_pad[i] -= fold
        pads[i + n] -= fold
    spatial = tuple(
        strides[i] * (in_shape[2 + i] - 1) + out_pad[i] + (kernel[i] - 1) * dilations[i] + 1
        - pads[i] - pads[i + n]
        for i in range(n)
    )
    group = int(ctx.attr("group", 1))
    out_shape = (int(in_shape[0]), int(ctx.shape(1)[1]) * group, *spatial)
    return _Deconv(n, kernel, strides, dilations, pads, out_pad, group, out_shape)


@register("ConvTranspose", since=(1, 11, 22))
def convert_conv_transpose(ctx: ConvertContext) -> LayerSpec:
    """ConvTranspose(X, W, B?) → ``nn.Conv*dTranspose`` or ``ops.Conv*DTranspose`` (since 1-22).

    ``auto_pad`` SAME and ``output_shape`` are turned into explicit pads and output padding.
    """
    geo = _deconv_geometry(ctx)
    n = geo.n
    symmetric = geo.pads[:n] == geo.pads[n:]
    layer_ok = all(
        p < max(s, d) for p, s, d in zip(geo.output_padding, geo.strides, geo.dilations)
    ) and (n > 1 or (symmetric and not any(geo.output_padding)))
    if not _const_weights(ctx) or not layer_ok:
        return _primitive_deconv(ctx, geo)
    weight = ctx.const(1)
    if n == 1:
        weight = weight[:, :, None, :]
    kwargs = [
        ("stride", _one(geo.strides)), ("pad_mode", "pad"), ("padding", ms_padding(geo.pads)),
        ("output_padding", _one(geo.output_padding)),
        ("dilation", _one(geo.dilations)), ("group", geo.group), ("has_bias", ctx.has_input(2)),
    ]
    cell = CellDef(
        _DECONV[n],
        (int(weight.shape[0]), int(weight.shape[1]) * geo.group, _one(geo.kernel)),
        tuple((k, v) for k, v in kwargs if not _is_default(k, v)),
        _params(ctx, weight),
    )
    return LayerSpec(LayerCall((Ref(0),)), cell)


def _primitive_deconv(ctx: ConvertContext, geo: _Deconv) -> LayerSpec:
    x, w = Ref(0), ctx.operand(1, inline=False)
    options = kw(
        pad_mode="pad", pad=_ms_pads(geo.pads if geo.n > 1 else [0, geo.pads[0], 0, geo.pads[1]]),
        stride=_one(geo.strides if geo.n > 1 else [1, *geo.strides]),
        dilation=_one(geo.dilations if geo.n > 1 else [1, *geo.dilations]),
        group=geo.group,
    )
    kernel = _one(geo.kernel if geo.n > 1 else (1, *geo.kernel))
    options = tuple((k, v) for k, v in options if not _is_default(k, v))
    if geo.n == 3:
        if any(geo.output_padding):
            options += (("output_padding", _one(geo.output_padding)),)
        cell = CellDef("ops.Conv3DTranspose", (int(ctx.shape(0)[1]), geo.out_shape[1], kernel),
                       options)
        result: object = LayerCall((x, w))
    else:
        cell = CellDef("ops.Conv2DTranspose", (geo.out_shape[1], kernel), options)
        if geo.n == 1:
            out2d = (*geo.out_shape[:2], 1, geo.out_shape[2])
            result = Call("ops.squeeze", (LayerCall((Call("ops.expand_dims", (x, 2)),
                                                     Call("ops.expand_dims", (w, 2)), out2d)), 2))
        else:
            result = LayerCall((x, w, geo.out_shape))
    if ctx.has_input(2):
        bias = Method(ctx.operand(2, inline=False), "reshape", ((1, -1) + (1,) * geo.n,))
        result = BinOp("+", result, bias)
    return LayerSpec(result, cell)


def _ms_pads(pads: list[int]) -> int | tuple[int, ...]:
    value = ms_padding(pads)
    return value if isinstance(value, int) else tuple(value)


def _one(values: list[int] | tuple[int, ...]) -> int | tuple[int, ...]:
    """One int when all values agree, else the tuple."""
    ints = int_tuple(values)
    return ints[0] if len(set(ints)) == 1 else ints


def _is_default(key: str, value: object) -> bool:
    return (key, value) in {
        ("stride", 1), ("dilation", 1), ("group", 1), ("groups", 1), ("output_padding", 0),
    }
