"""Reductions: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare, ArgMax/ArgMin,
CumSum, TopK.

Axes come from the ``axes`` attribute (ReduceSum before opset 13, the others before 18) or from
the second input. Axes computed at run time are recovered from the static input and output
shapes, which fix them up to size-1 axes (reducing those does not change any value).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from typing import Any, NamedTuple

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import cumulative, norm_axis
from mindconverter.converter.graph.ops.elementwise import astype, dtype_of
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import (
    Assign,
    BinOp,
    Call,
    Item,
    LayerSpec,
    Ref,
    Temp,
    TupleOf,
    kw,
)

# MindSpore sums and multiplies these dtypes into int64: ask for the input dtype back.
_WIDENED_BY_SUM = {"bool", "int8", "int16", "int32", "uint8"}
# ``ops.mean`` (the ReduceMean primitive) waits for the host on every PyNative call (~0.4 ms);
# ``mint.mean`` does not. Its CPU kernel was checked for these dtypes in PyNative and graph mode
# (keepdim 0/1; one, several, all and size-1 axes; rank 1 to a scalar): values equal
# ``ops.mean``'s, integer means included. bfloat16 has a CPU kernel in neither.
_MINT_MEAN = {"float16", "float32", "float64", "int32", "int64", "uint32", "uint64"}
_V18 = (1, 11, 13, 18)
Body = Callable[[Any, tuple[int, ...], bool, np.dtype], Any]


# -- axes -----------------------------------------------------------------------------------------
class AxisChoice(NamedTuple):
    """One axis given at run time that the shapes leave ambiguous: the axes that fit them."""

    candidates: tuple[int, ...]


def reduce_axes(ctx: ConvertContext, input_since: int) -> tuple[int, ...] | AxisChoice | None:
    """The sorted non-negative axes to reduce, or ``None`` for ``noop_with_empty_axes``."""
    rank = ctx.rank(0)
    if ctx.opset < input_since:
        axes = ctx.attr("axes")
        return tuple(range(rank)) if axes is None else _normalize(axes, rank)
    if not ctx.has_input(1) or int(np.prod(ctx.shape(1))) == 0:
        return None if ctx.attr("noop_with_empty_axes", 0) else tuple(range(rank))
    if ctx.is_const(1):
        return _normalize(ctx.const(1), rank)
    return _axes_from_shapes(ctx, int(np.prod(ctx.shape(1))))


def _normalize(axes: Any, rank: int) -> tuple[int, ...]:
    return tuple(sorted({norm_axis(int(a), rank) for a in np.asarray(axes).reshape(-1)}))


def _axes_from_shapes(ctx: ConvertContext, count: int) -> tuple[int, ...] | AxisChoice:
    """Axes given at run time, told from the shapes (exact up to size-1 axes)."""
    in_shape, out_shape = ctx.shape(0), ctx.out_shape(0)
    if ctx.attr("keepdims", 1):
        return tuple(i for i, (a, b) in enumerate(zip(in_shape, out_shape)) if a != b)
    found: dict[tuple[int, ...], tuple[int, ...]] = {}
    for axes in combinations(range(len(in_shape)), count):
        kept = [d for i, d in enumerate(in_shape) if i not in axes]
        if tuple(kept) == tuple(out_shape):
            found.setdefault(tuple(a for a in axes if in_shape[a] != 1), axes)
    if len(found) == 1:
        return next(iter(found.values()))
    if count == 1 and found:
        return AxisChoice(tuple(axes[0] for axes in found.values()))
    raise ConversionNotPossible(
        f"axes computed at run time cannot be told from shapes {list(in_shape)} → "
        f"{list(out_shape)}; make them a constant")


def _choose_axis(ctx: ConvertContext, choice: AxisChoice, body: Body, x: Any, dtype: np.dtype
                 ) -> Any:
    """``ops.stack(<reduction along each axis>)[axes[0]]`` for an ambiguous run-time axis."""
    fallback = choice.candidates[0]
    per_axis = tuple(body(x, (a if a in choice.candidates else fallback,), False, dtype)
                     for a in range(ctx.rank(0)))
    return Item(Call("ops.stack", (TupleOf(per_axis),)), Item(Ref(1), 0))


# -- reductions ---------------------------------------------------------------------------------
def _sum(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    extra = kw(dtype=dtype_of(dtype)) if dtype.name in _WIDENED_BY_SUM else ()
    return Call("ops.sum", (x, axes), kw(keepdim=keep) + extra)


def _prod(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    """One ``ops.prod`` per axis, last axis first: with an ``int`` axis it runs the ProdExt
    kernel; a tuple of axes takes the ReduceProd primitive, which waits for the host on every
    PyNative call."""
    extra = kw(dtype=dtype_of(dtype)) if dtype.name in _WIDENED_BY_SUM else ()
    for axis in reversed(axes):
        x = Call("ops.prod", (x, axis), kw(keep_dims=keep) + extra)
    return x


def _mean(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    if dtype.name in _MINT_MEAN:
        return Call("ms.mint.mean", (x, axes), kw(keepdim=keep))
    return Call("ops.mean", (x, axes), kw(keep_dims=keep))


def _max(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    if dtype.kind == "b":
        return Call("ops.any", (x, axes), kw(keep_dims=keep))
    return Call("ops.amax", (x, axes), kw(keepdims=keep))


def _min(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    if dtype.kind == "b":
        return Call("ops.all", (x, axes), kw(keep_dims=keep))
    return Call("ops.amin", (x, axes), kw(keepdims=keep))


def _l1(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    return _sum(x if dtype.kind == "u" else Call("ops.abs", (x,)), axes, keep, dtype)


def _sum_square(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    return _sum(Call("ops.square", (x,)), axes, keep, dtype)


def _l2(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    return Call("ops.sqrt", (_sum_square(x, axes, keep, dtype),))


def _log_sum(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    return Call("ops.log", (_sum(x, axes, keep, dtype),))


def _log_sum_exp(x: Any, axes: tuple[int, ...], keep: bool, dtype: np.dtype) -> Any:
    return Call("ops.logsumexp", (x, axes), kw(keepdim=keep))


def _identity_only(x: Any, dtype: np.dtype, op_type: str) -> Any:
    """What a reduction over no (or only size-1) axes leaves: its element-wise part."""
    if op_type == "ReduceL1":
        return x if dtype.kind == "u" else Call("ops.abs", (x,))
    if op_type == "ReduceL2":
        return Call("ops.abs", (x,))
    if op_type == "ReduceSumSquare":
        return Call("ops.square", (x,))
    if op_type == "ReduceLogSum":
        return Call("ops.log", (x,))
    return x


# op type: (MindSpore target for the docstring, body, since-versions, axes-input since,
#           value of an empty reduction (None: zeros))
_REDUCTIONS: dict[str, tuple[str, Body, tuple[int, ...], int, Any]] = {
    "ReduceSum": ("ops.sum", _sum, (1, 11, 13), 13, 0),
    "ReduceMean": ("mint.mean (ops.mean for bfloat16)", _mean, _V18, 18, float("nan")),
    "ReduceMax": ("ops.amax (ops.any for bool)", _max, (1, 11, 12, 13, 18, 20), 18, "min"),
    "ReduceMin": ("ops.amin (ops.all for bool)", _min, (1, 11, 12, 13, 18, 20), 18, "max"),
    "ReduceProd": ("ops.prod", _prod, _V18, 18, 1),
    "ReduceL1": ("ops.sum(ops.abs(x))", _l1, _V18, 18, 0),
    "ReduceL2": ("ops.sqrt(ops.sum(ops.square(x)))", _l2, _V18, 18, 0),
    "ReduceSumSquare": ("ops.sum(ops.square(x))", _sum_square, _V18, 18, 0),
    "ReduceLogSum": ("ops.log(ops.sum(x))", _log_sum, (1, 11, 13, 18, 28), 18, float("-inf")),
    "ReduceLogSumExp": ("ops.logsumexp", _log_sum_exp, (1, 11, 13, 18, 28), 18, float("-inf")),
}
# Float-only MindSpore kernels: integer inputs are computed in float64 and cast back.
_FLOAT_ONLY = {"ReduceL2", "ReduceLogSum", "ReduceLogSumExp"}


def _convert_reduce(ctx: ConvertContext) -> LayerSpec:
    op_type = ctx.node.op_type
    _, body, _, input_since, empty = _REDUCTIONS[op_type]
    axes = reduce_axes(ctx, input_since)
    if axes is None:
        return LayerSpec(Ref(0))
    dtype = ctx.dtype(0)
    if int(np.prod(ctx.shape(0))) == 0:
        return LayerSpec(_empty_reduction(ctx, empty))
    x: Any = Ref(0)
    keep = bool(ctx.attr("keepdims", 1))
    widen = op_type in _FLOAT_ONLY and dtype.kind != "f"
    work = np.dtype("float64") if widen else dtype
    if widen:
        x = astype(x, work)
    comment = ""
    if isinstance(axes, AxisChoice):
        expr = _choose_axis(ctx, axes, body, x, work)
        comment = "the reduced axis is computed at run time: reduce along each, pick one"
    elif not axes or ctx.rank(0) == 0:
        expr = _identity_only(x, work, op_type)
    else:
        expr = body(x, axes, keep, work)
    return LayerSpec(astype(expr, dtype) if widen else expr, comment=comment)


def _empty_reduction(ctx: ConvertContext, empty: Any) -> Any:
    """A reduction over an empty set: ONNX's identity value, as a constant of the output shape."""
    shape, dtype = tuple(ctx.out_shape(0)), ctx.out_dtype(0)
    if int(np.prod(shape)) == 0 or empty == 0:
        return Call("ops.zeros", (shape, dtype_of(dtype)))
    if empty in ("min", "max"):
        if dtype.kind == "b":
            empty = empty == "max"
        elif dtype.kind == "f":
            empty = float("-inf") if empty == "min" else float("inf")
        else:
            info = np.iinfo(dtype)
            empty = int(info.min if empty == "min" else info.max)
    return Call("ops.full", (shape, empty), kw(dtype=dtype_of(dtype)))


