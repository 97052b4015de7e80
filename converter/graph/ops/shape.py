"""Tensor manipulation: Reshape, Flatten, Transpose, (Un)Squeeze, Concat, Split, Slice, Pad,
Expand, Tile, Shape, Size, ConstantOfShape, Constant, Cast, CastLike, Identity, Dropout, Range,
EyeLike, Trilu, OneHot.

Shapes are static once the inputs' shapes are fixed, so inputs that only decide an output shape
(Reshape's ``shape``, Expand's ``shape``, Split's ``split``, Tile's ``repeats``, OneHot's
``depth``...) are read from the inferred output shapes, even when computed at run time. Inputs
that decide values (Slice bounds, Pad amounts, Trilu's ``k``...) are used at run time when they
are not constants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import call, identity, int_tuple, norm_axis
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.render import NP_TO_MS
from mindconverter.converter.graph.spec import (
    Attr,
    BinOp,
    Call,
    DType,
    Item,
    LayerSpec,
    Method,
    Ref,
    Slice,
    TupleOf,
    kw,
)

_LATEST = (21, 23, 24, 25)  # since-versions that only widened the type lists


def ms_dtype(dtype: Any) -> DType:
    """The MindSpore dtype literal for a NumPy dtype.

    Raises:
        ConversionNotPossible: For types MindSpore has no tensors of (float8, int4, strings...).
    """
    name = np.dtype(dtype).name
    if name in ("float8_e4m3fn", "float8_e5m2"):
        raise ConversionNotPossible(f"MindSpore has no CPU kernels for {name} tensors")
    if name not in NP_TO_MS:
        raise ConversionNotPossible(f"MindSpore has no {name} tensors")
    return DType(NP_TO_MS[name])


_WIDER = {"bfloat16": "float32", "bool": "int32"}
Operand = Callable[[int], Any]


def widened(ctx: ConvertContext, build: Callable[[Operand], Any], inputs: tuple[int, ...] = (0,),
            lacking: tuple[str, ...] = ("bfloat16",), cast_back: bool = True) -> LayerSpec:
    """``build(operand)``, where ``operand(i)`` is input ``i``; inputs whose dtype the MindSpore
    CPU kernel lacks are cast to a wider type (bfloat16 → float32, bool → int32: exact) and the
    result is cast back."""
    odd = next((ctx.dtype(i) for i in inputs if ctx.dtype(i).name in lacking), None)
    if odd is None:
        return LayerSpec(build(Ref))
    via = DType(_WIDER[odd.name])

    def operand(i: int) -> Any:
        return Call("ops.cast", (Ref(i), via)) if i in inputs else Ref(i)

    expr = build(operand)
    return LayerSpec(Call("ops.cast", (expr, ms_dtype(odd))) if cast_back else expr)


def _const_axes(ctx: ConvertContext, index: int, rank: int) -> tuple[int, ...] | None:
    """``axes`` from the attribute (old opsets) or constant input ``index``; None if absent.

    Raises:
        ConversionNotPossible: When the axes are computed at run time (callers check first).
    """
    values = ctx.attr("axes")
    if values is None and ctx.has_input(index):
        values = ctx.const(index)
    if values is None:
        return None
    return tuple(norm_axis(int(a), rank) for a in np.asarray(values).reshape(-1))


def _runtime(ctx: ConvertContext, index: int) -> bool:
    return ctx.has_input(index) and not ctx.is_const(index)


def _reshape_to_output(ctx: ConvertContext) -> LayerSpec:
    """``ops.reshape(x, <static output shape>)``, or an alias when the shape is unchanged."""
    out = ctx.out_shape(0)
    if out == ctx.shape(0):
        return LayerSpec(Ref(0))
    return call("ops.reshape", Ref(0), out)


# -- shape only ------------------------------------------------------------------------------
@register("Reshape", since=(1, 5, 13, 14, 19, *_LATEST))
def convert_reshape(ctx: ConvertContext) -> LayerSpec:
    """Reshape(data, shape) → ``ops.reshape`` to the static output shape (since 1 … 25)."""
    return _reshape_to_output(ctx)


@register("Flatten", since=(1, 9, 11, 13, *_LATEST))
def convert_flatten(ctx: ConvertContext) -> LayerSpec:
    """Flatten(X; axis=1) → ``ops.flatten`` (axis 1) or ``ops.reshape`` (since 1 … 25)."""
    rank = ctx.rank(0)
    axis = int(ctx.attr("axis", 1))
    if (axis + rank if axis < 0 else axis) == 1 and rank > 2 and ctx.dtype(0).name != "bfloat16":
        return call("ops.flatten", Ref(0))
    return _reshape_to_output(ctx)


@register("Transpose", since=(1, 13, *_LATEST))
def convert_transpose(ctx: ConvertContext) -> LayerSpec:
    """Transpose(X; perm) → ``ops.transpose`` (since 1, 13, 21 … 25)."""
    rank = ctx.rank(0)
    perm = ctx.attr("perm")
    perm = tuple(range(rank))[::-1] if perm is None else tuple(norm_axis(p, rank) for p in perm)
    if perm == tuple(range(rank)):
        return LayerSpec(Ref(0))
    return call("ops.transpose", Ref(0), perm)


@register("Squeeze", since=(1, 11, 13, *_LATEST))
def convert_squeeze(ctx: ConvertContext) -> LayerSpec:
    """Squeeze(X, axes?) → ``ops.squeeze`` (since 1 … 25; run-time axes: reshape)."""
    if ctx.out_shape(0) == ctx.shape(0):
        return LayerSpec(Ref(0))
    if _runtime(ctx, 1):
        return _reshape_to_output(ctx)
    axes = _const_axes(ctx, 1, ctx.rank(0))
    if axes is None:
        return call("ops.squeeze", Ref(0))
    return call("ops.squeeze", Ref(0), axes[0] if len(axes) == 1 else axes)


@register("Unsqueeze", since=(1, 11, 13, *_LATEST))
def convert_unsqueeze(ctx: ConvertContext) -> LayerSpec:
    """Unsqueeze(X, axes) → ``ops.expand_dims`` (one axis) or ``ops.reshape`` (since 1 … 25)."""
    if not _runtime(ctx, 1):
        axes = _const_axes(ctx, 1, len(ctx.out_shape(0)))
        if axes is not None and len(axes) == 1:
            return call("ops.expand_dims", Ref(0), axes[0])
    return _reshape_to_output(ctx)


@register("Expand", since=(8, 13))
def convert_expand(ctx: ConvertContext) -> LayerSpec:
    """Expand(input, shape) → ``ops.broadcast_to`` the static output shape (since 8, 13)."""
    out = ctx.out_shape(0)
    if out == ctx.shape(0):
        return LayerSpec(Ref(0))
    return call("ops.broadcast_to", Ref(0), out)


@register("Tile", since=(1, 6, 13))
def convert_tile(ctx: ConvertContext) -> LayerSpec:
    """Tile(input, repeats) → ``ops.tile`` (since 1, 6, 13; repeats from the static shapes)."""
    if ctx.opset < 6:
        raise ConversionNotPossible("Tile-1 (tiles/axis inputs) is not supported")
    if ctx.is_const(1):
        reps = int_tuple(ctx.const(1))
    else:
        reps = tuple(o // i if i else 1 for o, i in zip(ctx.out_shape(0), ctx.shape(0)))
    if all(r == 1 for r in reps):
        return LayerSpec(Ref(0))
    return widened(ctx, lambda x: Call("ops.tile", (x(0), reps)))


# -- joining and splitting -------------------------------------------------------------------
@register("Concat", since=(1, 4, 11, 13))
def convert_concat(ctx: ConvertContext) -> LayerSpec:
    """Concat(inputs...; axis) → ``ops.cat`` (since 1, 4, 11, 13; empty inputs skipped)."""
    rank = len(ctx.out_shape(0))
    axis = norm_axis(int(ctx.attr("axis", 1)), rank)
    parts = [i for i in range(ctx.n_inputs) if ctx.has_input(i) and 0 not in ctx.shape(i)]
    if not parts:
        return call("ops.zeros", ctx.out_shape(0), ms_dtype(ctx.out_dtype(0)))
    if len(parts) == 1:
        return LayerSpec(Ref(parts[0]))
    return call("ops.cat", TupleOf(tuple(Ref(i) for i in parts)), axis)


@register("Split", since=(1, 2, 11, 13, 18))
def convert_split(ctx: ConvertContext) -> LayerSpec:
    """Split(input, split?) → ``ops.split`` with the static output sizes (since 1 … 18)."""
    axis = norm_axis(int(ctx.attr("axis", 0)), ctx.rank(0))
    sizes = [ctx.out_shape(j)[axis] for j in range(ctx.n_outputs)]
    if len(sizes) == 1:
        return LayerSpec(Ref(0))
    first = sizes[0]
    uniform = first > 0 and all(s == first for s in sizes[:-1]) and 0 < sizes[-1] <= first
    return call("ops.split", Ref(0), first if uniform else tuple(sizes), axis)


# -- slicing and padding ---------------------------------------------------------------------
def _slice_bounds(start: int, end: int, step: int, dim: int) -> Slice:
    """ONNX Slice bounds on one axis as a Python slice with the same meaning.

    With a positive step, in-range negative bounds are kept (``x[..., -1:]``): Python and ONNX
    read them alike. Negative steps get explicit bounds (PyNative mishandles stops < -dim).
    """
    if step == 0:
        raise ConversionNotPossible("Slice step 0")
    raw_start, raw_end = start, end
    start = start + dim if start < 0 else start
    end = end + dim if end < 0 else end
    if step > 0:
        start, end = min(max(start, 0), dim), min(max(end, 0), dim)
        begin = raw_start if -dim <= raw_start < 0 else start or None
        stop = raw_end if -dim <= raw_end < 0 else None if end == dim else end
        return Slice(begin, stop, None if step == 1 else step)
    start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
    return Slice(None if start == dim - 1 else start, None if end < 0 else end, step)


def _slice_index(slices: dict[int, Slice], rank: int) -> Any:
    last, lead = max(slices), min(slices)
    if last == rank - 1 and lead >= 2:
        return (Ellipsis, *(slices.get(a, Slice()) for a in range(lead, rank)))
    index = tuple(slices.get(a, Slice()) for a in range(last + 1))
    return index[0] if len(index) == 1 else index


def _slice_params(ctx: ConvertContext) -> tuple[Any, Any, Any, Any]:
    if ctx.opset < 10:
        return ctx.attr("starts"), ctx.attr("ends"), ctx.attr("axes"), None
    return (ctx.const(1), ctx.const(2), ctx.const(3) if ctx.has_input(3) else None,
            ctx.const(4) if ctx.has_input(4) else None)


@register("Slice", since=(1, 10, 11, 13))
def convert_slice(ctx: ConvertContext) -> LayerSpec:
    """Slice(data, starts, ends, axes?, steps?) → ``x[a:b:c, ...]`` (since 1, 10, 11, 13).

    Bounds computed at run time use ``ops.strided_slice`` with full-rank vectors.
    """
    if ctx.opset >= 10 and any(_runtime(ctx, i) for i in range(1, 5)):
        return _runtime_slice(ctx)
    starts, ends, axes, steps = _slice_params(ctx)
    shape = ctx.shape(0)
    rank = len(shape)
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    slices: dict[int, Slice] = {}
    for start, end, axis, step in zip(starts, ends, axes, steps):
        axis = norm_axis(int(axis), rank)
        bounds = _slice_bounds(int(start), int(end), int(step), shape[axis])
        if bounds != Slice():
            slices[axis] = bounds
    if not slices:
        return LayerSpec(Ref(0))
    index = _slice_index(slices, rank)
    if all(b.step is None or b.step > 0 for b in slices.values()):
        return LayerSpec(Item(Ref(0), index))
    return widened(ctx, lambda x: Item(x(0), index))


def _full_vector(axes: Any, values: Any, default: Any) -> Any:
    """A run-time rank-length vector: ``default`` everywhere, ``values`` at ``axes``."""
    if axes is None:
        return values
    return Call("ops.tensor_scatter_elements", (default, axes, values))


def _runtime_slice(ctx: ConvertContext) -> LayerSpec:
    """``ops.strided_slice`` with rank-length begin/end/strides built in the graph.

    MindSpore reads out of bounds when a negative stride starts at or past the end, so begins
    are clamped to ``[-dim, dim - 1]`` (exact when no output dimension is empty).
    """
    shape, out = ctx.shape(0), ctx.out_shape(0)
    if 0 in out:
        return call("ops.zeros", out, ms_dtype(ctx.out_dtype(0)))
    rank, n = len(shape), ctx.shape(1)[0]
    dtype = ms_dtype(ctx.dtype(1))
    axes = None
    if ctx.has_input(3):
        axes = BinOp("%", ctx.operand(3, inline=False), rank)
    elif n != rank:
        axes = Call("ops.arange", (n,))
    begin = _full_vector(axes, ctx.operand(1, inline=False), Call("ops.zeros", (rank, dtype)))
    end = _full_vector(axes, ctx.operand(2, inline=False),
                       Call("ms.Tensor", (list(shape), dtype)))
    strides: Any = Call("ops.ones", (rank, dtype))
    if ctx.has_input(4):
        strides = _full_vector(axes, ctx.operand(4, inline=False), strides)
        low = Call("ms.Tensor", ([-d for d in shape], dtype))
        begin = Call("ops.clamp", (begin, low, Call("ms.Tensor", ([d - 1 for d in shape], dtype))))
    return widened(ctx, lambda x: Call("ops.strided_slice", (x(0), begin, end, strides)))


_PAD_MODES = {"reflect": "reflect", "edge": "replicate", "wrap": "circular"}


def _pad_amounts(ctx: ConvertContext, rank: int) -> np.ndarray | None:
    """ONNX pads as a (2, rank) array of begins/ends, or None when computed at run time."""
    if ctx.opset < 11:
        pads = ctx.attr("pads", ctx.attr("paddings"))
    elif _runtime(ctx, 1) or _runtime(ctx, 3):
        return None
    else:
        pads = ctx.const(1)
    pads = np.asarray(pads, dtype=np.int64).reshape(2, -1)
    if pads.shape[1] == rank:
        return pads
    full = np.zeros((2, rank), dtype=np.int64)
    axes = _const_axes(ctx, 3, rank)
    if axes is None:
        raise ConversionNotPossible(f"Pad with {pads.size} pads for rank {rank}")
    full[:, list(axes)] = pads
    return full


def _pad_value(ctx: ConvertContext) -> Any:
    if ctx.opset < 11:
        value = float(ctx.attr("value", 0.0))
    elif not ctx.has_input(2):
        return 0
    else:
        value = ctx.operand(2)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        kind = ctx.dtype(0).kind
        value = bool(value) if kind == "b" else int(value) if kind in "iu" else float(value)
    return value


@register("Pad", since=(1, 2, 11, 13, 18, 19, *_LATEST))
def convert_pad(ctx: ConvertContext) -> LayerSpec:
    """Pad(data, pads, constant_value?, axes?; mode) → ``ops.pad`` (since 1 … 25)."""
    mode = ctx.attr("mode", "constant")
    if mode != "constant" and mode not in _PAD_MODES:
        raise ConversionNotPossible(f"Pad mode '{mode}'")
    rank = ctx.rank(0)
    pads = _pad_amounts(ctx, rank)
    if pads is None:
        return _runtime_pad(ctx, mode, rank)
    if not pads.any():
        return LayerSpec(Ref(0))
    first = min(d for d in range(rank) if pads[:, d].any())
    if mode != "constant" and pads.min() < 0:
        raise ConversionNotPossible(f"negative pads in '{mode}' mode")
    padding = tuple(int(v) for d in reversed(range(first, rank)) for v in pads[:, d])
    return _pad(ctx, padding, rank - first, mode)


def _pad(ctx: ConvertContext, padding: Any, n_padded: int, mode: str) -> LayerSpec:
    """``ops.pad``; reflect/replicate/circular pad at most rank - 1 (≤ 3) trailing dims."""
    rank = ctx.rank(0)
    if mode == "constant":
        value = _pad_value(ctx)
        if isinstance(value, Ref):
            return widened(ctx, lambda x: Call("ops.pad", (x(0), padding), kw(value=x(2))), (0, 2))
        extra = kw(value=value) if value != 0 else ()
        return widened(ctx, lambda x: Call("ops.pad", (x(0), padding), extra))
    if n_padded > 3:
        raise ConversionNotPossible(f"'{mode}' padding of {n_padded} dimensions")
    options = kw(mode=_PAD_MODES[mode])
    lacking = ("bfloat16", "bool")
    if n_padded < rank:
        return widened(ctx, lambda x: Call("ops.pad", (x(0), padding), options), lacking=lacking)
    return widened(ctx, lambda x: Item(
        Call("ops.pad", (Call("ops.expand_dims", (x(0), 0)), padding), options), 0),
        lacking=lacking)


def _runtime_pad(ctx: ConvertContext, mode: str, rank: int) -> LayerSpec:
    """Pads computed at run time: reorder them to MindSpore's last-dim-first pairs in the graph."""
    pads = ctx.operand(1, inline=False)
    if ctx.has_input(3):
        axes = BinOp("%", ctx.operand(3, inline=False), rank)
        where = Call("ops.cat", (TupleOf((axes, BinOp("+", axes, rank))),))
        zeros = Call("ops.zeros", (2 * rank, ms_dtype(ctx.dtype(1))))
        pads = Call("ops.tensor_scatter_elements", (zeros, where, pads))
    # [b1, b2, ..., e1, e2, ...] → [b_last, e_last, ..., b1, e1]
    order = Method(Item(Attr(Method(pads, "reshape", (2, -1)), "T"), Slice(None, None, -1)),
                   "reshape", (-1,))
    if mode == "constant":
        return _pad(ctx, order, rank, mode)
    changed = [d for d, (i, o) in enumerate(zip(ctx.shape(0), ctx.out_shape(0))) if i != o]
    first = changed[0] if changed else rank - 1
    trimmed = Item(order, Slice(None, 2 * (rank - first))) if first else order
    return _pad(ctx, trimmed, rank - first, mode)


