"""Indexing: Gather, GatherElements, GatherND, ScatterND, ScatterElements/Scatter, Where,
NonZero, Compress (Unique is in setops.py).

Constant indices are normalised at conversion time (negative → positive); indices computed at
run time are wrapped with ``%`` only where the MindSpore kernel rejects negative indices.
bfloat16 data goes through float32 where the CPU kernels lack bfloat16 (exact for data moves).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import norm_axis
from mindconverter.converter.graph.ops.shape import ms_dtype, widened
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    Const,
    Item,
    LayerSpec,
    Method,
    Ref,
    Slice,
    TupleOf,
    kw,
)


def _wrapped_const(ctx: ConvertContext, index: int, dims: np.ndarray | int) -> Const:
    """Constant indices with negatives wrapped into range, as a network parameter."""
    values = ctx.const(index)
    if not (values < 0).any():
        return ctx.const_param(index)
    return ctx.array_param(ctx.node.input[index] + "_wrapped", np.where(
        values < 0, values + dims, values).astype(values.dtype))


def _progression(values: np.ndarray) -> Slice | None:
    """``a:b:c`` when 1-D ``values`` is an increasing arithmetic progression."""
    if values.ndim != 1 or values.size < 2:
        return None
    steps = np.diff(values)
    step = int(steps[0])
    if step < 1 or not (steps == step).all():
        return None
    start, stop = int(values[0]), int(values[-1]) + 1
    return Slice(start or None, stop, None if step == 1 else step)


@register("Gather", since=(1, 11, 13))
def convert_gather(ctx: ConvertContext) -> LayerSpec:
    """Gather(data, indices; axis=0) → ``x[..., i]`` / ``ops.gather`` (since 1, 11, 13)."""
    rank = ctx.rank(0)
    axis = norm_axis(int(ctx.attr("axis", 0)), rank)
    if not ctx.is_const(1):
        return widened(ctx, lambda x: Call("ops.gather", (x(0), Ref(1), axis)))
    dim = ctx.shape(0)[axis]
    original = ctx.const(1).astype(np.int64)
    values = np.where(original < 0, original + dim, original)
    lead: tuple[Any, ...] = (Slice(),) * axis
    if axis >= 2 and axis == rank - 1:
        lead = (Ellipsis,)
    index: Any
    if values.ndim == 0:
        index = int(original)  # Python reads an in-range negative index as ONNX does
    elif values.size == 1 and values.ndim == 1:
        index = Slice(int(values[0]) or None, int(values[0]) + 1)
    else:
        index = _progression(values)
    if index is None:
        indices = _wrapped_const(ctx, 1, dim)
        return widened(ctx, lambda x: Call("ops.gather", (x(0), indices, axis)))
    return LayerSpec(Item(Ref(0), (*lead, index) if lead else index))


@register("GatherElements", since=(11, 13))
def convert_gather_elements(ctx: ConvertContext) -> LayerSpec:
    """GatherElements(data, indices; axis=0) → ``ops.gather_elements`` (since 11, 13)."""
    axis = norm_axis(int(ctx.attr("axis", 0)), ctx.rank(0))
    return widened(ctx, lambda x: Call("ops.gather_elements", (x(0), axis, Ref(1))))


def _nd_indices(ctx: ConvertContext, index: int, batch_dims: int) -> Any:
    """GatherND/ScatterND indices with negatives wrapped (the kernels reject them)."""
    k = ctx.shape(index)[-1]
    dims = np.asarray(ctx.shape(0)[batch_dims:batch_dims + k], dtype=np.int64)
    if ctx.is_const(index):
        return _wrapped_const(ctx, index, dims)
    if ctx.dtype(index).kind == "u":
        return Ref(index)
    modulus: Any = int(dims[0]) if k == 1 else Call(
        "ms.Tensor", (dims.tolist(), ms_dtype(ctx.dtype(index))))
    return BinOp("%", Ref(index), modulus)


@register("GatherND", since=(11, 12, 13))
def convert_gather_nd(ctx: ConvertContext) -> LayerSpec:
    """GatherND(data, indices; batch_dims=0) → ``ops.gather_nd`` (since 11, 12, 13).

    Batch dimensions become leading index columns (a constant grid of batch coordinates).
    """
    batch_dims = int(ctx.attr("batch_dims", 0))
    indices = _nd_indices(ctx, 1, batch_dims)
    if batch_dims:
        grid = _batch_grid(ctx.shape(1)[:-1], batch_dims, ctx.dtype(1))
        coords = ctx.array_param(ctx.node.input[1] + "_batch", grid)
        indices = Call("ops.cat", (TupleOf((coords, indices)), -1))
    return widened(ctx, lambda x: Call("ops.gather_nd", (x(0), indices)))


def _batch_grid(shape: tuple[int, ...], batch_dims: int, dtype: np.dtype) -> np.ndarray:
    """Coordinates of the first ``batch_dims`` axes for every index tuple: ``shape + (b,)``."""
    mesh = np.indices(shape[:batch_dims], dtype=dtype)
    mesh = mesh.reshape(batch_dims, *shape[:batch_dims], *([1] * (len(shape) - batch_dims)))
    return np.moveaxis(np.broadcast_to(mesh, (batch_dims, *shape)), 0, -1).copy()


_ND_SCATTER = {"none": "ops.tensor_scatter_update", "add": "ops.tensor_scatter_add",
               "mul": "ops.tensor_scatter_mul", "max": "ops.tensor_scatter_max",
               "min": "ops.tensor_scatter_min"}


@register("ScatterND", since=(11, 13, 16, 18))
def convert_scatter_nd(ctx: ConvertContext) -> LayerSpec:
    """ScatterND(data, indices, updates; reduction) → ``ops.tensor_scatter_*`` (since 11 … 18)."""
    reduction = ctx.attr("reduction", "none")
    if reduction not in _ND_SCATTER:
        raise ConversionNotPossible(f"ScatterND reduction '{reduction}'")
    indices = _nd_indices(ctx, 1, 0)
    return widened(ctx, lambda x: Call(_ND_SCATTER[reduction], (x(0), indices, x(2))), (0, 2))


@register("Scatter", since=(9, 11))
@register("ScatterElements", since=(11, 13, 16, 18))
def convert_scatter_elements(ctx: ConvertContext) -> LayerSpec:
    """ScatterElements(data, indices, updates; axis, reduction) → ``ops.tensor_scatter_elements``.

    Reductions ``mul``/``max``/``min`` go through ``ops.tensor_scatter_*`` with full coordinates
    (since Scatter 9, 11; ScatterElements 11, 13, 16, 18).
    """
    rank = ctx.rank(0)
    axis = norm_axis(int(ctx.attr("axis", 0)), rank)
    reduction = ctx.attr("reduction", "none")
    if reduction in ("none", "add"):
        extra = kw() if reduction == "none" else kw(reduction=reduction)
        return widened(ctx, lambda x: Call("ops.tensor_scatter_elements",
                                           (x(0), Ref(1), x(2), axis), extra), (0, 2))
    if reduction not in _ND_SCATTER:
        raise ConversionNotPossible(f"ScatterElements reduction '{reduction}'")
    coords = _element_coords(ctx, axis)
    return widened(ctx, lambda x: Call(_ND_SCATTER[reduction], (x(0), coords, x(2))), (0, 2))


def _element_coords(ctx: ConvertContext, axis: int) -> Any:
    """Full coordinates ``indices.shape + (rank,)``: a constant grid around the run-time axis."""
    shape, rank, dtype = ctx.shape(1), ctx.rank(0), ctx.dtype(1)
    dim = ctx.shape(0)[axis]
    if ctx.is_const(1):
        along: Any = Call("ops.expand_dims", (_wrapped_const(ctx, 1, dim), -1))
    else:
        along = Call("ops.expand_dims", (BinOp("%", Ref(1), dim), -1))
    grid = np.moveaxis(np.indices(shape, dtype=dtype), 0, -1)
    parts = []
    if axis > 0:
        parts.append(ctx.array_param(f"{ctx.node.input[1]}_lead", grid[..., :axis].copy()))
    parts.append(along)
    if axis < rank - 1:
        parts.append(ctx.array_param(f"{ctx.node.input[1]}_trail", grid[..., axis + 1:].copy()))
    return Call("ops.cat", (TupleOf(tuple(parts)), -1))


@register("Where", since=(9, 16))
def convert_where(ctx: ConvertContext) -> LayerSpec:
    """Where(condition, X, Y) → ``ops.where`` (since 9, 16)."""
    literals = {i: ctx.operand(i) for i in (1, 2) if _literal_ok(ctx, i)}
    return widened(ctx, lambda x: Call("ops.where", (
        Ref(0), *(literals.get(i, x(i)) for i in (1, 2)))), (1, 2))


def _literal_ok(ctx: ConvertContext, index: int) -> bool:
    """A scalar constant may be a literal: it takes the other (run-time) operand's dtype."""
    other = 3 - index
    return (ctx.is_const(index) and ctx.const(index).size == 1 and not ctx.is_const(other)
            and ctx.dtype(other) == ctx.dtype(index) and ctx.const(index).ndim <= ctx.rank(0))


