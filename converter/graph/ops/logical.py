"""Comparisons and logic: Equal, Less, Greater (OrEqual), And, Or, Xor, Not, IsNaN, IsInf."""

from __future__ import annotations

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import call
from mindconverter.converter.graph.ops.elementwise import operand
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import BinOp, Call, DType, LayerSpec, Ref, kw

_COMPARE = {"Equal": "==", "Less": "<", "LessOrEqual": "<=", "Greater": ">", "GreaterOrEqual": ">="}
_LOGIC = {"And": "ops.logical_and", "Or": "ops.logical_or", "Xor": "ops.logical_xor"}


@register("Equal", since=(1, 7, 11, 13, 19))
@register("Less", since=(1, 7, 9, 13))
@register("Greater", since=(1, 7, 9, 13))
@register("LessOrEqual", since=(12, 16))
@register("GreaterOrEqual", since=(12, 16))
def convert_compare(ctx: ConvertContext) -> LayerSpec:
    """Equal/Less/Greater/LessOrEqual/GreaterOrEqual(A, B) → ``a == b``, ``a < b``... (since 1+)."""
    if ctx.dtype(0).kind in "OSU":
        raise ConversionNotPossible("MindSpore has no string tensors")
    return LayerSpec(BinOp(_COMPARE[ctx.node.op_type], operand(ctx, 0), operand(ctx, 1)))


@register("And", since=(1, 7))
@register("Or", since=(1, 7))
@register("Xor", since=(1, 7))
def convert_logic(ctx: ConvertContext) -> LayerSpec:
    """And/Or/Xor(A, B) → ``ops.logical_and``/``logical_or``/``logical_xor`` (since 1, 7)."""
    return call(_LOGIC[ctx.node.op_type], operand(ctx, 0), operand(ctx, 1))


@register("Not", since=1)
def convert_not(ctx: ConvertContext) -> LayerSpec:
    """Not(X) → ``ops.logical_not`` (since 1)."""
    return call("ops.logical_not", Ref(0))


@register("IsNaN", since=(9, 13, 20))
def convert_isnan(ctx: ConvertContext) -> LayerSpec:
    """IsNaN(X) → ``ops.isnan`` (since 9, 13, 20)."""
    return call("ops.isnan", Ref(0))


@register("IsInf", since=(10, 20))
def convert_isinf(ctx: ConvertContext) -> LayerSpec:
    """IsInf(X; detect_positive/negative) → ``ops.isinf`` or ``x == ±inf`` (since 10, 20)."""
    positive = int(ctx.attr("detect_positive", 1))
    negative = int(ctx.attr("detect_negative", 1))
    if positive and negative:
        return call("ops.isinf", Ref(0))
    if positive or negative:
        return LayerSpec(BinOp("==", Ref(0), float("inf") if positive else float("-inf")))
    return LayerSpec(Call("ops.zeros_like", (Ref(0),), kw(dtype=DType("bool_"))))
