"""A skeleton ``nn.Cell`` for an operator MindSpore has no counterpart for.

The skeleton carries the operator's record in its docstring (shapes, dtypes, attributes,
constant inputs), checks the input shapes in ``construct`` and raises ``NotImplementedError``
until the user writes the computation: the network fails loudly, never silently wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from mindconverter.server.op_records import OpRecord
from mindconverter.server.placeholder_fixes import shape_literal, static_shape

_MAX_VALUE_TEXT = 200


def class_name_for(op_type: str, attr_name: str, taken: Iterable[str]) -> str:
    """A class name after the operator (``NonMaxSuppression``), made unique in the module."""
    taken = set(taken)
    base = _camel(op_type) or "Op"
    candidates = [base, base + _camel(attr_name)]
    for candidate in candidates:
        if candidate not in taken:
            return candidate
    counter = 2
    while f"{base}{counter}" in taken:
        counter += 1
    return f"{base}{counter}"


def _camel(name: str) -> str:
    parts = re.split(r"[^0-9A-Za-z]+", name)
    text = "".join(p[:1].upper() + p[1:] for p in parts if p)
    return text if text and not text[0].isdigit() else f"Op{text}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    if len(text) > _MAX_VALUE_TEXT:
        text = text[: _MAX_VALUE_TEXT - 3] + "..."
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def _literal(text: str) -> str:
    """A double-quoted Python string literal (JSON string syntax is valid Python)."""
    return json.dumps(text, ensure_ascii=False)


def _describe(shapes: tuple[Any, ...], dtypes: tuple[str | None, ...]) -> str:
    parts = []
    for index, shape in enumerate(shapes):
        text = (
            "?" if shape is None else shape_literal(tuple("?" if d is None else d for d in shape))
        )
        dtype = dtypes[index] if index < len(dtypes) and dtypes[index] else ""
        parts.append(f"{text} {dtype}".strip())
    return ", ".join(parts) or "unknown"


def _docstring(record: OpRecord, indent: str) -> list[str]:
    node = f" (node ``{_short(record.node_name)[1:-1]}``)" if record.node_name else ""
    lines = [
        f'{indent}"""Stand-in for the ONNX ``{record.op_type}`` operator{node}.',
        "",
        f"{indent}MindSpore has no counterpart: write the computation in ``construct``.",
        f"{indent}Recorded when the model was converted (shapes are frozen):",
        f"{indent}    inputs: {_describe(record.input_shapes, record.input_dtypes)}",
        f"{indent}    outputs: {_describe(record.output_shapes, record.output_dtypes)}",
        f"{indent}    attributes: {_short(record.attributes)}",
    ]
    if record.constant_inputs:
        lines.append(f"{indent}    constant inputs: {_short(record.constant_inputs)}")
    lines.append(f'{indent}"""')
    return lines


def skeleton_class(class_name: str, record: OpRecord, n_inputs: int, indent: str = "    ") -> str:
    """Source of the skeleton class (no trailing blank lines).

    Args:
        class_name: Name of the class.
        record: The operator's record.
        n_inputs: Number of positional arguments ``construct`` takes.
        indent: One indentation level.
    """
    args = ["x"] if n_inputs == 1 else [f"x{i}" for i in range(n_inputs)]
    if n_inputs == 0:
        args = []
    body = [f"class {class_name}(nn.Cell):", *_docstring(record, indent), ""]
    body.append(f"{indent}def construct({', '.join(['self', *args])}):")
    for index, arg in enumerate(args):
        shape = (
            static_shape(record.runtime_shapes[index])
            if index < len(record.runtime_shapes)
            else None
        )
        if shape is None:
            continue
        literal = shape_literal(shape)
        body.append(f"{indent * 2}if {arg}.shape != {literal}:")
        message = f"{class_name}: input {index} must have shape {literal}"
        body.append(f"{indent * 3}raise ValueError({_literal(message)})")
    message = f"ONNX {record.op_type} is not implemented yet"
    body.append(f"{indent * 2}raise NotImplementedError({_literal(message)})")
    return "\n".join(body)