@register("NonZero", since=(9, 13))
def convert_nonzero(ctx: ConvertContext) -> LayerSpec:
    """NonZero(X) → ``ops.nonzero(x).T`` (since 9, 13)."""
    if ctx.rank(0) == 0:
        raise ConversionNotPossible("NonZero of a scalar")
    return widened(ctx, lambda x: Call("ops.transpose", (Call("ops.nonzero", (x(0),)), (1, 0))),
                   cast_back=False)


@register("Compress", since=(9, 11, 28))
def convert_compress(ctx: ConvertContext) -> LayerSpec:
    """Compress(input, condition; axis?) → ``ops.gather`` of the selected indices (9, 11, 28)."""
    axis = ctx.attr("axis")
    if ctx.is_const(1):
        picked = np.flatnonzero(ctx.const(1)).astype(np.int64)
        index: Any = ctx.array_param(ctx.node.input[1] + "_indices", picked)
    else:
        index = Method(Call("ops.nonzero", (Ref(1),)), "reshape", (-1,))
    if axis is None:
        return widened(ctx, lambda x: Call("ops.gather",
                                           (Method(x(0), "reshape", (-1,)), index, 0)))
    axis = norm_axis(int(axis), ctx.rank(0))
    return widened(ctx, lambda x: Call("ops.gather", (x(0), index, axis)))
