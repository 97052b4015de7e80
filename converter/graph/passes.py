"""Normalise an ONNX graph before conversion.

Fix the input shapes, select outputs, run a few onnxoptimizer passes, fold everything that is
constant once shapes are fixed (PyTorch exports are full of ``Shape→Gather→Unsqueeze→Concat``
chains), and record the static shape and dtype of every value that remains.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.graph.context import ValueInfo
from mindconverter.converter.graph.weights import Weights, all_nodes, deduplicate, used_names
from onnx import helper

log = logging.getLogger(__name__)

OPTIMIZER_PASSES = [
    "eliminate_deadend",
    "eliminate_identity",
    "eliminate_nop_transpose",
    "eliminate_nop_pad",
    "eliminate_unused_initializer",
    "eliminate_duplicate_initializer",
]
NOT_FOLDABLE = {
    "RandomNormal", "RandomNormalLike", "RandomUniform", "RandomUniformLike", "Multinomial",
    "Bernoulli", "Dropout", "If", "Loop", "Scan",
    # Sequence values are Python tuples in construct, never constants (the reference evaluator
    # would return lists, which a constant cannot hold).
    "SequenceConstruct", "SequenceEmpty", "SequenceInsert", "SequenceErase", "SplitToSequence",
    "SequenceMap",
}
# Results larger than this stay computed at run time unless they feed a layer's weights.
FOLD_LIMIT = 64 * 1024 * 1024


@dataclass
class GraphInput:
    """A graph input with the concrete shape used for conversion."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    declared: list[int | str | None]
    symbols: dict[int, str] = field(default_factory=dict)
    #: For a ``seq(tensor)`` input: the shape of each element (``shape`` is then ``()``).
    elements: tuple[tuple[int, ...], ...] | None = None

    def with_shape(self, shape: tuple[int, ...]) -> GraphInput:
        """The same input with another concrete shape."""
        return GraphInput(self.name, shape, self.dtype, self.declared, dict(self.symbols),
                          self.elements)


# Concrete sizes used for symbolic dimensions when neither --shape nor input data gives one.
DEFAULT_BATCH = 2
DEFAULT_DIM = 16


@dataclass
class PreparedGraph:
    """A graph ready for conversion."""

    model: onnx.ModelProto
    reference: onnx.ModelProto
    inputs: list[GraphInput]
    outputs: list[str]
    values: dict[str, ValueInfo]
    constants: dict[str, np.ndarray]
    opsets: dict[str, int]
    dropout_nodes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def declared_shape(vi: onnx.ValueInfoProto) -> list[int | str | None]:
    """The shape of a value as declared: ints, names of symbolic dims, or None."""
    tensor = vi.type.tensor_type
    if not tensor.HasField("shape"):
        return []
    dims: list[int | str | None] = []
    for d in tensor.shape.dim:
        if d.HasField("dim_value"):
            dims.append(int(d.dim_value))
        elif d.HasField("dim_param"):
            dims.append(d.dim_param)
        else:
            dims.append(None)
    return dims


def np_dtype(elem_type: int) -> np.dtype:
    """NumPy dtype of an ONNX tensor element type."""
    return np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))


