"""Quantization: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, QLinearMatMul,
MatMulInteger, ConvInteger, QLinearConv.

Quantized values are computed in float32 (``ops.round`` rounds half to even, as ONNX does),
clamped to the range of the quantized type and cast to it. Only the 8- and 16-bit integer types
exist in MindSpore: int4/int2 and the float8/float4 formats cannot be represented.
Scales and zero points are per tensor, per axis (1-D, aligned at ``axis``) or blocked (same rank
as the input, repeated ``block_size`` times along ``axis``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import explicit_pads, norm_axis
from mindconverter.converter.graph.ops.elementwise import astype
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import BinOp, Call, Item, LayerSpec, Ref, Slice, TupleOf, kw

_QUANTIZED = {"int8", "uint8", "int16", "uint16", "int32"}
# ONNX TensorProto data types of ``output_dtype`` that MindSpore can hold.
_ONNX_TYPES = {2: "uint8", 3: "int8", 4: "uint16", 5: "int16"}


def _quantized_name(dtype: Any) -> str:
    name = getattr(dtype, "name", str(dtype))
    if name not in _QUANTIZED:
        raise ConversionNotPossible(f"MindSpore has no {name} tensors")
    return name


def _float32(ctx: ConvertContext, index: int) -> Any:
    """Input ``index`` as float32 (a one-element constant stays a Python literal)."""
    expr = ctx.operand(index)
    if isinstance(expr, (int, float)):
        return float(expr)
    return expr if ctx.dtype(index) == np.float32 else astype(expr, "float32")


def _aligned(ctx: ConvertContext, index: int, expr: Any) -> Any:
    """A scale or zero point (input ``index``) shaped to broadcast against input 0."""
    rank, shape = ctx.rank(0), ctx.shape(index)
    if isinstance(expr, (int, float)) or int(np.prod(shape)) == 1 or rank <= 1:
        return expr
    axis = norm_axis(int(ctx.attr("axis", 1)), rank)
    if len(shape) == 1:
        target = tuple(shape[0] if i == axis else 1 for i in range(rank))
        return Call("ops.reshape", (expr, target))
    block = int(ctx.attr("block_size", 0))
    if not block:
        raise ConversionNotPossible(f"scale of shape {list(shape)} needs a block_size")
    expr = Call("ops.repeat_interleave", (expr, block, axis))
    if shape[axis] * block != ctx.shape(0)[axis]:
        expr = Item(expr, (*(Slice(),) * axis, Slice(None, ctx.shape(0)[axis])))
    return expr


def _operand(ctx: ConvertContext, index: int) -> Any:
    """A scale or zero point as float32, aligned with input 0 (constants at conversion time)."""
    if ctx.is_const(index) and ctx.const(index).size > 1 and ctx.rank(0) > 1:
        value = _aligned_array(ctx, ctx.const(index).astype(np.float32))
        return ctx.array_param(f"{ctx.node.input[index]}_aligned", value)
    return _aligned(ctx, index, _float32(ctx, index))


def _aligned_array(ctx: ConvertContext, value: np.ndarray) -> np.ndarray:
    rank = ctx.rank(0)
    axis = norm_axis(int(ctx.attr("axis", 1)), rank)
    if value.ndim == 1:
        return value.reshape(tuple(value.size if i == axis else 1 for i in range(rank)))
    block = int(ctx.attr("block_size", 0))
    if not block:
        raise ConversionNotPossible(f"scale of shape {list(value.shape)} needs a block_size")
    repeated = np.repeat(value, block, axis=axis)
    return np.take(repeated, np.arange(ctx.shape(0)[axis]), axis=axis)


def quantize(value: Any, scale: Any, zero_point: Any, dtype: str) -> Any:
    """``clamp(round(value / scale) + zero_point)`` cast to ``dtype``."""
    q: Any = Call("ops.round", (BinOp("/", value, scale),))
    if zero_point is not None and zero_point != 0:
        q = BinOp("+", q, zero_point)
    info = np.iinfo(dtype)
    return astype(Call("ops.clamp", (q, float(info.min), float(info.max))), dtype)


def _output_type(ctx: ConvertContext) -> str:
    if ctx.has_input(2):
        return _quantized_name(ctx.dtype(2))
    code = int(ctx.attr("output_dtype", 0))
    if code and code not in _ONNX_TYPES:
        raise ConversionNotPossible(f"MindSpore has no tensors of ONNX type {code}")
    return _ONNX_TYPES.get(code, "uint8")


@register("QuantizeLinear", since=(10, 13, 19, 21, 23, 24, 25, 28))
def convert_quantize_linear(ctx: ConvertContext) -> LayerSpec:
    """QuantizeLinear(x, y_scale, y_zero_point?; axis, block_size, output_dtype) →
    ``ops.clamp(ops.round(x / scale) + zero_point, lo, hi)`` cast (since 10 … 28)."""
    dtype = _output_type(ctx)
    zero = _operand(ctx, 2) if ctx.has_input(2) else None
    x = _float32(ctx, 0)
    return LayerSpec(quantize(x, _operand(ctx, 1), zero, dtype))


@register("DequantizeLinear", since=(10, 13, 19, 21, 23, 24, 25, 28))
def convert_dequantize_linear(ctx: ConvertContext) -> LayerSpec:
    """DequantizeLinear(x, x_scale, x_zero_point?; axis, block_size) →
    ``(x - zero_point) * scale`` in float32, cast to the scale's type (since 10 … 28)."""
    _quantized_name(ctx.dtype(0))
    value: Any = _float32(ctx, 0)
    if ctx.has_input(2):
        _quantized_name(ctx.dtype(2))
        value = BinOp("-", value, _operand(ctx, 2))
    out = BinOp("*", value, _operand(ctx, 1))
    dtype = ctx.out_dtype(0)
    return LayerSpec(out if dtype == np.float32 else astype(out, dtype))


