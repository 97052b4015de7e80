"""Constant folding once input shapes are fixed.

Every node whose inputs are all known at conversion time is evaluated with ONNX's reference
evaluator (onnxruntime as a fallback) and removed; ``Shape``/``Size`` of values with a static
shape become constants too. The folded values feed converters as literals or weights.
"""

from __future__ import annotations

import logging

import numpy as np
import onnx
from mindconverter.converter.graph.context import ValueInfo
from mindconverter.converter.graph.passes import NOT_FOLDABLE, infer_values
from mindconverter.converter.graph.subgraphs import node_inputs
from onnx import helper, numpy_helper

log = logging.getLogger(__name__)
MAX_ROUNDS = 8


def fold_constants(
    model: onnx.ModelProto, constants: dict[str, np.ndarray],
    keep: frozenset[str] = frozenset(),
) -> tuple[onnx.ModelProto, dict[str, ValueInfo]]:
    """Fold ``model`` to a fixed point.

    Args:
        model: A model with fixed input shapes (modified copy returned).
        constants: Filled with every value known at conversion time (initializers included).
        keep: Values to compute at run time even when they could be folded (values whose size
            depends on a symbolic dimension).

    Returns:
        The model with folded nodes removed, and static value infos from the last inference.
    """
    _lift_initializers(model, constants)
    opsets = list(model.opset_import)
    values: dict[str, ValueInfo] = {}
    for _ in range(MAX_ROUNDS):
        values = infer_values(model)
        before = set(constants)
        kept, changed = _fold_once(list(model.graph.node), values, constants, opsets, keep)
        if not changed:
            break
        _replace_nodes(model, kept)
        _declare(model, [name for name in constants if name not in before], constants)
    _replace_nodes(model, _remove_dead(list(model.graph.node), model))
    del model.graph.initializer[:]
    declared = set(constants)
    real_inputs = [vi for vi in model.graph.input if vi.name not in declared]
    del model.graph.input[:]
    model.graph.input.extend(real_inputs)
    return model, values


# Constants up to this many elements stay in the model for shape inference's data propagation;
# larger ones are declared by shape only, so inference never serialises big weights.
SMALL_CONSTANT = 4096


def _lift_initializers(model: onnx.ModelProto, constants: dict[str, np.ndarray]) -> None:
    for init in model.graph.initializer:
        constants[init.name] = numpy_helper.to_array(init)
    del model.graph.initializer[:]
    real = [vi for vi in model.graph.input if vi.name not in constants]
    del model.graph.input[:]
    model.graph.input.extend(real)
    _declare(model, list(constants), constants)


def _declare(model: onnx.ModelProto, names: list[str], constants: dict[str, np.ndarray]) -> None:
    for name in names:
        value = constants[name]
        if value.size <= SMALL_CONSTANT:
            model.graph.initializer.append(numpy_helper.from_array(value, name))
        else:
            elem = helper.np_dtype_to_tensor_dtype(value.dtype)
            model.graph.input.append(helper.make_tensor_value_info(name, elem, value.shape))


def _replace_nodes(model: onnx.ModelProto, nodes: list[onnx.NodeProto]) -> None:
    del model.graph.node[:]
    model.graph.node.extend(nodes)


def _fold_once(
    nodes: list[onnx.NodeProto],
    values: dict[str, ValueInfo],
    constants: dict[str, np.ndarray],
    opsets: list[onnx.OperatorSetIdProto],
    keep: frozenset[str] = frozenset(),
) -> tuple[list[onnx.NodeProto], bool]:
    kept: list[onnx.NodeProto] = []
    changed = False
    for node in nodes:
        result = None if keep.intersection(node.output) else _try_fold(
            node, values, constants, opsets)
        if result is None:
            kept.append(node)
            continue
        for name, value in zip(node.output, result):
            if name:
                constants[name] = value
        changed = True
    return kept, changed