def select_inputs(
    model: onnx.ModelProto,
    input_nodes: Sequence[str] | None,
    shapes: Sequence[Sequence[int]] | None,
    data_shapes: Sequence[Sequence[int]] | None = None,
    weights: Collection[str] = (),
) -> list[GraphInput]:
    """Resolve the graph inputs to feed and their concrete shapes.

    With ``shapes`` every dimension is fixed. Otherwise symbolic dimensions stay symbolic
    (recorded in :attr:`GraphInput.symbols`) and get a concrete size from ``data_shapes`` (the
    verification data) or a default, used for verification only. ``weights`` are initializers
    moved out of the model (graph inputs there), not inputs to feed.

    Raises:
        ConverterError: Unknown input name, shape count mismatch, or a rank mismatch.
    """
    inits = {t.name for t in model.graph.initializer} | set(weights)
    real = [vi for vi in model.graph.input if vi.name not in inits]
    by_name = {vi.name: vi for vi in real}
    if input_nodes:
        unknown = [n for n in input_nodes if n not in by_name]
        if unknown:
            raise ConverterError(
                ErrorCode.UNKNOWN_NODE,
                f"--input_nodes {' '.join(unknown)}: not an input of the graph "
                f"(inputs: {', '.join(by_name) or 'none'})",
            )
        missing = [n for n in by_name if n not in input_nodes]
        if missing:
            raise ConverterError(
                ErrorCode.UNKNOWN_NODE,
                f"--input_nodes must list every graph input; missing: {', '.join(missing)}",
            )
        chosen = [by_name[n] for n in input_nodes]
    else:
        chosen = real
    if shapes is not None and len(shapes) != len(chosen):
        raise ConverterError(
            ErrorCode.SHAPE_COUNT,
            f"{len(shapes)} shape(s) given for {len(chosen)} input(s) "
            f"({', '.join(vi.name for vi in chosen)})",
        )
    result = []
    for i, vi in enumerate(chosen):
        if vi.type.HasField("sequence_type"):
            given = shapes[i] if shapes is not None else (
                data_shapes[i] if data_shapes is not None and i < len(data_shapes) else None)
            result.append(_sequence_input(vi, given))
            continue
        declared = declared_shape(vi)
        if shapes is not None:
            shape = tuple(int(d) for d in shapes[i])
            _check_rank(vi.name, declared, shape)
            symbols: dict[int, str] = {}
        else:
            data = tuple(data_shapes[i]) if data_shapes is not None and i < len(data_shapes) \
                else None
            shape, symbols = _symbolic_shape(vi.name, declared, data)
        dtype = np_dtype(vi.type.tensor_type.elem_type)
        result.append(GraphInput(vi.name, shape, dtype, declared, symbols))
    return result


def _sequence_input(vi: onnx.ValueInfoProto, given: Sequence[Any] | None) -> GraphInput:
    """A ``seq(tensor)`` input; ``given`` is the shape of each element (from the input data,
    or a shape list whose item for this input lists its elements' shapes)."""
    elem = vi.type.sequence_type.elem_type
    if not elem.HasField("tensor_type"):
        raise ConverterError(ErrorCode.BAD_SHAPE,
                             f"input '{vi.name}': only sequences of tensors are supported")
    if given is None:
        raise ConverterError(
            ErrorCode.BAD_INPUT_DATA,
            f"input '{vi.name}' is a sequence: its element count and shapes come from the input "
            "data (a list of arrays)")
    elements = tuple(tuple(int(d) for d in shape) for shape in given)
    return GraphInput(vi.name, (), np_dtype(elem.tensor_type.elem_type), [], elements=elements)


def _symbolic_shape(
    name: str, declared: list[int | str | None], data: tuple[int, ...] | None
) -> tuple[tuple[int, ...], dict[int, str]]:
    if data is not None:
        _check_rank(name, declared, data)
    symbols: dict[int, str] = {}
    shape = []
    for axis, dim in enumerate(declared):
        if isinstance(dim, int) and dim > 0:
            shape.append(dim)
            continue
        symbols[axis] = dim if isinstance(dim, str) and dim else f"{name}_dim{axis}"
        default = DEFAULT_BATCH if axis == 0 else DEFAULT_DIM
        shape.append(int(data[axis]) if data is not None else default)
    return tuple(shape), symbols


def _check_rank(name: str, declared: list[int | str | None], shape: tuple[int, ...]) -> None:
    if declared and len(declared) != len(shape):
        raise ConverterError(
            ErrorCode.BAD_SHAPE,
            f"--shape {','.join(map(str, shape))} for input '{name}' has rank {len(shape)}, "
            f"the model declares rank {len(declared)} {declared}",
        )
    for d, s in zip(declared, shape):
        if isinstance(d, int) and d > 0 and d != s:
            raise ConverterError(
                ErrorCode.BAD_SHAPE,
                f"--shape {','.join(map(str, shape))} for input '{name}' conflicts with the "
                f"model's fixed shape {declared}",
            )


def select_outputs(model: onnx.ModelProto, output_nodes: Sequence[str] | None) -> list[str]:
    """Resolve the outputs to produce (graph outputs by default, or any value name)."""
    if not output_nodes:
        return [o.name for o in model.graph.output]
    produced = {o for n in model.graph.node for o in n.output if o}
    produced |= {o.name for o in model.graph.output}
    unknown = [n for n in output_nodes if n not in produced]
    if unknown:
        raise ConverterError(
            ErrorCode.UNKNOWN_NODE,
            f"--output_nodes {' '.join(unknown)}: no node produces this value "
            f"(graph outputs: {', '.join(o.name for o in model.graph.output)})",
        )
    return list(output_nodes)


