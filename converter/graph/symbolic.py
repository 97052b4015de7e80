"""Keep symbolic dimensions (batch, sequence) symbolic in the generated ``construct``.

Converters work on static shapes. To keep a symbolic dimension, the graph is converted again
at other sizes of that dimension ("probes"), and the converted specs are compared node by node:
every integer that changes with the dimension is fitted to ``c0 + c1*a (+ c2*b + c3*a*b)`` and
replaced by an expression of a tensor's runtime shape (``x.shape[0] * 4``), preferably a shape of
the node's own input so the code also works inside sub-Cells. One more probe validates the fit.
Nodes whose code cannot be expressed that way (e.g. a folded constant whose size depends on the
dimension) keep the verification shapes and are listed in a warning.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from mindconverter.converter.graph.emitter import NodeEmit
from mindconverter.converter.graph.passes import GraphInput
from mindconverter.converter.graph.spec import Attr, BinOp, Const, Item, LayerSpec, Ref, Value
from mindconverter.converter.report import ConversionWarning

MAX_SYMBOLS = 2
Build = Callable[[list[GraphInput]], Any]  # returns a ConvertedGraph


class Mismatch(Exception):  # noqa: N818 - internal control flow
    """The probes disagree in a way no shape expression explains."""


@dataclasses.dataclass
class Probe:
    """One assignment of sizes to the symbols and the graph converted at those sizes."""

    sizes: dict[str, int]
    graph: Any = None


def symbols_of(inputs: Sequence[GraphInput]) -> dict[str, int]:
    """Symbol name → its size in the verification shapes, in order of appearance."""
    found: dict[str, int] = {}
    for gi in inputs:
        for axis, name in gi.symbols.items():
            found.setdefault(name, gi.shape[axis])
    return found


def probe_sizes(base: dict[str, int]) -> list[dict[str, int]]:
    """Sizes for the probes after the base: corners of a unit box, then a validation point."""
    names = list(base)
    probes = []
    for steps in itertools.product((0, 1), repeat=len(names)):
        if any(steps):
            probes.append({n: base[n] + s for n, s in zip(names, steps)})
    probes.append({n: base[n] + 3 + i for i, n in enumerate(names)})
    return probes


def reshape_inputs(inputs: Sequence[GraphInput], sizes: dict[str, int]) -> list[GraphInput]:
    """The inputs with every symbolic axis set to the probe's size."""
    result = []
    for gi in inputs:
        shape = list(gi.shape)
        for axis, name in gi.symbols.items():
            if name in sizes:
                shape[axis] = sizes[name]
        result.append(gi.with_shape(tuple(shape)))
    return result


def generalize(
    base_graph: Any, inputs: Sequence[GraphInput], build: Callable[..., Any],
    rebuild: Callable[[frozenset[str]], Any],
) -> tuple[Any, list[NodeEmit], list[ConversionWarning]]:
    """Nodes of ``base_graph`` with symbolic sizes turned into runtime shape expressions.

    Folded values whose contents change with a symbolic size (beyond small integer vectors,
    which become shape expressions) are computed at run time instead: the base graph and the
    probes are converted again without folding them (``rebuild`` / ``build(..., keep)``).

    Returns:
        The (possibly rebuilt) base graph, its generalized nodes, and warnings.
    """
    try:
        return _generalize(base_graph, inputs, build, rebuild)
    except _Failed as failed:
        return base_graph, list(base_graph.nodes), [failed.warning]


class _Failed(Exception):  # noqa: N818 - internal control flow
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.warning = ConversionWarning("MC-W004", message)


def _generalize(
    base_graph: Any, inputs: Sequence[GraphInput], build: Callable[..., Any],
    rebuild: Callable[[frozenset[str]], Any],
) -> tuple[Any, list[NodeEmit], list[ConversionWarning]]:
    symbols = symbols_of(inputs)
    kept = dict(list(symbols.items())[:MAX_SYMBOLS])
    warnings = []
    if len(symbols) > MAX_SYMBOLS:
        frozen = ", ".join(list(symbols)[MAX_SYMBOLS:])
        warnings.append(ConversionWarning(
            "MC-W004", f"more than {MAX_SYMBOLS} symbolic dimensions: {frozen} fixed at the "
            "verification sizes (pass --shape to choose them)"))
    probes = _run_probes(base_graph, inputs, symbols, kept, build, frozenset())
    varying = _varying_constants(probes)
    if varying:
        try:
            base_graph = rebuild(varying)
        except Exception as exc:
            raise _Failed(f"symbolic dimensions fixed at the verification sizes: conversion "
                          f"with run-time shape values failed ({str(exc)[:200]})") from exc
        probes = _run_probes(base_graph, inputs, symbols, kept, build, varying)
    if not _same_structure(probes):
        raise _Failed("symbolic dimensions fixed at the verification sizes: the converted "
                      "graph's structure depends on them")
    nodes, frozen_nodes = _merge_nodes(probes, inputs)
    names = ", ".join(kept)
    warnings.append(ConversionWarning("MC-W003", f"symbolic dimension(s) kept: {names}"))
    if frozen_nodes:
        warnings.append(ConversionWarning(
            "MC-W004", "these nodes depend on a symbolic dimension in a way the generated "
                       "code cannot express; they keep the verification sizes", frozen_nodes))
    return base_graph, nodes, warnings


