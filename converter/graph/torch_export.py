"""Convert a ``torch.nn.Module`` directly: export it to ONNX in a temporary folder, then convert."""

from __future__ import annotations

import importlib.util
import re
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.report import ConversionResult, ConversionWarning

#: Exporters ``convert_torch`` accepts; ``auto`` prefers dynamo (needs onnxscript).
EXPORTERS = ("auto", "dynamo", "torchscript")


def convert_torch(
    module: Any, example_inputs: Sequence[Any], output_dir: str, report_dir: str | None = None,
    *, name: str | None = None, opset: int | None = None, input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None, exporter: str = "auto", **options: Any,
) -> ConversionResult:
    """Export ``module`` with ``torch.onnx.export`` and convert it.

    Args:
        module: The PyTorch module (put in eval mode for the export).
        example_inputs: Tensors with the input shapes; also the verification input.
        output_dir: Folder for the script and checkpoint.
        report_dir: Folder for the reports (default ``output_dir``).
        name: File stem of the outputs (default: the module's class name in snake case).
        opset: ONNX opset for the export (default 18 with dynamo, 17 with TorchScript).
        input_names: Names of the inputs in the generated ``construct``.
        output_names: Names of the outputs.
        exporter: ``dynamo`` (PyTorch's default exporter; needs the onnxscript package),
            ``torchscript`` (the legacy exporter), or ``auto``: dynamo when onnxscript is
            installed, falling back to TorchScript (warning MC-W005) if the dynamo export fails.
        **options: Passed to :func:`mindconverter.convert_onnx`.

    Returns:
        The conversion result; ``source.format`` is ``torch`` and ``source.exporter`` says
        which exporter produced the ONNX graph.
    """
    try:
        import torch
    except ImportError as exc:
        raise ConverterError(ErrorCode.MISSING_DEPENDENCY, "convert_torch needs PyTorch",
                             "pip install torch") from exc
    from mindconverter.converter.graph.pipeline import convert

    if exporter not in EXPORTERS:
        raise ConverterError(ErrorCode.BAD_ARGUMENT, f"unknown exporter {exporter!r}",
                             f"use one of: {', '.join(EXPORTERS)}")
    stem = name or re.sub(r"(?<!^)(?=[A-Z])", "_", type(module).__name__).lower()
    inputs = tuple(example_inputs)
    names = list(input_names or [f"input_{i}" for i in range(len(inputs))])
    module.eval()
    workdir = Path(tempfile.mkdtemp(prefix="mindconverter-torch-"))
    try:
        path = workdir / f"{stem}.onnx"
        used, fallback = _export(torch, module, inputs, path, exporter, opset, names,
                                 list(output_names) if output_names else None)
        feeds = [np.asarray(t.detach().cpu().numpy()) for t in inputs]
        options.setdefault("input_data", feeds)
        options.setdefault("source_name", f"PyTorch module {type(module).__name__}")
        result = convert(path, output_dir, report_dir, **options)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result.source.update({"format": "torch", "exporter": used,
                          "path": f"<torch module {type(module).__name__}>"})
    if fallback:
        result.warnings.append(ConversionWarning(
            "MC-W005", f"the dynamo export failed ({fallback}); used the TorchScript exporter"))
    Path(result.report_json).write_text(result.to_json(), encoding="utf-8")
    return result


def _export(torch: Any, module: Any, inputs: tuple[Any, ...], path: Path, exporter: str,
            opset: int | None, names: list[str], outputs: list[str] | None) -> tuple[str, str]:
    """Write the ONNX file; (exporter used, why dynamo was abandoned or "")."""
    use_dynamo = exporter == "dynamo" or (
        exporter == "auto" and importlib.util.find_spec("onnxscript") is not None)
    fallback = ""
    if use_dynamo:
        try:
            with warnings.catch_warnings(), torch.no_grad():
                warnings.simplefilter("ignore")
                torch.onnx.export(module, inputs, str(path), dynamo=True, opset_version=opset or 18,
                                  input_names=names, output_names=outputs, external_data=True,
                                  verbose=False)
            return "dynamo", ""
        except Exception as exc:  # torch raises many types here
            if exporter == "dynamo":
                raise ConverterError(ErrorCode.TORCH_EXPORT, f"the dynamo export failed: "
                                     f"{type(exc).__name__}: {str(exc)[:300]}") from exc
            fallback = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
            for leftover in path.parent.iterdir():
                leftover.unlink()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, inputs, str(path), opset_version=opset or 17,
                          input_names=names, output_names=outputs, dynamo=False)
    return "torchscript", fallback
