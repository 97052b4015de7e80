"""Load an ONNX file safely: clear errors for bad files, no escaping external data paths."""

from __future__ import annotations

import os
from pathlib import Path

import onnx
from google.protobuf.message import DecodeError
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.graph.weights import Weights, movable, split_weights

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
    model, external = _read(file)
    # ByteSize() walks the whole message (~1 s per 400 MB): without external data the file
    # size is the message size.
    size = model.ByteSize() if external else file.stat().st_size
    _check(model, file, by_path=size > PROTO_LIMIT)
    return model


def load_split(path: str | os.PathLike[str]) -> tuple[onnx.ModelProto, Weights]:
    """:func:`load_onnx`, with the large weights moved out of the protobuf.

    The checker sees the lean model (no weight is serialised for it); the moved weights get
    its tensor checks here: one data field, and data that fills the declared shape.

    Returns:
        The lean model and its weights (see :func:`~.weights.split_weights`).

    Raises:
        ConverterError: As :func:`load_onnx`.
    """
    file = check_input_file(path)
    model, _ = _read(file)
    _check_weights(model, file)
    try:
        lean, weights = split_weights(model)
    except ConverterError as exc:
        raise ConverterError(exc.code, f"{file}: {exc.message}") from exc
    del model  # frees the protobuf with the weights' original bytes
    _check(lean, file, by_path=False)
    return lean, weights


def _read(file: Path) -> tuple[onnx.ModelProto, bool]:
    try:
        model = onnx.load_model(str(file), load_external_data=False)
    except (DecodeError, ValueError, RuntimeError, OSError) as exc:
        raise ConverterError(
            ErrorCode.NOT_ONNX, f"{file}: cannot be parsed as an ONNX model ({_short(exc)})"
        ) from exc
    if not model.HasField("graph") or (not model.graph.node and not model.graph.output):
        raise ConverterError(ErrorCode.NOT_ONNX, f"{file}: the file holds no ONNX graph")
    external = _load_external_data(model, file.parent)
    _check_opset(model, file)
    return model, external


def _check(model: onnx.ModelProto, file: Path, by_path: bool) -> None:
    try:
        if by_path:  # too big for one protobuf: check by path
            onnx.checker.check_model(str(file))
        else:
            onnx.checker.check_model(model)
    except Exception as exc:  # the checker raises several exception types
        raise ConverterError(
            ErrorCode.INVALID_GRAPH, f"{file}: {_short(exc)}"
        ) from exc


_DATA_FIELDS = ("float_data", "int32_data", "string_data", "int64_data", "double_data",
                "uint64_data")


def _check_weights(model: onnx.ModelProto, file: Path) -> None:
    """The checker's rules for initializers that will leave the protobuf."""
    graph = model.graph
    inputs = {vi.name for vi in graph.input}
    seen: set[str] = set()
    for init in graph.initializer:
        if init.name in seen:
            raise ConverterError(ErrorCode.INVALID_GRAPH,
                                 f"{file}: initializer '{init.name}' is defined twice")
        seen.add(init.name)
        if not movable(init):
            continue
        fields = int(init.HasField("raw_data")) + sum(1 for f in _DATA_FIELDS
                                                        if len(getattr(init, f)))
        if fields != 1:
            raise ConverterError(
                ErrorCode.INVALID_GRAPH,
                f"{file}: initializer '{init.name}' must hold exactly one data field")
        if model.ir_version < 4 and init.name not in inputs:
            raise ConverterError(
                ErrorCode.INVALID_GRAPH,
                f"{file}: initializer '{init.name}' is not a graph input (IR version "
                f"{model.ir_version} requires it)")


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


def _load_external_data(model: onnx.ModelProto, base: Path) -> bool:
    tensors = _external_tensors(model)
    if not tensors:
        return False
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
    return True


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
