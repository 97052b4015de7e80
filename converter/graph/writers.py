"""Write the checkpoint, the weight map and the text report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO

import numpy as np
from mindconverter.converter.graph.emitter import WeightEntry
from mindconverter.converter.report import ConversionResult

CKPT_SPLIT_BYTES = 1_900_000_000


def checkpoint_parts(weights: list[WeightEntry], limit: int = CKPT_SPLIT_BYTES
                     ) -> list[list[WeightEntry]]:
    """Split the weights into parts of at most ``limit`` bytes (one part when they fit)."""
    parts: list[list[WeightEntry]] = [[]]
    size = 0
    for w in weights:
        if parts[-1] and size + w.value.nbytes > limit:
            parts.append([])
            size = 0
        parts[-1].append(w)
        size += w.value.nbytes
    return parts


# MindSpore's ``Tensor.dtype`` names, which ``save_checkpoint`` stores as ``tensor_type``.
MS_TENSOR_TYPES = {
    "bool": "Bool", "int8": "Int8", "int16": "Int16", "int32": "Int32", "int64": "Int64",
    "uint8": "UInt8", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
    "float16": "Float16", "float32": "Float32", "float64": "Float64",
}
# ``mindspore.save_checkpoint`` writes tensors larger than this as several records.
CKPT_SLICE_BYTES = 512 * 1024 * 1024


def save_checkpoint(weights: list[WeightEntry], path: Path) -> None:
    """Write the network's parameters in MindSpore's ``.ckpt`` format.

    The file is byte-for-byte what ``mindspore.save_checkpoint`` writes for the same arrays (a
    sequence of serialised ``Checkpoint`` protobuf records), streamed from the NumPy buffers
    without importing MindSpore or copying the weights. Dtypes outside the common numeric
    ones fall back to ``mindspore.save_checkpoint``.
    """
    if any(np.dtype(w.value.dtype).name not in MS_TENSOR_TYPES for w in weights):
        _save_with_mindspore(weights, path)
        return
    with open(path, "wb") as file:
        for w in weights:
            _write_record(file, w.name, np.asarray(w.value, order="C"))  # keeps 0-d


def _save_with_mindspore(weights: list[WeightEntry], path: Path) -> None:
    import mindspore as ms

    params = [{"name": w.name, "data": ms.Tensor(np.asarray(w.value, order="C"))} for w in weights]
    ms.save_checkpoint(params, str(path))


def _write_record(file: BinaryIO, name: str, array: np.ndarray) -> None:
    """``Checkpoint{value: [Value{tag, tensor: TensorProto{dims, tensor_type, content}}]}``."""
    content = array.reshape(-1).view(np.uint8).data  # the array's bytes, not a copy
    dims = b"".join(b"\x08" + _varint(d) for d in array.shape)
    head = dims + _field(2, MS_TENSOR_TYPES[array.dtype.name].encode())
    tag = _field(1, name.encode())
    for start in range(0, len(content), CKPT_SLICE_BYTES):  # no record when empty, as MindSpore
        chunk = content[start:start + CKPT_SLICE_BYTES]
        tensor = head + b"\x1a" + _varint(len(chunk))
        tensor_len = len(tensor) + len(chunk)
        value = tag + b"\x12" + _varint(tensor_len) + tensor
        file.write(b"\x0a" + _varint(len(value) + len(chunk)) + value)
        file.write(chunk)


def _field(number: int, payload: bytes) -> bytes:
    """One length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    """``value`` as a protobuf varint (64-bit two's complement when negative)."""
    value &= (1 << 64) - 1
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def weight_map(
    stem: str, weights: list[WeightEntry], sources: dict[str, np.ndarray],
    traces: list[tuple[str, str, list[int], list[str]]] | None = None,
) -> str:
    """The weight map JSON: each converted parameter and the ONNX weight it came from.

    ``{"<stem>": [{"converted_weight": {...}, "source_weight": {...}}], "lines": [...]}``: the
    first key is the original MindConverter's format; ``lines`` records, for every generated
    script line, the ONNX node(s) it came from and the parameters it uses.
    """
    entries = []
    for w in weights:
        src = sources.get(w.source)
        entries.append({
            "converted_weight": {
                "name": w.name,
                "shape": [int(d) for d in w.value.shape],
                "data_type": _ms_dtype_label(w.value.dtype),
            },
            "source_weight": {
                "name": w.source,
                "shape": [int(d) for d in (src.shape if src is not None else w.value.shape)],
                "data_type": str((src if src is not None else w.value).dtype),
            },
        })
    by_line: dict[int, dict] = {}
    for name, op_type, lines, params in traces or []:
        for line in lines:
            row = by_line.setdefault(line, {"line": line, "onnx_nodes": [], "parameters": []})
            row["onnx_nodes"].append({"name": name, "op_type": op_type})
            row["parameters"].extend(p for p in params if p not in row["parameters"])
    return json.dumps({stem: entries, "lines": [by_line[k] for k in sorted(by_line)]}, indent=2)


