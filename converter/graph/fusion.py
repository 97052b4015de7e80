"""Fuse decomposed subgraphs back into the one layer MindSpore has for them.

PyTorch's TorchScript exporter writes ``nn.LayerNorm`` (before opset 17) and ``nn.GELU``
(before opset 20) as chains of elementwise ops; converted op by op they cost 9 and 5 kernels
where MindSpore has one layer. This pass runs after constant folding and shape inference and
replaces exact matches only:

- ``ReduceMean → Sub → Pow(2) → ReduceMean → Add(eps) → Sqrt → Div [→ Mul(scale)] [→ Add(bias)]``
  over the trailing axes (``keepdims=1``) → ``LayerNormalization`` (``nn.LayerNorm``);
- ``Div(x, √2) → Erf → Add(1) → Mul(x) → Mul(0.5)`` (and the ``x * 0.5`` ordering) →
  ``Gelu`` (``ops.gelu``), and the tanh approximation (``0.044715 x³``, ``√(2/π)``) →
  ``Gelu(approximate="tanh")`` (MindSpore's fused GeLU kernel);
- ``Reshape/Unsqueeze/Transpose/Squeeze`` chains read back by constant ``Gather`` nodes
  (``nn.MultiheadAttention``'s packed q/k/v) → ``Split`` when the parts are contiguous;
- a Softmax fed by a ``-inf`` mask that may block a whole row is routed to a guarded
  converter (MindSpore's CPU softmax mishandles such rows).

Every intermediate value must have a single consumer and must not be a graph output; constants
(exponent, epsilon, √2, 1, 0.5) are checked by value, so a near miss is left as it is. Fused
nodes live in the private domain :data:`FUSED_DOMAIN` and are converted by the registry's own
converters of the standard operators (see :func:`fused_registry`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np
import onnx
from mindconverter.converter.graph import ops as _ops  # noqa: F401  (registers converters)
from mindconverter.converter.graph.context import ValueInfo
from mindconverter.converter.graph.ops.activations import convert_guarded_softmax
from mindconverter.converter.graph.registry import ConverterRegistry, OpKey, UnsupportedOpError
from onnx import helper

FUSED_DOMAIN = "mindconverter.fused"
# Fused op → the standard since-version whose converter handles it.
_STANDARD = {"LayerNormalization": 17, "Gelu": 20}
_GUARDED = ("Softmax", "LogSoftmax")
# How far back a -inf constant (an attention mask) is looked for above a Softmax.
_MASK_DEPTH = 8


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
    for op_type in _GUARDED:
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
    graph = _Graph(model, values, constants)
    counts: Counter[str] = Counter()
    for op_type, matcher in _MATCHERS:
        if op_type not in available:
            continue
        for node in list(graph.nodes):
            if id(node) in graph.removed:
                continue
            fused = matcher(graph, node)
            if fused is not None:
                graph.replace(*fused)
                counts[op_type] += 1
    counts["Split"] = _split_gathers(graph)
    counts = +counts
    guarded = _guard_softmax(graph, _default_opset(model))
    if counts or guarded:
        graph.commit()
    if counts:
        found = ", ".join(f"{n} {op}" for op, n in sorted(counts.items()))
        notes.append(f"fused decomposed subgraphs into single layers: {found}")
    if guarded:
        notes.append(f"{guarded} Softmax node(s) fed by a -inf mask shift by the row maximum "
                     "first (MindSpore's CPU softmax mishandles rows that are all -inf)")
    return extended


class _Graph:
    """Producers and consumers of a model's values, with pending replacements."""

    def __init__(self, model: onnx.ModelProto, values: dict[str, ValueInfo],
                 constants: dict[str, np.ndarray]) -> None:
        self.model = model
        self.nodes = list(model.graph.node)
        self.values = values
        self.constants = constants
        self.producer = {o: n for n in self.nodes for o in n.output if o}
        self.consumers: dict[str, list[onnx.NodeProto]] = defaultdict(list)
        for node in self.nodes:
            for name in dict.fromkeys(i for i in node.input if i):
                self.consumers[name].append(node)
        self.outputs = {o.name for o in model.graph.output}
        self.removed: set[int] = set()
        self.added: dict[int, onnx.NodeProto] = {}
        self.extra: dict[int, list[onnx.NodeProto]] = {}

    def const(self, name: str) -> np.ndarray | None:
        return self.constants.get(name)

    def scalar(self, name: str) -> float | None:
        value = self.constants.get(name)
        if value is None or value.size != 1 or value.dtype.kind != "f":
            return None
        return float(value.reshape(()))

    def sole_consumer(self, name: str) -> onnx.NodeProto | None:
        """The only node reading ``name`` (None if several, none, or a graph output)."""
        users = self.consumers.get(name, [])
        if name in self.outputs or len(users) != 1 or id(users[0]) in self.removed:
            return None
        return users[0]

    def shape(self, name: str) -> tuple[int, ...] | None:
        info = self.values.get(name)
        return info.shape if info is not None else None

    def dtype(self, name: str) -> np.dtype | None:
        info = self.values.get(name)
        return info.dtype if info is not None else None

    def replace(self, matched: list[onnx.NodeProto], new: onnx.NodeProto) -> None:
        """Remove ``matched`` and put ``new`` where the last of them was."""
        self.removed.update(id(n) for n in matched)
        self.added[id(matched[-1])] = new

    def commit(self) -> None:
        nodes = []
        for node in self.nodes:
            if id(node) in self.added:
                nodes.append(self.added[id(node)])
                nodes.extend(self.extra.get(id(node), []))
            elif id(node) not in self.removed:
                nodes.append(node)
        del self.model.graph.node[:]
        self.model.graph.node.extend(nodes)


