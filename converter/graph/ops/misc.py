"""Miscellaneous ops: CumProd, HannWindow/HammingWindow/BlackmanWindow, Det, ReverseSequence,
CenterCropPad, AffineGrid, BitCast, DFT, STFT, Col2Im.

Sizes given as run-time inputs (window length, crop shape, grid size, DFT axis, STFT step and
frame length, Col2Im block shape) are read from the static shapes, which fix them (or the
conversion says they cannot be told apart).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import cumulative, norm_axis
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
    return cumulative(ctx, "ops.cumprod", 1, lambda expr: _same_dtype(ctx, expr))


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
    """One DFT along ``axis``, computed in float64 (float32 rounding leaves visible noise where
    the exact transform is zero) and cast back to the input type."""
    inverse, onesided = bool(ctx.attr("inverse", 0)), bool(ctx.attr("onesided", 0))
    x: Any = astype(Ref(0), "float64") if ctx.dtype(0) != "float64" else Ref(0)
    signal: Any = Item(x, (Ellipsis, 0))
    if ctx.shape(0)[-1] == 2:
        signal = Call("ops.Complex()", (signal, Item(x, (Ellipsis, 1))))
    length = ctx.out_shape(0)[axis] if not onesided else (
        int(ctx.const(1).reshape(-1)[0]) if ctx.is_const(1) else None)
    if inverse and onesided:
        out = Call("ops.irfft", (signal,), kw(n=ctx.out_shape(0)[axis], dim=axis))
        result: Any = Call("ops.unsqueeze", (out, -1))
    else:
        func = "ops.ifft" if inverse else ("ops.rfft" if onesided else "ops.fft")
        out = Call(func, (signal,), kw(n=length, dim=axis) if length else kw(dim=axis))
        parts = TupleOf((Call("ops.real", (out,)), Call("ops.imag", (out,))))
        result = Call("ops.stack", (parts, -1))
    return result if ctx.dtype(0) == "float64" else astype(result, ctx.dtype(0))


# -- STFT -----------------------------------------------------------------------------------------
@register("STFT", since=(17,))
def convert_stft(ctx: ConvertContext) -> LayerSpec:
    """STFT(signal, frame_step, window?, frame_length?; onesided) → frames gathered with a
    constant index, windowed, then ``ops.rfft``/``ops.fft`` in float64 (since 17)."""
    step, length = _stft_geometry(ctx)
    frames = ctx.out_shape(0)[1]
    index = np.arange(frames)[:, None] * step + np.arange(length)[None, :]
    x: Any = astype(Ref(0), "float64") if ctx.dtype(0) != "float64" else Ref(0)
    positions = ctx.array_param(f"{ctx.node.output[0]}_frame_index", index.astype(np.int64))
    framed = Call("ops.gather", (x, positions, 1))  # (batch, frames, length, 1 or 2)
    signal: Any = Item(framed, (Ellipsis, 0))
    if ctx.shape(0)[-1] == 2:
        signal = Call("ops.Complex()", (signal, Item(framed, (Ellipsis, 1))))
    if ctx.has_input(2):
        window = ctx.operand(2, inline=False)
        signal = BinOp("*", signal, astype(window, "float64"))
    onesided = bool(ctx.attr("onesided", 1)) and ctx.shape(0)[-1] == 1
    out = Call("ops.rfft" if onesided else "ops.fft", (signal,), kw(dim=-1))
    result = Call("ops.stack", (TupleOf((Call("ops.real", (out,)), Call("ops.imag", (out,)))),
                                -1))
    return LayerSpec(result if ctx.dtype(0) == "float64" else astype(result, ctx.dtype(0)))


def _stft_geometry(ctx: ConvertContext) -> tuple[int, int]:
    """(frame step, frame length), from constants or else from the static shapes."""
    signal_length = ctx.shape(0)[1]
    frames, bins = ctx.out_shape(0)[1], ctx.out_shape(0)[2]
    if ctx.has_input(2):
        lengths = [ctx.shape(2)[0]]
    elif ctx.is_const(3):
        lengths = [int(ctx.const(3).reshape(-1)[0])]
    elif ctx.attr("onesided", 1) and ctx.shape(0)[-1] == 1:
        lengths = [2 * (bins - 1), 2 * bins - 1]
    else:
        lengths = [bins]
    steps = ([int(ctx.const(1).reshape(-1)[0])] if ctx.is_const(1)
             else list(range(1, signal_length + 1)))
    found = [(s, n) for n in lengths for s in steps
             if 0 < n <= signal_length and 1 + (signal_length - n) // s == frames]
    if len(found) != 1:
        raise ConversionNotPossible("the STFT frame step and length cannot be told from the "
                                    "shapes; make them constants")
    return found[0]


# -- Col2Im ---------------------------------------------------------------------------------------
@register("Col2Im", since=(18,))
def convert_col2im(ctx: ConvertContext) -> LayerSpec:
    """Col2Im(input, image_shape, block_shape; dilations, pads, strides) →
    ``ops.unsorted_segment_sum`` of every column entry into its padded image position, with a
    constant position table, then the padding sliced off (since 18)."""
    batch, channels = ctx.out_shape(0)[:2]
    image = tuple(ctx.out_shape(0)[2:])
    n = len(image)
    dilations = list(ctx.attr("dilations", [1] * n))
    strides = list(ctx.attr("strides", [1] * n))
    pads = list(ctx.attr("pads", [0] * (2 * n)))
    padded = tuple(image[i] + pads[i] + pads[i + n] for i in range(n))
    block = _col2im_block(ctx, padded, dilations, strides)
    positions = _col2im_positions(block, padded, dilations, strides)
    table = ctx.array_param(f"{ctx.node.output[0]}_positions", positions)
    columns = Call("ops.reshape", (Ref(0), (batch * channels, -1)))  # (N*C, K*L)
    summed = Call("ops.unsorted_segment_sum",
                  (Call("ops.transpose", (columns, (1, 0))), table, int(np.prod(padded))))
    out: Any = Call("ops.reshape", (Call("ops.transpose", (summed, (1, 0))),
                                    (batch, channels, *padded)))
    if any(pads):
        crop = tuple(Slice(pads[i], pads[i] + image[i]) for i in range(n))
        out = Item(out, (Slice(), Slice(), *crop))
    return LayerSpec(out)


def _col2im_block(ctx: ConvertContext, padded: tuple[int, ...], dilations: list[int],
                  strides: list[int]) -> tuple[int, ...]:
    """The block shape, from the constant input or else from the static shapes."""
    if ctx.is_const(2):
        return tuple(int(b) for b in ctx.const(2).reshape(-1))
    size = ctx.shape(0)[1] // ctx.out_shape(0)[1]
    found = [block for block in _factorizations(size, len(padded))
             if _blocks_count(block, padded, dilations, strides) == ctx.shape(0)[2]]
    if len(found) != 1:
        raise ConversionNotPossible("the Col2Im block shape cannot be told from the shapes; "
                                    "make it a constant")
    return found[0]


def _factorizations(size: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 1:
        return [(size,)]
    return [(d, *rest) for d in range(1, size + 1) if size % d == 0
            for rest in _factorizations(size // d, parts - 1)]


def _blocks_count(block: tuple[int, ...], padded: tuple[int, ...], dilations: list[int],
                  strides: list[int]) -> int:
    counts = [(p - d * (b - 1) - 1) // s + 1
              for b, p, d, s in zip(block, padded, dilations, strides)]
    return int(np.prod(counts)) if min(counts) > 0 else -1


def _col2im_positions(block: tuple[int, ...], padded: tuple[int, ...], dilations: list[int],
                      strides: list[int]) -> np.ndarray:
    """Flat padded-image position of every (block offset, block index) column entry."""
    counts = [(p - d * (b - 1) - 1) // s + 1
              for b, p, d, s in zip(block, padded, dilations, strides)]
    offsets = np.stack(np.meshgrid(*[np.arange(b) for b in block], indexing="ij"), -1)
    starts = np.stack(np.meshgrid(*[np.arange(c) for c in counts], indexing="ij"), -1)
    coords = (offsets.reshape(-1, 1, len(block)) * np.array(dilations)
              + starts.reshape(1, -1, len(block)) * np.array(strides))
    flat = np.ravel_multi_index(tuple(np.moveaxis(coords, -1, 0)), padded)
    return flat.reshape(-1).astype(np.int32)