@register("DynamicQuantizeLinear", since=(11,))
def convert_dynamic_quantize_linear(ctx: ConvertContext) -> LayerSpec:
    """DynamicQuantizeLinear(x) → (y, y_scale, y_zero_point), uint8 over the range of x
    extended to 0 (since 11)."""
    low = Call("ops.minimum", (Call("ops.amin", (Ref(0),)), 0.0))
    high = Call("ops.maximum", (Call("ops.amax", (Ref(0),)), 0.0))
    scale = BinOp("/", BinOp("-", high, low), 255.0)
    zero = Call("ops.clamp", (Call("ops.round", (BinOp("/", Call("ops.neg", (low,)), scale),)),
                              0.0, 255.0))
    y = quantize(Ref(0), scale, zero, "uint8")
    return LayerSpec(TupleOf((y, scale, astype(zero, "uint8"))))


@register("MatMulInteger", since=(10,))
def convert_matmul_integer(ctx: ConvertContext) -> LayerSpec:
    """MatMulInteger(A, B, a_zero_point?, b_zero_point?) → int32 ``ops.matmul`` of the
    zero-point-shifted operands (since 10)."""
    a, b = _shifted_int32(ctx, 0, 2, row=True), _shifted_int32(ctx, 1, 3, row=False)
    return LayerSpec(Call("ops.matmul", (a, b)))


def _shifted_int32(ctx: ConvertContext, index: int, zp_index: int, row: bool) -> Any:
    """Input ``index`` as int32 minus its zero point (a per-row ``A`` zero point is a column)."""
    expr: Any = astype(ctx.operand(index), "int32")
    if not ctx.has_input(zp_index):
        return expr
    zero = ctx.operand(zp_index)
    if isinstance(zero, int):
        return BinOp("-", expr, zero) if zero else expr
    zero = astype(zero, "int32")
    if row and int(np.prod(ctx.shape(zp_index))) > 1:
        zero = Call("ops.unsqueeze", (zero, -1))
    return BinOp("-", expr, zero)


@register("QLinearMatMul", since=(10, 21))
def convert_qlinear_matmul(ctx: ConvertContext) -> LayerSpec:
    """QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp) → dequantize,
    float32 ``ops.matmul``, quantize (since 10, 21)."""
    a = _dequantized(ctx, 0, 1, 2, row=True)
    b = _dequantized(ctx, 3, 4, 5, row=False)
    product = Call("ops.matmul", (a, b))
    dtype = _quantized_name(ctx.dtype(7))
    return LayerSpec(quantize(product, _float32(ctx, 6), _float32(ctx, 7), dtype))


def _dequantized(ctx: ConvertContext, index: int, scale: int, zero: int, row: bool) -> Any:
    shifted = BinOp("-", _float32(ctx, index), _column(ctx, zero, row))
    return BinOp("*", shifted, _column(ctx, scale, row))


def _column(ctx: ConvertContext, index: int, row: bool) -> Any:
    expr = _float32(ctx, index)
    if row and int(np.prod(ctx.shape(index))) > 1:
        return Call("ops.unsqueeze", (expr, -1))
    return expr


@register("ConvInteger", since=(10,))
def convert_conv_integer(ctx: ConvertContext) -> LayerSpec:
    """ConvInteger(x, w, x_zero_point?, w_zero_point?; conv attributes) → float32
    ``ops.conv2d`` of the shifted operands, cast to int32 (exact up to 2**24) (since 10)."""
    accumulator = _integer_conv(ctx, (0, 2), (1, 3))
    return LayerSpec(astype(accumulator, "int32"))