def _other(node: onnx.NodeProto, name: str) -> str | None:
    """The other input of a two-input commutative node that reads ``name`` once."""
    if len(node.input) != 2 or list(node.input).count(name) != 1:
        return None
    return node.input[1] if node.input[0] == name else node.input[0]


def _scope(node: onnx.NodeProto) -> str:
    """``/enc/layers.0/norm1/ReduceMean`` → ``/enc/layers.0/norm1/``."""
    return node.name[: node.name.rfind("/") + 1] if "/" in node.name else ""


# -- LayerNormalization -----------------------------------------------------------------------


def _mean_axes(g: _Graph, node: onnx.NodeProto) -> tuple[int, ...] | None:
    """Normalised axes of a ``keepdims=1`` ReduceMean over a value of known rank."""
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
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


def _affine(g: _Graph, value: str, op_type: str, begin: int, shape: tuple[int, ...]
            ) -> tuple[onnx.NodeProto, np.ndarray] | None:
    """A sole consumer ``op_type(value, c)`` with a constant ``c`` over the normalised axes."""
    node = g.sole_consumer(value)
    if node is None or node.op_type != op_type or node.domain not in ("", "ai.onnx"):
        return None
    other = _other(node, value)
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


def _match_layer_norm(g: _Graph, mean: onnx.NodeProto
                      ) -> tuple[list[onnx.NodeProto], onnx.NodeProto] | None:
    if mean.op_type != "ReduceMean" or mean.domain not in ("", "ai.onnx"):
        return None
    x = mean.input[0]
    shape, axes = g.shape(x), _mean_axes(g, mean)
    if shape is None or axes is None or g.dtype(x) != np.float32 or x in g.constants:
        return None
    begin = axes[0]
    if axes != tuple(range(begin, len(shape))):
        return None
    sub = g.sole_consumer(mean.output[0])
    if sub is None or sub.op_type != "Sub" or list(sub.input) != [x, mean.output[0]]:
        return None
    centred = sub.output[0]
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
    chain = _variance_chain(g, square, axes, div)
    if chain is None:
        return None
    nodes, eps = chain
    matched = [mean, sub, square, *nodes, div]
    out = div.output[0]
    scale = bias = None
    found = _affine(g, out, "Mul", begin, shape)
    if found is not None:
        matched.append(found[0])
        scale, out = found[1], found[0].output[0]
    found = _affine(g, out, "Add", begin, shape)
    if found is not None:
        matched.append(found[0])
        bias, out = found[1], found[0].output[0]
    if any(id(n) in g.removed for n in matched):
        return None
    name = f"{_scope(mean)}LayerNormalization"
    scale_name = _store(g, f"{out}__ln_scale", scale if scale is not None
                        else np.ones(shape[begin:], np.float32))
    inputs = [x, scale_name] + ([_store(g, f"{out}__ln_bias", bias)] if bias is not None else [])
    node = helper.make_node("LayerNormalization", inputs, [out], name=name,
                            domain=FUSED_DOMAIN, axis=begin, epsilon=eps)
    return matched, node


