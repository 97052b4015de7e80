"""Helpers shared by op converter families."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.registry import ConversionNotPossible
from mindconverter.converter.graph.spec import Call, LayerSpec, Ref, kw


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
