"""Route a Softmax behind a ``-inf`` mask that may block a whole row to the guarded converter.

MindSpore's CPU softmax mishandles rows that are all ``-inf`` (it zeroes every later row), so
such Softmax/LogSoftmax nodes move to :data:`FUSED_DOMAIN`, whose converter shifts by the row
maximum first. A constant mask is checked row by row (a causal mask always leaves the diagonal
open and keeps the plain softmax).
"""

from __future__ import annotations

import numpy as np
from mindconverter.converter.graph.fusion_graph import (
    FUSED_DOMAIN,
    FusionGraph,
    attributes,
    is_standard,
)
from onnx import helper

GUARDED_OPS = ("Softmax", "LogSoftmax")
"""The operators that are guarded (converted by ``convert_guarded_softmax``)."""

# How far back a -inf constant (an attention mask) is looked for above a Softmax.
_MASK_DEPTH = 8

_SHAPE_ONLY = frozenset({"Unsqueeze", "Squeeze", "Reshape", "Expand", "Cast", "Transpose",
                         "Tile", "Flatten"})


def guard_softmax(g: FusionGraph) -> int:
    """Move Softmax nodes that a ``-inf`` mask may block entirely to the guarded converter.

    Args:
        g: The graph being fused (nodes already replaced by other patterns are skipped).

    Returns:
        The number of guarded nodes.
    """
    opset = next((i.version for i in g.model.opset_import if i.domain in ("", "ai.onnx")), 1)
    count = 0
    for node in g.nodes:
        if not is_standard(node, *GUARDED_OPS):
            continue
        if g.is_removed(node) or id(node) in g.added:
            continue
        shape = g.shape(node.input[0])
        if not shape:
            continue
        rank = len(shape)
        axis = int(attributes(node).get("axis", -1 if opset >= 13 else 1))
        if not -rank <= axis < rank:
            continue
        axis %= rank
        if (opset < 13 and axis != rank - 1) or not _may_block_row(g, node.input[0], axis):
            continue
        guarded = helper.make_node(node.op_type, list(node.input), list(node.output),
                                   name=node.name, domain=FUSED_DOMAIN, axis=axis)
        g.replace([node], guarded)
        count += 1
    return count


def _may_block_row(g: FusionGraph, value: str, axis: int) -> bool:
    """Whether a ``-inf`` mask may fill a whole row of ``value`` along ``axis``.

    A constant mask (``Where(cond, -inf, x)`` with constant ``cond``, or ``x + mask``) is
    checked row by row, e.g. a causal mask always leaves the diagonal open; a float graph input
    added to the scores, or any other ``-inf`` constant among the nearby producers, counts as
    a possible full-row mask.
    """
    shape = g.shape(value)
    producer = g.producer.get(value)
    if producer is None or shape is None:
        return False
    if producer.op_type == "Where" and len(producer.input) == 3:
        cond, *branches = producer.input
        for k, branch in enumerate(branches):
            const = g.const(branch)
            if const is None or not np.isneginf(const).any():
                continue
            mask = g.const(cond)
            if mask is None or not np.isneginf(const).all():
                return True
            blocked = mask.astype(bool) if k == 0 else ~mask.astype(bool)
            if _full_row(blocked, shape, axis):
                return True
            return _neg_inf_above(g, branches[1 - k])
    if producer.op_type == "Add" and len(producer.input) == 2:
        for k, name in enumerate(producer.input):
            const = g.const(name)
            if const is not None:
                if np.isneginf(const).any() and _full_row(np.isneginf(const), shape, axis):
                    return True
                return _neg_inf_above(g, producer.input[1 - k])
        if any(_user_mask(g, name) for name in producer.input):
            return True
    return _neg_inf_above(g, value)


def _user_mask(g: FusionGraph, value: str) -> bool:
    """Whether ``value`` is a float graph input (an additive mask that may hold ``-inf``),
    possibly reshaped or broadcast."""
    for _ in range(_MASK_DEPTH):
        node = g.producer.get(value)
        if node is None:
            return value not in g.constants and g.dtype(value) in (np.float32, np.float16)
        if node.op_type not in _SHAPE_ONLY:
            return False
        value = node.input[0]
    return False


def _full_row(blocked: np.ndarray, shape: tuple[int, ...], axis: int) -> bool:
    try:
        full = np.broadcast_to(blocked, shape)
    except ValueError:
        return True
    return bool(full.all(axis=axis).any())


def _neg_inf_above(g: FusionGraph, value: str) -> bool:
    """Whether a constant holding ``-inf`` feeds ``value`` within :data:`_MASK_DEPTH` nodes."""
    frontier, seen = [value], {value}
    for _ in range(_MASK_DEPTH):
        nxt = []
        for name in frontier:
            node = g.producer.get(name)
            if node is None:
                continue
            for inp in node.input:
                if not inp or inp in seen:
                    continue
                seen.add(inp)
                const = g.const(inp)
                if const is not None:
                    if const.dtype.kind == "f" and np.isneginf(const).any():
                        return True
                else:
                    nxt.append(inp)
        frontier = nxt
    return False
