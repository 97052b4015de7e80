"""Write the checkpoint, the weight map and the text report."""

from __future__ import annotations

import json
from pathlib import Path

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


def save_checkpoint(weights: list[WeightEntry], path: Path) -> None:
    """Save the network's parameters with ``mindspore.save_checkpoint``."""
    import mindspore as ms

    params = [{"name": w.name, "data": ms.Tensor(np.ascontiguousarray(w.value))} for w in weights]
    ms.save_checkpoint(params, str(path))


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
