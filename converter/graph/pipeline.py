"""The graph conversion pipeline: ONNX file in; script, checkpoint and reports out."""

from __future__ import annotations

import copy
import dataclasses
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from mindconverter.converter.atomic import AtomicOutput
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.graph import exporters, symbolic, writers
from mindconverter.converter.graph import ops as _ops  # noqa: F401  (registers converters)
from mindconverter.converter.graph import verify as verify_mod
from mindconverter.converter.graph.context import ConstStore, ConvertContext, ValueInfo
from mindconverter.converter.graph.emitter import EmitResult, NodeEmit, Placeholder, class_name_for
from mindconverter.converter.graph.folding import fold_constants
from mindconverter.converter.graph.fusion import fuse_graph
from mindconverter.converter.graph.loader import load_split
from mindconverter.converter.graph.names import node_base_name
from mindconverter.converter.graph.node_check import check_nodes
from mindconverter.converter.graph.passes import (
    GraphInput,
    fix_interface,
    optimize,
    select_inputs,
    select_outputs,
)
from mindconverter.converter.graph.plugins import load_plugins
from mindconverter.converter.graph.registry import (
    ConversionNotPossible,
    ConverterRegistry,
    UnsupportedOpError,
)
from mindconverter.converter.graph.script import build_script
from mindconverter.converter.graph.upgrade import maybe_upgrade
from mindconverter.converter.graph.weights import Weights, with_weights
from mindconverter.converter.naming import to_identifier
from mindconverter.converter.report import (
    ConversionResult,
    ConversionWarning,
    NodeTrace,
    TensorInfo,
    UnconvertedNode,
    Verification,
)

Progress = Callable[[str, float], None]
STAGES = ("load", "optimise", "infer shapes", "convert", "write", "verify")


@dataclass
class ConvertedGraph:
    """Result of the in-memory part of the conversion."""

    emit: EmitResult
    nodes: list[NodeEmit]
    reasons: dict[int, str]
    warnings: list[ConversionWarning]
    constants: dict[str, np.ndarray]
    values: dict[str, ValueInfo]
    histogram: dict[str, int] = field(default_factory=dict)
    emitter_args: tuple[Any, ...] = ()

    def emit_with_outputs(self, outputs: list[str]) -> EmitResult:
        """Emit the network flat (no sub-Cells), returning ``outputs`` (e.g. every value)."""
        class_name, header, input_names, _, consts, constants = self.emitter_args
        return build_script(self.nodes, class_name, header, input_names, outputs, consts,
                            constants, blocks=False)