def _ms_dtype_label(dtype: np.dtype) -> str:
    from mindconverter.converter.graph.render import ms_dtype_name

    name = ms_dtype_name(dtype).rstrip("_")
    return name[:1].upper() + name[1:]


def text_report(result: ConversionResult) -> str:
    """The human-readable report in the original MindConverter's line format."""
    lines = ["[Start Convert]"]
    for u in result.unconverted:
        op = f"{u.domain}::{u.op_type}" if u.domain else f"onnx::{u.op_type}"
        reason = f" {u.reason}" if u.reason else ""
        lines.append(f"line {u.line}:{u.column}: [UnConvert] '{op}' didn't convert.{reason}")
    for w in result.warnings:
        where = f" (nodes: {', '.join(w.nodes[:10])}{' ...' if len(w.nodes) > 10 else ''})"
        lines.append(f"[Warning] {w.code}: {w.message}{where if w.nodes else ''}")
    lines.append("[Convert Over]")
    rate = 100.0 * result.ops_converted / result.ops_total if result.ops_total else 100.0
    lines.append(
        f"Converted Rate: {rate:.2f}%. ({result.ops_converted}/{result.ops_total} operators)"
    )
    lines.append(f"Script: {result.script}")
    lines.append(f"Checkpoint: {result.checkpoint}")
    lines.extend(verification_lines(result))
    return "\n".join(lines) + "\n"


def verification_lines(result: ConversionResult) -> list[str]:
    """Summary lines of the numerical verification (also printed by the CLI)."""
    ver = result.verification
    head = f"Verification: {ver.status}"
    if ver.input_source:
        head += f" (reference {ver.reference}, input {ver.input_source}, "
        head += f"rtol {ver.rtol:g}, atol {ver.atol:g})"
    lines = [head]
    if ver.error:
        lines.append(f"  {ver.error}")
    if ver.params_not_loaded or ver.ckpt_params_unused:
        lines.append(f"  parameters not loaded: {ver.params_not_loaded}; "
                     f"unused in checkpoint: {ver.ckpt_params_unused}")
    lines.extend(_node_lines(ver))
    for mode in ver.modes:
        if mode.error:
            lines.append(f"  {mode.mode}: FAILED: {mode.error}")
            continue
        for out in mode.outputs:
            verdict = "ok" if out.passed else "MISMATCH"
            shape = "" if out.shape_match else " (shape differs)"
            lines.append(f"  {mode.mode:9s} {out.name}: max abs err {out.max_abs_error:.3g}, "
                         f"max rel err {out.max_rel_error:.3g} {verdict}{shape}")
    return lines


def _node_lines(ver: object) -> list[str]:
    nodes = getattr(ver, "nodes", None)
    if nodes is None:
        return []
    if nodes.error:
        return [f"  per-node check failed to run: {nodes.error}"]
    first = nodes.first_divergence
    if first is None:
        return [f"  per-node check: all {nodes.checked} intermediate values match"]
    where = ", ".join(str(n) for n in first.lines) or "?"
    return [
        f"  per-node check: {nodes.diverged} of {nodes.checked} intermediate values diverge",
        f"  first divergence: node '{first.node}' ({first.op_type}) output '{first.output}': "
        f"max abs err {first.max_abs_error:.3g}, max rel err {first.max_rel_error:.3g}; "
        f"script line {where}",
    ]
