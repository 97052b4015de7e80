"""Convolutions: Conv, ConvTranspose."""

from __future__ import annotations

import numpy as np

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import explicit_pads, int_tuple, ms_padding
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import CellDef, LayerCall, LayerSpec, ParamDef, Ref

_CONV = {1: "nn.Conv1d", 2: "nn.Conv2d", 3: "nn.Conv3d"}
_DECONV = {1: "nn.Conv1dTranspose", 2: "nn.Conv2dTranspose", 3: "nn.Conv3dTranspose"}


def _weights(ctx: ConvertContext) -> tuple[np.ndarray, np.ndarray | None]:
    if not ctx.is_const(1):
        raise ConversionNotPossible("Conv weights computed at run time are not supported")
    bias = ctx.const(2) if ctx.has_input(2) else None
    return ctx.const(1), bias


def _params(ctx: ConvertContext, weight: np.ndarray, bias: np.ndarray | None) -> tuple:
    params = [ParamDef("weight", weight, ctx.node.input[1])]
    if bias is not None:
        params.append(ParamDef("bias", bias, ctx.node.input[2]))
    return tuple(params)


@register("Conv", since=(1, 11))
def convert_conv(ctx: ConvertContext) -> LayerSpec:
    """Conv(X, W, B?) → ``nn.Conv1d/2d/3d`` with explicit padding (since 1, 11)."""
    weight, bias = _weights(ctx)
    n = weight.ndim - 2
    if n not in _CONV:
        raise ConversionNotPossible(f"{n}-D convolution is not supported")
    group = int(ctx.attr("group", 1))
    kernel = int_tuple(weight.shape[2:])
    pads = explicit_pads(ctx, ctx.shape(0)[2:], kernel)
    kwargs = [
        ("stride", _one(ctx.attr("strides", [1] * n))),
        ("pad_mode", "pad"),
        ("padding", ms_padding(pads)),
        ("dilation", _one(ctx.attr("dilations", [1] * n))),
        ("group", group),
        ("has_bias", bias is not None),
    ]
    if n == 1:  # MindSpore's Conv1d stores (out, in, 1, k)
        weight = weight[:, :, None, :]
    cell = CellDef(
        _CONV[n],
        (int(weight.shape[1]) * group, int(weight.shape[0]), _one(kernel)),
        tuple((k, v) for k, v in kwargs if not _is_default(k, v)),
        _params(ctx, weight, bias),
    )
    return LayerSpec(LayerCall((Ref(0),)), cell)


@register("ConvTranspose", since=(1, 11))
def convert_conv_transpose(ctx: ConvertContext) -> LayerSpec:
    """ConvTranspose(X, W, B?) → ``nn.Conv*dTranspose`` (since 1, 11)."""
    weight, bias = _weights(ctx)
    n = weight.ndim - 2
    if n not in _DECONV:
        raise ConversionNotPossible(f"{n}-D transposed convolution is not supported")
    group = int(ctx.attr("group", 1))
    kernel = int_tuple(weight.shape[2:])
    strides = list(ctx.attr("strides", [1] * n))
    dilations = list(ctx.attr("dilations", [1] * n))
    if ctx.attr("output_padding") and any(ctx.attr("output_padding")):
        raise ConversionNotPossible("ConvTranspose output_padding is not supported")
    if ctx.attr("auto_pad", "NOTSET") not in ("NOTSET", "VALID") or ctx.attr("output_shape"):
        raise ConversionNotPossible("ConvTranspose with auto_pad SAME or output_shape")
    pads = list(ctx.attr("pads", [0] * (2 * n)))
    if n == 1:
        weight = weight[:, :, None, :]
    kwargs = [
        ("stride", _one(strides)), ("pad_mode", "pad"), ("padding", ms_padding(pads)),
        ("dilation", _one(dilations)), ("group", group), ("has_bias", bias is not None),
    ]
    cell = CellDef(
        _DECONV[n],
        (int(weight.shape[0]), int(weight.shape[1]) * group, _one(kernel)),
        tuple((k, v) for k, v in kwargs if not _is_default(k, v)),
        _params(ctx, weight, bias),
    )
    return LayerSpec(LayerCall((Ref(0),)), cell)


def _one(values: list[int] | tuple[int, ...]) -> int | tuple[int, ...]:
    values = int_tuple(values)
    return values[0] if len(set(values)) == 1 else values


def _is_default(key: str, value: object) -> bool:
    return (key, value) in {("stride", 1), ("dilation", 1), ("group", 1)}

