"""Set operations: Unique (values, first indices, inverse indices, counts; with or without axis).

Every element (or slice along ``axis``) gets the number of its group, the rank of its value
among the distinct values. Without an axis the flattened input is sorted once and a group starts
wherever the sorted value changes; with an axis the slices are compared pairwise
(lexicographic order, ``O(m²)`` memory for ``m`` slices). From the groups, scatters give each
group its first position and its size (``ops.unsorted_segment_min``/``_sum``).
With ``sorted=0`` the groups are renumbered in order of first occurrence (sorting the first
positions). The number of distinct values depends on the data: the outputs are taken with
``ops.masked_select``, which runs in PyNative and graph mode.
"""

from __future__ import annotations

from typing import Any

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import norm_axis
from mindconverter.converter.graph.ops.shape import ms_dtype
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import (
    Assign,
    BinOp,
    Call,
    DType,
    Item,
    LayerSpec,
    Method,
    Ref,
    Slice,
    Temp,
    TupleOf,
    kw,
)

# Input dtypes ``ops.sort`` (or the pairwise comparisons) lack on CPU, and the exact wider type.
_WIDER = {"bfloat16": "float32", "bool": "int32", "uint16": "int32", "uint32": "int64"}
_INT64 = DType("int64")


def _call(func: str, *args: Any, **kwargs: Any) -> Call:
    return Call(func, tuple(args), kw(**kwargs))


def _column(expr: Any) -> Call:
    return _call("ops.reshape", expr, (-1, 1))


def _arange(n: int) -> Call:
    return _call("ops.arange", n, dtype=_INT64)


@register("Unique", since=(11, 28))
def convert_unique(ctx: ConvertContext) -> LayerSpec:
    """Unique(X; axis?, sorted=1) → (Y, indices, inverse_indices, counts): ``ops.sort`` or
    pairwise slice comparisons, scatters, ``ops.masked_select`` (since 11, 28)."""
    rank = ctx.rank(0)
    axis = ctx.attr("axis")
    axis = None if axis is None or rank <= 1 else norm_axis(int(axis), rank)
    shape = ctx.shape(0)
    size = int(shape[axis]) if axis is not None else _prod(shape)
    if size == 0:
        raise ConversionNotPossible("Unique of an empty tensor")
    used = [j < ctx.n_outputs and bool(ctx.node.output[j]) for j in range(4)]
    if size == 1:
        return _single(ctx, axis, used)
    x: Any = Ref(0)
    name = ctx.dtype(0).name
    if name == "uint64":
        raise ConversionNotPossible("Unique of uint64: MindSpore cannot sort it (as int64 the "
                                    "values from 2**63 would come first)")
    if name in _WIDER:
        x = Call("ops.cast", (x, DType(_WIDER[name])))
    ordered = bool(int(ctx.attr("sorted", 1)))
    group, flat = Temp("group"), Temp("flat")
    if axis is None:
        steps = [Assign(flat, Method(x, "reshape", (-1,))), *_sorted_groups(flat, size)]
    else:
        steps = list(_slice_groups(x, axis, size))
    steps += _first_and_counts(group, size)
    if not ordered:
        steps += _by_first_occurrence(group, size)
    first, counts = Temp("first"), Temp("counts")
    steps.append(Assign(Temp("valid"), BinOp(">", counts, 0)))
    indices = _call("ops.masked_select", first, Temp("valid"))
    steps.append(Assign(Temp("indices"), indices))
    values: Any = _call("ops.gather", flat if axis is None else x, Temp("indices"),
                        0 if axis is None else axis)
    if name in _WIDER:
        values = _call("ops.cast", values, ms_dtype(ctx.dtype(0)))
    outputs = (values, Temp("indices"), group, _call("ops.masked_select", counts, Temp("valid")))
    expr = TupleOf(tuple(o if u else None for o, u in zip(outputs, used))[:ctx.n_outputs])
    return LayerSpec(expr if ctx.n_outputs > 1 else outputs[0], steps=tuple(steps),
                     comment="Unique: " + ("sorted" if ordered else "in order of first occurrence"))


def _prod(shape: tuple[int, ...]) -> int:
    total = 1
    for d in shape:
        total *= int(d)
    return total


