"""Miscellaneous ops: CumProd, HannWindow/HammingWindow/BlackmanWindow, Det, ReverseSequence,
CenterCropPad, AffineGrid.

Sizes given as run-time inputs (window length, crop shape, grid size) are read from the static
output shape, which fixes them.
"""

from __future__ import annotations

import math
from typing import Any

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import norm_axis
from mindconverter.converter.graph.ops.elementwise import astype, dtype_of
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    Item,
    LayerSpec,
    Method,
    Ref,
    Slice,
    TupleOf,
    kw,
)


# -- CumProd --------------------------------------------------------------------------------------
@register("CumProd", since=(26,))
def convert_cumprod(ctx: ConvertContext) -> LayerSpec:
    """CumProd(X, axis; exclusive, reverse) → ``ops.cumprod`` (since 26).

    An axis computed at run time selects among the cumulative products along every axis.
    """
    rank = ctx.rank(0)
    exclusive, reverse = bool(ctx.attr("exclusive", 0)), bool(ctx.attr("reverse", 0))
    if ctx.is_const(1) or rank == 1:
        axis = norm_axis(int(ctx.const(1).reshape(-1)[0]), rank) if ctx.is_const(1) else 0
        return LayerSpec(_same_dtype(ctx, _cumprod(Ref(0), axis, rank, exclusive, reverse)))
    prods = TupleOf(tuple(_cumprod(Ref(0), a, rank, exclusive, reverse) for a in range(rank)))
    index = Item(Ref(1), 0) if ctx.shape(1) else Ref(1)
    return LayerSpec(_same_dtype(ctx, Item(Call("ops.stack", (prods,)), index)),
                     comment="the axis is computed at run time")


def _cumprod(x: Any, axis: int, rank: int, exclusive: bool, reverse: bool) -> Any:
    if reverse:
        x = Call("ops.flip", (x, (axis,)))
    if exclusive:  # shift by one along the axis: drop the last element, pad a one in front
        head = Item(x, (*(Slice(),) * axis, Slice(None, -1)))
        x = Call("ops.pad", (head, (0, 0) * (rank - 1 - axis) + (1, 0)), kw(value=1))
    out: Any = Call("ops.cumprod", (x, axis))
    return Call("ops.flip", (out, (axis,))) if reverse else out


def _same_dtype(ctx: ConvertContext, expr: Any) -> Any:
    """``ops.cumprod`` yields int64 for smaller integers: cast back to the input dtype."""
    dtype = ctx.dtype(0)
    return astype(expr, dtype) if dtype.kind in "iub" and dtype.name != "int64" else expr


# -- windows --------------------------------------------------------------------------------------
# op type: cosine-sum coefficients a0, a1, a2 of a0 - a1 cos(2πn/M) + a2 cos(4πn/M)
_WINDOWS = {
    "HannWindow": (0.5, 0.5, 0.0),
    "HammingWindow": (25 / 46, 21 / 46, 0.0),
    "BlackmanWindow": (0.42, 0.5, 0.08),
}


@register("HannWindow", since=(17,))
@register("HammingWindow", since=(17,))
@register("BlackmanWindow", since=(17,))
def convert_window(ctx: ConvertContext) -> LayerSpec:
    """Hann/Hamming/BlackmanWindow(size; periodic, output_datatype) → the cosine sum over
    ``ops.arange`` (since 17)."""
    a0, a1, a2 = _WINDOWS[ctx.node.op_type]
    size = int(ctx.out_shape(0)[0])
    period = size if ctx.attr("periodic", 1) else size - 1
    if period <= 0:
        raise ConversionNotPossible(f"window of length {size}")
    phase = BinOp("*", Call("ops.arange", (size,), kw(dtype=dtype_of("float32"))),
                  2 * math.pi / period)
    expr: Any = BinOp("-", a0, BinOp("*", a1, Call("ops.cos", (phase,))))
    if a2:
        expr = BinOp("+", expr, BinOp("*", a2, Call("ops.cos", (BinOp("*", phase, 2.0),))))
    dtype = ctx.out_dtype(0)
    return LayerSpec(expr if dtype.name == "float32" else astype(expr, dtype))


