"""Load an ONNX file safely: clear errors for bad files, no escaping external data paths."""

from __future__ import annotations

import os
from pathlib import Path

import onnx
from google.protobuf.message import DecodeError
from mindconverter.converter.errors import ConverterError, ErrorCode

MIN_OPSET = 1
PROTO_LIMIT = 1_800_000_000  # protobuf messages cannot exceed 2 GB
MAX_OPSET = max(23, onnx.defs.onnx_opset_version())


def check_input_file(path: str | os.PathLike[str], flag: str = "--model_file") -> Path:
    """Check that ``path`` is a readable, non-empty regular file.

    Raises:
        ConverterError: ``MC101``/``MC102``/``MC103``.
    """
    file = Path(path)
    if not file.exists():
        raise ConverterError(ErrorCode.FILE_NOT_FOUND, f"{flag} {file}: no such file")
    if not file.is_file():
        raise ConverterError(ErrorCode.NOT_A_FILE, f"{flag} {file}: not a regular file")
    if file.stat().st_size == 0:
        raise ConverterError(ErrorCode.EMPTY_FILE, f"{flag} {file}: the file is empty")
    return file


def load_onnx(path: str | os.PathLike[str]) -> onnx.ModelProto:
    """Read and validate an ONNX model, loading safe external data beside it.

    Raises:
        ConverterError: For a missing, empty, corrupt or invalid model, an unsupported opset,
            or external data that is missing or points outside the model's folder.
    """
    file = check_input_file(path)
    try:
        model = onnx.load_model(str(file), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError, OSError) as exc:
        raise ConverterError(
            ErrorCode.NOT_ONNX, f"{file}: cannot be parsed as an ONNX model ({_short(exc)})"
        ) from exc
    if not model.HasField("graph") or (not model.graph.node and not model.graph.output):
        raise ConverterError(ErrorCode.NOT_ONNX, f"{file}: the file holds no ONNX graph")
    _load_external_data(model, file.parent)
    _check_opset(model, file)
    try:
        if model.ByteSize() > PROTO_LIMIT:  # too big for one protobuf: check by path
            onnx.checker.check_model(str(file))
        else:
            onnx.checker.check_model(model)
    except Exception as exc:  # the checker raises several exception types
        raise ConverterError(
            ErrorCode.INVALID_GRAPH, f"{file}: {_short(exc)}"
        ) from exc
    return model


def _check_opset(model: onnx.ModelProto, file: Path) -> None:
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx") and not MIN_OPSET <= imp.version <= MAX_OPSET:
            raise ConverterError(
                ErrorCode.OPSET_UNSUPPORTED,
                f"{file}: opset {imp.version} (supported: {MIN_OPSET} to {MAX_OPSET})",
            )


def _external_tensors(model: onnx.ModelProto) -> list[onnx.TensorProto]:
    from onnx.external_data_helper import _get_all_tensors, uses_external_data

    return [t for t in _get_all_tensors(model) if uses_external_data(t)]


def _load_external_data(model: onnx.ModelProto, base: Path) -> None:
    tensors = _external_tensors(model)
    if not tensors:
        return
    root = base.resolve()
    for tensor in tensors:
        info = {e.key: e.value for e in tensor.external_data}
        location = info.get("location", "")
        target = (root / location).resolve()
        if not location or os.path.isabs(location) or not target.is_relative_to(root):
            raise ConverterError(
                ErrorCode.EXTERNAL_DATA,
                f"tensor '{tensor.name}': external data location {location!r} is outside "
                f"the model's folder",
            )
        if not target.is_file():
            raise ConverterError(
                ErrorCode.EXTERNAL_DATA,
                f"tensor '{tensor.name}': external data file {location!r} not found in {root}",
            )
    from onnx.external_data_helper import load_external_data_for_model

    try:
        load_external_data_for_model(model, str(root))
    except Exception as exc:
        raise ConverterError(ErrorCode.EXTERNAL_DATA, _short(exc)) from exc


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