def _single(ctx: ConvertContext, axis: int | None, used: list[bool]) -> LayerSpec:
    """One element (or one slice): everything is known but the value itself."""
    zero = _call("ops.zeros", (1,), _INT64)
    outputs = (Ref(0) if axis is not None else Method(Ref(0), "reshape", (-1,)),
               zero, zero, _call("ops.ones", (1,), _INT64))
    if ctx.n_outputs == 1:
        return LayerSpec(outputs[0])
    return LayerSpec(TupleOf(tuple(o if u else None for o, u in zip(outputs, used))
                             [:ctx.n_outputs]))


def _sorted_groups(flat: Temp, n: int) -> tuple[Assign, ...]:
    """Steps binding ``group``: the rank of each element's value among the distinct values."""
    values, order, changes = Temp("sorted"), Temp("order"), Temp("changes")
    starts = Method(BinOp("!=", Item(values, Slice(1, None)), Item(values, Slice(None, -1))),
                    "astype", (_INT64,))
    in_order = _call("ops.cat", TupleOf((_call("ops.zeros", (1,), _INT64),
                                         _call("ops.cumsum", starts, 0))))
    scatter = _call("ops.tensor_scatter_update", _call("ops.zeros", (n,), _INT64),
                    _column(order), changes)
    return (
        Assign((values, order), _call("ops.sort", flat)),
        Assign(changes, in_order),
        Assign(Temp("group"), scatter),
    )


def _slice_groups(x: Any, axis: int, m: int) -> tuple[Assign, ...]:
    """Steps binding ``group`` for the ``m`` slices along ``axis`` (lexicographic ranks)."""
    rows, diff, less = Temp("rows"), Temp("diff"), Temp("less")
    same, fresh = Temp("same"), Temp("fresh")
    moved = x if axis == 0 else _call("ops.moveaxis", x, axis, 0)
    earlier = BinOp("<", _column(_arange(m)), _arange(m))  # [k, j]: k < j
    before = BinOp("==", BinOp("-", _call("ops.cumsum", diff, 2), diff), 0)
    lower = BinOp("<", _call("ops.expand_dims", rows, 1), _call("ops.expand_dims", rows, 0))
    duplicate = Method(_call("ops.logical_and", same, earlier), "any", (0,))
    smaller_firsts = _call("ops.logical_and", less, _column(fresh))
    return (
        Assign(rows, _call("ops.reshape", moved, (m, -1))),
        # diff[i, j, c]: slices i and j differ at position c
        Assign(diff, Method(BinOp("!=", _call("ops.expand_dims", rows, 1),
                                  _call("ops.expand_dims", rows, 0)), "astype", (_INT64,))),
        Assign(same, BinOp("==", Method(diff, "sum", (2,)), 0)),
        # less[i, j]: slice i comes before slice j (smaller at their first difference)
        Assign(less, Method(_call("ops.logical_and", lower, before), "any", (2,))),
        Assign(fresh, _call("ops.logical_not", duplicate)),
        Assign(Temp("group"), Method(Method(smaller_firsts, "astype", (_INT64,)), "sum", (0,))),
    )


def _first_and_counts(group: Temp, n: int) -> tuple[Assign, ...]:
    """Steps binding ``first`` and ``counts`` per group (no count past the last group)."""
    first = _call("ops.unsorted_segment_min", _arange(n), group, n)
    counts = _call("ops.unsorted_segment_sum", _call("ops.ones", (n,), _INT64), group, n)
    return Assign(Temp("first"), first), Assign(Temp("counts"), counts)


def _by_first_occurrence(group: Temp, n: int) -> tuple[Assign, ...]:
    """Steps renumbering the groups in order of first occurrence (``sorted=0``)."""
    first, counts, old = Temp("first"), Temp("counts"), Temp("old")
    renumber = _call("ops.tensor_scatter_update", _call("ops.zeros", (n,), _INT64),
                     _column(old), _arange(n))
    return (
        Assign((first, old), _call("ops.sort", first)),
        Assign(counts, _call("ops.gather", counts, old, 0)),
        Assign(group, _call("ops.gather", renumber, group, 0)),
    )
