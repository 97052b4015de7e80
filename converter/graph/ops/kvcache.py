"""Key/value cache updates: TensorScatter.

The update's positions along the sequence axis are ``write_indices[batch] + 0..seq-1``
(modulo the cache length in ``circular`` mode), broadcast over the other axes, and written with
``ops.tensor_scatter_elements``. Without ``write_indices`` the update replaces the head of the
cache (``ops.cat`` of the update and the rest of the cache).
"""

from __future__ import annotations

from typing import Any

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import norm_axis
from mindconverter.converter.graph.ops.shape import widened
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import (
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


@register("TensorScatter", since=(24,))
def convert_tensor_scatter(ctx: ConvertContext) -> LayerSpec:
    """TensorScatter(past_cache, update, write_indices?; mode, axis=-2) →
    ``ops.tensor_scatter_elements`` at ``write_indices + arange(seq)`` (since 24)."""
    rank = ctx.rank(0)
    axis = norm_axis(int(ctx.attr("axis", -2)), rank)
    if axis == 0:
        raise ConversionNotPossible("TensorScatter axis 0 (the batch axis)")
    mode = ctx.attr("mode", "linear")
    if mode not in ("linear", "circular"):
        raise ConversionNotPossible(f"TensorScatter mode '{mode}'")
    cache, update = ctx.shape(0), ctx.shape(1)
    length, seq = int(cache[axis]), int(update[axis])
    if len(update) != rank or seq > length:
        raise ConversionNotPossible(f"update of shape {list(update)} does not fit the cache "
                                    f"{list(cache)} along axis {axis}")
    if not ctx.has_input(2):
        if seq == length:
            return LayerSpec(Ref(1))
        rest = Item(Ref(0), (*(Slice(),) * axis, Slice(seq, None)))
        return LayerSpec(Call("ops.cat", (TupleOf((Ref(1), rest)), axis)))
    positions = _positions(ctx, axis, rank, seq, length if mode == "circular" else None)
    return widened(ctx, lambda x: Call("ops.tensor_scatter_elements",
                                       (x(0), positions, x(1), axis)), (0, 1))


def _positions(ctx: ConvertContext, axis: int, rank: int, seq: int, wrap: int | None) -> Any:
    """``write_indices[b] + s`` for every element of the update (``% wrap`` when circular)."""
    dtype = DType("int32" if ctx.dtype(2).name == "int32" else "int64")
    starts: Any = Call("ops.reshape", (Ref(2), (-1,) + (1,) * (rank - 1)))
    if ctx.dtype(2).name not in ("int32", "int64"):
        starts = Method(starts, "astype", (dtype,))
    steps = Method(Call("ops.arange", (seq,), kw(dtype=dtype)), "reshape",
                   (tuple(seq if a == axis else 1 for a in range(rank)),))
    positions: Any = BinOp("+", starts, steps)
    if wrap is not None:
        positions = BinOp("%", positions, wrap)
    return Call("ops.broadcast_to", (positions, tuple(int(d) for d in ctx.shape(1))))