def _variance_chain(g: _Graph, square: onnx.NodeProto, axes: tuple[int, ...],
                    div: onnx.NodeProto) -> tuple[list[onnx.NodeProto], float] | None:
    """``ReduceMean → Add(eps) → Sqrt`` from the squares to the Div's denominator."""
    mean = g.sole_consumer(square.output[0])
    if mean is None or mean.op_type != "ReduceMean" or _mean_axes(g, mean) != axes:
        return None
    add = g.sole_consumer(mean.output[0])
    if add is None or add.op_type != "Add":
        return None
    other = _other(add, mean.output[0])
    eps = None if other is None else g.scalar(other)
    if eps is None or not 0 <= eps < 1:
        return None
    sqrt = g.sole_consumer(add.output[0])
    if sqrt is None or sqrt.op_type != "Sqrt" or g.sole_consumer(sqrt.output[0]) is not div:
        return None
    if div.input[1] != sqrt.output[0]:
        return None
    return [mean, add, sqrt], float(np.float32(eps))


def _store(g: _Graph, name: str, value: np.ndarray) -> str:
    g.constants[name] = value
    return name


# -- Softmax behind a -inf mask ----------------------------------------------------------------


def _default_opset(model: onnx.ModelProto) -> int:
    return next((i.version for i in model.opset_import if i.domain in ("", "ai.onnx")), 1)


def _guard_softmax(g: _Graph, opset: int) -> int:
    """Move Softmax nodes that a ``-inf`` mask may block entirely to the guarded converter."""
    count = 0
    for node in g.nodes:
        if node.op_type not in _GUARDED or node.domain not in ("", "ai.onnx"):
            continue
        if id(node) in g.removed or id(node) in g.added:
            continue
        shape = g.shape(node.input[0])
        if not shape:
            continue
        rank = len(shape)
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        axis = int(attrs.get("axis", -1 if opset >= 13 else 1))
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


def _may_block_row(g: _Graph, value: str, axis: int) -> bool:
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


_SHAPE_ONLY = frozenset({"Unsqueeze", "Squeeze", "Reshape", "Expand", "Cast", "Transpose",
                         "Tile", "Flatten"})


def _user_mask(g: _Graph, value: str) -> bool:
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


def _neg_inf_above(g: _Graph, value: str) -> bool:
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


# -- Gelu -------------------------------------------------------------------------------------


def _close(value: float | None, target: float) -> bool:
    return value is not None and math.isclose(value, target, rel_tol=1e-6)


def _match_gelu(g: _Graph, erf: onnx.NodeProto
                ) -> tuple[list[onnx.NodeProto], onnx.NodeProto] | None:
    if erf.op_type != "Erf" or erf.domain not in ("", "ai.onnx"):
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
        ok = _close(g.scalar(_other(scaled, x) or ""), math.sqrt(0.5))
    else:
        ok = False
    if not ok or x in g.constants or g.dtype(x) != np.float32:
        return None
    plus = g.sole_consumer(erf.output[0])
    if plus is None or plus.op_type != "Add" or not _close(
            g.scalar(_other(plus, erf.output[0]) or ""), 1.0):
        return None
    tail = _gelu_products(g, x, plus.output[0])
    if tail is None:
        return None
    matched = [scaled, erf, plus, *tail]
    if any(id(n) in g.removed for n in matched):
        return None
    node = helper.make_node("Gelu", [x], [tail[-1].output[0]], name=f"{_scope(erf)}Gelu",
                            domain=FUSED_DOMAIN)
    return matched, node