# -- shapes and constants --------------------------------------------------------------------
@register("Shape", since=(1, 13, 15, 19, *_LATEST))
def convert_shape(ctx: ConvertContext) -> LayerSpec:
    """Shape(data; start, end) → ``ms.Tensor(x.shape[a:b], ms.int64)`` (usually folded)."""
    dims: Any = Attr(Ref(0), "shape")
    start, end = ctx.attr("start", 0), ctx.attr("end")
    if start or end is not None:
        dims = Item(dims, Slice(start or None, end))
    return call("ms.Tensor", dims, DType("int64"))


@register("Size", since=(1, 13, 19, *_LATEST))
def convert_size(ctx: ConvertContext) -> LayerSpec:
    """Size(data) → ``ms.Tensor(x.size, ms.int64)`` (usually folded; since 1 … 25)."""
    return call("ms.Tensor", Attr(Ref(0), "size"), DType("int64"))


def _filled(shape: tuple[int, ...], value: Any, dtype: DType) -> LayerSpec:
    """``ops.zeros/ones/full``; bfloat16 ``full`` is built in float32 (no CPU kernel)."""
    if value == 0 and not (isinstance(value, float) and np.signbit(value)):
        return call("ops.zeros", shape, dtype)
    if value == 1:
        return call("ops.ones", shape, dtype)
    if dtype.name == "bfloat16":
        return call("ops.cast", Call("ops.full", (shape, value), kw(dtype=DType("float32"))), dtype)
    return call("ops.full", shape, value, dtype=dtype)


