"""Concrete MindSpore code for unconverted operators, built from their recorded shapes.

Shape-dependent operators (Reshape, Flatten, Squeeze, Unsqueeze, Expand, Tile, Resize/Upsample,
ConstantOfShape, Shape, Transpose) become one expression in ``construct``; the conversion froze
the shapes, so the recorded shapes fully determine them. Any other operator gets a skeleton
``nn.Cell`` carrying its record (see :mod:`mindconverter.server.skeleton`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from mindconverter.server.op_records import OpRecord
from mindconverter.server.placeholders import Shape

MS_DTYPES = {
    "float16": "ms.float16",
    "float32": "ms.float32",
    "float64": "ms.float64",
    "bfloat16": "ms.bfloat16",
    "int8": "ms.int8",
    "int16": "ms.int16",
    "int32": "ms.int32",
    "int64": "ms.int64",
    "uint8": "ms.uint8",
    "bool": "ms.bool_",
}

Builder = Callable[[str, OpRecord], "str | None"]


def static_shape(shape: Shape | None) -> tuple[int, ...] | None:
    """The shape if every dimension is known, else ``None``."""
    if shape is None or any(d is None or d < 0 for d in shape):
        return None
    return tuple(int(d) for d in shape)  # type: ignore[arg-type]


def shape_literal(shape: tuple[int, ...]) -> str:
    """A shape as Python source: ``(1, 1280)``, ``(5,)``, ``()``."""
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _reshape(x: str, record: OpRecord) -> str | None:
    out = static_shape(record.first_output)
    return f"ops.reshape({x}, {shape_literal(out)})" if out is not None else None


def _expand(x: str, record: OpRecord) -> str | None:
    out = static_shape(record.first_output)
    return f"ops.broadcast_to({x}, {shape_literal(out)})" if out is not None else None


def _tile(x: str, record: OpRecord) -> str | None:
    src, out = static_shape(record.first_input), static_shape(record.first_output)
    if src is None or out is None or len(src) != len(out) or 0 in src:
        return None
    if any(o % s for s, o in zip(src, out)):
        return None
    multiples = tuple(o // s for s, o in zip(src, out))
    return f"ops.tile({x}, {shape_literal(multiples)})"


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value) if value is not None else ""


_RESIZE_MODES = {
    ("nearest", 3): "nearest",
    ("nearest", 4): "nearest",
    ("nearest", 5): "nearest",
    ("linear", 3): "linear",
    ("linear", 4): "bilinear",
    ("linear", 5): "trilinear",
    ("bilinear", 4): "bilinear",
}
"""(ONNX mode, rank) → ``ops.interpolate`` mode. No cubic: MindSpore's bicubic kernel does not
reproduce ONNX's (checked against onnxruntime), so cubic resizes get a skeleton."""


HALF_PIXEL = frozenset({"", "half_pixel", "pytorch_half_pixel"})


def _same_sampling(
    mode: str, attributes: dict[str, Any], src: tuple[int, ...], out: tuple[int, ...]
) -> bool | None:
    """Whether MindSpore's interpolate samples like this Resize; ``True`` = align corners.

    Returns ``None`` when no ``ops.interpolate`` setting matches the ONNX attributes.
    """
    transform = _text(attributes.get("coordinate_transformation_mode"))
    if mode == "nearest":
        rounding = _text(attributes.get("nearest_mode"))
        if transform == "asymmetric" and rounding == "floor":
            return False
        integer_scale = all(o % s == 0 for s, o in zip(src[2:], out[2:]))
        ok = transform in HALF_PIXEL and rounding in ("", "round_prefer_floor") and integer_scale
        return False if ok else None
    if transform == "align_corners":
        return True
    return False if transform in HALF_PIXEL else None


