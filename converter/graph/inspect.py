"""Read a model's interface without converting it (for dialogs and ``--inspect``)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.graph.loader import check_input_file, load_onnx
from mindconverter.converter.graph.passes import declared_shape, np_dtype


def inspect_model(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Inputs, outputs and opset of an ONNX model (a ``.pb`` reports its format only).

    Returns:
        ``{"format", "opset", "inputs": [{name, shape, dtype}], "outputs": [...],
        "producer", "nodes"}``; symbolic dimensions are strings, unknown ones ``None``.

    Raises:
        ConverterError: For a missing, unreadable or invalid model.
    """
    file = Path(path)
    if file.suffix.lower() == ".pb":
        check_input_file(file)
        return {"format": "pb", "opset": None, "inputs": [], "outputs": [], "producer":
                "tensorflow", "nodes": None}
    model = load_onnx(file)
    graph = model.graph
    inits = {t.name for t in graph.initializer}

    def info(vi: Any) -> dict[str, Any]:
        elem = vi.type.tensor_type.elem_type
        return {"name": vi.name, "shape": declared_shape(vi),
                "dtype": np_dtype(elem).name if elem else None}

    opset = next((i.version for i in model.opset_import if i.domain in ("", "ai.onnx")), None)
    if opset is None:
        raise ConverterError(ErrorCode.INVALID_GRAPH, f"{file}: no default-domain opset")
    return {
        "format": "onnx",
        "opset": opset,
        "inputs": [info(vi) for vi in graph.input if vi.name not in inits],
        "outputs": [info(vi) for vi in graph.output],
        "producer": " ".join(p for p in (model.producer_name, model.producer_version) if p),
        "nodes": len(graph.node),
    }
