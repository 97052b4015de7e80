"""Rewrite view chains read back by constant Gathers as one ``Split``.

PyTorch's ``nn.MultiheadAttention`` export unpacks the packed q/k/v projection as
``X → Reshape/Unsqueeze/Transpose/Squeeze... → Gather(i)`` for each part. The index arithmetic
is replayed on an index array; the rewrite happens only when every gathered part is a
contiguous range of one axis of X (a Reshape restores a part's own shape where needed).
"""

from __future__ import annotations

import numpy as np
import onnx
from mindconverter.converter.graph.context import ValueInfo
from mindconverter.converter.graph.fusion_graph import FusionGraph, attributes, scope_of
from onnx import helper

_VIEW_OPS = frozenset({"Reshape", "Unsqueeze", "Squeeze", "Transpose"})


def split_gathers(g: FusionGraph) -> int:
    """``X → Reshape/Unsqueeze/Transpose/Squeeze... → Gather(i) for each i`` → ``Split(X)``.

    Args:
        g: The graph being fused; the Split (and any Reshape) take the first Gather's place.

    Returns:
        The number of Split nodes made.
    """
    count = 0
    seen: set[str] = set()
    for node in list(g.nodes):
        if node.op_type != "Gather" or g.is_removed(node) or node.input[0] in seen:
            continue
        seen.add(node.input[0])
        found = _gather_split(g, node.input[0])
        if found is not None:
            matched, new_nodes = found
            first = min((n for n in matched if n.op_type == "Gather"), key=g.nodes.index)
            # before any reader of a gathered part
            g.replace(matched, new_nodes[0], at=first, then=new_nodes[1:])
            count += 1
    return count


def _gather_split(g: FusionGraph, head: str
                  ) -> tuple[list[onnx.NodeProto], list[onnx.NodeProto]] | None:
    gathers = g.consumers.get(head, [])
    if head in g.outputs or len(gathers) < 2 or any(
            n.op_type != "Gather" or n.input[0] != head or g.is_removed(n) for n in gathers):
        return None
    chain, source = _view_chain(g, head)
    shape = g.shape(source)
    if not chain or shape is None or any(g.shape(n.output[0]) is None for n in chain):
        return None
    if any(g.sole_consumer(n.output[0]) is None for n in chain[:-1]):
        return None
    index = np.arange(int(np.prod(shape))).reshape(shape)
    view = index
    for node in chain:
        if node.op_type == "Transpose":
            perm = attributes(node).get("perm")
            view = np.transpose(view, None if perm is None else list(perm))
        else:
            view = view.reshape(g.shape(node.output[0]) or ())
    parts = []
    for gather in gathers:
        position = g.const(gather.input[1]) if len(gather.input) > 1 else None
        if position is None or position.ndim != 0 or g.shape(gather.output[0]) is None:
            return None
        axis = int(attributes(gather).get("axis", 0))
        parts.append((np.take(view, int(position), axis=axis), gather))
    layout = _contiguous_split(index, [p for p, _ in parts])
    if layout is None:
        return None
    axis, order = layout
    return [*chain, *gathers], _split_nodes(g, source, axis, [parts[i] for i in order],
                                            chain[-1].name)


def _view_chain(g: FusionGraph, head: str) -> tuple[list[onnx.NodeProto], str]:
    """The view ops (first to last) ending in ``head``, each read only by the next, and the
    value the first one reads."""
    chain: list[onnx.NodeProto] = []
    value = head
    while True:
        node = g.producer.get(value)
        if node is None or node.op_type not in _VIEW_OPS or g.is_removed(node):
            break
        if value != head and g.sole_consumer(value) is None:
            break
        chain.insert(0, node)
        value = node.input[0]
    return chain, value


def _contiguous_split(index: np.ndarray, parts: list[np.ndarray]) -> tuple[int, list[int]] | None:
    """(axis, order of parts) when the parts tile one axis of ``index`` in contiguous ranges."""
    for axis in range(index.ndim):
        starts = []
        for part in parts:
            first = np.unravel_index(int(part.reshape(-1)[0]), index.shape)[axis]
            starts.append(int(first))
        order = sorted(range(len(parts)), key=lambda i: starts[i])
        begin, ok = 0, True
        for i in order:
            size = parts[i].size * index.shape[axis] // index.size
            piece = np.take(index, range(begin, begin + size), axis=axis) if size else None
            if piece is None or starts[i] != begin or not np.array_equal(
                    piece.reshape(-1), parts[i].reshape(-1)):
                ok = False
                break
            begin += size
        if ok and begin == index.shape[axis]:
            return axis, order
    return None


def _split_nodes(g: FusionGraph, source: str, axis: int,
                 parts: list[tuple[np.ndarray, onnx.NodeProto]], name: str
                 ) -> list[onnx.NodeProto]:
    shape = g.shape(source)
    assert shape is not None
    outputs, reshapes = [], []
    dtype = g.dtype(source)
    for part, gather in parts:
        out = gather.output[0]
        piece = list(shape)
        piece[axis] = part.size * shape[axis] // int(np.prod(shape))
        if tuple(piece) == tuple(g.shape(out) or ()):
            outputs.append(out)
            continue
        inner = f"{out}__split"
        g.values[inner] = ValueInfo(tuple(piece), dtype)
        target = g.store(f"{out}__shape", np.array(g.shape(out), np.int64))
        outputs.append(inner)
        reshapes.append(helper.make_node("Reshape", [inner, target], [out],
                                         name=f"{gather.name}_reshape"))
    split = helper.make_node("Split", [source], outputs, name=f"{scope_of(name)}Split",
                             axis=axis)
    return [split, *reshapes]
