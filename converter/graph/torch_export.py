"""Convert a ``torch.nn.Module`` directly: export to ONNX in memory, then convert."""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.report import ConversionResult


def convert_torch(
    module: Any, example_inputs: Sequence[Any], output_dir: str, report_dir: str | None = None,
    *, name: str | None = None, opset: int = 17, input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None, **options: Any,
) -> ConversionResult:
    """Export ``module`` with ``torch.onnx.export`` (TorchScript exporter) and convert it.

    Args:
        module: The PyTorch module (put in eval mode for the export).
        example_inputs: Tensors with the input shapes; also the verification input.
        output_dir: Folder for the script and checkpoint.
        report_dir: Folder for the reports (default ``output_dir``).
        name: File stem of the outputs (default: the module's class name in snake case).
        opset: ONNX opset for the export (11 to 17 with the TorchScript exporter).
        input_names: Names of the inputs in the generated ``construct``.
        output_names: Names of the outputs.
        **options: Passed to :func:`mindconverter.convert_onnx`.

    Returns:
        The conversion result; ``source.format`` is ``torch``.
    """
    try:
        import torch
    except ImportError as exc:
        raise ConverterError(ErrorCode.MISSING_DEPENDENCY, "convert_torch needs PyTorch",
                             "pip install torch") from exc
    from mindconverter.converter.graph.pipeline import convert

    stem = name or re.sub(r"(?<!^)(?=[A-Z])", "_", type(module).__name__).lower()
    inputs = tuple(example_inputs)
    names = list(input_names or [f"input_{i}" for i in range(len(inputs))])
    buffer = io.BytesIO()
    module.eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, inputs, buffer,  # type: ignore[arg-type]  # accepts BytesIO
                          opset_version=opset, input_names=names,
                          output_names=list(output_names) if output_names else None,
                          dynamo=False)
    workdir = Path(tempfile.mkdtemp(prefix="mindconverter-torch-"))
    try:
        path = workdir / f"{stem}.onnx"
        path.write_bytes(buffer.getvalue())
        feeds = [np.asarray(t.detach().cpu().numpy()) for t in inputs]
        options.setdefault("input_data", feeds)
        options.setdefault("source_name", f"PyTorch module {type(module).__name__}")
        result = convert(path, output_dir, report_dir, **options)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result.source.update({"format": "torch", "path": f"<torch module {type(module).__name__}>"})
    Path(result.report_json).write_text(result.to_json(), encoding="utf-8")
    return result
