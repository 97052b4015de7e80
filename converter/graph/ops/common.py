"""Helpers shared by op converter families."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.registry import ConversionNotPossible
from mindconverter.converter.graph.spec import Call, Item, LayerSpec, Ref, Slice, TupleOf, kw


def call(func: str, *args: Any, **kwargs: Any) -> LayerSpec:
    """A spec whose construct expression is ``func(*args, **kwargs)``."""
    return LayerSpec(Call(func, tuple(args), kw(**kwargs)))


def float_attr(ctx: ConvertContext, name: str, default: float) -> float:
    """A float attribute as written in the model (ONNX stores float32; ``ctx.attr`` already
    returns the shortest decimal of that float32, e.g. 1e-05)."""
    return float(ctx.attr(name, default))


def norm_axis(axis: int, rank: int) -> int:
    """A non-negative axis for a tensor of ``rank``."""
    if not -rank <= axis < max(rank, 1):
        raise ConversionNotPossible(f"axis {axis} out of range for rank {rank}")
    return axis % rank if rank else 0


def int_tuple(values: Sequence[Any] | np.ndarray) -> tuple[int, ...]:
    """Plain Python ints, as the emitter writes them."""
    return tuple(int(v) for v in np.asarray(values).reshape(-1))


def identity(ctx: ConvertContext) -> LayerSpec:
    """Output 0 is input 0 (no code emitted)."""
    return LayerSpec(Ref(0))


def same_pads(
    in_shape: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
    dilations: Sequence[int], upper: bool,
) -> list[int]:
    """ONNX ``SAME_UPPER``/``SAME_LOWER`` padding as explicit ``[begins..., ends...]``."""
    begins, ends = [], []
    for size, k, s, d in zip(in_shape, kernel, strides, dilations):
        out = -(-size // s)
        total = max(0, (out - 1) * s + (k - 1) * d + 1 - size)
        small, big = total // 2, total - total // 2
        begins.append(small if upper else big)
        ends.append(big if upper else small)
    return begins + ends


def explicit_pads(ctx: ConvertContext, spatial: Sequence[int], kernel: Sequence[int]) -> list[int]:
    """The node's padding as ``[begins..., ends...]`` whatever its ``auto_pad``."""
    n = len(kernel)
    strides = list(ctx.attr("strides", [1] * n))
    dilations = list(ctx.attr("dilations", [1] * n))
    auto_pad = ctx.attr("auto_pad", "NOTSET")
    if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        return same_pads(spatial, kernel, strides, dilations, auto_pad == "SAME_UPPER")
    if auto_pad == "VALID":
        return [0] * (2 * n)
    return list(ctx.attr("pads", [0] * (2 * n)))


def ms_padding(pads: Sequence[int]) -> int | tuple[int, ...]:
    """ONNX ``[b1, b2, ..., e1, e2, ...]`` → MindSpore ``(b1, e1, b2, e2, ...)``.

    An int when all pads are equal.
    """
    n = len(pads) // 2
    pairs = [v for i in range(n) for v in (int(pads[i]), int(pads[i + n]))]
    return pairs[0] if len(set(pairs)) == 1 else tuple(pairs)


def cumulative(ctx: ConvertContext, func: str, pad_value: int | None,
               finish: Callable[[Any], Any] = lambda expr: expr) -> LayerSpec:
    """CumSum/CumProd(X, axis; exclusive, reverse) → ``ops.<func>`` along the axis.

    Args:
        ctx: The node's context.
        func: ``"ops.cumsum"`` or ``"ops.cumprod"``.
        pad_value: What ``exclusive`` shifts in (``None``: ``ops.pad``'s default zero).
        finish: Applied to the result (e.g. a cast back to the input dtype).

    An axis computed at run time selects among the results along every axis.
    """
    rank = ctx.rank(0)
    exclusive, reverse = bool(ctx.attr("exclusive", 0)), bool(ctx.attr("reverse", 0))

    def along(axis: int) -> Any:
        x: Any = Ref(0)
        if reverse:
            x = Call("ops.flip", (x, (axis,)))
        if exclusive:  # shift by one along the axis: drop the last element, pad in front
            head = Item(x, (*(Slice(),) * axis, Slice(None, -1)))
            pads = (0, 0) * (rank - 1 - axis) + (1, 0)
            x = Call("ops.pad", (head, pads), kw(value=pad_value) if pad_value is not None else ())
        out: Any = Call(func, (x, axis))
        return Call("ops.flip", (out, (axis,))) if reverse else out

    if ctx.is_const(1) or rank == 1:
        axis = norm_axis(int(ctx.const(1).reshape(-1)[0]), rank) if ctx.is_const(1) else 0
        return LayerSpec(finish(along(axis)))
    results = TupleOf(tuple(along(a) for a in range(rank)))
    index = Item(Ref(1), 0) if ctx.shape(1) else Ref(1)
    return LayerSpec(finish(Item(Call("ops.stack", (results,)), index)),
                     comment="the axis is computed at run time")
