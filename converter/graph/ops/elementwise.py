"""Element-wise arithmetic: Add, Sub, Mul, Div, Sum, Mean, Max, Min, Pow, Mod, unary math, bits.

MindSpore's CPU kernels lack some integer dtypes (``ops.maximum`` on uint16, ``ops.sign`` and
``ops.abs`` on small or unsigned ints, Python scalars mixed with uint16/32/64 tensors); the
converters widen to a dtype that gives exact results and cast back, so the output dtype is always
ONNX's.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import call
from mindconverter.converter.graph.registry import register
from mindconverter.converter.graph.render import ms_dtype_name
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    Const,
    DType,
    LayerSpec,
    Method,
    Ref,
)

_BINARY = {"Add": "+", "Sub": "-", "Mul": "*"}
# Python int scalars do not mix with these tensor dtypes in MindSpore ("implicit conversion").
_SCALAR_AS_TENSOR = {"uint16", "uint32", "uint64"}


def dtype_of(dtype: np.dtype | str) -> DType:
    """The ``ms.<dtype>`` literal of a NumPy dtype."""
    return DType(ms_dtype_name(dtype))


def astype(expr: Any, dtype: np.dtype | str) -> Method:
    """``expr.astype(ms.<dtype>)``."""
    return Method(expr, "astype", (dtype_of(dtype),))


def operand(ctx: ConvertContext, index: int) -> Any:
    """Input ``index`` of an element-wise node as an expression.

    Runtime inputs are references, one-element constants literals (wrapped in ``ms.Tensor`` for
    dtypes that do not accept Python scalars), bigger constants parameters. Opset < 7
    ``broadcast=1, axis=k`` operands are reshaped so that NumPy broadcasting aligns them at ``k``.
    """
    expr = ctx.operand(index)
    if isinstance(expr, (bool, int, float)):
        name = np.dtype(ctx.dtype(index)).name
        return Call("ms.Tensor", (expr, DType(name))) if name in _SCALAR_AS_TENSOR else expr
    if index == 1 and ctx.opset < 7 and ctx.attr("broadcast", 0) and "axis" in ctx.attrs:
        return _legacy_broadcast(ctx, expr)
    return expr


def _legacy_broadcast(ctx: ConvertContext, expr: Any) -> Any:
    rank_a, shape_b = ctx.rank(0), ctx.shape(1)
    axis = int(ctx.attr("axis"))
    axis = axis + rank_a if axis < 0 else axis
    trailing = rank_a - axis - len(shape_b)
    if trailing <= 0:
        return expr
    shape = tuple(shape_b) + (1,) * trailing
    if isinstance(expr, Const):
        return ctx.array_param(ctx.node.input[1] + "_aligned", ctx.const(1).reshape(shape))
    return Call("ops.reshape", (expr, shape))


def operands(ctx: ConvertContext) -> list[Any]:
    """Every input of a variadic node as an expression."""
    return [operand(ctx, i) for i in range(ctx.n_inputs) if ctx.has_input(i)]


# -- binary arithmetic ---------------------------------------------------------------------------
@register("Add", since=(1, 6, 7, 13, 14))
@register("Sub", since=(1, 6, 7, 13, 14))
@register("Mul", since=(1, 6, 7, 13, 14))
def convert_arith(ctx: ConvertContext) -> LayerSpec:
    """Add/Sub/Mul(A, B) → ``a + b`` / ``a - b`` / ``a * b`` (since 1, 6, 7, 13, 14).

    Graph mode has no uint32/uint64 Sub kernel on CPU: those subtract in int64, which wraps
    modulo 2**64 exactly like the unsigned types, and cast back.
    """
    op = _BINARY[ctx.node.op_type]
    dtype = ctx.out_dtype(0)
    if op == "-" and dtype.name in ("uint32", "uint64"):
        a, b = (widened(ctx, i, "int64") for i in (0, 1))
        return LayerSpec(astype(BinOp("-", a, b), dtype))
    return LayerSpec(BinOp(op, operand(ctx, 0), operand(ctx, 1)))


def widened(ctx: ConvertContext, index: int, dtype: str) -> Any:
    """Input ``index`` cast to ``dtype`` (a one-element constant stays a Python literal)."""
    expr = ctx.operand(index)
    return expr if isinstance(expr, (bool, int, float)) else astype(expr, dtype)


@register("Div", since=(1, 6, 7, 13, 14))
def convert_div(ctx: ConvertContext) -> LayerSpec:
    """Div(A, B) → ``a / b``; integer division truncates like ONNX (since 1, 6, 7, 13, 14)."""
    if ctx.out_dtype(0).kind in "iu":
        return call("ops.div", operand(ctx, 0), operand(ctx, 1), rounding_mode="trunc")
    return LayerSpec(BinOp("/", operand(ctx, 0), operand(ctx, 1)))


@register("Sum", since=(1, 6, 8, 13))
def convert_sum(ctx: ConvertContext) -> LayerSpec:
    """Sum(X1, X2, ...) → ``x1 + x2 + ...`` (since 1, 6, 8, 13)."""
    items = operands(ctx)
    return LayerSpec(reduce(lambda a, b: BinOp("+", a, b), items))


@register("Mean", since=(1, 6, 8, 13))
def convert_mean(ctx: ConvertContext) -> LayerSpec:
    """Mean(X1, X2, ...) → ``(x1 + x2 + ...) / n`` (since 1, 6, 8, 13)."""
    items = operands(ctx)
    if len(items) == 1:
        return LayerSpec(items[0])
    return LayerSpec(BinOp("/", reduce(lambda a, b: BinOp("+", a, b), items), float(len(items))))


@register("Max", since=(1, 6, 8, 12, 13))
@register("Min", since=(1, 6, 8, 12, 13))
def convert_max_min(ctx: ConvertContext) -> LayerSpec:
    """Max/Min(X1, X2, ...) → ``ops.maximum``/``ops.minimum`` pairwise (since 1, 6, 8, 12, 13)."""
    func = "ops.maximum" if ctx.node.op_type == "Max" else "ops.minimum"
    items = operands(ctx)
    if len(items) == 1:
        return LayerSpec(items[0])
    dtype = ctx.out_dtype(0)
    widen = func == "ops.maximum" and dtype.name == "uint16"  # no uint16 Maximum kernel on CPU
    if widen:
        items = [widened(ctx, i, "int32") for i in range(ctx.n_inputs) if ctx.has_input(i)]
    expr = reduce(lambda a, b: Call(func, (a, b)), items)
    return LayerSpec(astype(expr, dtype) if widen else expr)


@register("Pow", since=(1, 7, 12, 13, 15))
def convert_pow(ctx: ConvertContext) -> LayerSpec:
    """Pow(X, Y) → ``x ** y``; the result has X's dtype (since 1, 7, 12, 13, 15)."""
    base, exponent = operand(ctx, 0), ctx.operand(1)
    x_type, y_type = ctx.dtype(0), ctx.dtype(1)
    literal = not isinstance(exponent, (Ref, Const))
    if literal:
        exponent = int(exponent) if float(exponent).is_integer() else float(exponent)
    if x_type.kind != "f" and y_type.kind == "f":  # int ** float: compute in float64, cast back
        if not literal:
            exponent = astype(exponent, "float64")
        return LayerSpec(astype(BinOp("**", widened(ctx, 0, "float64"), exponent), x_type))
    if not literal and y_type != x_type:
        exponent = astype(exponent, x_type)
    return LayerSpec(BinOp("**", base, exponent))