def _try_fold(
    node: onnx.NodeProto,
    values: dict[str, ValueInfo],
    constants: dict[str, np.ndarray],
    opsets: list[onnx.OperatorSetIdProto],
) -> list[np.ndarray] | None:
    if node.domain not in ("", "ai.onnx") or node.op_type in NOT_FOLDABLE:
        return None
    if node.op_type in ("Shape", "Size") and node.input[0] not in constants:
        return _fold_shape(node, values)
    if not all(name == "" or name in constants for name in node.input):
        return None
    if any(sub.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
           for sub in node.attribute):
        return None
    try:
        constant = _constant(node)
        return constant if constant is not None else _evaluate(node, constants, opsets)
    except Exception as exc:  # leave it to run time
        log.debug("cannot fold %s (%s): %s", node.name, node.op_type, exc)
        return None


def _fold_shape(node: onnx.NodeProto, values: dict[str, ValueInfo]) -> list[np.ndarray] | None:
    info = values.get(node.input[0])
    if info is None or info.shape is None:
        return None
    shape = np.array(info.shape, dtype=np.int64)
    if node.op_type == "Size":
        return [np.array(int(np.prod(shape)), dtype=np.int64)]
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    start, end = attrs.get("start", 0), attrs.get("end")
    return [shape[start:end] if end is not None else shape[start:]]


_CONSTANT_ATTRS = {
    "value_float": np.float32, "value_floats": np.float32,
    "value_int": np.int64, "value_ints": np.int64,
}


def _constant(node: onnx.NodeProto) -> list[np.ndarray] | None:
    """A ``Constant`` node's value without building an evaluator (PyTorch exports have
    hundreds); ``None`` for the forms left to the reference evaluator."""
    if node.op_type != "Constant" or len(node.attribute) != 1:
        return None
    attr = node.attribute[0]
    if attr.name == "value" and attr.type == onnx.AttributeProto.TENSOR:
        return [numpy_helper.to_array(attr.t)]
    dtype = _CONSTANT_ATTRS.get(attr.name)
    if dtype is None:
        return None
    return [np.array(helper.get_attribute_value(attr), dtype=dtype)]


def _evaluate(
    node: onnx.NodeProto,
    constants: dict[str, np.ndarray],
    opsets: list[onnx.OperatorSetIdProto],
) -> list[np.ndarray]:
    from onnx.reference import ReferenceEvaluator

    feeds = {name: constants[name] for name in node.input if name}
    inputs = [
        helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
        for n, a in feeds.items()
    ]
    outputs = [helper.make_tensor_value_info(o, onnx.TensorProto.UNDEFINED, None)
               for o in node.output if o]
    graph = helper.make_graph([node], "fold", inputs, outputs)
    model = helper.make_model(graph, opset_imports=opsets)
    try:
        results = ReferenceEvaluator(model).run(None, feeds)
    except Exception:
        results = _evaluate_ort(model, feeds)
    out = iter(np.asarray(r) for r in results)
    return [next(out) if name else np.empty(0) for name in node.output]


def _evaluate_ort(model: onnx.ModelProto, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(
        model.SerializeToString(), options, providers=["CPUExecutionProvider"]
    )
    return session.run(None, feeds)


def _remove_dead(nodes: list[onnx.NodeProto], model: onnx.ModelProto) -> list[onnx.NodeProto]:
    """Drop nodes whose outputs nobody uses, and blank the unused outputs of the others.

    Blanking (``""``) tells converters an optional output is not needed (e.g. an LSTM's
    ``Y_h``/``Y_c``), so they need not compute it.
    """
    needed = {o.name for o in model.graph.output}
    kept: list[onnx.NodeProto] = []
    for node in reversed(nodes):
        if any(o in needed for o in node.output if o):
            for i, out in enumerate(node.output):
                if out and out not in needed and _optional_output(node, i):
                    node.output[i] = ""
            kept.append(node)
            needed.update(node_inputs(node))  # subgraphs read outer values by name
    kept.reverse()
    return kept


def _optional_output(node: onnx.NodeProto, index: int) -> bool:
    if node.domain not in ("", "ai.onnx"):
        return False
    try:
        schema = onnx.defs.get_schema(node.op_type, domain="")
    except Exception:
        return False
    params = schema.outputs
    if not params:
        return False
    param = params[min(index, len(params) - 1)]
    return param.option == onnx.defs.OpSchema.FormalParameterOption.Optional