def _integer_conv(ctx: ConvertContext, x: tuple[int, int], w: tuple[int, int]) -> Call:
    """Float32 ``ops.conv2d`` of zero-point-shifted integer inputs (exact below 2**24).

    ``x`` and ``w`` are the (data, zero point) input indices; a per-channel ``w`` zero point
    is a column of the filters.
    """
    if ctx.rank(x[0]) != 4:
        raise ConversionNotPossible(f"only 2-D {ctx.node.op_type} is supported")
    kernel = ctx.shape(w[0])[2:]
    data = _float32(ctx, x[0])
    if _nonzero(ctx, x[1]):
        data = BinOp("-", data, _float32(ctx, x[1]))
    weight = _float32(ctx, w[0])
    if _nonzero(ctx, w[1]):
        zero = _float32(ctx, w[1])
        if int(np.prod(ctx.shape(w[1]))) > 1:
            zero = Call("ops.reshape", (zero, (-1, 1, 1, 1)))
        weight = BinOp("-", weight, zero)
    pads = [int(p) for p in explicit_pads(ctx, ctx.shape(x[0])[2:], kernel)]
    options = kw(stride=tuple(ctx.attr("strides", [1, 1])))
    if pads[:2] != pads[2:]:  # zeros of the shifted input: the zero point of the quantized one
        data = Call("ops.pad", (data, (pads[1], pads[3], pads[0], pads[2])))
    elif any(pads):
        options += kw(pad_mode="pad", padding=pads[0] if pads[0] == pads[1] else tuple(pads[:2]))
    options += kw(dilation=tuple(ctx.attr("dilations", [1, 1])), groups=int(ctx.attr("group", 1)))
    return Call("ops.conv2d", (data, weight), options)


def _nonzero(ctx: ConvertContext, index: int) -> bool:
    """Whether optional zero point ``index`` is present and not a constant of zeros."""
    return ctx.has_input(index) and not (ctx.is_const(index) and not ctx.const(index).any())


@register("QLinearConv", since=(10,))
def convert_qlinear_conv(ctx: ConvertContext) -> LayerSpec:
    """QLinearConv(x, x_scale, x_zp, w, w_scale, w_zp, y_scale, y_zp, B?; conv attributes) →
    integer accumulator (float32 ``ops.conv2d`` of the shifted inputs, plus B), scaled by
    ``x_scale * w_scale / y_scale``, rounded half to even, shifted, clamped (since 10).

    As in onnxruntime, the zero point is added after rounding and the scale product is one
    float32 multiplier per output channel (computed at conversion time for constant scales).
    """
    dtype = _quantized_name(ctx.dtype(7))
    _quantized_name(ctx.dtype(0))
    _quantized_name(ctx.dtype(3))
    accumulator: Any = _integer_conv(ctx, (0, 2), (3, 5))
    if ctx.has_input(8):
        bias = _float32(ctx, 8)
        if not isinstance(bias, float):
            bias = Call("ops.reshape", (bias, (1, -1, 1, 1)))
        accumulator = BinOp("+", accumulator, bias)
    scaled = BinOp("*", accumulator, _multiplier(ctx))
    return LayerSpec(quantize_rounded(scaled, _float32(ctx, 7), dtype))


def _multiplier(ctx: ConvertContext) -> Any:
    """``x_scale * w_scale / y_scale`` in float32, a (1, M, 1, 1) column when per channel."""
    per_channel = int(np.prod(ctx.shape(4))) > 1
    if all(ctx.is_const(i) for i in (1, 4, 6)):
        x_scale, w_scale, y_scale = (ctx.const(i).astype(np.float32) for i in (1, 4, 6))
        value = (x_scale.reshape(()) * w_scale.reshape(-1)) / y_scale.reshape(())
        if not per_channel:
            return float(value.reshape(-1)[0])
        return ctx.array_param(f"{ctx.name_hint}_multiplier", value.reshape(1, -1, 1, 1))
    w_scale = _float32(ctx, 4)
    if per_channel:
        w_scale = Call("ops.reshape", (w_scale, (1, -1, 1, 1)))
    return BinOp("/", BinOp("*", _float32(ctx, 1), w_scale), _float32(ctx, 6))


def quantize_rounded(value: Any, zero_point: Any, dtype: str) -> Any:
    """``clamp(round(value) + zero_point)`` cast to ``dtype`` (value already divided by the
    output scale)."""
    q: Any = Call("ops.round", (value,))
    if zero_point != 0:
        q = BinOp("+", q, zero_point)
    info = np.iinfo(dtype)
    return astype(Call("ops.clamp", (q, float(info.min), float(info.max))), dtype)