def fix_interface(
    model: onnx.ModelProto, inputs: list[GraphInput], outputs: list[str]
) -> onnx.ModelProto:
    """A copy of ``model`` with fixed input shapes, chosen outputs and weights as constants."""
    fixed = copy.deepcopy(model)
    graph = fixed.graph
    # Initializers listed as inputs stay (IR < 4 requires it); real inputs get fixed shapes.
    fixed_inputs = {gi.name: gi for gi in inputs}
    kept = []
    for vi in graph.input:
        gi = fixed_inputs.get(vi.name)
        if gi is not None and gi.elements is None:  # a sequence input keeps its declared type
            vi = helper.make_tensor_value_info(gi.name, vi.type.tensor_type.elem_type, gi.shape)
        kept.append(vi)
    del graph.input[:]
    graph.input.extend(kept)
    old_outputs = {o.name: o for o in graph.output}
    del graph.output[:]
    for name in outputs:
        if name in old_outputs:
            out = copy.deepcopy(old_outputs[name])
            if out.type.HasField("tensor_type"):
                out.type.tensor_type.ClearField("shape")
            graph.output.append(out)
        else:
            graph.output.append(onnx.ValueInfoProto(name=name))
    del graph.value_info[:]
    return fixed


def optimize(model: onnx.ModelProto, notes: list[str], weights: Weights | None = None
             ) -> onnx.ModelProto:
    """Run onnxoptimizer's safe clean-up passes; keep the model unchanged if they fail.

    ``weights`` are the large weights :func:`~mindconverter.converter.graph.weights.split_weights`
    moved out of ``model`` (graph inputs there): they get the initializer passes here.
    """
    import onnxoptimizer

    try:
        result = onnxoptimizer.optimize(model, OPTIMIZER_PASSES, fixed_point=True)
    except Exception as exc:  # the optimizer is best effort
        notes.append(f"onnxoptimizer skipped: {str(exc).splitlines()[0][:200]}")
        return model
    _restore_metadata(model.graph, result.graph)
    if weights is not None and weights.arrays:
        deduplicate(result, weights)
        used = used_names(result.graph)
        unused = set(weights.arrays) - weights.declared - used
        inputs = [vi for vi in result.graph.input if vi.name not in unused]
        del result.graph.input[:]
        result.graph.input.extend(inputs)
    return result


def _restore_metadata(before: onnx.GraphProto, after: onnx.GraphProto) -> None:
    """Copy node metadata (the dynamo exporter's module scopes) that onnxoptimizer drops."""
    recorded = {n.name: n.metadata_props for n in all_nodes(before) if n.name and n.metadata_props}
    if not recorded:
        return
    for node in all_nodes(after):
        if not node.metadata_props and node.name in recorded:
            node.metadata_props.extend(recorded[node.name])


def _opset_imports(model: onnx.ModelProto) -> dict[str, int]:
    return {(imp.domain if imp.domain != "ai.onnx" else ""): imp.version
            for imp in model.opset_import}


def infer_values(model: onnx.ModelProto) -> dict[str, ValueInfo]:
    """Static shapes and dtypes from ONNX shape inference (with data propagation)."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
    except Exception as exc:
        log.debug("shape inference failed: %s", exc)
        inferred = model
    values: dict[str, ValueInfo] = {}
    graph = inferred.graph
    for vi in list(graph.input) + list(graph.value_info) + list(graph.output):
        if vi.type.HasField("sequence_type"):  # elements are counted by a sample run
            elem = vi.type.sequence_type.elem_type.tensor_type.elem_type
            values[vi.name] = ValueInfo(None, np_dtype(elem) if elem else None)
            continue
        if not vi.type.HasField("tensor_type"):
            continue
        tt = vi.type.tensor_type
        dtype = np_dtype(tt.elem_type) if tt.elem_type else None
        dims = declared_shape(vi)
        shape = (
            tuple(int(d) for d in dims)  # type: ignore[arg-type]
            if tt.HasField("shape") and all(isinstance(d, int) and d >= 0 for d in dims)
            else None
        )
        values[vi.name] = ValueInfo(shape, dtype)
    return values