@register("ConstantOfShape", since=(9, 20, *_LATEST))
def convert_constant_of_shape(ctx: ConvertContext) -> LayerSpec:
    """ConstantOfShape(shape; value) → ``ops.zeros/ones/full`` (since 9, 20 … 25)."""
    value = ctx.attr("value")
    value = np.zeros(1, np.float32) if value is None else np.asarray(value)
    dtype = ms_dtype(value.dtype)
    return _filled(ctx.out_shape(0), value.reshape(-1)[0].item(), dtype)


_CONSTANT_ATTRS = ("value", "value_float", "value_floats", "value_int", "value_ints")


@register("Constant", since=(1, 9, 11, 12, 13, 19, *_LATEST))
def convert_constant(ctx: ConvertContext) -> LayerSpec:
    """Constant(; value...) → a network parameter (normally folded away; since 1 … 25)."""
    for name in _CONSTANT_ATTRS:
        if name in ctx.attrs:
            value = np.asarray(ctx.attr(name))
            if name in ("value_float", "value_floats"):
                value = value.astype(np.float32)
            elif name in ("value_int", "value_ints"):
                value = value.astype(np.int64)
            ms_dtype(value.dtype)
            return LayerSpec(ctx.array_param(ctx.node.output[0], value))
    raise ConversionNotPossible(f"Constant with {', '.join(ctx.attrs) or 'no'} attribute")


