"""Fuse decomposed subgraphs back into the one layer MindSpore has for them.

PyTorch's TorchScript exporter writes ``nn.LayerNorm`` (before opset 17) and ``nn.GELU``
(before opset 20) as chains of elementwise ops; converted op by op they cost 9 and 5 kernels
where MindSpore has one layer. This pass runs after constant folding and shape inference and
replaces exact matches only:

- ``ReduceMean → Sub → Pow(2) → ReduceMean → Add(eps) → Sqrt → Div [→ Mul(scale)] [→ Add(bias)]``
  over the trailing axes (``keepdims=1``) → ``LayerNormalization`` (``nn.LayerNorm``), see
  :mod:`~mindconverter.converter.graph.fusion_norm`;
- ``Div(x, √2) → Erf → Add(1) → Mul(x) → Mul(0.5)`` (and the ``x * 0.5`` ordering) →
  ``Gelu`` (``ops.gelu``), and the tanh approximation (``0.044715 x³``, ``√(2/π)``) →
  ``Gelu(approximate="tanh")`` (MindSpore's fused GeLU kernel), see
  :mod:`~mindconverter.converter.graph.fusion_gelu`;
- ``Reshape/Unsqueeze/Transpose/Squeeze`` chains read back by constant ``Gather`` nodes
  (``nn.MultiheadAttention``'s packed q/k/v) → ``Split`` when the parts are contiguous, see
  :mod:`~mindconverter.converter.graph.fusion_split`;
- a Softmax fed by a ``-inf`` mask that may block a whole row is routed to a guarded
  converter (MindSpore's CPU softmax mishandles such rows), see
  :mod:`~mindconverter.converter.graph.fusion_softmax`.

Every intermediate value must have a single consumer and must not be a graph output; constants
(exponent, epsilon, √2, 1, 0.5) are checked by value, so a near miss is left as it is. Fused
nodes live in the private domain :data:`FUSED_DOMAIN` and are converted by the registry's own
converters of the standard operators (see :func:`fused_registry`). The matchers share the
graph view of :mod:`~mindconverter.converter.graph.fusion_graph`.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import onnx
from mindconverter.converter.graph import ops as _ops  # noqa: F401  (registers converters)
from mindconverter.converter.graph.context import ValueInfo
from mindconverter.converter.graph.fusion_gelu import match_gelu, match_tanh_gelu
from mindconverter.converter.graph.fusion_graph import FUSED_DOMAIN, FusionGraph, Matcher
from mindconverter.converter.graph.fusion_norm import match_layer_norm
from mindconverter.converter.graph.fusion_softmax import GUARDED_OPS, guard_softmax
from mindconverter.converter.graph.fusion_split import split_gathers
from mindconverter.converter.graph.ops.activations import convert_guarded_softmax
from mindconverter.converter.graph.registry import ConverterRegistry, OpKey, UnsupportedOpError

__all__ = ["FUSED_DOMAIN", "fuse_graph", "fused_registry"]

# Fused op → the standard since-version whose converter handles it.
_STANDARD = {"LayerNormalization": 17, "Gelu": 20}
# Applied in this order, each over every node; a matcher runs only if its op is available.
_MATCHERS: list[tuple[str, Matcher]] = [
    ("LayerNormalization", match_layer_norm),
    ("Gelu", match_gelu),
    ("Gelu", match_tanh_gelu),
]


def fused_registry(registry: ConverterRegistry) -> ConverterRegistry:
    """A copy of ``registry`` that also converts the fused ops of :data:`FUSED_DOMAIN`.

    The fused ops use the registry's converters of the standard ops (so plugins overriding
    them apply); an op whose standard converter is missing is not added (and not fused).
    """
    extended = registry.copy()
    for op_type, since in _STANDARD.items():
        try:
            _, func = registry.resolve(op_type, since)
        except UnsupportedOpError:
            continue
        extended.replace(OpKey(FUSED_DOMAIN, op_type, 1), func)
    for op_type in GUARDED_OPS:
        extended.replace(OpKey(FUSED_DOMAIN, op_type, 1), convert_guarded_softmax)
    return extended


def fuse_graph(
    model: onnx.ModelProto, values: dict[str, ValueInfo], constants: dict[str, np.ndarray],
    notes: list[str], registry: ConverterRegistry,
) -> ConverterRegistry:
    """Fuse the patterns of this module in ``model`` (in place).

    Args:
        model: The folded model (constants removed from the graph).
        values: Static shapes and dtypes of the runtime values.
        constants: Values known at conversion time; fused scales/biases are added here.
        notes: Receives one line naming the fused patterns (reported as MC-W001).
        registry: The converters in use.

    Returns:
        The registry to convert the fused graph with (``registry`` plus the fused ops).
    """
    extended = fused_registry(registry)
    available = {op for op in _STANDARD if extended.versions(op, FUSED_DOMAIN)}
    graph = FusionGraph(model, values, constants)
    counts = _apply_matchers(graph, available)
    counts["Split"] = split_gathers(graph)
    counts = +counts
    guarded = guard_softmax(graph)
    if counts or guarded:
        graph.commit()
    if counts:
        found = ", ".join(f"{n} {op}" for op, n in sorted(counts.items()))
        notes.append(f"fused decomposed subgraphs into single layers: {found}")
    if guarded:
        notes.append(f"{guarded} Softmax node(s) fed by a -inf mask shift by the row maximum "
                     "first (MindSpore's CPU softmax mishandles rows that are all -inf)")
    return extended


def _apply_matchers(graph: FusionGraph, available: set[str]) -> Counter[str]:
    """Run each matcher of an available op over every node; count the fused ops."""
    counts: Counter[str] = Counter()
    for op_type, matcher in _MATCHERS:
        if op_type not in available:
            continue
        for node in list(graph.nodes):
            if graph.is_removed(node):
                continue
            fused = matcher(graph, node)
            if fused is not None:
                graph.replace(*fused)
                counts[op_type] += 1
    return counts
