"""Sequence values (``seq(tensor)``) as Python tuples of tensors in ``construct``.

A sequence's element count and element shapes are static: they come from the sample run that
fills the shapes (:attr:`ValueInfo.elements`), as a Reshape's output shape does. Tuples of
tensors work in both MindSpore modes (constant indices, slices, ``+``, ``len``), so every
sequence operation is a tuple expression:

* SequenceConstruct ``(a, b)``, SequenceEmpty ``()``, SequenceAt ``s[k]``,
  SequenceInsert ``s[:k] + (t,) + s[k:]``, SequenceErase ``s[:k] + s[k + 1:]``,
  SequenceLength ``ms.Tensor(len(s), ms.int64)``;
* ConcatFromSequence ``ops.concat(s, axis)`` / ``ops.stack(s, axis)``;
* SplitToSequence ``ops.split(x, sizes, axis)`` / ``ops.unstack(x, axis)``.

Positions must be constants (a tuple index must be known when graph mode compiles), except
SequenceAt on a sequence of same-shaped elements, which stacks them and indexes the stack.
"""

from __future__ import annotations

from typing import Any

import onnx
from mindconverter.converter.graph.context import ConvertContext, ValueInfo
from mindconverter.converter.graph.ops.common import int_tuple, norm_axis
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import (
    Assign,
    BinOp,
    Call,
    DType,
    Item,
    LayerSpec,
    Method,
    Output,
    Ref,
    Slice,
    TupleOf,
    kw,
)


def elements_of(ctx: ConvertContext, name: str) -> tuple[ValueInfo, ...]:
    """The elements of sequence value ``name``.

    Raises:
        ConversionNotPossible: When no sample run counted them.
    """
    info = ctx._values.get(name)
    if info is None or info.elements is None:
        raise ConversionNotPossible(f"the elements of sequence '{name}' are unknown")
    return info.elements


def _position(ctx: ConvertContext, index: int, count: int, default: int,
              insert: bool = False) -> int:
    """Constant position input ``index`` (or ``default``), made non-negative."""
    if not ctx.has_input(index):
        return default
    if not ctx.is_const(index):
        raise ConversionNotPossible(
            f"the position of {ctx.node.op_type} is computed at run time; a tuple index must "
            "be a constant in MindSpore")
    pos = int(ctx.const(index).reshape(-1)[0])
    high = count if insert else count - 1
    if not -count <= pos <= high:
        raise ConversionNotPossible(f"position {pos} is out of range for {count} element(s)")
    return pos + count if pos < 0 else pos


def _element(ctx: ConvertContext, index: int) -> Any:
    """Input ``index`` as a tuple element: a constant is a parameter, read as a plain tensor
    (``ops.stack`` refuses a tuple mixing parameters and tensors)."""
    operand = ctx.operand(index, inline=False)
    return operand if isinstance(operand, Ref) else Method(operand, "value")


@register("SequenceConstruct", since=(11,))
def convert_sequence_construct(ctx: ConvertContext) -> LayerSpec:
    """SequenceConstruct(inputs...) → a tuple ``(a, b, ...)`` (since 11)."""
    return LayerSpec(TupleOf(tuple(_element(ctx, i) for i in range(ctx.n_inputs))))


@register("SequenceEmpty", since=(11,))
def convert_sequence_empty(ctx: ConvertContext) -> LayerSpec:
    """SequenceEmpty(; dtype) → ``()`` (since 11)."""
    return LayerSpec(TupleOf(()))


@register("SequenceLength", since=(11,))
def convert_sequence_length(ctx: ConvertContext) -> LayerSpec:
    """SequenceLength(S) → ``ms.Tensor(len(S), ms.int64)`` (since 11)."""
    return LayerSpec(Call("ms.Tensor", (Call("len", (Ref(0),)), DType("int64"))))


@register("SequenceAt", since=(11,))
def convert_sequence_at(ctx: ConvertContext) -> LayerSpec:
    """SequenceAt(S, position) → ``S[k]`` (since 11)."""
    elements = elements_of(ctx, ctx.node.input[0])
    if ctx.is_const(1):
        return LayerSpec(Item(Ref(0), _position(ctx, 1, len(elements), 0)))
    facts = {(e.shape, e.dtype) for e in elements}
    if len(facts) != 1:
        raise ConversionNotPossible(
            "SequenceAt with a position computed at run time needs elements of one shape "
            f"(they have {len(facts)} different shapes/dtypes)")
    index = Ref(1) if ctx.rank(1) == 0 else Call("ops.reshape", (Ref(1), ()))
    return LayerSpec(Item(Call("ops.stack", (Ref(0),)), index),
                     comment="the position is computed at run time: index the stacked elements")


@register("SequenceInsert", since=(11,))
def convert_sequence_insert(ctx: ConvertContext) -> LayerSpec:
    """SequenceInsert(S, tensor, position?) → ``S[:k] + (t,) + S[k:]`` (since 11)."""
    count = len(elements_of(ctx, ctx.node.input[0]))
    pos = _position(ctx, 2, count, count, insert=True)
    item = TupleOf((_element(ctx, 1),))
    if pos == count:
        return LayerSpec(BinOp("+", Ref(0), item))
    if pos == 0:
        return LayerSpec(BinOp("+", item, Ref(0)))
    head, tail = Item(Ref(0), Slice(None, pos)), Item(Ref(0), Slice(pos, None))
    return LayerSpec(BinOp("+", BinOp("+", head, item), tail))


