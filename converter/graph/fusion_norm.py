"""Fuse the TorchScript exporter's decomposed ``nn.LayerNorm`` (before opset 17).

``ReduceMean → Sub → Pow(2) → ReduceMean → Add(eps) → Sqrt → Div [→ Mul(scale)] [→ Add(bias)]``
over the trailing axes (``keepdims=1``) becomes one ``LayerNormalization`` (``nn.LayerNorm``).
The square may also be ``Mul(d, d)``; a missing scale becomes a unit scale.
"""

from __future__ import annotations

import numpy as np
import onnx
from mindconverter.converter.graph.fusion_graph import (
    FUSED_DOMAIN,
    FusionGraph,
    Match,
    attributes,
    is_standard,
    other_input,
    scope_of,
)
from onnx import helper


def match_layer_norm(g: FusionGraph, mean: onnx.NodeProto) -> Match | None:
    """The decomposed LayerNorm whose first ``ReduceMean`` is ``mean``, as one node.

    Args:
        g: The graph being fused.
        mean: The candidate first node of the pattern.

    Returns:
        The matched nodes and the fused ``LayerNormalization`` node, or None.
    """
    if not is_standard(mean, "ReduceMean"):
        return None
    x = mean.input[0]
    shape, axes = g.shape(x), _mean_axes(g, mean)
    if shape is None or axes is None or g.dtype(x) != np.float32 or x in g.constants:
        return None
    begin = axes[0]
    if axes != tuple(range(begin, len(shape))):
        return None
    sub = g.next_op(mean.output[0], "Sub")
    if sub is None or list(sub.input) != [x, mean.output[0]]:
        return None
    found = _square_and_div(g, sub.output[0])
    if found is None:
        return None
    square, div = found
    chain = _variance_chain(g, square, axes, div)
    if chain is None:
        return None
    nodes, eps = chain
    matched = [mean, sub, square, *nodes, div]
    out = div.output[0]
    scale = bias = None
    affine = _affine(g, out, "Mul", begin, shape)
    if affine is not None:
        matched.append(affine[0])
        scale, out = affine[1], affine[0].output[0]
    affine = _affine(g, out, "Add", begin, shape)
    if affine is not None:
        matched.append(affine[0])
        bias, out = affine[1], affine[0].output[0]
    if g.any_removed(matched):
        return None
    scale_name = g.store(f"{out}__ln_scale", scale if scale is not None
                         else np.ones(shape[begin:], np.float32))
    inputs = [x, scale_name] + ([g.store(f"{out}__ln_bias", bias)] if bias is not None else [])
    node = helper.make_node("LayerNormalization", inputs, [out],
                            name=f"{scope_of(mean.name)}LayerNormalization",
                            domain=FUSED_DOMAIN, axis=begin, epsilon=eps)
    return matched, node


def _mean_axes(g: FusionGraph, node: onnx.NodeProto) -> tuple[int, ...] | None:
    """Normalised axes of a ``keepdims=1`` ReduceMean over a value of known rank."""
    attrs = attributes(node)
    shape = g.shape(node.input[0])
    if shape is None or int(attrs.get("keepdims", 1)) != 1:
        return None
    axes = attrs.get("axes")
    if axes is None and len(node.input) > 1 and node.input[1]:
        const = g.const(node.input[1])
        axes = None if const is None else const.reshape(-1).tolist()
    if not axes:
        return None
    rank = len(shape)
    if any(not -rank <= int(a) < rank for a in axes):
        return None
    return tuple(sorted(int(a) % rank for a in axes))


def _square_and_div(g: FusionGraph, centred: str
                    ) -> tuple[onnx.NodeProto, onnx.NodeProto] | None:
    """The two readers of ``x - mean``: its square (``Pow(d, 2)``/``Mul(d, d)``) and the Div."""
    users = g.consumers.get(centred, [])
    if centred in g.outputs or len(users) != 2:
        return None
    square = next((u for u in users if u.op_type in ("Pow", "Mul")), None)
    div = next((u for u in users if u.op_type == "Div"), None)
    if square is None or div is None or div.input[0] != centred:
        return None
    if square.op_type == "Pow" and (square.input[0] != centred or g.scalar(square.input[1]) != 2.0):
        return None
    if square.op_type == "Mul" and list(square.input) != [centred, centred]:
        return None
    return square, div


def _variance_chain(g: FusionGraph, square: onnx.NodeProto, axes: tuple[int, ...],
                    div: onnx.NodeProto) -> tuple[list[onnx.NodeProto], float] | None:
    """``ReduceMean → Add(eps) → Sqrt`` from the squares to the Div's denominator."""
    mean = g.next_op(square.output[0], "ReduceMean")
    if mean is None or _mean_axes(g, mean) != axes:
        return None
    add = g.next_op(mean.output[0], "Add")
    if add is None:
        return None
    other = other_input(add, mean.output[0])
    eps = None if other is None else g.scalar(other)
    if eps is None or not 0 <= eps < 1:
        return None
    sqrt = g.next_op(add.output[0], "Sqrt")
    if sqrt is None or g.sole_consumer(sqrt.output[0]) is not div:
        return None
    if div.input[1] != sqrt.output[0]:
        return None
    return [mean, add, sqrt], float(np.float32(eps))


def _affine(g: FusionGraph, value: str, op_type: str, begin: int, shape: tuple[int, ...]
            ) -> tuple[onnx.NodeProto, np.ndarray] | None:
    """A sole consumer ``op_type(value, c)`` with a constant ``c`` over the normalised axes."""
    node = g.sole_consumer(value)
    if node is None or not is_standard(node, op_type):
        return None
    other = other_input(node, value)
    const = None if other is None else g.const(other)
    if const is None or const.dtype != np.float32 or const.ndim > len(shape):
        return None
    full = (1,) * (len(shape) - const.ndim) + tuple(const.shape)
    if any(d != 1 for d in full[:begin]) or any(
            d not in (1, s) for d, s in zip(full[begin:], shape[begin:])):
        return None
    norm_shape = shape[begin:]
    array = np.broadcast_to(const.reshape(full[begin:]), norm_shape)
    return node, np.ascontiguousarray(array, dtype=np.float32)
