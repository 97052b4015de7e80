"""Per-node verification: compare every intermediate value with onnxruntime, in graph order.

A flat copy of the network (no sub-Cells) is emitted into a temporary folder, never the output
folder, with a ``construct`` that also returns every intermediate value and its own temporary
checkpoint; it runs in PyNative mode while onnxruntime runs the model with the same values
exposed as outputs. The first value that differs beyond tolerance names the node that was
mis-converted."""

from __future__ import annotations

import copy
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import onnx
from mindconverter.converter.graph import verify as verify_mod
from mindconverter.converter.report import NodeDivergence, NodeVerification

if TYPE_CHECKING:
    from mindconverter.converter.graph.pipeline import ConvertedGraph


def check_nodes(
    graph: ConvertedGraph, reference: onnx.ModelProto, input_names: list[str],
    feeds: list[np.ndarray], checkpoint: Path, stem: str, rtol: float, atol: float,
) -> NodeVerification:
    """Compare all intermediate values; see the module docstring."""
    produced = {o for n in reference.graph.node for o in n.output if o}
    order: list[tuple[int, str]] = [
        (i, out) for i, item in enumerate(graph.nodes) for out in item.node.output
        if out and out in produced and out not in graph.constants
    ]
    names = list(dict.fromkeys(name for _, name in order))
    if not names:
        return NodeVerification()
    try:
        expected = _run_reference(reference, input_names, feeds, names)
        actual = _run_debug_network(graph, names, stem, feeds)
    except Exception as exc:
        return NodeVerification(error=f"{type(exc).__name__}: {str(exc)[:300]}")
    by_name = dict(zip(names, zip(actual, expected)))
    result = NodeVerification(checked=len(names))
    seen = set()
    for index, name in order:
        if name in seen:
            continue
        seen.add(name)
        got, want = by_name[name]
        check = verify_mod.compare(got, want, name, rtol, atol)
        if check.passed:
            continue
        node = graph.nodes[index].node
        div = NodeDivergence(node.name, node.op_type, name, check.max_abs_error,
                             check.max_rel_error, graph.emit.node_lines[index],
                             check.shape_match)
        result.divergences.append(div)
        if result.first_divergence is None:
            result.first_divergence = div
    result.diverged = len(result.divergences)
    return result


def _run_reference(reference: onnx.ModelProto, input_names: list[str],
                   feeds: list[np.ndarray], names: list[str]) -> list[np.ndarray]:
    probe = copy.deepcopy(reference)
    present = {o.name for o in probe.graph.output}
    probe.graph.output.extend(onnx.ValueInfoProto(name=n) for n in names if n not in present)
    return verify_mod.run_onnxruntime(probe, input_names, feeds, names)


def _run_debug_network(graph: ConvertedGraph, names: list[str], stem: str,
                       feeds: list[np.ndarray]) -> list[np.ndarray]:
    """Run a flat copy of the network (no sub-Cells) that returns every value in ``names``."""
    from mindconverter.converter.graph.writers import save_checkpoint

    emit = graph.emit_with_outputs(names)
    workdir = Path(tempfile.mkdtemp(prefix="mindconverter-nodes-"))
    try:
        script = workdir / f"{stem}_all_values.py"
        script.write_text(emit.source, encoding="utf-8")
        checkpoint = workdir / f"{stem}_all_values.ckpt"
        save_checkpoint(emit.weights, checkpoint)
        module = verify_mod.import_script(script, f"{stem}_nodes")
        net = getattr(module, graph.emitter_args[0])()
        not_loaded, _ = verify_mod.load_weights(net, checkpoint)
        if not_loaded:
            raise RuntimeError(f"parameters not loaded: {not_loaded[:5]}")
        net.set_train(False)
        return verify_mod.run_mindspore(net, feeds, "pynative")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