def _run_probes(base_graph: Any, inputs: Sequence[GraphInput], symbols: dict[str, int],
                kept: dict[str, int], build: Callable[..., Any], keep: frozenset[str],
                ) -> list[Probe]:
    probes = [Probe(kept, base_graph)]
    try:
        for sizes in probe_sizes(kept):
            probe_inputs = reshape_inputs(inputs, {**symbols, **sizes})
            probes.append(Probe(sizes, build(probe_inputs, keep)))
    except Exception as exc:  # the model does not convert at other sizes: keep it static
        raise _Failed(f"symbolic dimensions fixed at the verification sizes: conversion at "
                      f"other sizes failed ({str(exc)[:200]})") from exc
    return probes


SMALL_SHAPE_VALUE = 8


def _varying_constants(probes: list[Probe]) -> frozenset[str]:
    """Folded values that change with the symbolic sizes and are not small integer vectors."""
    base = probes[0].graph.constants
    varying = set()
    for name, value in base.items():
        others = [p.graph.constants.get(name) for p in probes[1:]]
        same = all(o is value or (o is not None and o.shape == value.shape
                                  and np.array_equal(o, value))
                   for o in others)  # weights are the same arrays in every probe
        small_int = value.dtype.kind in "iu" and value.size <= SMALL_SHAPE_VALUE and all(
            o is not None and o.shape == value.shape for o in others)
        if not same and not small_int:
            varying.add(name)
    return frozenset(varying)


def _same_structure(probes: list[Probe]) -> bool:
    first = [(n.node.op_type, n.placeholder is None) for n in probes[0].graph.nodes]
    return all([(n.node.op_type, n.placeholder is None) for n in p.graph.nodes] == first
               for p in probes[1:])


def _merge_nodes(probes: list[Probe], inputs: Sequence[GraphInput]
                 ) -> tuple[list[NodeEmit], list[str]]:
    base = probes[0].graph
    nodes, frozen = [], []
    for index, item in enumerate(base.nodes):
        if item.placeholder is not None:
            nodes.append(item)
            continue
        specs = [p.graph.nodes[index].spec for p in probes]
        fitter = _Fitter(probes, index, inputs)
        try:
            _check_consts(specs[0], probes)
            spec = _merge(specs, fitter)
        except Mismatch:
            frozen.append(item.node.name or item.node.output[0])
            spec = item.spec
        nodes.append(NodeEmit(item.node, item.base, spec=spec))
    return nodes, frozen


def _check_consts(spec: LayerSpec, probes: list[Probe]) -> None:
    for key in _const_keys(spec):
        arrays = [p.graph.emitter_args[4].arrays.get(key) for p in probes]
        if any(a is None or a.shape != arrays[0].shape or not np.array_equal(a, arrays[0])
               for a in arrays[1:]):
            raise Mismatch(key)


def _const_keys(value: Any) -> list[str]:
    if isinstance(value, Const):
        return [value.key]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [k for f in dataclasses.fields(value) for k in
                _const_keys(getattr(value, f.name))]
    if isinstance(value, (tuple, list)):
        return [k for v in value for k in _const_keys(v)]
    return []