# -- types -----------------------------------------------------------------------------------
def _cast_to(ctx: ConvertContext, target: Any) -> LayerSpec:
    dtype = ms_dtype(target)
    ms_dtype(ctx.dtype(0))
    if np.dtype(target) == ctx.dtype(0):
        return LayerSpec(Ref(0))
    return call("ops.cast", Ref(0), dtype)


@register("Cast", since=(1, 6, 9, 13, 19, *_LATEST, 28))
def convert_cast(ctx: ConvertContext) -> LayerSpec:
    """Cast(input; to) → ``ops.cast`` (float → int truncates, as ONNX; since 1 … 28)."""
    return _cast_to(ctx, ctx.out_dtype(0))


@register("CastLike", since=(15, 19, *_LATEST))
def convert_cast_like(ctx: ConvertContext) -> LayerSpec:
    """CastLike(input, target_type) → ``ops.cast`` to the second input's dtype (since 15 … 25)."""
    return _cast_to(ctx, ctx.dtype(1))


@register("Identity", since=(1, 13, 14, 16, 19, *_LATEST))
def convert_identity(ctx: ConvertContext) -> LayerSpec:
    """Identity(input) → alias, no code (since 1 … 25)."""
    return identity(ctx)


@register("Dropout", since=(1, 6, 7, 10, 12, 13, 22))
def convert_dropout(ctx: ConvertContext) -> LayerSpec:
    """Dropout(data, ratio?, training_mode?) → alias for inference; mask → ones (since 1 … 22)."""
    if ctx.is_const(2) and bool(ctx.const(2)) and not (ctx.is_const(1) and ctx.const(1) == 0):
        raise ConversionNotPossible("Dropout in training mode is random")
    if ctx.n_outputs < 2 or not ctx.node.output[1]:
        return LayerSpec(Ref(0))
    mask = Call("ops.ones", (ctx.out_shape(1), ms_dtype(ctx.out_dtype(1))))
    return LayerSpec(TupleOf((Ref(0), mask)))


