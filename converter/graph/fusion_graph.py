"""The graph view the fusion matchers share: producers, consumers, pending replacements.

Matchers read a folded model through :class:`FusionGraph` and return the nodes they matched
with the node replacing them (a :data:`Match`); :mod:`mindconverter.converter.graph.fusion`
applies the replacements. The small node helpers here (:func:`other_input`,
:func:`attributes`, :func:`is_standard`, :func:`scope_of`) are the ones every matcher uses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import onnx
from mindconverter.converter.graph.context import ValueInfo
from onnx import helper

FUSED_DOMAIN = "mindconverter.fused"

_STANDARD_DOMAINS = ("", "ai.onnx")


class FusionGraph:
    """Producers and consumers of a model's values, with pending replacements.

    Args:
        model: The folded model; :meth:`commit` rewrites its node list in place.
        values: Static shapes and dtypes of the runtime values (new values are added here).
        constants: Values known at conversion time (new constants are added here).
    """

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
        """The constant value of ``name`` (None if it is computed at run time)."""
        return self.constants.get(name)

    def scalar(self, name: str) -> float | None:
        """The value of a one-element float constant ``name`` (None otherwise)."""
        value = self.constants.get(name)
        if value is None or value.size != 1 or value.dtype.kind != "f":
            return None
        return float(value.reshape(()))

    def store(self, name: str, value: np.ndarray) -> str:
        """Add the constant ``value`` as ``name`` and return the name."""
        self.constants[name] = value
        return name

    def sole_consumer(self, name: str) -> onnx.NodeProto | None:
        """The only node reading ``name`` (None if several, none, or a graph output)."""
        users = self.consumers.get(name, [])
        if name in self.outputs or len(users) != 1 or self.is_removed(users[0]):
            return None
        return users[0]

    def next_op(self, name: str, op_type: str) -> onnx.NodeProto | None:
        """The sole consumer of ``name`` when it is an ``op_type`` node (any domain)."""
        node = self.sole_consumer(name)
        return node if node is not None and node.op_type == op_type else None

    def shape(self, name: str) -> tuple[int, ...] | None:
        """The static shape of ``name`` (None if unknown)."""
        info = self.values.get(name)
        return info.shape if info is not None else None

    def dtype(self, name: str) -> np.dtype | None:
        """The dtype of ``name`` (None if unknown)."""
        info = self.values.get(name)
        return info.dtype if info is not None else None

    def is_removed(self, node: onnx.NodeProto) -> bool:
        """Whether ``node`` is already part of a pending replacement."""
        return id(node) in self.removed

    def any_removed(self, nodes: Iterable[onnx.NodeProto]) -> bool:
        """Whether one of ``nodes`` is already part of a pending replacement."""
        return any(id(n) in self.removed for n in nodes)

    def replace(self, matched: list[onnx.NodeProto], new: onnx.NodeProto,
                at: onnx.NodeProto | None = None,
                then: list[onnx.NodeProto] | None = None) -> None:
        """Remove ``matched`` and put ``new`` (followed by ``then``) where ``at`` was.

        ``at`` defaults to the last of ``matched``.
        """
        anchor = matched[-1] if at is None else at
        if not new.metadata_props:  # keep the exporter's module scope for naming
            new.metadata_props.extend(anchor.metadata_props)
        self.removed.update(id(n) for n in matched)
        self.added[id(anchor)] = new
        if then is not None:
            self.extra[id(anchor)] = then

    def commit(self) -> None:
        """Write the node list with the pending replacements back into the model."""
        nodes = []
        for node in self.nodes:
            if id(node) in self.added:
                nodes.append(self.added[id(node)])
                nodes.extend(self.extra.get(id(node), []))
            elif id(node) not in self.removed:
                nodes.append(node)
        del self.model.graph.node[:]
        self.model.graph.node.extend(nodes)


Match = tuple[list[onnx.NodeProto], onnx.NodeProto]
"""The nodes a matcher matched and the one node replacing them."""

Matcher = Callable[[FusionGraph, onnx.NodeProto], Match | None]
"""A pattern matcher: the match anchored at a node, or None."""


def is_standard(node: onnx.NodeProto, *op_types: str) -> bool:
    """Whether ``node`` is one of ``op_types`` in the default ONNX domain."""
    return node.op_type in op_types and node.domain in _STANDARD_DOMAINS


def other_input(node: onnx.NodeProto, name: str) -> str | None:
    """The other input of a two-input commutative node that reads ``name`` once."""
    if len(node.input) != 2 or list(node.input).count(name) != 1:
        return None
    return node.input[1] if node.input[0] == name else node.input[0]


def attributes(node: onnx.NodeProto) -> dict[str, Any]:
    """The attributes of ``node`` by name, as Python values."""
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def scope_of(name: str) -> str:
    """``/enc/layers.0/norm1/ReduceMean`` → ``/enc/layers.0/norm1/``."""
    return name[: name.rfind("/") + 1] if "/" in name else ""