def convert(
    model_file: str | os.PathLike[str],
    output_dir: str | os.PathLike[str],
    report_dir: str | os.PathLike[str] | None = None,
    shapes: Sequence[Sequence[int]] | None = None,
    input_nodes: Sequence[str] | None = None,
    output_nodes: Sequence[str] | None = None,
    verify: bool | str = True,
    *,
    input_data: Sequence[str | os.PathLike[str] | np.ndarray] | None = None,
    seed: int = 0,
    rtol: float = 1e-3,
    atol: float = 1e-4,
    overwrite: bool = False,
    progress: Progress | None = None,
    registry: ConverterRegistry | None = None,
    modes: Sequence[str] = verify_mod.MODES,
    export: str | None = None,
    plugins: Sequence[str | os.PathLike[str]] = (),
    blocks: bool = True,
    tf_python: str | os.PathLike[str] | None = None,
    checkpoint_limit: int = writers.CKPT_SPLIT_BYTES,
    source_name: str | None = None,
) -> ConversionResult:
    """Convert an ONNX model (or a TensorFlow ``.pb``); see :func:`mindconverter.convert_onnx`."""
    if Path(model_file).suffix.lower() == ".pb":
        params = {k: v for k, v in locals().items() if k not in ("model_file", "tf_python")}
        from mindconverter.converter.graph.tensorflow import convert_frozen_graph

        return convert_frozen_graph(model_file, tf_python=tf_python, **params)
    report = _notify(progress)
    if registry is None:
        registry = load_plugins(plugins)
    report("load")
    model, weights = load_split(model_file)  # large weights leave the protobuf (lean model)
    notes: list[str] = []
    model = maybe_upgrade(model, registry, notes)
    stem = to_identifier(Path(model_file).stem, "model")
    data = _load_data(input_data)
    inputs = select_inputs(model, input_nodes, shapes,
                           [_data_shape(a) for a in data] if data is not None else None,
                           weights.arrays)
    outputs = select_outputs(model, output_nodes)
    feeds, source = _feeds(inputs, data, seed)
    opsets = {(i.domain if i.domain != "ai.onnx" else ""): i.version for i in model.opset_import}
    header = _header(source_name or Path(model_file).name, opsets.get("", 0), model)
    setup = _Setup(model, outputs, opsets, registry, class_name_for(stem), header, seed, weights)
    report("optimise")
    try:
        graph, reference = setup.build(inputs, feeds, notes, blocks)
        if any(gi.symbols for gi in inputs):
            report("infer shapes")
            graph = _keep_symbolic(graph, inputs, setup, blocks, feeds)
    except (ConverterError, KeyboardInterrupt, MemoryError):
        raise
    except Exception as exc:  # a malformed model that the checker let through
        raise ConverterError(
            ErrorCode.INVALID_GRAPH,
            f"{model_file}: the model cannot be processed ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:300]})",
        ) from exc
    report("convert")
    graph.warnings.extend(_dropout_warning(reference))
    graph.warnings.extend(ConversionWarning("MC-W001", note) for note in notes)
    report("write")
    out_dir = Path(output_dir)
    rep_dir = Path(report_dir) if report_dir is not None else out_dir
    with AtomicOutput(overwrite=overwrite) as out:
        script = out.path(out_dir, f"{stem}.py")
        parts = writers.checkpoint_parts(graph.emit.weights, checkpoint_limit)
        names = [f"{stem}.ckpt"] if len(parts) == 1 else [
            f"{stem}_{i}.ckpt" for i in range(len(parts))]
        ckpts = [out.path(out_dir, name) for name in names]
        ckpt: Any = ckpts[0] if len(ckpts) == 1 else ckpts
        paths = {k: out.path(rep_dir, f"{k}_of_{stem}{ext}") for k, ext in
                 (("report", ".txt"), ("weight_map", ".json"))}
        json_path = out.path(rep_dir, f"report_of_{stem}.json")
        script.write_text(graph.emit.source, encoding="utf-8")
        for part, path in zip(parts, ckpts):
            writers.save_checkpoint(part, path)
        paths["weight_map"].write_text(
            writers.weight_map(stem, graph.emit.weights, graph.constants, [
                (n.node.name, n.node.op_type, graph.emit.node_lines[i], graph.emit.node_params[i])
                for i, n in enumerate(graph.nodes)]), encoding="utf-8")
        result = _result(graph, inputs, outputs, reference, Path(model_file), out_dir / script.name,
                         [out_dir / c.name for c in ckpts], rep_dir, stem, opsets)
        if verify:
            report("verify")
            result.verification = _verify(graph, reference, inputs, outputs, feeds, source,
                                          script, ckpt, result.class_name, stem, rtol, atol, modes,
                                          weights)
            if verify == "nodes" and result.verification.status != "skipped":
                result.verification.nodes = check_nodes(
                    graph, with_weights(reference, weights), [i.name for i in inputs], feeds,
                    ckpt, stem, rtol, atol)
        if export is not None:
            report("write")
            result.exports[export] = str((out_dir / f"{stem}.{export}").resolve())
            exporters.export(export, script, ckpt, result.class_name, stem, feeds,
                             out.path(out_dir, f"{stem}.{export}"))
        paths["report"].write_text(writers.text_report(result), encoding="utf-8")
        json_path.write_text(result.to_json(), encoding="utf-8")
    return result


