"""Pooling: MaxPool, AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, GlobalLpPool, MaxUnpool.

Windows MindSpore's pooling functions express directly (symmetric padding of at most half the
kernel, PyTorch-style ``ceil_mode``) use ``ops.max_pool2d``/``ops.avg_pool2d``...; other windows
are padded explicitly first. Average pooling with dilations and Lp pooling sum the window with a
depthwise ``ops.conv*d`` over a kernel of ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import explicit_pads, int_tuple
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.render import ms_dtype_name
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    DType,
    Item,
    LayerSpec,
    Method,
    Ref,
    TupleOf,
    kw,
)


@dataclass
class _Window:
    """A pooling window over ``n`` spatial axes, with padding made explicit."""

    n: int
    kernel: tuple[int, ...]
    strides: tuple[int, ...]
    dilations: tuple[int, ...]
    pads: list[int]
    in_size: tuple[int, ...]
    out_size: tuple[int, ...]

    def extra(self) -> list[int]:
        """Padding to add at the end of each axis so that ``out_size`` windows fit."""
        return [
            max(0, (o - 1) * s + (k - 1) * d + 1 - (i + self.pads[a] + self.pads[a + self.n]))
            for a, (i, o, k, s, d) in enumerate(
                zip(self.in_size, self.out_size, self.kernel, self.strides, self.dilations))
        ]

    def native_ceil(self) -> bool | None:
        """``ceil_mode`` for MindSpore's own padding, or None when it cannot express the window."""
        n = self.n
        if self.pads[:n] != self.pads[n:] or any(2 * p > k for p, k in zip(self.pads, self.kernel)):
            return None
        floor, ceil = [], []
        for i, k, s, d, p in zip(self.in_size, self.kernel, self.strides, self.dilations,
                                 self.pads):
            span = i + 2 * p - (k - 1) * d - 1
            floor.append(span // s + 1)
            c = -(-span // s) + 1
            ceil.append(c - 1 if (c - 1) * s >= i + p else c)
        if tuple(floor) == self.out_size:
            return False
        return True if tuple(ceil) == self.out_size else None


def _window(ctx: ConvertContext) -> _Window:
    rank = ctx.rank(0)
    n = rank - 2
    if n not in (1, 2, 3):
        raise ConversionNotPossible(f"{n}-D pooling is not supported")
    kernel = int_tuple(ctx.attr("kernel_shape"))
    in_size = tuple(int(d) for d in ctx.shape(0)[2:])
    strides = int_tuple(ctx.attr("strides", [1] * n))
    dilations = int_tuple(ctx.attr("dilations", [1] * n))
    pads = [int(p) for p in explicit_pads(ctx, in_size, kernel)]
    if ctx.attr("auto_pad", "NOTSET") in ("SAME_UPPER", "SAME_LOWER"):
        out_size = tuple(-(-i // s) for i, s in zip(in_size, strides))
    else:
        out_size = _output_size(in_size, kernel, strides, dilations, pads,
                                bool(ctx.attr("ceil_mode", 0)))
    return _Window(n, kernel, strides, dilations, pads, in_size, out_size)


def _output_size(in_size: tuple[int, ...], kernel: tuple[int, ...], strides: tuple[int, ...],
                 dilations: tuple[int, ...], pads: list[int], ceil: bool) -> tuple[int, ...]:
    """Pooled sizes; in ceil mode a last window starting in the end padding is dropped.

    That rule is onnxruntime's for every opset (ONNX's own shape inference has it from opset
    22 on), so the generated network matches onnxruntime.
    """
    n = len(in_size)
    sizes = []
    for a, (i, k, s, d) in enumerate(zip(in_size, kernel, strides, dilations)):
        span = i + pads[a] + pads[a + n] - (k - 1) * d - 1
        if not ceil:
            sizes.append(span // s + 1)
            continue
        size = -(-span // s) + 1
        sizes.append(size - 1 if (size - 1) * s >= i + pads[a] else size)
    return tuple(sizes)


def _pad_arg(pads: list[int], n: int) -> tuple[int, ...]:
    """ONNX ``[b1.., e1..]`` → ``ops.pad``'s ``(b_last, e_last, ..., b_first, e_first)``."""
    return tuple(v for i in reversed(range(n)) for v in (pads[i], pads[i + n]))


def _one(values: tuple[int, ...] | list[int]) -> int | tuple[int, ...]:
    """One int when all values agree, else the tuple."""
    ints = int_tuple(values)
    return ints[0] if len(set(ints)) == 1 else ints


def _lowest(dtype: np.dtype) -> float | int:
    if dtype.kind == "f":
        return float("-inf")
    return int(np.iinfo(dtype).min)


@register("MaxPool", since=(1, 8, 10, 11, 12, 22))
def convert_max_pool(ctx: ConvertContext) -> LayerSpec:
    """MaxPool(X) → ``ops.max_pool2d``/``ops.max_pool3d`` (1-D through 2-D) (since 1-22).

    The optional Indices output is converted when MindSpore's own padding expresses the window;
    MindSpore's per-plane indices are offset to ONNX's flattened ones (``storage_order`` too).
    """
    win = _window(ctx)
    n = win.n
    ceil = win.native_ceil()
    x = Ref(0)
    padding = win.pads[:n]
    if ceil is None:
        if ctx.n_outputs > 1 and ctx.node.output[1]:
            raise ConversionNotPossible("MaxPool indices with this padding are not supported")
        pads = list(win.pads)
        for a, e in enumerate(win.extra()):
            pads[a + n] += e
        x = Call("ops.pad", (x, _pad_arg(pads, n)), kw(value=_lowest(ctx.dtype(0))))
        padding, ceil = [0] * n, False
    func = "ops.max_pool3d" if n == 3 else "ops.max_pool2d"
    if n == 1:
        x = Call("ops.expand_dims", (x, 2))
    kernel, strides, dilations = win.kernel, win.strides, win.dilations
    if n == 1:
        kernel, strides, dilations = (1, *kernel), (1, *strides), (1, *dilations)
        padding = [0, *padding]
    options = [("stride", _one(strides)), ("padding", _one(padding)),
               ("dilation", _one(dilations)), ("ceil_mode", ceil)]
    options = [(k, v) for k, v in options if (k, v) not in {("padding", 0), ("dilation", 1),
                                                            ("ceil_mode", False)}]
    with_indices = ctx.n_outputs > 1 and bool(ctx.node.output[1])
    if with_indices:
        options.append(("return_indices", True))
    pooled = Call(func, (x, _one(kernel)), tuple(options))
    if n == 1:
        pooled = _squeeze_1d(pooled, with_indices)
    if not with_indices:
        return LayerSpec(TupleOf((pooled, None)) if ctx.n_outputs > 1 else pooled)
    return LayerSpec(_with_onnx_indices(ctx, pooled, win))


def _squeeze_1d(pooled: Call, with_indices: bool) -> object:
    if not with_indices:
        return Call("ops.squeeze", (pooled, 2))
    return TupleOf((Call("ops.squeeze", (Item(pooled, 0), 2)),
                    Call("ops.squeeze", (Item(pooled, 1), 2))))


def _with_onnx_indices(ctx: ConvertContext, pooled: object, win: _Window) -> object:
    batch, channels = ctx.shape(0)[:2]
    plane = int(np.prod(win.in_size))
    column_major = int(ctx.attr("storage_order", 0)) == 1 and win.n == 2
    if batch * channels == 1 and not column_major:
        return pooled
    index = Item(pooled, 1)
    if column_major:
        height, width = win.in_size
        index = BinOp("+", BinOp("*", BinOp("%", index, width), height), BinOp("//", index, width))
    if batch * channels > 1:
        offsets = BinOp("*", Method(Call("ops.arange", (batch * channels,)), "reshape",
                                    ((batch, channels) + (1,) * win.n,)), plane)
        index = BinOp("+", index, offsets)
    return TupleOf((Item(pooled, 0), index))


@register("AveragePool", since=(1, 7, 10, 11, 19, 22))
def convert_average_pool(ctx: ConvertContext) -> LayerSpec:
    """AveragePool(X) → ``ops.avg_pool1d/2d/3d``, or a depthwise window sum (since 1-22)."""
    win = _window(ctx)
    n = win.n
    include_pad = bool(ctx.attr("count_include_pad", 0))
    ceil = win.native_ceil()
    if ceil is not None and all(d == 1 for d in win.dilations) and ctx.dtype(0).kind == "f":
        padding = win.pads[:n]
        options = [("stride", _one(win.strides)), ("padding", _one(padding)),
                   ("ceil_mode", ceil), ("count_include_pad", include_pad)]
        options = [(k, v) for k, v in options if (k, v) not in {
            ("padding", 0), ("ceil_mode", False), ("count_include_pad", True)}
            and not (k == "count_include_pad" and not any(padding))]
        if n == 1 and isinstance(dict(options).get("stride"), tuple):
            raise ConversionNotPossible("unexpected 1-D stride")
        return LayerSpec(Call(f"ops.avg_pool{n}d", (Ref(0), _one(win.kernel)), tuple(options)))
    total = _window_sum(ctx, win, Ref(0))
    count = _counts(win, include_pad)
    if np.all(count == count.flat[0]):
        return LayerSpec(BinOp("/", total, float(count.flat[0])))
    divisor = ctx.array_param(f"{ctx.name_hint}_window_count",
                              count.astype(ctx.dtype(0)).reshape((1, 1, *count.shape)))
    return LayerSpec(BinOp("/", total, divisor))


def _window_sum(ctx: ConvertContext, win: _Window, x: object) -> Call:
    """Sum over each window: a depthwise convolution with a kernel of ones on the padded input."""
    n = win.n
    pads = list(win.pads)
    for a, e in enumerate(win.extra()):
        pads[a + n] += e
    if any(pads):
        x = Call("ops.pad", (x, _pad_arg(pads, n)))
    channels = int(ctx.shape(0)[1])
    ones = Call("ops.ones", ((channels, 1, *win.kernel), DType(ms_dtype_name(ctx.dtype(0)))))
    options = [("stride", _one(win.strides)), ("dilation", _one(win.dilations)),
               ("groups", channels)]
    options = [(k, v) for k, v in options if (k, v) not in {("stride", 1), ("dilation", 1),
                                                            ("groups", 1)}]
    return Call(f"ops.conv{n}d", (x, ones), tuple(options))


def _counts(win: _Window, include_pad: bool) -> np.ndarray:
    """How many elements each window averages (ONNX ``count_include_pad`` rules), per position."""
    per_axis = []
    for a, (i, o, k, s, d) in enumerate(zip(win.in_size, win.out_size, win.kernel, win.strides,
                                             win.dilations)):
        begin, end = win.pads[a], win.pads[a + win.n]
        low, high = (-begin, i + end) if include_pad else (0, i)
        starts = np.arange(o)[:, None] * s - begin + np.arange(k)[None, :] * d
        per_axis.append(((starts >= low) & (starts < high)).sum(axis=1))
    count = per_axis[0]
    for axis_count in per_axis[1:]:
        count = np.multiply.outer(count, axis_count)
    return np.asarray(count, dtype=np.float64)


@register("LpPool", since=(1, 2, 11, 18, 22))
def convert_lp_pool(ctx: ConvertContext) -> LayerSpec:
    """LpPool(X; p=2) → ``(Σ|x|^p)^(1/p)`` with a depthwise ``ops.conv*d`` sum (since 2-22)."""
    if ctx.opset < 2:
        raise ConversionNotPossible("LpPool-1 (float p attribute) is not supported")
    win = _window(ctx)
    p = int(ctx.attr("p", 2))
    powered = Call("ops.abs", (Ref(0),)) if p == 1 else BinOp("**", Call("ops.abs", (Ref(0),)), p)
    total = _window_sum(ctx, win, powered)
    if p == 1:
        return LayerSpec(total)
    if p == 2:
        return LayerSpec(Call("ops.sqrt", (total,)))
    return LayerSpec(BinOp("**", total, 1.0 / p))


def _spatial_axes(ctx: ConvertContext) -> tuple[int, ...]:
    rank = ctx.rank(0)
    if rank < 3:
        raise ConversionNotPossible("global pooling needs a spatial axis")
    return tuple(range(2, rank))


@register("GlobalAveragePool", since=(1, 22))
def convert_global_average_pool(ctx: ConvertContext) -> LayerSpec:
    """GlobalAveragePool(X) → ``ops.mean(x, spatial axes, keep_dims=True)`` (since 1, 22)."""
    return LayerSpec(Call("ops.mean", (Ref(0), _spatial_axes(ctx)), kw(keep_dims=True)))


@register("GlobalMaxPool", since=(1, 22))
def convert_global_max_pool(ctx: ConvertContext) -> LayerSpec:
    """GlobalMaxPool(X) → ``ops.amax(x, spatial axes, keepdims=True)`` (since 1, 22)."""
    return LayerSpec(Call("ops.amax", (Ref(0), _spatial_axes(ctx)), kw(keepdims=True)))


@register("GlobalLpPool", since=(2, 22))
def convert_global_lp_pool(ctx: ConvertContext) -> LayerSpec:
    """GlobalLpPool(X; p=2) → ``ops.sum(|x|^p, spatial axes) ** (1/p)`` (since 2, 22)."""
    p = int(ctx.attr("p", 2))
    powered = BinOp("**", Call("ops.abs", (Ref(0),)), p)
    total = Call("ops.sum", (powered, _spatial_axes(ctx)), kw(keepdim=True))
    return LayerSpec(Call("ops.sqrt", (total,)) if p == 2 else BinOp("**", total, 1.0 / p))


@register("MaxUnpool", since=(9, 11, 22))
def convert_max_unpool(ctx: ConvertContext) -> LayerSpec:
    """MaxUnpool(X, I, output_shape?) → ``ops.max_unpool1d/2d/3d`` (since 9, 11, 22).

    ONNX indices count over the whole tensor; MindSpore's over one plane (``I % plane``). An
    ``output_shape`` other than the natural one takes the indices as flat positions in that
    shape, as onnxruntime and PyTorch's ``max_unpool2d(output_size=...)`` do (the ONNX
    reference implementation instead pads the natural output at its end, and ONNX's backend
    test ``test_maxunpool_export_with_output_shape`` expects that: it fails here on purpose).
    """
    n = ctx.rank(0) - 2
    if n not in (1, 2, 3):
        raise ConversionNotPossible(f"{n}-D MaxUnpool is not supported")
    kernel = int_tuple(ctx.attr("kernel_shape"))
    strides = int_tuple(ctx.attr("strides", [1] * n))
    pads = [int(p) for p in ctx.attr("pads", [0] * (2 * n))]
    in_shape = ctx.shape(0)
    out_shape = tuple(int(d) for d in ctx.out_shape(0))
    natural = tuple(int((in_shape[2 + a] - 1) * strides[a] + kernel[a] - pads[a] - pads[a + n])
                    for a in range(n))
    if natural != out_shape[2:] or pads[:n] != pads[n:]:
        dtype = DType(ms_dtype_name(ctx.dtype(0)))
        flat = Call("ops.tensor_scatter_update", (
            Call("ops.zeros", ((math.prod(out_shape),), dtype)),
            Call("ops.reshape", (Ref(1), (-1, 1))), Call("ops.reshape", (Ref(0), (-1,)))))
        return LayerSpec(Call("ops.reshape", (flat, out_shape)))
    index = BinOp("%", Ref(1), math.prod(natural))
    options = kw(stride=_one(strides), padding=_one(pads[:n]), output_size=out_shape)
    options = tuple((k, v) for k, v in options if (k, v) != ("padding", 0))
    return LayerSpec(Call(f"ops.max_unpool{n}d", (Ref(0), index, _one(kernel)), options))