# -- Mod and bit operations -----------------------------------------------------------------------
@register("Mod", since=(10, 13, 28))
def convert_mod(ctx: ConvertContext) -> LayerSpec:
    """Mod(A, B; fmod) → ``a % b`` (fmod=0) or ``ops.fmod`` (fmod=1) (since 10, 13, 28).

    Floats follow ONNX for an infinite divisor (``a`` for fmod=1; ``a`` or ``b`` by sign for
    fmod=0), which MindSpore's kernels turn into NaN; that guard is only emitted when B may hold
    an infinity (computed at run time, or a constant containing one).
    """
    fmod = int(ctx.attr("fmod", 0))
    dtype = ctx.out_dtype(0)
    if dtype.kind == "u":  # both rules agree on unsigned values
        return LayerSpec(_unsigned_mod(ctx, dtype))
    guard = dtype.kind == "f" and (not ctx.is_const(1) or bool(np.isinf(ctx.const(1)).any()))
    a, b = (_tensor_operand(ctx, i) if guard else operand(ctx, i) for i in (0, 1))
    expr: Any = Call("ops.fmod", (a, b)) if fmod else BinOp("%", a, b)
    if not guard:
        return LayerSpec(expr)
    at_inf = BinOp("&", Call("ops.isinf", (b,)), Call("ops.isfinite", (a,)))
    kept = a if fmod else Call("ops.where", (BinOp("<", BinOp("*", a, b), 0), b, a))
    return LayerSpec(Call("ops.where", (at_inf, kept, expr)),
                     comment="ONNX Mod by an infinite divisor keeps the dividend")