@dataclass
class _Setup:
    """What every conversion of one model shares (the probes of symbolic dims too)."""

    model: onnx.ModelProto
    outputs: list[str]
    opsets: dict[str, int]
    registry: ConverterRegistry
    class_name: str
    header: list[str]
    seed: int
    weights: Weights = field(default_factory=Weights)

    def build(self, inputs: list[GraphInput], feeds: list[np.ndarray], notes: list[str],
              blocks: bool = True, keep: frozenset[str] = frozenset(),
              ) -> tuple[ConvertedGraph, onnx.ModelProto]:
        """Fix the shapes, optimise, fold, infer and convert (no files written)."""
        reference = fix_interface(self.model, inputs, self.outputs)
        work = optimize(copy.deepcopy(reference), notes, self.weights)
        declared = {vi.name for vi in work.graph.input}
        constants = {n: a for n, a in self.weights.arrays.items() if n in declared}
        work, values = fold_constants(work, constants, keep)
        _fill_shapes(work, reference, values, constants, inputs, feeds, self.weights)
        registry = fuse_graph(work, values, constants, notes, self.registry)
        graph = convert_graph(work, values, constants, self.opsets, registry,
                              self.class_name, self.header, [i.name for i in inputs],
                              self.outputs, blocks=blocks)
        return graph, reference

    def probe(self, inputs: list[GraphInput], keep: frozenset[str] = frozenset()
              ) -> ConvertedGraph:
        """Convert at other sizes of the symbolic dimensions (no script emitted)."""
        specs = [(i.name, i.shape, i.dtype) for i in inputs]
        feeds = verify_mod.make_feeds(specs, self.seed)
        return self.build(inputs, feeds, [], blocks=False, keep=keep)[0]


def _keep_symbolic(graph: ConvertedGraph, inputs: list[GraphInput], setup: _Setup,
                   blocks: bool, feeds: list[np.ndarray]) -> ConvertedGraph:
    def rebuild(keep: frozenset[str]) -> ConvertedGraph:
        return setup.build(inputs, feeds, [], blocks=False, keep=keep)[0]

    base, nodes, warnings = symbolic.generalize(graph, inputs, setup.probe, rebuild)
    emit = build_script(nodes, *base.emitter_args, blocks=blocks)
    return dataclasses.replace(base, emit=emit, nodes=nodes,
                               warnings=graph.warnings + warnings)


def convert_graph(
    work: onnx.ModelProto, values: dict[str, ValueInfo], constants: dict[str, np.ndarray],
    opsets: dict[str, int], registry: ConverterRegistry, class_name: str, header: list[str],
    input_names: list[str], outputs: list[str], blocks: bool = True,
) -> ConvertedGraph:
    """Convert every node of a prepared graph and emit the script (no files written)."""
    consts = ConstStore()
    nodes: list[NodeEmit] = []
    reasons: dict[int, str] = {}
    warnings: dict[tuple[str, str], list[str]] = {}
    resolve = _memo_resolve(registry)
    for index, node in enumerate(work.graph.node):
        base = node_base_name(node)
        opset = opsets.get(node.domain if node.domain != "ai.onnx" else "", 1)
        ctx = ConvertContext(node, opset, values, constants, consts, base)
        ctx.registry = registry  # subgraph converters (If/Loop/Scan) use the same registry
        try:
            _key, func = resolve(node.op_type, opset, node.domain)
            nodes.append(NodeEmit(node, base, spec=func(ctx)))
        except (UnsupportedOpError, ConversionNotPossible, NotImplementedError) as exc:
            reasons[index] = str(exc)
            nodes.append(NodeEmit(node, base, placeholder=_placeholder(ctx)))
        except Exception as exc:  # a converter bug must not abort the run
            reasons[index] = f"converter error: {type(exc).__name__}: {exc}"
            nodes.append(NodeEmit(node, base, placeholder=_placeholder(ctx)))
        for code, message in ctx.warnings:
            warnings.setdefault((code, message), []).append(node.name)
    args = (class_name, header, input_names, outputs, consts, constants)
    emit = build_script(nodes, *args, blocks=blocks)
    histogram = dict(sorted(Counter(n.node.op_type for n in nodes).items()))
    return ConvertedGraph(
        emit, nodes, reasons,
        [ConversionWarning(code, msg, names) for (code, msg), names in warnings.items()],
        constants, values, histogram, args,
    )


def _memo_resolve(registry: ConverterRegistry) -> Callable[[str, int, str], Any]:
    """``registry.resolve`` remembered per (op type, opset, domain), failures included
    (a lookup scans the whole table; a model repeats a few dozen op types)."""
    memo: dict[tuple[str, int, str], Any] = {}

    def resolve(op_type: str, opset: int, domain: str) -> Any:
        key = (op_type, opset, domain)
        if key not in memo:
            try:
                memo[key] = registry.resolve(op_type, opset, domain)
            except UnsupportedOpError as exc:
                memo[key] = exc
        found = memo[key]
        if isinstance(found, UnsupportedOpError):
            raise found
        return found

    return resolve


