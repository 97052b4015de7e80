"""Element-wise arithmetic: Add, Sub, Mul, Div, Sum, Pow, Sqrt, Exp, Log, Erf, Neg..."""

from __future__ import annotations

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import call
from mindconverter.converter.graph.registry import register
from mindconverter.converter.graph.spec import BinOp, LayerSpec, Ref

_BINARY = {"Add": "+", "Sub": "-", "Mul": "*"}


@register("Add", since=(1, 6, 7, 13, 14))
@register("Sub", since=(1, 6, 7, 13, 14))
@register("Mul", since=(1, 6, 7, 13, 14))
def convert_arith(ctx: ConvertContext) -> LayerSpec:
    """Add/Sub/Mul(A, B) → ``a + b`` / ``a - b`` / ``a * b`` (since 1, 6, 7, 13, 14)."""
    return LayerSpec(BinOp(_BINARY[ctx.node.op_type], ctx.operand(0), ctx.operand(1)))


@register("Div", since=(1, 6, 7, 13, 14))
def convert_div(ctx: ConvertContext) -> LayerSpec:
    """Div(A, B) → ``a / b``; integer division truncates like ONNX (since 1, 6, 7, 13, 14)."""
    if ctx.out_dtype(0).kind in "iu":
        return call("ops.div", ctx.operand(0), ctx.operand(1), rounding_mode="trunc")
    return LayerSpec(BinOp("/", ctx.operand(0), ctx.operand(1)))
