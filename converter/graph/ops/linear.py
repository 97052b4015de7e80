"""Linear algebra: Gemm, MatMul, Einsum.

Gemm with a constant 2-D weight becomes ``nn.Dense``; everything else is ``ops.matmul``.
Einsum has no CPU kernel in MindSpore: equations are lowered to ``ops.diagonal``, ``ops.sum``,
``ops.transpose``, ``ops.reshape`` and batched ``ops.matmul``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import float_attr
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.render import ms_dtype_name
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    CellDef,
    DType,
    LayerCall,
    LayerSpec,
    Method,
    ParamDef,
    Ref,
)


@register("Gemm", since=(1, 6, 7, 9, 11, 13))
def convert_gemm(ctx: ConvertContext) -> LayerSpec:
    """Gemm(A, B, C?; alpha, beta, transA, transB) → ``nn.Dense`` or ``ops.matmul`` (since 1-13).

    A constant 2-D B becomes the layer's weight (``alpha`` folded in) and a constant C that
    broadcasts along rows its bias (``beta`` folded in).
    """
    alpha = float_attr(ctx, "alpha", 1.0)
    beta = float_attr(ctx, "beta", 1.0)
    a = Ref(0) if not ctx.attr("transA", 0) else Call("ops.transpose", (Ref(0), (1, 0)))
    has_c = ctx.has_input(2) and beta != 0.0
    if ctx.is_const(1) and ctx.dtype(0) == np.float32 and ctx.rank(1) == 2:
        return _dense(ctx, a, alpha, beta, has_c)
    b = ctx.operand(1, inline=False)
    if ctx.attr("transB", 0):
        b = Call("ops.transpose", (b, (1, 0)))
    out: object = Call("ops.matmul", (a, b))
    if alpha != 1.0:
        out = BinOp("*", out, alpha)
    if has_c:
        out = BinOp("+", out, _scaled(ctx.operand(2), beta))
    return LayerSpec(out)


def _scaled(value: object, factor: float) -> object:
    return value if factor == 1.0 else BinOp("*", value, factor)


def _dense(ctx: ConvertContext, a: object, alpha: float, beta: float, has_c: bool) -> LayerSpec:
    weight = ctx.const(1)
    weight = weight if ctx.attr("transB", 0) else weight.T
    weight = np.ascontiguousarray(weight * np.float32(alpha) if alpha != 1.0 else weight,
                                  dtype=np.float32)
    out_features, in_features = (int(d) for d in weight.shape)
    params = [ParamDef("weight", weight, ctx.node.input[1])]
    bias_vector = None
    if has_c and ctx.is_const(2):
        c = ctx.const(2)
        if c.ndim <= 1 or (c.ndim == 2 and c.shape[0] == 1):
            bias_vector = np.broadcast_to(c.reshape(-1) * np.float32(beta), (out_features,))
            params.append(ParamDef("bias", np.ascontiguousarray(bias_vector, dtype=np.float32),
                                   ctx.node.input[2]))
    kwargs = () if bias_vector is not None else (("has_bias", False),)
    cell = CellDef("nn.Dense", (in_features, out_features), kwargs, tuple(params))
    out: object = LayerCall((a,))
    if has_c and bias_vector is None:
        out = BinOp("+", out, _scaled(ctx.operand(2), beta))
    comment = "Gemm alpha/beta folded into the weight and bias" if (
        alpha != 1.0 or (beta != 1.0 and bias_vector is not None)) else ""
    return LayerSpec(out, cell, comment=comment)


@register("MatMul", since=(1, 9, 13))
def convert_matmul(ctx: ConvertContext) -> LayerSpec:
    """MatMul(A, B) → ``ops.matmul`` (broadcasting; a constant B is a Parameter) (1, 9, 13).

    A batched A times a matrix B (B's leading dimensions all 1) is flattened to one 2-D
    ``ops.matmul`` and reshaped back: in graph mode MindSpore 2.10 (CPU) lowers a broadcasting
    ``ops.matmul`` to ``BroadcastTo(B)`` + ``BatchMatMul``, which copies B once per batch row
    (a (128, 1, 768) x (768, 2304) product: ~600 ms instead of ~6 ms).
    """
    a, b = ctx.operand(0, inline=False), ctx.operand(1, inline=False)
    try:  # inside a Loop/If body an outer value's shape may be unknown: plain matmul then
        a_shape, b_shape = ctx.shape(0), ctx.shape(1)
    except ConversionNotPossible:
        return LayerSpec(Call("ops.matmul", (a, b)))
    if not _flattens(a_shape, b_shape):
        return LayerSpec(Call("ops.matmul", (a, b)))
    if len(a_shape) > 2:
        a = Call("ops.reshape", (a, (-1, a_shape[-1])))
    if len(b_shape) > 2:
        b = Call("ops.reshape", (b, tuple(b_shape[-2:])))
    out = (1,) * (len(b_shape) - len(a_shape)) + tuple(a_shape[:-1]) + (b_shape[-1],)
    return LayerSpec(Call("ops.reshape", (Call("ops.matmul", (a, b)), out)))


def _flattens(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> bool:
    """Whether A @ B is one 2-D product: B a (batch-1) matrix, and A or B batched."""
    return (len(a_shape) >= 2 and len(b_shape) >= 2 and max(len(a_shape), len(b_shape)) > 2
            and math.prod(b_shape[:-2]) == 1 and 0 not in a_shape and 0 not in b_shape)


# -- Einsum -------------------------------------------------------------------------------------


@dataclass
class _Term:
    """An operand during lowering: its expression, one letter per axis, and its shape."""

    expr: object
    letters: list[str]
    shape: list[int]

    def transpose(self, letters: list[str]) -> _Term:
        order = tuple(self.letters.index(c) for c in letters)
        if order == tuple(range(len(order))):
            return self
        return _Term(Call("ops.transpose", (self.expr, order)), list(letters),
                     [self.shape[i] for i in order])

    def reshape(self, shape: list[int]) -> _Term:
        if list(shape) == self.shape:
            return self
        return _Term(Call("ops.reshape", (self.expr, tuple(shape))), [], list(shape))

    def sum(self, letters: list[str]) -> _Term:
        if not letters:
            return self
        axes = tuple(self.letters.index(c) for c in letters)
        keep = [i for i in range(len(self.letters)) if i not in axes]
        return _Term(Call("ops.sum", (self.expr, axes if len(axes) > 1 else axes[0])),
                     [self.letters[i] for i in keep], [self.shape[i] for i in keep])

    def diagonals(self) -> _Term:
        term = self
        while len(set(term.letters)) < len(term.letters):
            letter = next(c for c in term.letters if term.letters.count(c) > 1)
            i = term.letters.index(letter)
            j = term.letters.index(letter, i + 1)
            keep = [k for k in range(len(term.letters)) if k not in (i, j)]
            term = _Term(Call("ops.diagonal", (term.expr, 0, i, j)),
                         [term.letters[k] for k in keep] + [letter],
                         [term.shape[k] for k in keep] + [term.shape[i]])
        return term


def _parse_equation(equation: str, ranks: list[int]) -> tuple[list[list[str]], list[str]]:
    """Letters of every input and of the output, with ``...`` expanded to private letters."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    specs = lhs.split(",")
    if len(specs) != len(ranks):
        raise ConversionNotPossible("Einsum equation and inputs disagree")
    ellipsis_rank = max((r - len(s.replace("...", "")) for s, r in zip(specs, ranks)
                         if "..." in s), default=0)
    dots = [chr(0x391 + i) for i in range(ellipsis_rank)]  # Greek capitals: never in equations

    def expand(spec: str, rank: int | None) -> list[str]:
        if "..." not in spec:
            return list(spec)
        head, tail = spec.split("...")
        count = ellipsis_rank if rank is None else rank - len(head) - len(tail)
        return list(head) + dots[ellipsis_rank - count:] + list(tail)

    inputs = [expand(s, r) for s, r in zip(specs, ranks)]
    if arrow:
        output = expand(rhs, None)
    else:
        letters = [c for spec in inputs for c in spec if c not in dots]
        output = [d for d in dots if any(d in s for s in inputs)]
        output += sorted(c for c in set(letters) if letters.count(c) == 1)
    return inputs, output


def _contract(a: _Term, b: _Term, keep: set[str]) -> _Term:
    """Batched matmul of two terms; letters not in ``keep`` and shared are summed."""
    sizes = dict(zip(a.letters, a.shape))
    for c, n in zip(b.letters, b.shape):
        sizes[c] = max(sizes.get(c, 1), n)
    batch = [c for c in a.letters if c in b.letters and c in keep]
    inner = [c for c in a.letters if c in b.letters and c not in keep]
    a_only = [c for c in a.letters if c not in b.letters]
    b_only = [c for c in b.letters if c not in a.letters]
    a = _broadcast(a.transpose(batch + a_only + inner), sizes)
    b = _broadcast(b.transpose(batch + inner + b_only), sizes)

    def prod(letters: list[str]) -> int:
        return math.prod(sizes[c] for c in letters)

    nb = [prod(batch)] if batch else []
    lhs = a.reshape([*nb, prod(a_only), prod(inner)])
    rhs = b.reshape([*nb, prod(inner), prod(b_only)])
    out = _Term(Call("ops.matmul", (lhs.expr, rhs.expr)), [], [*nb, prod(a_only), prod(b_only)])
    letters = batch + a_only + b_only
    out = out.reshape([sizes[c] for c in letters])
    return _Term(out.expr, letters, [sizes[c] for c in letters])


def _broadcast(term: _Term, sizes: dict[str, int]) -> _Term:
    full = [sizes[c] for c in term.letters]
    if full == term.shape:
        return term
    return _Term(Call("ops.broadcast_to", (term.expr, tuple(full))), term.letters, full)


@register("Einsum", since=(12, 28))
def convert_einsum(ctx: ConvertContext) -> LayerSpec:
    """Einsum(inputs...; equation) → ``ops.matmul``/``ops.sum``/``ops.transpose``... (since 12, 28).

    MindSpore's ``ops.einsum`` has no CPU kernel, so the equation is lowered at conversion time.
    """
    ranks = [ctx.rank(i) for i in range(ctx.n_inputs)]
    inputs, output = _parse_equation(str(ctx.attr("equation")), ranks)
    narrow = ctx.dtype(0).name == "bfloat16"  # no bfloat16 CPU kernels: compute in float32
    terms = []
    for i, letters in enumerate(inputs):
        if len(letters) != ranks[i]:
            raise ConversionNotPossible("Einsum subscripts do not match the input rank")
        operand = ctx.operand(i, inline=False)
        if narrow:
            operand = Method(operand, "astype", (DType("float32"),))
        terms.append(_Term(operand, letters, list(ctx.shape(i))).diagonals())
    for index, term in enumerate(terms):
        others = {c for j, t in enumerate(terms) if j != index for c in t.letters}
        terms[index] = term.sum([c for c in term.letters if c not in others and c not in output])
    result = terms[0]
    for index, term in enumerate(terms[1:], start=1):
        keep = set(output) | {c for t in terms[index + 1:] for c in t.letters}
        result = _contract(result, term, keep)
    result = result.sum([c for c in result.letters if c not in output])
    result = result.transpose(output)
    if narrow:
        return LayerSpec(Method(result.expr, "astype", (DType("bfloat16"),)))
    dtype = ctx.dtype(0)
    if dtype.kind in "biu" and "ops.sum" in repr(result.expr):  # sums widen small integers
        return LayerSpec(Method(result.expr, "astype", (DType(ms_dtype_name(dtype)),)))
    return LayerSpec(result.expr)