def _placeholder(ctx: ConvertContext) -> Placeholder:
    node = ctx.node

    def shape_of(name: str) -> list[int] | None:
        if name in ctx._constants:
            return [int(d) for d in ctx._constants[name].shape]
        info = ctx._values.get(name)
        return list(info.shape) if info and info.shape is not None else None

    runtime = [i for i, n in enumerate(node.input) if n and not ctx.is_const(i)]
    return Placeholder(
        runtime_inputs=runtime,
        input_shapes=[shape_of(n) if n else None for n in node.input],
        output_shapes=[shape_of(n) if n else None for n in node.output],
        attributes={k: _jsonable(v) for k, v in ctx.attrs.items()},
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size <= 64 else f"<tensor {list(value.shape)} {value.dtype}>"
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return f"<{type(value).__name__}>"


def _notify(progress: Progress | None) -> Callable[[str], None]:
    def report(stage: str) -> None:
        if progress is not None:
            progress(stage, STAGES.index(stage) / len(STAGES))

    return report


def _header(filename: str, opset: int, model: onnx.ModelProto) -> list[str]:
    producer = " ".join(p for p in (model.producer_name, model.producer_version) if p)
    return [
        f"MindSpore network converted by MindConverter from {_doc_safe(filename)} "
        f"(opset {opset}).",
        "",
        f"Source producer: {_doc_safe(producer) or 'unknown'}.",
        "Load it with its weights:  net = load_model()  (reads the .ckpt beside this file).",
    ]


def _doc_safe(text: str, limit: int = 80) -> str:
    """Text safe inside a docstring: no quotes, backslashes or control characters."""
    cleaned = re.sub(r"[^A-Za-z0-9 _.,:;()\[\]<>=+*/@#%&!?^~|$-]", "?", text)
    return cleaned[:limit]


def _load_data(data: Sequence[Any] | None) -> list[Any] | None:
    """Arrays (loaded from ``.npy`` paths); a list or tuple of arrays feeds a sequence input."""
    if data is None:
        return None
    return [item if isinstance(item, np.ndarray) else
            [np.asarray(e) for e in item] if isinstance(item, (list, tuple)) else _load_npy(item)
            for item in data]


def _data_shape(item: Any) -> Any:
    """An array's shape; for a sequence's data (a list of arrays), each element's shape."""
    return [e.shape for e in item] if isinstance(item, list) else item.shape


def _feeds(
    inputs: list[GraphInput], data: list[Any] | None, seed: int
) -> tuple[list[Any], str]:
    """One feed per input: an array, or a list of arrays for a sequence input."""
    if data is None:
        specs = [(i.name, i.shape, i.dtype) for i in inputs]
        sampled: list[Any] = verify_mod.make_feeds(specs, seed)
        for k, gi in enumerate(inputs):
            if gi.elements is not None:
                sampled[k] = verify_mod.make_feeds(
                    [(gi.name, shape, gi.dtype) for shape in gi.elements], seed + k)
        return sampled, f"random(seed={seed})"
    if len(data) != len(inputs):
        raise ConverterError(
            ErrorCode.BAD_INPUT_DATA, f"{len(data)} input file(s) for {len(inputs)} input(s)")
    feeds: list[Any] = []
    for gi, array in zip(inputs, data):
        if gi.elements is not None:  # a sequence input: a list of arrays
            feeds.append(_sequence_feed(gi, array))
            continue
        if tuple(array.shape) != gi.shape:
            raise ConverterError(
                ErrorCode.BAD_INPUT_DATA,
                f"input '{gi.name}': data shape {list(array.shape)} != {list(gi.shape)}")
        feeds.append(array.astype(gi.dtype, copy=False))
    return feeds, "user data"


def _sequence_feed(gi: GraphInput, data: Any) -> list[np.ndarray]:
    shapes = [tuple(np.shape(e)) for e in data] if isinstance(data, list) else None
    if shapes != list(gi.elements or ()):
        raise ConverterError(
            ErrorCode.BAD_INPUT_DATA,
            f"input '{gi.name}': sequence data with element shapes {shapes} != "
            f"{list(gi.elements or ())}")
    return [np.asarray(e).astype(gi.dtype, copy=False) for e in data]


def _load_npy(path: str | os.PathLike[str]) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ConverterError(ErrorCode.BAD_INPUT_DATA, f"{path}: {exc}") from exc


def _fill_shapes(
    work: onnx.ModelProto, reference: onnx.ModelProto, values: dict[str, ValueInfo],
    constants: dict[str, np.ndarray], inputs: list[GraphInput], feeds: list[np.ndarray],
    weights: Weights | None = None,
) -> None:
    missing = [
        o for n in work.graph.node for o in n.output
        if o and o not in constants and (o not in values or values[o].shape is None
                                         or values[o].dtype is None)
    ]
    for gi in inputs:
        values[gi.name] = ValueInfo(gi.shape, gi.dtype) if gi.elements is None else ValueInfo(
            None, gi.dtype, tuple(ValueInfo(e, gi.dtype) for e in gi.elements))
    if not missing:
        return
    known = {o for n in reference.graph.node for o in n.output}
    wanted = [m for m in missing if m in known]
    if not wanted:
        return
    probe = copy.deepcopy(reference)
    present = {o.name for o in probe.graph.output}
    probe.graph.output.extend(onnx.ValueInfoProto(name=m) for m in wanted if m not in present)
    names, feeds = _with_weight_feeds([i.name for i in inputs], feeds, weights)
    try:
        arrays = verify_mod.run_onnxruntime(probe, names, feeds, wanted)
    except Exception:
        try:  # onnxruntime lacks some kernels (bfloat16 Range, uint64 TopK...)
            from onnx.reference import ReferenceEvaluator

            arrays = ReferenceEvaluator(probe).run(wanted, dict(zip(names, feeds)))
        except Exception:  # converters without shapes fall back to placeholders
            return
    for name, array in zip(wanted, arrays):
        values[name] = _sampled(array, values.get(name))


def _sampled(array: Any, inferred: ValueInfo | None) -> ValueInfo:
    """Facts of a value from its sample: a list is a sequence (element dtype from inference
    when it is empty)."""
    if not isinstance(array, list):
        return ValueInfo(tuple(int(d) for d in np.shape(array)), np.asarray(array).dtype)
    elements = tuple(_sampled(np.asarray(e), None) for e in array)
    dtype = elements[0].dtype if elements else inferred.dtype if inferred else None
    return ValueInfo(None, dtype, elements)


def _with_weight_feeds(names: list[str], feeds: list[np.ndarray], weights: Weights | None
                       ) -> tuple[list[str], list[np.ndarray]]:
    """Inputs of a lean model: the graph inputs, then its weights (inputs there)."""
    if weights is None or not weights.arrays:
        return names, feeds
    return names + list(weights.arrays), list(feeds) + list(weights.arrays.values())


def _dropout_warning(reference: onnx.ModelProto) -> list[ConversionWarning]:
    names = [n.name or n.output[0] for n in reference.graph.node if n.op_type == "Dropout"]
    if not names:
        return []
    return [ConversionWarning(
        "MC-W002",
        "Dropout kept in the ONNX graph was converted for inference (identity); training-time "
        "dropout is lost. Re-add nn.Dropout layers before training.",
        names,
    )]


def _result(
    graph: ConvertedGraph, inputs: list[GraphInput], outputs: list[str],
    reference: onnx.ModelProto, model_file: Path, script: Path, ckpts: list[Path], rep_dir: Path,
    stem: str, opsets: dict[str, int],
) -> ConversionResult:
    emit = graph.emit
    unconverted = []
    for i, item in enumerate(graph.nodes):
        if item.placeholder is None:
            continue
        line, col, construct_line = emit.placeholder_lines[i]
        unconverted.append(_unconverted(item, emit.attr_names[i] or "", line, col,
                                        construct_line, graph, graph.reasons.get(i, "")))
    return ConversionResult(
        script=str(script.resolve()),
        checkpoint=str(ckpts[0].resolve()),
        checkpoints=[str(c.resolve()) for c in ckpts],
        weight_map=str((rep_dir / f"weight_map_of_{stem}.json").resolve()),
        report_text=str((rep_dir / f"report_of_{stem}.txt").resolve()),
        report_json=str((rep_dir / f"report_of_{stem}.json").resolve()),
        class_name=class_name_for(stem),
        source={"path": str(model_file.resolve()), "format": "onnx",
                "opset": opsets.get("", 0), "opsets": opsets,
                "producer": reference.producer_name, "producer_version": reference.producer_version,
                "ir_version": reference.ir_version},
        inputs=[TensorInfo(gi.name, py, list(gi.shape), gi.dtype.name, gi.declared)
                for gi, py in zip(inputs, emit.input_names)],
        outputs=_output_infos(outputs, emit.output_vars, graph),
        ops_total=len(graph.nodes),
        ops_converted=sum(1 for n in graph.nodes if n.placeholder is None),
        op_histogram=graph.histogram,
        unconverted=unconverted,
        warnings=graph.warnings,
        nodes=[NodeTrace(n.node.name, n.node.op_type, emit.node_lines[i], emit.node_params[i])
               for i, n in enumerate(graph.nodes)],
    )


def _output_infos(outputs: list[str], py_names: list[str], graph: ConvertedGraph
                  ) -> list[TensorInfo]:
    infos = []
    for name, py in zip(outputs, py_names):
        if name in graph.constants:
            arr = graph.constants[name]
            infos.append(TensorInfo(name, py, list(arr.shape), arr.dtype.name))
            continue
        info = graph.values.get(name)
        shape = list(info.shape) if info and info.shape is not None else []
        dtype = info.dtype.name if info and info.dtype is not None else "unknown"
        infos.append(TensorInfo(name, py, shape, dtype))
    return infos


def _unconverted(
    item: NodeEmit, attr: str, line: int, col: int, construct_line: int,
    graph: ConvertedGraph, reason: str,
) -> UnconvertedNode:
    node, ph = item.node, item.placeholder
    assert ph is not None

    def dtype(name: str) -> str | None:
        if name in graph.constants:
            return graph.constants[name].dtype.name
        info = graph.values.get(name)
        return info.dtype.name if info and info.dtype is not None else None

    const_inputs = {}
    for i, name in enumerate(node.input):
        if name and name in graph.constants:
            arr = graph.constants[name]
            const_inputs[str(i)] = _jsonable(arr)
    return UnconvertedNode(
        op_type=node.op_type, domain=node.domain, name=node.name, attr_name=attr,
        line=line, column=col, construct_line=construct_line,
        input_shapes=ph.input_shapes, output_shapes=ph.output_shapes,
        input_dtypes=[dtype(n) if n else None for n in node.input],
        output_dtypes=[dtype(n) if n else None for n in node.output],
        attributes=ph.attributes, constant_inputs=const_inputs, reason=reason,
    )


def _sample_size_hint(inputs: list[GraphInput]) -> str:
    """Which sizes stood in for symbolic dimensions, and what to do if the model needs others."""
    sizes = [f"{symbol}={item.shape[axis]}" for item in inputs
             for axis, symbol in sorted(item.symbols.items())]
    if not sizes:
        return ""
    return (f" (symbolic dimensions were given the sample sizes {', '.join(sizes)}; if the model "
            "only runs at particular sizes, e.g. an exporter fixed one in a Reshape, pass them "
            "with --shape)")


def _verify(
    graph: ConvertedGraph, reference: onnx.ModelProto, inputs: list[GraphInput],
    outputs: list[str], feeds: list[np.ndarray], source: str, script: Path, ckpt: Any,
    class_name: str, stem: str, rtol: float, atol: float, modes: Sequence[str],
    weights: Weights | None = None,
) -> Verification:
    if any(n.placeholder for n in graph.nodes):
        count = sum(1 for n in graph.nodes if n.placeholder)
        return Verification(status="skipped", rtol=rtol, atol=atol, input_source=source,
                            error=f"{count} operator(s) are placeholders; the network cannot run")
    try:
        names, ort_feeds = _with_weight_feeds([i.name for i in inputs], feeds, weights)
        expected = verify_mod.run_onnxruntime(reference, names, ort_feeds, outputs)
    except Exception as exc:
        return Verification(status="error", rtol=rtol, atol=atol, input_source=source,
                            error=f"onnxruntime could not run the model: {str(exc)[:300]}"
                                  f"{_sample_size_hint(inputs)}")
    try:
        result = verify_mod.verify_network(script, ckpt, class_name, stem, feeds, expected,
                                           outputs, rtol, atol, modes)
    except Exception as exc:
        return Verification(status="error", rtol=rtol, atol=atol, input_source=source,
                            error=f"the generated network could not be built: "
                                  f"{type(exc).__name__}: {str(exc)[:300]}")
    result.input_source = source
    return result