# -- Det ------------------------------------------------------------------------------------------
@register("Det", since=(11, 22))
def convert_det(ctx: ConvertContext) -> LayerSpec:
    """Det(X) → ``ops.det`` over the last two axes (since 11, 22)."""
    return LayerSpec(Call("ops.det", (Ref(0),)))


# -- ReverseSequence ------------------------------------------------------------------------------
@register("ReverseSequence", since=(10, 28))
def convert_reverse_sequence(ctx: ConvertContext) -> LayerSpec:
    """ReverseSequence(input, sequence_lens; batch_axis, time_axis) → ``ops.gather_elements``
    along the time axis with indices reversed below each length (since 10, 28)."""
    shape = ctx.shape(0)
    time_axis, batch_axis = int(ctx.attr("time_axis", 0)), int(ctx.attr("batch_axis", 1))
    steps_shape = (-1, 1) if time_axis == 0 else (1, -1)
    lens_shape = (1, -1) if time_axis == 0 else (-1, 1)
    steps = Call("ops.reshape", (Call("ops.arange", (shape[time_axis],)), steps_shape))
    lens = Call("ops.reshape", (astype(Ref(1), "int64"), lens_shape))
    index: Any = Call("ops.where", (BinOp("<", steps, lens),
                                    BinOp("-", BinOp("-", lens, 1), steps), steps))
    if len(shape) > 2:
        index = Call("ops.reshape", (index, tuple(shape[:2]) + (1,) * (len(shape) - 2)))
        index = Call("ops.broadcast_to", (index, tuple(shape)))
    if batch_axis == time_axis:
        raise ConversionNotPossible("batch_axis equals time_axis")
    x: Any = Ref(0)
    dtype = ctx.dtype(0)
    if dtype.name == "bfloat16":  # no bfloat16 GatherElements kernel on CPU
        x = astype(x, "float32")
    out = Call("ops.gather_elements", (x, time_axis, index))
    return LayerSpec(astype(out, dtype) if dtype.name == "bfloat16" else out)


# -- CenterCropPad --------------------------------------------------------------------------------
@register("CenterCropPad", since=(18,))
def convert_center_crop_pad(ctx: ConvertContext) -> LayerSpec:
    """CenterCropPad(input, shape; axes) → a centred slice and ``ops.pad`` (since 18)."""
    in_shape, out_shape = ctx.shape(0), ctx.out_shape(0)
    rank = len(in_shape)
    slices, pads = [], [0] * (2 * rank)
    for axis in range(rank):
        have, want = in_shape[axis], out_shape[axis]
        start = max(have - want, 0) // 2
        slices.append(Slice(start, start + want) if have > want else Slice())
        if want > have:  # ops.pad lists (begin, end) pairs from the last axis
            pads[2 * (rank - 1 - axis)] = (want - have) // 2
            pads[2 * (rank - 1 - axis) + 1] = want - have - (want - have) // 2
    expr: Any = Ref(0)
    if any(s != Slice() for s in slices):
        last = max(i for i, s in enumerate(slices) if s != Slice())
        expr = Item(expr, tuple(slices[:last + 1]))
    if any(pads):
        last = max(i for i, p in enumerate(pads) if p)
        expr = Call("ops.pad", (expr, tuple(pads[:last + 1 + (last + 1) % 2])))
    return LayerSpec(expr)


# -- AffineGrid -----------------------------------------------------------------------------------
@register("AffineGrid", since=(20,))
def convert_affine_grid(ctx: ConvertContext) -> LayerSpec:
    """AffineGrid(theta, size; align_corners) → ``ops.affine_grid`` (since 20)."""
    out = ctx.out_shape(0)
    size = (out[0], 1, *out[1:-1])
    align = bool(ctx.attr("align_corners", 0))
    return LayerSpec(Call("ops.affine_grid", (Ref(0), size), kw(align_corners=align)))