def _resize(x: str, record: OpRecord) -> str | None:
    src, out = static_shape(record.first_input), static_shape(record.first_output)
    if src is None or out is None or len(src) != len(out) or len(out) < 3:
        return None
    if src[:2] != out[:2] or int(record.attributes.get("exclude_outside", 0) or 0):
        return None
    onnx_mode = _text(record.attributes.get("mode", "nearest")).lower()
    mode = _RESIZE_MODES.get((onnx_mode, len(out)))
    align = _same_sampling(onnx_mode, record.attributes, src, out) if mode else None
    if mode is None or align is None:
        return None
    size = shape_literal(out[2:])
    corners = ", align_corners=True" if align else ""
    return f'ops.interpolate({x}, size={size}, mode="{mode}"{corners})'


def _scalar(value: Any) -> float | int | bool | None:
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if isinstance(value, dict):
        return _scalar(value.get("value", value.get("data")))
    if isinstance(value, (bool, int, float)):
        return value
    return None


def _constant_of_shape(x: str, record: OpRecord) -> str | None:
    out = static_shape(record.first_output)
    if out is None:
        return None
    attr = record.attributes.get("value", 0.0)
    value = _scalar(attr)
    if value is None:
        return None
    dtype_name = record.output_dtypes[0] if record.output_dtypes else None
    dtype = MS_DTYPES.get(dtype_name or "float32", "ms.float32")
    return f"ops.full({shape_literal(out)}, {value!r}, dtype={dtype})"


def _shape(x: str, record: OpRecord) -> str | None:
    src = static_shape(record.first_input)
    if src is None:
        return None
    start = int(record.attributes.get("start", 0) or 0)
    end = record.attributes.get("end")
    dims = src[start:] if end is None else src[start : int(end)]
    return f"ms.Tensor({shape_literal(dims)}, ms.int64)"


def transpose_permutation(record: OpRecord) -> tuple[int, ...] | None:
    """The permutation of a Transpose: its ``perm`` attribute, else the only one the shapes allow.

    Returns ``None`` when the attribute is absent and the shapes allow several permutations
    (e.g. ``(2, 2) → (2, 2)``) or none.
    """
    src, out = static_shape(record.first_input), static_shape(record.first_output)
    perm = record.attributes.get("perm")
    if isinstance(perm, (list, tuple)) and perm:
        return tuple(int(p) for p in perm)
    if src is None or out is None or len(src) != len(out) or len(src) > 8:
        return None
    matches = [
        p
        for p in itertools.permutations(range(len(src)))
        if all(out[i] == src[j] for i, j in enumerate(p))
    ]
    return matches[0] if len(matches) == 1 else None


def _transpose(x: str, record: OpRecord) -> str | None:
    perm = transpose_permutation(record)
    return f"ops.transpose({x}, {shape_literal(perm)})" if perm is not None else None


BUILDERS: dict[str, Builder] = {
    "Reshape": _reshape,
    "Flatten": _reshape,
    "Squeeze": _reshape,
    "Unsqueeze": _reshape,
    "Expand": _expand,
    "Tile": _tile,
    "Resize": _resize,
    "Upsample": _resize,
    "ConstantOfShape": _constant_of_shape,
    "Shape": _shape,
    "Transpose": _transpose,
}
"""Shape-dependent ONNX operators and their expression builders."""


INPUTLESS = frozenset({"ConstantOfShape", "Shape"})
"""Operators whose replacement does not read the call's argument (its record suffices)."""


def concrete_expression(record: OpRecord, first_arg: str | None) -> str | None:
    """MindSpore code replacing a call to the placeholder, or ``None`` when it needs a skeleton.

    Args:
        record: The operator's record.
        first_arg: Source text of the call's first positional argument (the data input), or
            ``None`` when the call passes none.
    """
    builder = BUILDERS.get(record.op_type)
    if builder is None or (first_arg is None and record.op_type not in INPUTLESS):
        return None
    return builder(first_arg or "", record)


def needs_names(expression: str) -> set[str]:
    """Module-level names the expression uses (``ops``, ``ms``)."""
    names = set()
    if "ops." in expression:
        names.add("ops")
    if "ms." in expression.replace("ops.", ""):
        names.add("ms")
    return names
