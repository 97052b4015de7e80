"""TensorFlow frozen graphs (``.pb``): convert to ONNX with tf2onnx, then run the ONNX pipeline.

The TensorFlow → ONNX step runs in a subprocess (``tf_driver.py``) so that TensorFlow's heavy
import, threads and logging stay out of the converter's process, and so that TensorFlow may live
in another environment: ``--tf_python`` (or ``MINDCONVERTER_TF_PYTHON``) names a Python that has
``tensorflow`` and ``tf2onnx``; the default is the current interpreter (``pip install
mindconverter[tf]``). Tensor names keep TensorFlow's ``node:index`` form (``input_1:0``) in the
ONNX graph and so in every report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.graph.loader import check_input_file
from mindconverter.converter.naming import to_identifier
from mindconverter.converter.report import ConversionResult

TF_PYTHON_ENV = "MINDCONVERTER_TF_PYTHON"
DEFAULT_OPSET = 13
SUFFIXES = (".pb",)
_DRIVER = Path(__file__).with_name("tf_driver.py")
_INSTALL_HINT = (
    "pip install 'mindconverter[tf]' (tensorflow-cpu and tf2onnx), or point --tf_python "
    f"(or {TF_PYTHON_ENV}) at a Python that has tensorflow and tf2onnx."
)
_CONTROL_FLOW_HINT = (
    "Freeze the graph with convert_variables_to_constants_v2(func, lower_control_flow=False): "
    "tf2onnx converts functional While/If, not lowered Enter/Exit/Merge/Switch loops."
)

_UNSAFE_HINT = (
    "Only inference graphs convert: choose --output_nodes that do not depend on file, "
    "summary, dataset or Python-function operators, or re-freeze the graph without them."
)


@dataclass
class FrozenGraphInfo:
    """What the TensorFlow → ONNX step reports."""

    tensorflow: str
    tf2onnx: str
    opset: int
    tf_ops: dict[str, int] = field(default_factory=dict)
    onnx_ops: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def is_frozen_graph(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names a TensorFlow frozen graph (by its suffix)."""
    return Path(path).suffix.lower() in SUFFIXES


def resolve_tf_python(tf_python: str | os.PathLike[str] | None = None) -> str:
    """The Python that runs tf2onnx: the argument, else ``$MINDCONVERTER_TF_PYTHON``, else ours.

    Raises:
        ConverterError: ``MC601`` when the named Python does not exist.
    """
    chosen = str(tf_python or os.environ.get(TF_PYTHON_ENV) or sys.executable)
    found = shutil.which(chosen)
    if found is None:
        raise ConverterError(ErrorCode.MISSING_DEPENDENCY,
                             f"--tf_python {chosen}: no such executable", _INSTALL_HINT)
    return found


def tensor_names(names: Sequence[str] | None, flag: str) -> list[str]:
    """TensorFlow tensor names, ``input_1`` → ``input_1:0``.

    Raises:
        ConverterError: ``MC206`` when the flag is missing (a GraphDef does not say which
            tensors are its interface) or a name is malformed.
    """
    if not names:
        raise ConverterError(
            ErrorCode.BAD_ARGUMENT, f"{flag} is required for a TensorFlow .pb model",
            "Name the graph's tensors: --input_nodes input_1:0 --output_nodes Identity:0")
    result = []
    for name in names:
        node, _, index = name.partition(":")
        if not node or (index and not index.isdigit()) or name.startswith("^"):
            raise ConverterError(ErrorCode.BAD_ARGUMENT,
                                 f"{flag} {name!r}: expected a tensor name like input_1:0")
        result.append(f"{node}:{index or 0}")
    return result


def frozen_graph_to_onnx(
    model_file: str | os.PathLike[str], onnx_file: str | os.PathLike[str],
    input_nodes: Sequence[str], output_nodes: Sequence[str],
    shapes: Sequence[Sequence[int]] | None = None, *,
    tf_python: str | os.PathLike[str] | None = None, opset: int = DEFAULT_OPSET,
    timeout: float | None = None,
) -> FrozenGraphInfo:
    """Convert a frozen GraphDef to an ONNX file with tf2onnx, in a subprocess.

    Args:
        model_file: The ``.pb`` file (binary GraphDef with constants for the weights).
        onnx_file: Where to write the ONNX model.
        input_nodes: Input tensor names (``node:index``).
        output_nodes: Output tensor names.
        shapes: One shape per input, overriding the graph's (unknown batch dimensions...).
        tf_python: Python with tensorflow and tf2onnx (see :func:`resolve_tf_python`).
        opset: ONNX opset tf2onnx targets.
        timeout: Seconds before the step is abandoned (``None``: no limit).

    Returns:
        Versions and operator counts of the step.

    Raises:
        ConverterError: ``MC601`` TensorFlow/tf2onnx missing, ``MC104`` not a GraphDef,
            ``MC203`` unknown tensor name, ``MC202``/``MC201`` shape count or misfit,
            ``MC108`` tf2onnx failed,
            left non-ONNX operators, or the graph has operators that access files.
    """
    source = check_input_file(model_file)
    inputs = tensor_names(input_nodes, "--input_nodes")
    outputs = tensor_names(output_nodes, "--output_nodes")
    if shapes is not None and len(shapes) != len(inputs):
        raise ConverterError(ErrorCode.SHAPE_COUNT,
                             f"{len(shapes)} shape(s) given for {len(inputs)} input(s)")
    python = resolve_tf_python(tf_python)
    work = Path(tempfile.mkdtemp(prefix="mindconverter-tf-"))
    try:
        request = {
            "graphdef": str(source.resolve()), "inputs": inputs, "outputs": outputs,
            "shapes": [list(map(int, s)) for s in shapes] if shapes is not None else None,
            "opset": opset, "output": str(Path(onnx_file).resolve()),
            "name": to_identifier(source.stem, "model"), "result": str(work / "result.json"),
        }
        (work / "request.json").write_text(json.dumps(request), encoding="utf-8")
        start = time.perf_counter()
        stderr = _run_driver(python, work, timeout)
        reply = _read_reply(work / "result.json", stderr)
        seconds = time.perf_counter() - start
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not reply.get("ok"):
        raise _failure(reply, source)
    return FrozenGraphInfo(reply["tensorflow"], reply["tf2onnx"], opset, reply["tf_ops"],
                           reply["onnx_ops"], seconds)