# -- BitCast --------------------------------------------------------------------------------------
@register("BitCast", since=(26,))
def convert_bitcast(ctx: ConvertContext) -> LayerSpec:
    """BitCast(input; to) → the same bytes read as another type (since 26).

    Between integer (or bool) types of one size this is a wrapping ``astype``, which runs in
    both modes; float ↔ integer needs ``x.view(<dtype>)``, which MindSpore implements in
    PyNative mode only.
    """
    dtype, source = ctx.out_dtype(0), ctx.dtype(0)
    if dtype.itemsize != source.itemsize:
        raise ConversionNotPossible("BitCast between types of different sizes")
    if dtype.kind in "iub" and source.kind in "iub":
        return LayerSpec(astype(Ref(0), dtype))
    ctx.warn("MC-W010", "BitCast between float and integer types uses Tensor.view(dtype), "
                        "which MindSpore supports in PyNative mode only")
    return LayerSpec(Method(Ref(0), "view", (dtype_of(dtype),)),
                     comment="Tensor.view(dtype) runs in PyNative mode only")


# -- DFT ------------------------------------------------------------------------------------------
@register("DFT", since=(17, 20))
def convert_dft(ctx: ConvertContext) -> LayerSpec:
    """DFT(input, dft_length?, axis?; inverse, onesided) → ``ops.fft``/``ops.ifft``/
    ``ops.rfft``/``ops.irfft``, real and imaginary parts stacked last (since 17, 20)."""
    rank = ctx.rank(0)
    if ctx.opset < 20:
        axes: Any = (norm_axis(int(ctx.attr("axis", 1)), rank),)
    elif not ctx.has_input(2):
        axes = (rank - 2,)
    elif ctx.is_const(2):
        axes = (int(ctx.const(2).reshape(-1)[0]) % rank,)
    else:
        axes = tuple(a for a in range(rank - 1)
                     if _dft_shape(ctx, a) == tuple(ctx.out_shape(0)))
        if not axes:
            raise ConversionNotPossible("the DFT axis cannot be told from the shapes")
    if ctx.has_input(1) and not ctx.is_const(1):
        raise ConversionNotPossible("dft_length computed at run time")
    results = tuple(_dft(ctx, a) for a in axes)
    if len(results) == 1:
        return LayerSpec(results[0])
    index = BinOp("%", Item(Ref(2), 0) if ctx.shape(2) else Ref(2), rank)
    chosen = TupleOf(tuple(results[axes.index(a)] if a in axes else results[0]
                           for a in range(rank - 1)))
    return LayerSpec(Item(Call("ops.stack", (chosen,)), index),
                     comment="the axis is computed at run time")


def _dft_shape(ctx: ConvertContext, axis: int) -> tuple[int, ...]:
    shape = list(ctx.shape(0))
    length = int(ctx.const(1).reshape(-1)[0]) if ctx.is_const(1) else shape[axis]
    inverse, onesided = bool(ctx.attr("inverse", 0)), bool(ctx.attr("onesided", 0))
    if inverse and onesided:
        shape[axis], shape[-1] = 2 * (shape[axis] - 1), 1
    else:
        shape[axis], shape[-1] = (length // 2 + 1 if onesided else length), 2
    return tuple(shape)


def _dft(ctx: ConvertContext, axis: int) -> Any:
    inverse, onesided = bool(ctx.attr("inverse", 0)), bool(ctx.attr("onesided", 0))
    real = Item(Ref(0), (Ellipsis, 0))
    signal: Any = real
    if ctx.shape(0)[-1] == 2:
        signal = Call("ops.Complex()", (real, Item(Ref(0), (Ellipsis, 1))))
    length = ctx.out_shape(0)[axis] if not onesided else (
        int(ctx.const(1).reshape(-1)[0]) if ctx.is_const(1) else None)
    if inverse and onesided:
        out = Call("ops.irfft", (signal,), kw(n=ctx.out_shape(0)[axis], dim=axis))
        return Call("ops.unsqueeze", (out, -1))
    func = "ops.ifft" if inverse else ("ops.rfft" if onesided else "ops.fft")
    out = Call(func, (signal,), kw(n=length, dim=axis) if length else kw(dim=axis))
    return Call("ops.stack", (TupleOf((Call("ops.real", (out,)), Call("ops.imag", (out,)))), -1))