# -- generators ------------------------------------------------------------------------------
@register("Range", since=(11, 27))
def convert_range(ctx: ConvertContext) -> LayerSpec:
    """Range(start, limit, delta) → ``ops.arange(n) * delta + start`` (n static; since 11, 27)."""
    n = ctx.out_shape(0)[0]
    dtype = ms_dtype(ctx.out_dtype(0))
    start, delta = ctx.operand(0), ctx.operand(2)
    expr: Any = Call("ops.arange", (n,), kw(dtype=dtype))
    if delta != 1:
        expr = BinOp("*", expr, delta)
    if start != 0:
        expr = BinOp("+", expr, start)
    return LayerSpec(expr)


@register("EyeLike", since=(9, 22))
def convert_eye_like(ctx: ConvertContext) -> LayerSpec:
    """EyeLike(input; k, dtype) → ``ops.eye`` (shifted by slicing when k ≠ 0; since 9, 22)."""
    rows, cols = ctx.out_shape(0)
    out = ms_dtype(ctx.out_dtype(0))
    dtype = DType("float32") if out.name == "bfloat16" else out  # no bfloat16 CPU kernel
    k = int(ctx.attr("k", 0))
    expr: Any = Call("ops.eye", (rows, cols, dtype))
    if k > 0:
        expr = Item(Call("ops.eye", (rows + k, cols, dtype)), Slice(k, None))
    elif k < 0:
        expr = Item(Call("ops.eye", (rows, cols - k, dtype)), (Slice(), Slice(-k, None)))
    return LayerSpec(expr if dtype == out else Call("ops.cast", (expr, out)))