def _register_reduction(op_type: str) -> None:
    target, _, since, input_since, _ = _REDUCTIONS[op_type]

    def convert(ctx: ConvertContext) -> LayerSpec:
        return _convert_reduce(ctx)

    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in op_type[6:])
    convert.__name__ = convert.__qualname__ = f"convert_reduce{snake}"
    convert.__doc__ = (f"{op_type}(X, axes?; keepdims) → ``{target}``, axes an input from "
                       f"opset {input_since} (since {', '.join(map(str, since))}).")
    register(op_type, since=since)(convert)


for _op in _REDUCTIONS:
    _register_reduction(_op)


# -- ArgMax / ArgMin ------------------------------------------------------------------------------
@register("ArgMax", since=(1, 11, 12, 13))
@register("ArgMin", since=(1, 11, 12, 13))
def convert_arg_extreme(ctx: ConvertContext) -> LayerSpec:
    """ArgMax/ArgMin(X; axis, keepdims) → ``ops.max``/``ops.min`` indices (since 1, 11, 12, 13).

    Indices are int64 (the first of ties); ``select_last_index`` flips the axis and maps the
    index back. (``ops.argmax``/``ops.argmin``: ~3 ms per PyNative call on CPU, these ~7 µs.)
    """
    rank = ctx.rank(0)
    axis = norm_axis(int(ctx.attr("axis", 0)), rank)
    keep = bool(ctx.attr("keepdims", 1))
    last = bool(ctx.attr("select_last_index", 0))
    x: Any = Call("ops.flip", (Ref(0), (axis,))) if last else Ref(0)
    if ctx.dtype(0).kind == "b":
        x = astype(x, "int32")
    func = "ops.max" if ctx.node.op_type == "ArgMax" else "ops.min"
    expr: Any = Item(Call(func, (x, axis), kw(keepdims=keep)), 1)
    if last:
        expr = BinOp("-", ctx.shape(0)[axis] - 1, expr)
    return LayerSpec(expr)


