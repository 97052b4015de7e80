"""Keep large weights out of the ONNX protobuf while the graph is processed.

Every graph pass (interface fixing, onnxoptimizer, shape inference, constant folding) copies or
serialises the model, and with it every weight. :func:`split_weights` turns each large
initializer into a NumPy array (one copy, made once) and leaves a *lean* model in which that
weight is a graph input of the same name, type and shape. The passes then handle only the graph;
the weights go straight to the converters and the checkpoint writer. :func:`with_weights` builds
the complete model again where one is needed (a reference run with another tool).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import onnx
from mindconverter.converter.errors import ConverterError, ErrorCode
from onnx import helper, numpy_helper

# Initializers with more elements than this leave the protobuf (same threshold as folding's).
LARGE_WEIGHT = 4096
_PLAIN_KINDS = "biuf"  # NumPy kinds fed to onnxruntime as they are (no bfloat16, strings...)


@dataclass
class Weights:
    """The weights moved out of a model.

    Attributes:
        arrays: Name → array.
        declared: Names the original model also listed as graph inputs (IR < 4 style).
    """

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    declared: frozenset[str] = frozenset()


def split_weights(model: onnx.ModelProto) -> tuple[onnx.ModelProto, Weights]:
    """Move the large initializers of the main graph into NumPy arrays.

    Args:
        model: A loaded model. Do not use it afterwards: its weights are not copied twice,
            and dropping it frees the protobuf's memory.

    Returns:
        The lean model (each moved weight declared as a graph input) and the weights.

    Raises:
        ConverterError: ``MC105`` when an initializer's data does not match its shape.
    """
    graph = model.graph
    weights: dict[str, np.ndarray] = {}
    keep: list[onnx.TensorProto] = []
    for init in graph.initializer:
        if not movable(init):
            keep.append(init)
            continue
        try:
            weights[init.name] = numpy_helper.to_array(init)
        except (ValueError, TypeError) as exc:  # data that does not fill the shape
            raise ConverterError(ErrorCode.INVALID_GRAPH,
                                 f"initializer '{init.name}': {exc}") from exc
    if not weights:
        return model, Weights()
    declared = {vi.name for vi in graph.input}
    kept = [copy.deepcopy(t) for t in keep]
    del graph.initializer[:]
    lean = copy.deepcopy(model)  # small now; the old protobuf goes with ``model``
    lean.graph.initializer.extend(kept)
    lean.graph.input.extend(
        helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
        for name, a in weights.items() if name not in declared)
    return lean, Weights(weights, frozenset(declared.intersection(weights)))


def movable(init: onnx.TensorProto) -> bool:
    """Whether :func:`split_weights` moves this initializer (large, plain numeric type)."""
    if init.data_type in (onnx.TensorProto.STRING, onnx.TensorProto.UNDEFINED):
        return False
    if int(np.prod(init.dims)) <= LARGE_WEIGHT:
        return False
    try:
        dtype = np.dtype(helper.tensor_dtype_to_np_dtype(init.data_type))
    except Exception:  # an unknown type: leave it to the checker and the converters
        return False
    return dtype.kind in _PLAIN_KINDS


def with_weights(model: onnx.ModelProto, weights: Weights) -> onnx.ModelProto:
    """A copy of the lean ``model`` with its weights back as initializers."""
    full = copy.deepcopy(model)
    moved = set(weights.arrays) - weights.declared
    real = [vi for vi in full.graph.input if vi.name not in moved]
    del full.graph.input[:]
    full.graph.input.extend(real)
    full.graph.initializer.extend(
        numpy_helper.from_array(a, n) for n, a in weights.arrays.items())
    return full


def used_names(graph: onnx.GraphProto) -> set[str]:
    """Every value name read by a node of ``graph`` or its subgraphs, and its outputs."""
    used = {o.name for o in graph.output}
    for node in _all_nodes(graph):
        used.update(node.input)
        for attr in node.attribute:
            used.update(o.name for sub in _subgraphs(attr) for o in sub.output)
    return used


def all_nodes(graph: onnx.GraphProto) -> Iterator[onnx.NodeProto]:
    """Every node of ``graph`` and of its subgraphs, depth first."""
    return _all_nodes(graph)


def _all_nodes(graph: onnx.GraphProto) -> Iterator[onnx.NodeProto]:
    for node in graph.node:
        yield node
        for attr in node.attribute:
            for sub in _subgraphs(attr):
                yield from _all_nodes(sub)


def _subgraphs(attr: onnx.AttributeProto) -> Iterable[onnx.GraphProto]:
    if attr.type == onnx.AttributeProto.GRAPH:
        return [attr.g]
    if attr.type == onnx.AttributeProto.GRAPHS:
        return list(attr.graphs)
    return []


def deduplicate(model: onnx.ModelProto, weights: Weights) -> None:
    """Make the nodes of ``model`` read the first of several identical weights.

    Like onnxoptimizer's ``eliminate_duplicate_initializer`` (which cannot see weights that
    left the protobuf): same dtype, shape and bytes; weights that are graph outputs or were
    declared as inputs of the original model keep their names.
    """
    fixed = {o.name for o in model.graph.output} | weights.declared
    groups: dict[tuple[str, tuple[int, ...]], list[str]] = {}
    for name, array in weights.arrays.items():
        if name not in fixed:
            groups.setdefault((array.dtype.str, array.shape), []).append(name)
    rename: dict[str, str] = {}
    for names in groups.values():
        for i, name in enumerate(names):
            if name in rename:
                continue
            for other in names[i + 1:]:
                if other not in rename and _same_bytes(weights.arrays[name],
                                                       weights.arrays[other]):
                    rename[other] = name
    if not rename:
        return
    for node in _all_nodes(model.graph):
        for i, name in enumerate(node.input):
            if name in rename:
                node.input[i] = rename[name]


def _same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = a.reshape(-1).view(np.uint8), b.reshape(-1).view(np.uint8)
    head = min(a.size, 4096)
    return bool(np.array_equal(a[:head], b[:head]) and np.array_equal(a, b))
