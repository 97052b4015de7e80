"""What a converter returns: a small expression IR and a frozen :class:`LayerSpec`.

Converters never write code strings. They describe the MindSpore layer to build in ``__init__``
(:class:`CellDef`) and the expression to evaluate in ``construct`` (an :data:`Expr` tree); the
emitter renders both, and the weight writer saves :class:`ParamDef` arrays.

Plain Python literals (``int``, ``float``, ``bool``, ``None``, ``str`` and tuples/lists of
them) may appear wherever an expression is expected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

import numpy as np


@dataclass(frozen=True)
class Ref:
    """The node's ``index``-th input (a runtime value)."""

    index: int


@dataclass(frozen=True)
class Value:
    """An ONNX value by name, wherever it was computed (e.g. a graph input's shape)."""

    name: str


@dataclass(frozen=True)
class Var:
    """A variable of ``construct`` by its final Python name (used by the emitter)."""

    name: str


@dataclass(frozen=True)
class SelfLayer:
    """``self.<layer>``: the node's own layer built from :attr:`LayerSpec.cell`."""


@dataclass(frozen=True)
class LayerCall:
    """``self.<layer>(*args, **kwargs)``: calls the node's own layer."""

    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Const:
    """A constant tensor stored as a parameter of the network (registered by the context)."""

    key: str


@dataclass(frozen=True)
class Call:
    """``func(*args, **kwargs)``; ``func`` is a dotted name such as ``ops.reshape``."""

    func: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Method:
    """``value.name(*args, **kwargs)``."""

    value: Any
    name: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class BinOp:
    """``left <op> right`` with ``op`` one of ``+ - * / // % ** @ & | ^ == != < <= > >=``."""

    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class UnaryOp:
    """``<op>value`` with ``op`` one of ``-``, ``~``, ``not ``."""

    op: str
    value: Any


@dataclass(frozen=True)
class Item:
    """``value[index]``; ``index`` is a literal, a :class:`Slice` or a tuple of them."""

    value: Any
    index: Any


@dataclass(frozen=True)
class Slice:
    """``start:stop:step`` inside an :class:`Item` index."""

    start: Any = None
    stop: Any = None
    step: Any = None


@dataclass(frozen=True)
class Attr:
    """``value.name`` (e.g. ``x.shape``)."""

    value: Any
    name: str


@dataclass(frozen=True)
class DType:
    """A MindSpore dtype literal, ``ms.<name>`` (``float32``, ``int64``, ``bool_``...)."""

    name: str


@dataclass(frozen=True)
class TupleOf:
    """A tuple built from expressions, ``(a, b, ...)``."""

    items: tuple[Any, ...]


@dataclass(frozen=True)
class Temp:
    """A temporary of the node, bound by an :class:`Assign` step (named after the node)."""

    name: str


@dataclass(frozen=True)
class Output:
    """The node's ``index``-th output variable, when steps bind it (``LayerSpec.expr=None``)."""

    index: int


Expr = Union[  # noqa: UP007 (Any in a | union reads badly; kept as before)
    Ref, Value, Var, SelfLayer, LayerCall, Const, Call, Method, BinOp, UnaryOp, Item, Attr, DType,
    TupleOf, Temp, Output, Any
]


# -- statements: preliminary steps of a node ----------------------------------------------------
@dataclass(frozen=True)
class Assign:
    """``target = expr``; ``target`` is a :class:`Temp`, an :class:`Output`, or a tuple of them
    (unpacking). A self-assignment is not written."""

    target: Any
    expr: Any


@dataclass(frozen=True)
class Bind:
    """Makes ONNX value ``value`` (of a subgraph) another name of ``target`` (no line)."""

    value: str
    target: Any


@dataclass(frozen=True)
class Do:
    """An expression evaluated for its effect (``items.append(x)``)."""

    expr: Any


@dataclass(frozen=True)
class Nested:
    """A converted node of a subgraph; its inputs and outputs are ONNX values by name.

    ``into`` writes some outputs straight into variables of the enclosing node, as
    ``(output index, Output(i) or Temp)`` pairs (an If branch computing the If's result).
    """

    node: Any
    base: str
    spec: LayerSpec
    into: tuple[tuple[int, Any], ...] = ()


@dataclass(frozen=True)
class IfStmt:
    """``if cond: body else: orelse``."""

    cond: Any
    body: tuple[Any, ...]
    orelse: tuple[Any, ...] = ()


@dataclass(frozen=True)
class ForRange:
    """``for target in range(count): body``."""

    target: Any
    count: Any
    body: tuple[Any, ...]


@dataclass(frozen=True)
class While:
    """``while cond: body``."""

    cond: Any
    body: tuple[Any, ...]


Step = Assign | Bind | Do | Nested | IfStmt | ForRange | While


@dataclass(frozen=True, eq=False)
class ParamDef:
    """A weight to save in the checkpoint.

    Attributes:
        name: Name local to its cell (``weight``), or the constant's key.
        value: The array, already in MindSpore's layout.
        source: The ONNX initializer(s) it came from (for the weight map).
        trainable: Whether the generated Parameter requires grad.
    """

    name: str
    value: np.ndarray
    source: str = ""
    trainable: bool = True


@dataclass(frozen=True)
class CellDef:
    """A MindSpore layer built in ``__init__``: ``ctor(*args, **kwargs)``.

    Attributes:
        ctor: Dotted constructor, e.g. ``nn.Conv2d``.
        args: Positional literal arguments.
        kwargs: Keyword literal arguments.
        params: Values for the layer's own parameters, by their local names.
    """

    ctor: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    params: tuple[ParamDef, ...] = ()


@dataclass(frozen=True)
class LayerSpec:
    """What one ONNX node becomes.

    Attributes:
        expr: The ``construct`` expression. For a node with several outputs it yields a tuple
            with one item per declared output. A bare :class:`Ref` makes the node an alias
            (no line is emitted).
        cell: The layer to build in ``__init__`` (referenced by :class:`SelfLayer`).
        comment: A short note written above the ``construct`` line.
        steps: Statements written before the expression: temporaries computed once
            (:class:`Assign` to a :class:`Temp`), control flow, converted subgraph nodes. With
            ``expr=None`` the steps bind every output (:class:`Output`) themselves.
    """

    expr: Expr
    cell: CellDef | None = None
    comment: str = ""
    steps: tuple[Any, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def kw(**kwargs: Any) -> tuple[tuple[str, Any], ...]:
    """Keyword arguments as the ordered tuple the spec types store."""
    return tuple(kwargs.items())
