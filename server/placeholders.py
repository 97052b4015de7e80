"""Find the unconverted-operator placeholders of a migrated MindSpore script.

Two forms are recognised, both assigned in ``__init__`` and called in ``construct``:

* this project's: ``self.reshape_3 = UnconvertedOp("Reshape", name="/Reshape_3",
  input_shape=(1, 1280, 1, 1), output_shape=(1, 1280), attributes={})`` (``input_shapes=`` /
  ``output_shapes=`` tuples when the node has several inputs or outputs);
* the original MindConverter's: ``self.reshape = onnx.Reshape(input_shape=(1, 1280, 1, 1),
  output_shape=(1, 1280))``.

Values are read with :func:`ast.literal_eval`; nothing in the script is executed.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from mindconverter.converter.issues import SourceRange
from mindconverter.server.positions import ast_range, text_in

Shape = tuple[int | None, ...]
PLACEHOLDER_CLASS = "UnconvertedOp"
LEGACY_MODULE = "onnx"


@dataclass(frozen=True)
class CallSite:
    """One ``self.<attr>(...)`` call outside ``__init__``.

    Attributes:
        range: The call expression's range.
        args: Source text of the positional arguments.
        method: Name of the method the call is in (usually ``construct``).
    """

    range: SourceRange
    args: tuple[str, ...]
    method: str


@dataclass(frozen=True)
class Placeholder:
    """An operator the graph converter could not translate, as it appears in the script.

    Attributes:
        attr_name: The attribute (``self.<attr_name>``).
        op_type: ONNX operator type (without its domain).
        domain: ONNX domain (``""`` for the default domain; the script writes ``domain::Op``).
        node_name: ONNX node name, when the script records it.
        legacy: ``True`` for the original MindConverter's ``onnx.<Op>(...)`` form.
        class_name: The ``nn.Cell`` class holding it.
        input_shapes: Recorded input shapes (first runtime input first).
        output_shapes: Recorded output shapes.
        attributes: Recorded ONNX attributes.
        statement: Range of the assignment in ``__init__``.
        value: Range of the placeholder constructor call.
        alone: The assignment is the only statement on its lines (it can be deleted whole).
        calls: Where the placeholder is called.
        class_line: 1-based first line of the class (decorators included).
    """

    attr_name: str
    op_type: str
    domain: str
    node_name: str | None
    legacy: bool
    class_name: str
    input_shapes: tuple[Shape | None, ...]
    output_shapes: tuple[Shape | None, ...]
    attributes: dict[str, Any]
    statement: SourceRange
    value: SourceRange
    alone: bool
    calls: tuple[CallSite, ...] = field(default_factory=tuple)
    class_line: int = 1


def find_placeholders(tree: ast.Module, lines: Sequence[str]) -> list[Placeholder]:
    """Every placeholder of a parsed script, in source order.

    Args:
        tree: The parsed script.
        lines: The script split with :func:`~mindconverter.server.positions.split_lines`.
    """
    found: list[Placeholder] = []
    for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
        init = _method(cls, "__init__")
        if init is None:
            continue
        calls = _call_sites(cls, lines)
        for stmt in ast.walk(init):
            placeholder = _placeholder(stmt, cls, lines, calls)
            if placeholder is not None:
                found.append(placeholder)
    return sorted(found, key=lambda p: (p.statement.start_line, p.statement.start_col))


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _self_attr(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ):
        return node.attr
    return None


def _op_type(call: ast.Call) -> tuple[str, bool] | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id == PLACEHOLDER_CLASS:
        if call.args and isinstance(call.args[0], ast.Constant):
            value = call.args[0].value
            return (value, False) if isinstance(value, str) else None
        op = _kwarg(call, "op_type")
        return (op, False) if isinstance(op, str) else None
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == LEGACY_MODULE
    ):
        return func.attr, True
    return None


def _kwarg(call: ast.Call, name: str) -> Any:
    for keyword in call.keywords:
        if keyword.arg == name:
            try:
                return ast.literal_eval(keyword.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                return None
    return None


def _shape(value: Any) -> Shape | None:
    if isinstance(value, (list, tuple)) and all(
        v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value
    ):
        return tuple(value)
    return None


def _shapes(call: ast.Call, single: str, many: str) -> tuple[Shape | None, ...]:
    listed = _kwarg(call, many)
    if isinstance(listed, (list, tuple)) and listed:
        return tuple(_shape(s) for s in listed)
    one = _shape(_kwarg(call, single))
    return (one,) if one is not None else ()


def _placeholder(
    stmt: ast.AST, cls: ast.ClassDef, lines: Sequence[str], calls: dict[str, list[CallSite]]
) -> Placeholder | None:
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    attr = _self_attr(stmt.targets[0])
    if attr is None or not isinstance(stmt.value, ast.Call):
        return None
    kind = _op_type(stmt.value)
    if kind is None:
        return None
    call = stmt.value
    attributes = _kwarg(call, "attributes")
    name = _kwarg(call, "name")
    statement = ast_range(lines, stmt)
    first = cls.decorator_list[0].lineno if cls.decorator_list else cls.lineno
    domain, _, op_type = kind[0].rpartition("::")
    return Placeholder(
        attr_name=attr,
        op_type=op_type,
        domain=domain,
        node_name=name if isinstance(name, str) else None,
        legacy=kind[1],
        class_name=cls.name,
        input_shapes=_shapes(call, "input_shape", "input_shapes"),
        output_shapes=_shapes(call, "output_shape", "output_shapes"),
        attributes=attributes if isinstance(attributes, dict) else {},
        statement=statement,
        value=ast_range(lines, call),
        alone=_alone(lines, statement),
        calls=tuple(calls.get(attr, ())),
        class_line=first,
    )


def _alone(lines: Sequence[str], rng: SourceRange) -> bool:
    before = lines[rng.start_line - 1][: rng.start_col] if rng.start_line <= len(lines) else ""
    after = lines[rng.end_line - 1][rng.end_col :] if rng.end_line <= len(lines) else ""
    after = after.split("#", 1)[0]
    return before.strip() == "" and after.strip() in ("", ";")


def _call_sites(cls: ast.ClassDef, lines: Sequence[str]) -> dict[str, list[CallSite]]:
    sites: dict[str, list[CallSite]] = {}
    for method in cls.body:
        if not isinstance(method, ast.FunctionDef) or method.name == "__init__":
            continue
        for node in ast.walk(method):
            if isinstance(node, ast.Call) and (attr := _self_attr(node.func)) is not None:
                args = tuple(text_in(lines, ast_range(lines, a)) for a in node.args)
                site = CallSite(range=ast_range(lines, node), args=args, method=method.name)
                sites.setdefault(attr, []).append(site)
    for found in sites.values():
        found.sort(key=lambda s: (s.range.start_line, s.range.start_col))
    return sites