def _run_driver(python: str, work: Path, timeout: float | None) -> str:
    """Run ``tf_driver.py`` in ``work`` (its only entry on ``sys.path``); return its stderr."""
    code = _DRIVER.read_text(encoding="utf-8")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    try:
        proc = subprocess.run(
            [python, "-c", code, str(work / "request.json")], cwd=work, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ConverterError(ErrorCode.TF_CONVERSION,
                             f"tf2onnx did not finish within {timeout:g} s") from exc
    except OSError as exc:
        raise ConverterError(ErrorCode.MISSING_DEPENDENCY, f"--tf_python {python}: {exc}",
                             _INSTALL_HINT) from exc
    return proc.stderr.decode("utf-8", "replace")


def _read_reply(path: Path, stderr: str) -> dict[str, Any]:
    try:
        reply: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        tail = " | ".join(line for line in stderr.strip().splitlines()[-3:])
        raise ConverterError(ErrorCode.TF_CONVERSION,
                             f"the TensorFlow step stopped without a result: {tail[-400:]}"
                             ) from exc
    return reply


def _failure(reply: dict[str, Any], source: Path) -> ConverterError:
    kind, message = reply.get("kind"), f"{source}: {reply.get('message', '')}"
    if kind == "missing":
        return ConverterError(ErrorCode.MISSING_DEPENDENCY, message, _INSTALL_HINT)
    if kind == "parse":
        return ConverterError(ErrorCode.NOT_ONNX, message)
    if kind == "bad_shape":
        return ConverterError(ErrorCode.BAD_SHAPE, message)
    if kind == "unknown_node":
        candidates = ", ".join(reply.get("candidates", [])) or "none found"
        return ConverterError(ErrorCode.UNKNOWN_NODE, message,
                              f"Pass tensor names as node:index; candidates: {candidates}")
    if kind == "unsafe":
        return ConverterError(ErrorCode.TF_CONVERSION, message, _UNSAFE_HINT)
    if reply.get("lowered"):
        return ConverterError(ErrorCode.TF_CONVERSION, message, _CONTROL_FLOW_HINT)
    return ConverterError(ErrorCode.TF_CONVERSION, message)


def convert_frozen_graph(
    model_file: str | os.PathLike[str], output_dir: str | os.PathLike[str],
    report_dir: str | os.PathLike[str] | None = None,
    shapes: Sequence[Sequence[int]] | None = None,
    input_nodes: Sequence[str] | None = None, output_nodes: Sequence[str] | None = None,
    verify: bool | str = True, *, tf_python: str | os.PathLike[str] | None = None,
    opset: int = DEFAULT_OPSET, **options: Any,
) -> ConversionResult:
    """Convert a TensorFlow frozen graph: tf2onnx to a temporary ONNX file, then the pipeline.

    Args:
        model_file: The ``.pb`` file.
        output_dir: Folder for ``<stem>.py`` and ``<stem>.ckpt``.
        report_dir: Folder for the reports (default ``output_dir``).
        shapes: One shape per input (e.g. ``[[1, 224, 224, 3]]``).
        input_nodes: Input tensor names, ``input_1:0`` (``input_1`` means ``input_1:0``).
        output_nodes: Output tensor names, ``Identity:0``.
        verify: As for :func:`mindconverter.convert_onnx` (onnxruntime runs tf2onnx's model).
        tf_python: Python with tensorflow and tf2onnx (default ``$MINDCONVERTER_TF_PYTHON``,
            else the current interpreter).
        opset: ONNX opset for tf2onnx.
        **options: Further options of :func:`mindconverter.converter.graph.pipeline.convert`.

    Returns:
        The conversion result; ``source.format`` is ``tensorflow`` and ``source.path`` the
        ``.pb`` file.
    """
    from mindconverter.converter.graph.pipeline import convert

    source = check_input_file(model_file)
    inputs = tensor_names(input_nodes, "--input_nodes")
    outputs = tensor_names(output_nodes, "--output_nodes")
    progress = options.get("progress")
    if progress is not None:
        progress("load", 0.0)
    work = Path(tempfile.mkdtemp(prefix="mindconverter-tf-"))
    try:
        onnx_file = work / f"{source.stem}.onnx"
        info = frozen_graph_to_onnx(source, onnx_file, inputs, outputs, shapes,
                                    tf_python=tf_python, opset=opset)
        options["source_name"] = options.get("source_name") or source.name
        result = convert(onnx_file, output_dir, report_dir, shapes=shapes, input_nodes=inputs,
                         output_nodes=outputs, verify=verify, **options)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result.source.update({
        "format": "tensorflow", "path": str(source.resolve()),
        "tensorflow": info.tensorflow, "tf2onnx": info.tf2onnx, "tf_ops": info.tf_ops,
        "tf2onnx_seconds": round(info.seconds, 2),
    })
    Path(result.report_json).write_text(result.to_json(), encoding="utf-8")
    return result
