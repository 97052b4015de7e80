"""MindConverter: migrate PyTorch, ONNX and TensorFlow models to MindSpore 2.x.

Public API (heavy frameworks are imported only when a conversion runs)::

    from mindconverter import convert_onnx
    result = convert_onnx("model.onnx", "out/")
    print(result.verification.status)
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# MindSpore 2.10's CPU convolutions pick oneDNN's slow plain-layout AVX-512 path on some CPUs
# (measured: 1.9 s instead of 0.03 s for a 64x64x3x3 conv at 56x56 on an AVX-512 AMD EPYC).
# Capping oneDNN at AVX2 selects its fast GEMM kernels. Set before MindSpore is imported;
# a value the user set is kept.
os.environ.setdefault("ONEDNN_MAX_CPU_ISA", "AVX2")

__version__ = "0.1.0"

if TYPE_CHECKING:
    from mindconverter.converter.report import ConversionResult

__all__ = ["ConversionResult", "__version__", "convert_onnx", "convert_torch"]


def convert_onnx(
    model_file: str,
    output_dir: str,
    report_dir: str | None = None,
    shapes: Any = None,
    input_nodes: Any = None,
    output_nodes: Any = None,
    verify: bool | str = True,
    **options: Any,
) -> ConversionResult:
    """Convert an ONNX model (or a TensorFlow frozen ``.pb``) into MindSpore.

    Writes a MindSpore script, its checkpoint, the reports and the weight map.

    Args:
        model_file: Path of the ``.onnx`` file, or of a TensorFlow frozen graph ``.pb``
            (converted through tf2onnx; needs the ``tf`` extra or ``tf_python=``).
        output_dir: Folder for ``<stem>.py`` and ``<stem>.ckpt``.
        report_dir: Folder for the reports and weight map (defaults to ``output_dir``).
        shapes: One shape per input (list of int sequences), overriding the model's.
        input_nodes: Names of the graph inputs, in order (default: the model's).
        output_nodes: Names of the outputs to produce (default: the model's).
        verify: Run the generated network and onnxruntime on the same input and compare.
        **options: Further options of :func:`mindconverter.converter.graph.pipeline.convert`
            (``input_data``, ``seed``, ``rtol``, ``atol``, ``overwrite``, ``progress``,
            ``plugins``, ``export="mindir"``, ``blocks``, ``tf_python``...). ``verify="nodes"``
            also compares every intermediate value and names the first diverging node.

    Returns:
        The conversion result, identical to ``report_of_<stem>.json``.

    Raises:
        ConverterError: On bad input, with an error code and a hint.
    """
    from mindconverter.converter.graph.pipeline import convert

    return convert(
        model_file,
        output_dir,
        report_dir=report_dir,
        shapes=shapes,
        input_nodes=input_nodes,
        output_nodes=output_nodes,
        verify=verify,
        **options,
    )


def convert_torch(
    module: Any, example_inputs: Any, output_dir: str, report_dir: str | None = None,
    **options: Any,
) -> ConversionResult:
    """Convert a ``torch.nn.Module``: export it to ONNX in memory, then as :func:`convert_onnx`.

    Args:
        module: The PyTorch module.
        example_inputs: Example tensors (shapes of the inputs; also the verification input).
        output_dir: Folder for ``<name>.py`` and ``<name>.ckpt``.
        report_dir: Folder for the reports (defaults to ``output_dir``).
        **options: ``name``, ``opset``, ``input_names``, ``output_names`` and every option of
            :func:`convert_onnx`.
    """
    from mindconverter.converter.graph.torch_export import convert_torch as _convert

    return _convert(module, example_inputs, output_dir, report_dir, **options)


def __getattr__(name: str) -> Any:
    if name == "ConversionResult":
        from mindconverter.converter.report import ConversionResult

        return ConversionResult
    raise AttributeError(name)
