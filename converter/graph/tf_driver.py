"""Stand-alone TensorFlow → ONNX step, run in a subprocess by ``tensorflow.py``.

This file imports nothing from MindConverter: it runs in the Python named by ``--tf_python``
(any interpreter with ``tensorflow`` and ``tf2onnx``), started as ``python -c <this source>
<request.json>`` in an empty working folder. It parses the frozen GraphDef, refuses graphs with
operators that touch files, the network or Python code, checks the tensor names, converts with
``tf2onnx.convert.from_graph_def`` and writes the ONNX model. Every outcome, success or a known
failure, is written as JSON to the request's ``result`` path.
"""

from __future__ import annotations

import collections
import json
import os
import sys
from typing import Any

# Operators whose kernels read or write files, reach other processes, or call back into Python.
# TensorFlow may run parts of a graph while tf2onnx folds constants, so such graphs are refused.
UNSAFE_OPS = frozenset({
    "PyFunc", "PyFuncStateless", "EagerPyFunc", "ReadFile", "WriteFile", "MatchingFiles",
    "ImmutableConst", "Save", "SaveV2", "SaveSlices", "Restore", "RestoreV2", "RestoreSlice",
    "MergeV2Checkpoints", "ShardedFilename", "LoadAndRemapMatrix", "Print", "PrintV2",
    "DecodeProto", "DecodeProtoV2", "EncodeProto", "RemoteCall", "ImportEvent",
    "CreateSummaryFileWriter", "CreateSummaryDbWriter",
})
UNSAFE_PARTS = ("Reader", "Dataset", "Iterator", "Summary", "Debug", "TextFile", "Checkpoint")
LOWERED_CONTROL_FLOW = frozenset({"Enter", "Exit", "Merge", "Switch", "NextIteration", "LoopCond"})
ONNX_DOMAINS = ("", "ai.onnx", "ai.onnx.ml")