def _unsigned_mod(ctx: ConvertContext, dtype: np.dtype) -> Any:
    """Unsigned remainder with the kernels MindSpore's CPU has in both modes.

    ``%`` (FloorMod) only exists for uint8; graph mode also lacks uint32/uint64 ``ops.remainder``:
    uint32 goes exactly through int64, uint64 has no wider type (PyNative only).
    """
    if dtype.name == "uint32":
        a, b = (widened(ctx, i, "int64") for i in (0, 1))
        return astype(Call("ops.remainder", (a, b)), dtype)
    a, b = operand(ctx, 0), operand(ctx, 1)
    return BinOp("%", a, b) if dtype.name == "uint8" else Call("ops.remainder", (a, b))


@register("BitShift", since=(11, 28))
def convert_bit_shift(ctx: ConvertContext) -> LayerSpec:
    """BitShift(X, Y; direction) → ``ops.bitwise_left_shift``/``ops.bitwise_right_shift``
    (since 11, 28).

    Shift amounts outside ``[0, bits)`` give ONNX's sign fill (MindSpore's kernels wrap them);
    the guard is only emitted when Y may hold such amounts.
    """
    left = ctx.attr("direction", "LEFT").upper() == "LEFT"
    func = "ops.bitwise_left_shift" if left else "ops.bitwise_right_shift"
    dtype = ctx.out_dtype(0)
    bits = dtype.itemsize * 8
    if ctx.is_const(1) and bool(((ctx.const(1) >= 0) & (ctx.const(1) < bits)).all()):
        return call(func, operand(ctx, 0), operand(ctx, 1))
    x, y = _tensor_operand(ctx, 0), _tensor_operand(ctx, 1)
    shifted = Call(func, (x, y))
    in_range: Any = BinOp("<", y, _scalar(bits, dtype))
    if dtype.kind == "i":
        in_range = BinOp("&", BinOp(">=", y, 0), in_range)
    fill = (Call(func, (x, bits - 1)) if dtype.kind == "i" and not left
            else Call("ops.zeros_like", (x,)))
    return LayerSpec(Call("ops.where", (in_range, shifted, fill)),
                     comment=f"ONNX shifts by amounts outside [0, {bits}) give the sign fill")


def _tensor_operand(ctx: ConvertContext, index: int) -> Any:
    """Input ``index`` as a tensor (constants become parameters, never literals)."""
    return ctx.const_param(index) if ctx.is_const(index) else Ref(index)


def _scalar(value: int, dtype: np.dtype) -> Any:
    return Call("ms.Tensor", (value, dtype_of(dtype))) if dtype.name in _SCALAR_AS_TENSOR else value