@register("Trilu", since=14)
def convert_trilu(ctx: ConvertContext) -> LayerSpec:
    """Trilu(input, k?; upper=1) → ``ops.triu`` / ``ops.tril`` (since 14)."""
    upper = bool(ctx.attr("upper", 1))
    if not _runtime(ctx, 1):
        k = int(ctx.const(1).reshape(-1)[0]) if ctx.has_input(1) else 0
        return widened(ctx, lambda x: Call("ops.triu" if upper else "ops.tril", (x(0), k)))
    rows, cols = ctx.shape(0)[-2:]
    offset = BinOp("-", Call("ops.arange", (cols,)),
                   Method(Call("ops.arange", (rows,)), "reshape", (-1, 1)))
    keep = BinOp(">=" if upper else "<=", offset, Ref(1))
    return widened(ctx, lambda x: Call("ops.where", (keep, x(0), Call("ops.zeros_like", (x(0),)))))


_ONE_HOT_NATIVE = {"float16", "float32", "int32", "int64"}  # on/off types of the CPU kernel


@register("OneHot", since=(9, 11, 28))
def convert_one_hot(ctx: ConvertContext) -> LayerSpec:
    """OneHot(indices, depth, values; axis=-1) → ``ops.one_hot`` (since 9, 11, 28).

    Other value types select ``values`` with ``ops.where`` (bfloat16: computed in float32).
    """
    rank = len(ctx.out_shape(0))
    axis = norm_axis(int(ctx.attr("axis", -1)), rank)
    depth = ctx.out_shape(0)[axis]
    args = (_one_hot_indices(ctx, depth), depth)
    axis = -1 if axis == rank - 1 else axis
    out = ctx.out_dtype(0)
    if out.name in _ONE_HOT_NATIVE:
        off, on = _one_hot_values(ctx, None)
        return call("ops.one_hot", *args, on, off, axis)
    if out.name == "bfloat16":
        off, on = _one_hot_values(ctx, DType("float32"))
        return call("ops.cast", Call("ops.one_hot", (*args, on, off, axis)), ms_dtype(out))
    off, on = _one_hot_values(ctx, None)
    hot = BinOp("==", Call("ops.one_hot", (*args, 1, 0, axis)), 1)
    return call("ops.where", hot, on, off)