def _match_tanh_gelu(g: _Graph, tanh: onnx.NodeProto
                     ) -> tuple[list[onnx.NodeProto], onnx.NodeProto] | None:
    """``0.5 * x * (1 + tanh(√(2/π) * (x + 0.044715 * x³)))`` → ``Gelu(approximate="tanh")``."""
    if tanh.op_type != "Tanh" or tanh.domain not in ("", "ai.onnx"):
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
    plus = g.sole_consumer(tanh.output[0])
    if plus is None or plus.op_type != "Add" or not _close(
            g.scalar(_other(plus, tanh.output[0]) or ""), 1.0):
        return None
    tail = _gelu_products(g, x, plus.output[0])
    if tail is None:
        return None
    matched = [*cubic_nodes, inner, scaled[0], tanh, plus, *tail]
    if any(id(n) in g.removed for n in matched):
        return None
    node = helper.make_node("Gelu", [x], [tail[-1].output[0]], name=f"{_scope(tanh)}Gelu",
                            domain=FUSED_DOMAIN, approximate="tanh")
    return matched, node


def _tanh_polynomial(g: _Graph, inner: onnx.NodeProto
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


def _const_mul(g: _Graph, value: str, factor: float) -> tuple[onnx.NodeProto, str] | None:
    """(node, other input) when ``value`` is ``other * factor`` (constant ``factor``)."""
    node = g.producer.get(value)
    if node is None or node.op_type != "Mul" or len(node.input) != 2:
        return None
    for k in (0, 1):
        if _close(g.scalar(node.input[k]), factor) and node.input[1 - k] not in g.constants:
            return node, node.input[1 - k]
    return None


def _cube_nodes(g: _Graph, x: str, value: str) -> list[onnx.NodeProto] | None:
    """The nodes computing ``x³`` as ``value``: ``Pow(x, 3)`` or ``Mul(x, Mul(x, x))``."""
    cube = g.producer.get(value)
    if cube is None or g.sole_consumer(value) is None:
        return None
    if cube.op_type == "Pow" and cube.input[0] == x and g.scalar(cube.input[1]) == 3.0:
        return [cube]
    square = g.producer.get(_other(cube, x) or "") if cube.op_type == "Mul" else None
    if square is None or square.op_type != "Mul" or list(square.input) != [x, x]:
        return None
    if g.sole_consumer(square.output[0]) is not cube:
        return None
    return [square, cube]


def _gelu_products(g: _Graph, x: str, one_plus: str) -> list[onnx.NodeProto] | None:
    """``(x * (1 + erf)) * 0.5`` or ``(x * 0.5) * (1 + erf)``: the two Mul nodes, in order."""
    first = g.sole_consumer(one_plus)
    if first is None or first.op_type != "Mul":
        return None
    partner = _other(first, one_plus)
    if partner == x:
        last = g.sole_consumer(first.output[0])
        if last is None or last.op_type != "Mul" or not _close(
                g.scalar(_other(last, first.output[0]) or ""), 0.5):
            return None
        return [first, last]
    half = g.producer.get(partner or "")
    if half is None or half.op_type != "Mul" or g.sole_consumer(half.output[0]) is not first:
        return None
    if _other(half, x) is None or not _close(g.scalar(_other(half, x) or ""), 0.5):
        return None
    return [half, first]


_Matcher = Callable[[_Graph, onnx.NodeProto], "tuple[list[onnx.NodeProto], onnx.NodeProto] | None"]
_MATCHERS: list[tuple[str, _Matcher]] = [
    ("LayerNormalization", _match_layer_norm),
    ("Gelu", _match_gelu),
    ("Gelu", _match_tanh_gelu),
]


# -- reshape/transpose chains read back with constant Gathers → Split -------------------------

_VIEW_OPS = frozenset({"Reshape", "Unsqueeze", "Squeeze", "Transpose"})


def _split_gathers(g: _Graph) -> int:
    """``X → Reshape/Unsqueeze/Transpose/Squeeze... → Gather(i) for each i`` → ``Split(X)``.

    PyTorch's ``nn.MultiheadAttention`` export unpacks the packed q/k/v projection this way
    (a 5-D transpose and three gathers). The index arithmetic is replayed on an index array;
    the rewrite happens only when every gathered part is a contiguous range of one axis of X.
    """
    count = 0
    seen: set[str] = set()
    for node in list(g.nodes):
        if node.op_type != "Gather" or id(node) in g.removed or node.input[0] in seen:
            continue
        seen.add(node.input[0])
        found = _gather_split(g, node.input[0])
        if found is not None:
            matched, new_nodes = found
            first = min((n for n in matched if n.op_type == "Gather"), key=g.nodes.index)
            g.removed.update(id(n) for n in matched)
            g.added[id(first)] = new_nodes[0]  # before any reader of a gathered part
            g.extra[id(first)] = new_nodes[1:]
            count += 1
    return count


def _gather_split(g: _Graph, head: str
                  ) -> tuple[list[onnx.NodeProto], list[onnx.NodeProto]] | None:
    gathers = g.consumers.get(head, [])
    if head in g.outputs or len(gathers) < 2 or any(
            n.op_type != "Gather" or n.input[0] != head or id(n) in g.removed for n in gathers):
        return None
    chain: list[onnx.NodeProto] = []
    value = head
    while True:
        node = g.producer.get(value)
        if node is None or node.op_type not in _VIEW_OPS or id(node) in g.removed:
            break
        if value != head and g.sole_consumer(value) is None:
            break
        chain.insert(0, node)
        value = node.input[0]
    source, shape = value, g.shape(value)
    if not chain or shape is None or any(g.shape(n.output[0]) is None for n in chain):
        return None
    if any(g.sole_consumer(n.output[0]) is None for n in chain[:-1]):
        return None
    index = np.arange(int(np.prod(shape))).reshape(shape)
    view = index
    for node in chain:
        if node.op_type == "Transpose":
            perm = next((list(helper.get_attribute_value(a)) for a in node.attribute
                         if a.name == "perm"), None)
            view = np.transpose(view, perm)
        else:
            view = view.reshape(g.shape(node.output[0]) or ())
    parts = []
    for gather in gathers:
        position = g.const(gather.input[1]) if len(gather.input) > 1 else None
        attrs = {a.name: helper.get_attribute_value(a) for a in gather.attribute}
        if position is None or position.ndim != 0 or g.shape(gather.output[0]) is None:
            return None
        parts.append((np.take(view, int(position), axis=int(attrs.get("axis", 0))), gather))
    layout = _contiguous_split(index, [p for p, _ in parts])
    if layout is None:
        return None
    axis, order = layout
    return [*chain, *gathers], _split_nodes(g, source, axis, [parts[i] for i in order],
                                            chain[-1].name)


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


def _split_nodes(g: _Graph, source: str, axis: int,
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
        target = _store(g, f"{out}__shape", np.array(g.shape(out), np.int64))
        outputs.append(inner)
        reshapes.append(helper.make_node("Reshape", [inner, target], [out],
                                         name=f"{gather.name}_reshape"))
    split = helper.make_node("Split", [source], outputs, name=f"{_scope_of(name)}Split",
                             axis=axis)
    return [split, *reshapes]


def _scope_of(name: str) -> str:
    return name[: name.rfind("/") + 1] if "/" in name else ""