class DriverError(Exception):
    """A known failure, reported to the caller as ``{"ok": false, "kind": ...}``."""

    def __init__(self, kind: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.extra = extra


def is_unsafe(op: str) -> bool:
    """Whether a TensorFlow operator type is refused."""
    return op in UNSAFE_OPS or any(part in op for part in UNSAFE_PARTS)


def node_of(tensor: str) -> str:
    """``"^name"``, ``"name:1"`` → ``"name"``."""
    return tensor.lstrip("^").split(":")[0]


def prune(tf: Any, graph_def: Any, tensors: list[str]) -> Any:
    """The nodes that ``tensors`` depend on (data and control inputs), with the function
    library: nothing else of the file reaches TensorFlow."""
    nodes = {n.name: n for n in graph_def.node}
    keep: set[str] = set()
    todo = [node_of(t) for t in tensors]
    while todo:
        name = todo.pop()
        if name in keep or name not in nodes:
            continue
        keep.add(name)
        todo.extend(node_of(i) for i in nodes[name].input)
    pruned = tf.compat.v1.GraphDef()
    pruned.versions.CopyFrom(graph_def.versions)
    pruned.library.CopyFrom(graph_def.library)
    pruned.node.extend(n for n in graph_def.node if n.name in keep)
    return pruned


def op_histogram(graph_def: Any) -> dict[str, int]:
    """Operator counts of the graph and of every function in its library."""
    ops = collections.Counter(n.op for n in graph_def.node)
    for function in graph_def.library.function:
        ops.update(n.op for n in function.node_def)
    return dict(sorted(ops.items()))


def parse_graph_def(tf: Any, path: str) -> Any:
    """Read a binary GraphDef; a file that holds no nodes is not one."""
    from google.protobuf.message import DecodeError

    with open(path, "rb") as handle:
        data = handle.read()
    graph_def = tf.compat.v1.GraphDef()
    try:
        graph_def.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise DriverError("parse", f"cannot be parsed as a TensorFlow GraphDef ({exc})") from exc
    if not graph_def.node:
        raise DriverError("parse", "the file holds no TensorFlow GraphDef nodes")
    return graph_def


def check_names(graph_def: Any, inputs: list[str], outputs: list[str]) -> None:
    """Every ``node:index`` tensor name must name a node of the graph."""
    nodes = {n.name: n for n in graph_def.node}
    placeholders = [f"{n.name}:0" for n in graph_def.node if n.op == "Placeholder"]
    consumed = {node_of(i) for n in graph_def.node for i in n.input}
    sinks = [f"{n.name}:0" for n in graph_def.node
             if n.name not in consumed and n.op not in ("NoOp", "Const", "Placeholder")]
    for flag, names, candidates in (("--input_nodes", inputs, placeholders),
                                    ("--output_nodes", outputs, sinks)):
        unknown = [name for name in names if node_of(name) not in nodes]
        if unknown:
            raise DriverError("unknown_node",
                              f"{flag} {' '.join(unknown)}: not a tensor of the graph",
                              candidates=candidates[:20])


def check_shapes(graph_def: Any, inputs: list[str], shapes: list[list[int]] | None) -> None:
    """``--shape`` must fit the rank and the known dimensions of each Placeholder."""
    nodes = {n.name: n for n in graph_def.node}
    for name, shape in zip(inputs, shapes or []):
        node = nodes[node_of(name)]
        if node.op != "Placeholder" or "shape" not in node.attr:
            continue
        declared = node.attr["shape"].shape
        if declared.unknown_rank:
            continue
        dims = [d.size for d in declared.dim]
        if len(dims) != len(shape) or any(d >= 0 and d != s for d, s in zip(dims, shape)):
            shown = ["?" if d < 0 else d for d in dims]
            raise DriverError("bad_shape", f"--shape {','.join(map(str, shape))} does not "
                                           f"fit input '{name}' of shape {shown}")


def unsupported_nodes(model: Any) -> dict[str, int]:
    """Operators left in the ONNX model that are not ONNX operators (tf2onnx kept them)."""
    import onnx

    found: collections.Counter[str] = collections.Counter()

    def walk(graph: Any) -> None:
        for node in graph.node:
            if node.domain not in ONNX_DOMAINS or not onnx.defs.has(node.op_type, node.domain):
                found[node.op_type if not node.domain else f"{node.domain}::{node.op_type}"] += 1
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    walk(attr.g)
                for sub in attr.graphs:
                    walk(sub)

    walk(model.graph)
    return dict(sorted(found.items()))


def convert(request: dict[str, Any]) -> dict[str, Any]:
    """Run the conversion described by ``request``; raise :class:`DriverError` on known errors."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import onnx
        import tensorflow as tf
        import tf2onnx
        from tf2onnx import convert as tf2onnx_convert
    except ImportError as exc:
        raise DriverError("missing", f"{exc} (Python: {sys.executable})") from exc
    tf.get_logger().setLevel("ERROR")
    graph_def = parse_graph_def(tf, request["graphdef"])
    inputs, outputs = request["inputs"], request["outputs"]
    check_names(graph_def, inputs, outputs)
    graph_def = prune(tf, graph_def, [*outputs, *inputs])
    tf_ops = op_histogram(graph_def)
    unsafe = sorted(op for op in tf_ops if is_unsafe(op))
    if unsafe:
        raise DriverError("unsafe", f"the graph has operators that access files, the network "
                                    f"or Python code: {', '.join(unsafe)}", tf_ops=tf_ops)
    shapes = request.get("shapes")
    check_shapes(graph_def, inputs, shapes)
    override = dict(zip(inputs, shapes)) if shapes else None
    lowered = sorted(set(tf_ops) & LOWERED_CONTROL_FLOW)
    try:
        model, _ = tf2onnx_convert.from_graph_def(
            graph_def, name=request.get("name"), input_names=inputs, output_names=outputs,
            opset=request["opset"], shape_override=override)
    except Exception as exc:  # tf2onnx raises many types
        raise DriverError("tf2onnx", f"tf2onnx failed: {type(exc).__name__}: {exc}",
                          tf_ops=tf_ops, lowered=lowered) from exc
    left = unsupported_nodes(model)
    if left:
        raise DriverError("unsupported", "tf2onnx left operators that are not ONNX operators: "
                          + ", ".join(f"{k} x{v}" for k, v in left.items()),
                          tf_ops=tf_ops, lowered=lowered)
    model.producer_version = tf2onnx.__version__  # tf2onnx appends its git hash, or "None"
    onnx.save(model, request["output"])
    onnx_ops = collections.Counter(n.op_type for n in model.graph.node)
    return {"ok": True, "tensorflow": tf.__version__, "tf2onnx": tf2onnx.__version__,
            "tf_ops": tf_ops, "onnx_ops": dict(sorted(onnx_ops.items())), "lowered": lowered}


def main(argv: list[str]) -> int:
    """``python -c <source> request.json``: convert, write the JSON result, exit 0."""
    with open(argv[1], encoding="utf-8") as handle:
        request = json.load(handle)
    try:
        result = convert(request)
    except DriverError as failure:
        result = {"ok": False, "kind": failure.kind, "message": failure.message, **failure.extra}
    with open(request["result"], "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
