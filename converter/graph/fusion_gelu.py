"""Fuse the TorchScript exporter's decomposed ``nn.GELU`` (before opset 20).

- ``Div(x, √2) → Erf → Add(1) → Mul(x) → Mul(0.5)`` (also ``Mul(x, √½)`` and the
  ``x * 0.5`` and ``x * (0.5 * ...)`` orderings) becomes ``Gelu`` (``ops.gelu``);
- the tanh approximation ``0.5 * x * (1 + tanh(√(2/π) * (x + 0.044715 * x³)))`` becomes
  ``Gelu(approximate="tanh")`` (MindSpore's fused GeLU kernel).

Every constant is checked by value (relative tolerance 1e-6), so a near miss is left alone.
"""

from __future__ import annotations

import math

import numpy as np
import onnx
from mindconverter.converter.graph.fusion_graph import (
    FUSED_DOMAIN,
    FusionGraph,
    Match,
    is_standard,
    other_input,
    scope_of,
)
from onnx import helper


def match_gelu(g: FusionGraph, erf: onnx.NodeProto) -> Match | None:
    """The erf GELU around the ``Erf`` node ``erf``, as one ``Gelu`` node.

    Args:
        g: The graph being fused.
        erf: The candidate ``Erf`` node of the pattern.

    Returns:
        The matched nodes and the fused ``Gelu`` node, or None.
    """
    if not is_standard(erf, "Erf"):
        return None
    scaled = g.producer.get(erf.input[0])
    if scaled is None or g.sole_consumer(erf.input[0]) is not erf:
        return None
    x = scaled.input[0]
    if scaled.op_type == "Div":
        ok = _close(g.scalar(scaled.input[1]), math.sqrt(2.0))
    elif scaled.op_type == "Mul" and len(scaled.input) == 2:
        if x in g.constants:
            x = scaled.input[1]
        ok = _other_is(g, scaled, x, math.sqrt(0.5))
    else:
        ok = False
    if not ok or x in g.constants or g.dtype(x) != np.float32:
        return None
    plus = g.next_op(erf.output[0], "Add")
    if plus is None or not _other_is(g, plus, erf.output[0], 1.0):
        return None
    tail = _gelu_products(g, x, plus.output[0])
    if tail is None:
        return None
    matched = [scaled, erf, plus, *tail]
    if g.any_removed(matched):
        return None
    node = helper.make_node("Gelu", [x], [tail[-1].output[0]], name=f"{scope_of(erf.name)}Gelu",
                            domain=FUSED_DOMAIN)
    return matched, node


def match_tanh_gelu(g: FusionGraph, tanh: onnx.NodeProto) -> Match | None:
    """``0.5 * x * (1 + tanh(√(2/π) * (x + 0.044715 * x³)))`` → ``Gelu(approximate="tanh")``.

    Args:
        g: The graph being fused.
        tanh: The candidate ``Tanh`` node of the pattern.

    Returns:
        The matched nodes and the fused ``Gelu`` node, or None.
    """
    if not is_standard(tanh, "Tanh"):
        return None
    scaled = _const_mul(g, tanh.input[0], math.sqrt(2.0 / math.pi))
    if scaled is None or g.sole_consumer(tanh.input[0]) is not tanh:
        return None
    inner = g.producer.get(scaled[1])
    if inner is None or inner.op_type != "Add" or g.sole_consumer(inner.output[0]) is not scaled[0]:
        return None
    polynomial = _tanh_polynomial(g, inner)
    if polynomial is None:
        return None
    x, cubic_nodes = polynomial
    if g.dtype(x) != np.float32:
        return None
    plus = g.next_op(tanh.output[0], "Add")
    if plus is None or not _other_is(g, plus, tanh.output[0], 1.0):
        return None
    tail = _gelu_products(g, x, plus.output[0])
    if tail is None:
        return None
    matched = [*cubic_nodes, inner, scaled[0], tanh, plus, *tail]
    if g.any_removed(matched):
        return None
    node = helper.make_node("Gelu", [x], [tail[-1].output[0]], name=f"{scope_of(tanh.name)}Gelu",
                            domain=FUSED_DOMAIN, approximate="tanh")
    return matched, node


def _close(value: float | None, target: float) -> bool:
    return value is not None and math.isclose(value, target, rel_tol=1e-6)


def _other_is(g: FusionGraph, node: onnx.NodeProto, value: str, target: float) -> bool:
    """Whether the other input of ``node`` (beside ``value``) is the scalar ``target``."""
    other = other_input(node, value)
    return other is not None and _close(g.scalar(other), target)


def _tanh_polynomial(g: FusionGraph, inner: onnx.NodeProto
                     ) -> tuple[str, list[onnx.NodeProto]] | None:
    """``x + 0.044715 * x³`` computed by ``inner`` (an Add): x and the cube/scale nodes."""
    for k in (0, 1):
        x, cubic = inner.input[k], inner.input[1 - k]
        found = _const_mul(g, cubic, 0.044715)
        if found is None or x in g.constants or g.sole_consumer(cubic) is not inner:
            continue
        cube = _cube_nodes(g, x, found[1])
        if cube is not None:
            return x, [*cube, found[0]]
    return None


def _const_mul(g: FusionGraph, value: str, factor: float) -> tuple[onnx.NodeProto, str] | None:
    """(node, other input) when ``value`` is ``other * factor`` (constant ``factor``)."""
    node = g.producer.get(value)
    if node is None or node.op_type != "Mul" or len(node.input) != 2:
        return None
    for k in (0, 1):
        if _close(g.scalar(node.input[k]), factor) and node.input[1 - k] not in g.constants:
            return node, node.input[1 - k]
    return None


def _cube_nodes(g: FusionGraph, x: str, value: str) -> list[onnx.NodeProto] | None:
    """The nodes computing ``x³`` as ``value``: ``Pow(x, 3)`` or ``Mul(x, Mul(x, x))``."""
    cube = g.producer.get(value)
    if cube is None or g.sole_consumer(value) is None:
        return None
    if cube.op_type == "Pow" and cube.input[0] == x and g.scalar(cube.input[1]) == 3.0:
        return [cube]
    square = g.producer.get(other_input(cube, x) or "") if cube.op_type == "Mul" else None
    if square is None or square.op_type != "Mul" or list(square.input) != [x, x]:
        return None
    if g.sole_consumer(square.output[0]) is not cube:
        return None
    return [square, cube]


def _gelu_products(g: FusionGraph, x: str, one_plus: str) -> list[onnx.NodeProto] | None:
    """``(x * (1 + erf)) * 0.5``, ``(x * 0.5) * (1 + erf)`` or ``x * (0.5 * (1 + erf))`` (the
    dynamo exporter's order): the two Mul nodes, in order."""
    first = g.next_op(one_plus, "Mul")
    if first is None:
        return None
    partner = other_input(first, one_plus)
    if _close(g.scalar(partner or ""), 0.5):
        last = g.next_op(first.output[0], "Mul")
        if last is None or other_input(last, first.output[0]) != x:
            return None
        return [first, last]
    if partner == x:
        last = g.next_op(first.output[0], "Mul")
        if last is None or not _other_is(g, last, first.output[0], 0.5):
            return None
        return [first, last]
    half = g.producer.get(partner or "")
    if half is None or half.op_type != "Mul" or g.sole_consumer(half.output[0]) is not first:
        return None
    if not _other_is(g, half, x, 0.5):
        return None
    return [half, first]