# -- CumSum ---------------------------------------------------------------------------------------
@register("CumSum", since=(11, 14))
def convert_cumsum(ctx: ConvertContext) -> LayerSpec:
    """CumSum(X, axis; exclusive, reverse) → ``ops.cumsum`` (since 11, 14).

    An axis computed at run time selects among the cumulative sums along every axis.
    """
    return cumulative(ctx, "ops.cumsum", None)


# -- TopK ---------------------------------------------------------------------------------------
@register("TopK", since=(1, 10, 11, 24))
def convert_topk(ctx: ConvertContext) -> LayerSpec:
    """TopK(X, K; axis, largest, sorted) → ``ops.topk`` with int64 indices (since 1, 10, 11, 24).

    Results are always sorted (ONNX leaves the order free when ``sorted=0``); ties keep the
    lower index first, as ONNX requires.
    """
    rank = ctx.rank(0)
    axis = norm_axis(int(ctx.attr("axis", -1)), rank)
    if ctx.opset < 10:
        k = int(ctx.attr("k"))
    elif ctx.is_const(1):
        k = int(ctx.const(1).reshape(-1)[0])
    else:
        k = int(ctx.out_shape(0)[axis])
    options = kw(dim=axis) if axis != rank - 1 else ()
    if not ctx.attr("largest", 1):
        options += kw(largest=False)
    values, indices = Temp("values"), Temp("indices")
    step = Assign((values, indices), Call("ops.topk", (Ref(0), k), options))
    return LayerSpec(TupleOf((values, astype(indices, "int64"))), steps=(step,))