def _one_hot_indices(ctx: ConvertContext, depth: int) -> Any:
    if ctx.is_const(0):
        values = ctx.const(0).astype(np.int64)
        values = np.where(values < 0, values + depth, values)
        return ctx.array_param(ctx.node.input[0] + "_wrapped", values)
    kind = ctx.dtype(0).kind
    if kind == "u":
        return Call("ops.cast", (Ref(0), DType("int64")))
    if kind == "i" and ctx.dtype(0).itemsize >= 4:
        return Call("ops.where", (BinOp("<", Ref(0), 0), BinOp("+", Ref(0), depth), Ref(0)))
    indices = Call("ops.cast", (Ref(0), DType("int64")))  # floats truncate, as in ONNX
    return Call("ops.where", (BinOp("<", indices, 0), BinOp("+", indices, depth), indices))


def _one_hot_values(ctx: ConvertContext, via: DType | None) -> tuple[Any, Any]:
    """(off, on) as 0-d tensors of the values' dtype, or of ``via``."""
    dtype = via or ms_dtype(ctx.dtype(2))
    if ctx.is_const(2):
        pair = ctx.const(2).reshape(-1)[:2]
        if via is not None:
            pair = pair.astype(np.float32)
        off, on = (v.item() for v in pair)
        return Call("ms.Tensor", (off, dtype)), Call("ms.Tensor", (on, dtype))
    values: Any = Ref(2) if via is None else Call("ops.cast", (Ref(2), via))
    return Item(values, 0), Item(values, 1)