@register("BitwiseAnd", since=18)
@register("BitwiseOr", since=18)
@register("BitwiseXor", since=18)
def convert_bitwise(ctx: ConvertContext) -> LayerSpec:
    """BitwiseAnd/Or/Xor(A, B) → ``a & b`` / ``a | b`` / ``a ^ b`` (since 18)."""
    op = {"BitwiseAnd": "&", "BitwiseOr": "|", "BitwiseXor": "^"}[ctx.node.op_type]
    return LayerSpec(BinOp(op, operand(ctx, 0), operand(ctx, 1)))


@register("BitwiseNot", since=18)
def convert_bitwise_not(ctx: ConvertContext) -> LayerSpec:
    """BitwiseNot(X) → ``ops.invert`` (since 18)."""
    return call("ops.invert", Ref(0))


# -- unary math ---------------------------------------------------------------------------------
def _unary(
    op_type: str, func: str, since: tuple[int, ...]
) -> Callable[[ConvertContext], LayerSpec]:
    """Register ``op_type(X) → func(x)`` as ``convert_<op_type>``."""

    def convert(ctx: ConvertContext) -> LayerSpec:
        return call(func, Ref(0))

    convert.__name__ = convert.__qualname__ = f"convert_{op_type.lower()}"
    convert.__doc__ = f"{op_type}(X) → ``{func}`` (since {', '.join(map(str, since))})."
    return register(op_type, since=since)(convert)


_UNARY = {
    "Sqrt": ("ops.sqrt", (1, 6, 13)),
    "Exp": ("ops.exp", (1, 6, 13)),
    "Log": ("ops.log", (1, 6, 13)),
    "Erf": ("ops.erf", (9, 13)),
    "Reciprocal": ("ops.reciprocal", (1, 6, 13)),
    "Floor": ("ops.floor", (1, 6, 13)),
    "Ceil": ("ops.ceil", (1, 6, 13)),
    "Round": ("ops.round", (11, 22)),
    "Sin": ("ops.sin", (7, 22)),
    "Cos": ("ops.cos", (7, 22)),
    "Tan": ("ops.tan", (7, 22)),
    "Asin": ("ops.asin", (7, 22)),
    "Acos": ("ops.acos", (7, 22)),
    "Atan": ("ops.atan", (7, 22)),
    "Sinh": ("ops.sinh", (9, 22)),
    "Cosh": ("ops.cosh", (9, 22)),
    "Asinh": ("ops.asinh", (9, 22)),
    "Acosh": ("ops.acosh", (9, 22)),
    "Atanh": ("ops.atanh", (9, 22)),
}
for _op, (_func, _since) in _UNARY.items():
    _unary(_op, _func, _since)


@register("Neg", since=(1, 6, 13))
def convert_neg(ctx: ConvertContext) -> LayerSpec:
    """Neg(X) → ``ops.neg`` (since 1, 6, 13)."""
    return call("ops.neg", Ref(0))


@register("Abs", since=(1, 6, 13))
def convert_abs(ctx: ConvertContext) -> LayerSpec:
    """Abs(X) → ``ops.abs``; unsigned values are their own absolute value (since 1, 6, 13)."""
    if ctx.dtype(0).kind == "u":
        return LayerSpec(Ref(0))
    return call("ops.abs", Ref(0))


@register("Sign", since=(9, 13))
def convert_sign(ctx: ConvertContext) -> LayerSpec:
    """Sign(X) → ``ops.sign`` (int8/16 and unsigned through a wider dtype) (since 9, 13)."""
    dtype = ctx.dtype(0)
    if dtype.kind == "f" or dtype.name in ("int32", "int64"):
        return call("ops.sign", Ref(0))
    wide = "float64" if dtype.name == "uint64" else "int64"
    return LayerSpec(astype(Call("ops.sign", (astype(Ref(0), wide),)), dtype))
