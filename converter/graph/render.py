"""Render spec expressions and literals as Python source text."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from mindconverter.converter.graph.spec import (
    Attr,
    BinOp,
    Call,
    Const,
    DType,
    Item,
    LayerCall,
    Method,
    Ref,
    SelfLayer,
    Slice,
    TupleOf,
    UnaryOp,
    Value,
    Var,
)

NP_TO_MS = {
    "float16": "float16", "float32": "float32", "float64": "float64", "bfloat16": "bfloat16",
    "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64",
    "bool": "bool_", "complex64": "complex64", "complex128": "complex128",
}


def ms_dtype_name(dtype: np.dtype | str) -> str:
    """MindSpore dtype attribute name for a NumPy dtype (``bool`` → ``bool_``)."""
    return NP_TO_MS.get(np.dtype(dtype).name, "float32")


def literal(value: Any) -> str:
    """Source text of a Python literal (strings are always escaped with ``repr``)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "float('nan')"
        if math.isinf(value):
            return "float('inf')" if value > 0 else "float('-inf')"
        return repr(value)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, tuple):
        items = ", ".join(literal(v) for v in value)
        return f"({items},)" if len(value) == 1 else f"({items})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot render {type(value).__name__} as a literal")


class Renderer:
    """Turns expression trees into source text for one node.

    Args:
        ref: Maps an input index to its variable name.
        self_layer: Source text of the node's own layer (``self.conv1``).
        const: Maps a constant key to its source text (``self.fc_weight``).
    """

    def __init__(
        self, ref: Callable[[int], str], self_layer: str, const: Callable[[str], str],
        value: Callable[[str], str] | None = None,
    ) -> None:
        self._ref = ref
        self._self_layer = self_layer
        self._const = const
        self._value = value

    def expr(self, e: Any) -> str:
        """Render one expression."""
        if isinstance(e, Ref):
            return self._ref(e.index)
        if isinstance(e, Var):
            return e.name
        if isinstance(e, Value):
            if self._value is None:
                raise KeyError(e.name)
            return self._value(e.name)
        if isinstance(e, SelfLayer):
            return self._self_layer
        if isinstance(e, Const):
            return self._const(e.key)
        if isinstance(e, LayerCall):
            return f"{self._self_layer}({self._args(e.args, e.kwargs)})"
        if isinstance(e, DType):
            return f"ms.{e.name}"
        if isinstance(e, Call):
            return f"{e.func}({self._args(e.args, e.kwargs)})"
        if isinstance(e, Method):
            return f"{self._operand(e.value)}.{e.name}({self._args(e.args, e.kwargs)})"
        if isinstance(e, Attr):
            return f"{self._operand(e.value)}.{e.name}"
        if isinstance(e, Item):
            return f"{self._operand(e.value)}[{self._index(e.index)}]"
        if isinstance(e, BinOp):
            return f"{self._operand(e.left)} {e.op} {self._operand(e.right)}"
        if isinstance(e, UnaryOp):
            return f"{e.op}{self._operand(e.value)}"
        if isinstance(e, TupleOf):
            items = [self.expr(i) for i in e.items]
            return f"({items[0]},)" if len(items) == 1 else "(" + ", ".join(items) + ")"
        if isinstance(e, (tuple, list)) and any(_is_node(v) for v in e):
            return self.expr(TupleOf(tuple(e)))
        return literal(e)

    def _operand(self, e: Any) -> str:
        text = self.expr(e)
        if isinstance(e, (BinOp, UnaryOp)) or (
            isinstance(e, (int, float)) and not isinstance(e, bool) and e < 0
        ):
            return f"({text})"
        return text

    def _args(self, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> str:
        parts = [self.expr(a) for a in args]
        parts += [f"{k}={self.expr(v)}" for k, v in kwargs]
        return ", ".join(parts)

    def _index(self, index: Any) -> str:
        if isinstance(index, tuple):
            if len(index) == 1:
                return self._index(index[0]) + ","
            return ", ".join(self._index(i) for i in index)
        if isinstance(index, Slice):
            start = "" if index.start is None else self.expr(index.start)
            stop = "" if index.stop is None else self.expr(index.stop)
            text = f"{start}:{stop}"
            if index.step is not None:
                text += f":{self.expr(index.step)}"
            return text
        if index is Ellipsis:
            return "..."
        return self.expr(index)


def _is_node(value: Any) -> bool:
    if isinstance(value, (tuple, list)):
        return any(_is_node(v) for v in value)
    return isinstance(
        value, (Ref, Value, Var, SelfLayer, LayerCall, Const, Call, Method, BinOp, UnaryOp, Item,
                Attr, DType, TupleOf)
    )