@register("SequenceErase", since=(11,))
def convert_sequence_erase(ctx: ConvertContext) -> LayerSpec:
    """SequenceErase(S, position?) → ``S[:k] + S[k + 1:]`` (since 11)."""
    count = len(elements_of(ctx, ctx.node.input[0]))
    if count == 0:
        raise ConversionNotPossible("SequenceErase on an empty sequence")
    pos = _position(ctx, 1, count, count - 1)
    if pos == count - 1:
        return LayerSpec(Item(Ref(0), Slice(None, pos)))
    if pos == 0:
        return LayerSpec(Item(Ref(0), Slice(1, None)))
    return LayerSpec(BinOp("+", Item(Ref(0), Slice(None, pos)), Item(Ref(0), Slice(pos + 1))))


@register("ConcatFromSequence", since=(11,))
def convert_concat_from_sequence(ctx: ConvertContext) -> LayerSpec:
    """ConcatFromSequence(S; axis, new_axis) → ``ops.concat``/``ops.stack`` (since 11)."""
    elements = elements_of(ctx, ctx.node.input[0])
    if not elements or elements[0].shape is None:
        raise ConversionNotPossible("ConcatFromSequence needs a non-empty sequence")
    rank = len(elements[0].shape)
    new_axis = bool(ctx.attr("new_axis", 0))
    axis = norm_axis(int(ctx.attr("axis")), rank + 1 if new_axis else rank)
    return LayerSpec(Call("ops.stack" if new_axis else "ops.concat", (Ref(0), axis)))


@register("SplitToSequence", since=(11, 24))
def convert_split_to_sequence(ctx: ConvertContext) -> LayerSpec:
    """SplitToSequence(input, split?; axis, keepdims) → ``ops.split``/``ops.unstack``
    (since 11, 24)."""
    shape = ctx.shape(0)
    axis = norm_axis(int(ctx.attr("axis", 0)), len(shape))
    if not ctx.has_input(1):
        if ctx.attr("keepdims", 1):
            return LayerSpec(Call("ops.split", (Ref(0), 1, axis)))
        return LayerSpec(Call("ops.unstack", (Ref(0),), kw(axis=axis)))
    sizes = _split_sizes(ctx, shape[axis], axis)
    split: Any = Call("ops.split", (Ref(0), sizes, axis))
    return LayerSpec(split, comment="" if ctx.is_const(1) else
                     "split sizes of the sample input (computed at run time in ONNX)")


def _split_sizes(ctx: ConvertContext, length: int, axis: int) -> tuple[int, ...]:
    """Section sizes: from the constant ``split`` input, or the sampled output's elements."""
    if not ctx.is_const(1):
        elements = elements_of(ctx, ctx.node.output[0])
        return tuple(int(e.shape[axis]) for e in elements if e.shape is not None)
    split = ctx.const(1)
    if split.ndim:
        return int_tuple(split)
    chunk = int(split.reshape(()))
    if chunk <= 0:
        raise ConversionNotPossible(f"split size {chunk} must be positive")
    return tuple(min(chunk, length - start) for start in range(0, length, chunk))


@register("SequenceMap", since=(17,))
def convert_sequence_map(ctx: ConvertContext) -> LayerSpec:
    """SequenceMap(S, other...; body) → the body unrolled once per element (since 17).

    Elements may differ in shape, so each copy of the body is converted for its element (its
    values renamed ``<name>_e<k>``); output ``j`` is the tuple of the copies' ``j``-th results.
    """
    from mindconverter.converter.graph.ops.controlflow import convert_subgraph

    graph = ctx.attr("body")
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
           for n in graph.node for a in n.attribute):
        raise ConversionNotPossible("SequenceMap bodies with nested subgraphs are not converted")
    inputs = [_map_input(ctx, i) for i in range(ctx.n_inputs)]
    count = len(inputs[0][1] or ())
    steps: list[Any] = []
    results: list[list[Any]] = [[] for _ in graph.output]
    for k in range(count):
        formal = [info if elements is None else elements[k] for info, elements in inputs]
        binds = [Ref(i) if elements is None else Item(Ref(i), k)
                 for i, (_, elements) in enumerate(inputs)]
        body = convert_subgraph(ctx, _renamed(graph, f"_e{k}"), formal, binds)
        steps.extend(body.steps)
        for j, out in enumerate(body.outputs):
            results[j].append(out)
    steps.extend(Assign(Output(j), TupleOf(tuple(items))) for j, items in enumerate(results)
                 if j < ctx.n_outputs and ctx.node.output[j])
    return LayerSpec(None, steps=tuple(steps), comment=f"ONNX SequenceMap over {count} element(s)")


def _map_input(ctx: ConvertContext, index: int
               ) -> tuple[ValueInfo | None, tuple[ValueInfo, ...] | None]:
    """(facts, elements): a sequence input has its elements, a tensor input its facts."""
    name = ctx.node.input[index]
    if name in ctx._constants:
        value = ctx._constants[name]
        return ValueInfo(tuple(value.shape), value.dtype), None
    info = ctx._values.get(name)
    if index == 0 or (info is not None and info.elements is not None):
        return info, elements_of(ctx, name)
    return info, None


def _renamed(graph: onnx.GraphProto, suffix: str) -> onnx.GraphProto:
    """A copy of ``graph`` whose own values (inputs, initializers, node outputs) end with
    ``suffix``; values read from enclosing graphs keep their names."""
    local = {vi.name for vi in graph.input} | {t.name for t in graph.initializer}
    local |= {o for n in graph.node for o in n.output if o}
    copy = onnx.GraphProto()
    copy.CopyFrom(graph)

    def rename(name: str) -> str:
        return name + suffix if name in local else name

    for vi in [*copy.input, *copy.output, *copy.value_info]:
        vi.name = rename(vi.name)
    for t in copy.initializer:
        t.name = rename(t.name)
    for node in copy.node:
        node.input[:] = [rename(n) for n in node.input]
        node.output[:] = [rename(n) for n in node.output]
        node.name = rename(node.name) if node.name else node.name
    return copy