def _merge(values: list[Any], fit: _Fitter) -> Any:
    first = values[0]
    if isinstance(first, bool) or first is None or isinstance(first, (float, str, type)):
        if any(v != first for v in values[1:]):
            raise Mismatch(first)
        return first
    if isinstance(first, int):
        return first if all(v == first for v in values[1:]) else fit(values)
    if isinstance(first, np.ndarray):
        if any(not isinstance(v, np.ndarray) or v.shape != first.shape
               or not np.array_equal(v, first) for v in values[1:]):
            raise Mismatch("array")
        return first
    if isinstance(first, (tuple, list)):
        if any(not isinstance(v, type(first)) or len(v) != len(first) for v in values[1:]):
            raise Mismatch("sequence")
        return type(first)(_merge([v[i] for v in values], fit) for i in range(len(first)))
    if isinstance(first, dict):
        if any(not isinstance(v, dict) or v.keys() != first.keys() for v in values[1:]):
            raise Mismatch("dict")
        return {k: _merge([v[k] for v in values], fit) for k in first}
    if dataclasses.is_dataclass(first):
        if any(type(v) is not type(first) for v in values[1:]):
            raise Mismatch("type")
        fields = {f.name: (_merge([getattr(v, f.name) for v in values], fit) if f.compare
                           else getattr(first, f.name))
                  for f in dataclasses.fields(first)}
        cls: Any = type(first)
        return cls(**fields)
    if any(v != first for v in values[1:]):
        raise Mismatch(repr(first))
    return first


class _Fitter:
    """Fits integers that vary across probes to polynomials of the symbols."""

    def __init__(self, probes: list[Probe], index: int, inputs: Sequence[GraphInput]) -> None:
        self.probes = probes
        self.index = index
        self.inputs = inputs
        self.names = list(probes[0].sizes)

    def __call__(self, values: list[int]) -> Any:
        coeffs = self._solve(values)
        for probe, value in zip(self.probes, values):
            if _evaluate(coeffs, probe.sizes) != value:
                raise Mismatch("not polynomial in the symbols")
        return self._expression(coeffs)

    def _solve(self, values: list[int]) -> dict[tuple[str, ...], Fraction]:
        base = self.probes[0].sizes
        if len(self.names) == 1:
            (a,) = self.names
            c1 = Fraction(values[1] - values[0])
            return {(): values[0] - c1 * base[a], (a,): c1}
        a, b = self.names
        v00, v10, v01, v11 = values[0], values[2], values[1], values[3]
        c3 = Fraction(v11 - v10 - v01 + v00)
        c1 = v10 - v00 - c3 * base[b]
        c2 = v01 - v00 - c3 * base[a]
        c0 = v00 - c1 * base[a] - c2 * base[b] - c3 * base[a] * base[b]
        return {(): c0, (a,): c1, (b,): c2, (a, b): c3}

    def _expression(self, coeffs: dict[tuple[str, ...], Fraction]) -> Any:
        if any(c.denominator != 1 for c in coeffs.values()):
            raise Mismatch("fractional coefficient")
        expr: Any = None
        for term, coeff in coeffs.items():
            c = int(coeff)
            if not term or c == 0:
                continue
            factor: Any = None
            for name in term:
                dim = self._dim(name)
                factor = dim if factor is None else BinOp("*", factor, dim)
            factor = factor if c == 1 else BinOp("*", factor, c)
            expr = factor if expr is None else BinOp("+", expr, factor)
        const = int(coeffs.get((), 0))
        if expr is None:
            return const
        if const > 0:
            return BinOp("+", expr, const)
        if const < 0:
            return BinOp("-", expr, -const)
        return expr

    def _dim(self, name: str) -> Any:
        """``x.shape[j]`` of a runtime input of the node that carries ``name``, else of a
        graph input."""
        node = self.probes[0].graph.nodes[self.index].node
        for i, value in enumerate(node.input):
            axis = self._axis_tracking(value, name)
            if axis is not None:
                return Item(Attr(Ref(i), "shape"), axis)
        for gi in self.inputs:
            for axis, symbol in gi.symbols.items():
                if symbol == name:
                    return Item(Attr(Value(gi.name), "shape"), axis)
        raise Mismatch(name)

    def _axis_tracking(self, value: str, name: str) -> int | None:
        if not value:
            return None
        shapes = []
        for probe in self.probes:
            graph = probe.graph
            if value in graph.constants:
                return None
            info = graph.values.get(value)
            if info is None or info.shape is None:
                return None
            shapes.append(info.shape)
        for axis in range(len(shapes[0])):
            if all(len(s) > axis and s[axis] == p.sizes[name]
                   for s, p in zip(shapes, self.probes)):
                return axis
        return None


def _evaluate(coeffs: dict[tuple[str, ...], Fraction], sizes: dict[str, int]) -> Fraction:
    total = Fraction(0)
    for term, coeff in coeffs.items():
        product = Fraction(coeff)
        for name in term:
            product *= sizes[name]
        total += product
    return total
