"""Norms and closeness tests that the MindSpore 2.4 ops/nn table does not list.

``torch.norm``, ``torch.allclose`` and ``torch.equal`` appear only in the ``mint`` table, whose
kernels are missing on CPU in MindSpore 2.10 (``LinalgVectorNorm``, ``EqualExt``); these
matchers build the portable ``mindspore.ops`` form for the argument forms that give exactly the
torch result, and refuse the others with a hint. They only run for the ``nn_ops`` tier (or when
the selected tier has no entry), so ``--target mint`` keeps its own table.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from mindconverter.converter.ast.callargs import (
    ArgPlan,
    Bound,
    Spec,
    UnconvertibleError,
    attribute,
    keyword_arg,
    literal_number,
    literal_string,
    plan_arguments,
)
from mindconverter.converter.ast.matchers.layers import is_name
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register
from mindconverter.converter.ast.render import ImportPlanner

VECTOR_NORM = "mindspore.ops.vector_norm"
INFINITIES = frozenset({"math.inf", "np.inf", "numpy.inf"})


class PortableMatcher(CallMatcher):
    """Runs for the ``nn_ops`` tier; under ``mint`` only when that table has no target."""

    def applies(self) -> bool:
        """Leave a ``mindspore.mint`` entry of the mint tier to the generic path."""
        target = self.mapping.target if self.mapping is not None else None
        return self.tier == "nn_ops" or not (target or "").startswith("mindspore.mint.")

    def function_args(self, args: tuple[str, ...]) -> tuple[str, ...]:
        """The torch signature of the site: a method site has no ``input``."""
        return args[1:] if self.receiver else args


def is_number(expr: cst.BaseExpression | None) -> bool:
    """A number literal, ``float('inf')``-style call or ``math.inf`` (with an optional sign)."""
    if expr is None:
        return False
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    if literal_number(expr) is not None:
        return True
    if isinstance(expr, cst.Call) and is_name(expr.func, "float") and len(expr.args) == 1:
        text = literal_string(expr.args[0].value)
        return text is not None and text.strip().lstrip("+-").lower() in ("inf", "infinity")
    if isinstance(expr, cst.Attribute):
        return cst.Module(body=()).code_for_node(expr) in INFINITIES
    return False


def list_to_tuple(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``[0, 1]`` → ``(0, 1)`` (``ops.vector_norm`` rejects a list of axes)."""
    if not isinstance(expr, cst.List):
        return expr
    elements = list(expr.elements)
    if len(elements) == 1:
        elements = [elements[0].with_changes(comma=cst.Comma())]
    return cst.Tuple(
        elements=elements, lpar=expr.lpar or [cst.LeftParen()], rpar=expr.rpar or [cst.RightParen()]
    )


@register(
    "TorchNorm",
    sources=("torch.norm", "torch.Tensor.norm", "torch.linalg.vector_norm"),
    override=True,
)
class TorchNormMatcher(PortableMatcher):
    """``torch.norm(x, p, dim, keepdim)`` → ``ops.vector_norm(x, p, axis=dim, keepdims=keepdim)``.

    On CPU torch computes every numeric ``p`` (and ``'fro'``, the default) as a vector norm over
    ``dim`` (all elements when ``dim`` is None), which is ``ops.vector_norm``; ``ops.norm(x, 2)``
    of a matrix would be its largest singular value instead. ``'nuc'`` and a ``p`` that is not
    a literal are refused. ``x.norm(...)`` and ``torch.linalg.vector_norm`` share the rule.
    """

    def spec(self) -> Spec:
        """The vector-norm signature for this source."""
        linalg = self.source == "torch.linalg.vector_norm"
        order = "ord" if linalg else "p"
        args = ("input", order, "dim", "keepdim", "*", "dtype", "out")
        return Spec(
            target=VECTOR_NORM,
            args=self.function_args(args),
            rename={"input": "x", order: "ord", "dim": "axis", "keepdim": "keepdims"},
            unsupported=("out",),
            positional=1 if self.receiver else 2,
            status="renamed_args",
        )

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Check the order argument; rename the rest."""
        order = "ord" if "ord" in spec.rename else "p"
        value = bound.value(order)
        skip: tuple[str, ...] = ()
        text = literal_string(value)
        if order == "p" and (value is None or is_name(value, "None") or text == "fro"):
            skip = ("p",)  # the 2-norm: vector_norm's default
        elif order == "p" and text is not None:
            raise UnconvertibleError(
                f"p={text!r} is a matrix norm; write ops.norm(x, {text!r}, dim) for 2-D input."
            )
        elif order == "p" and value is not None and not is_number(value):
            raise UnconvertibleError(
                "p must be a number literal or 'fro' (a string p is a matrix norm); "
                "for a numeric p write ops.vector_norm(x, p, axis=dim, keepdims=keepdim)."
            )
        plan = plan_arguments(spec, bound, skip=skip)
        dim_index = bound.params.get("dim")
        for out in plan.args:
            if dim_index is not None and out.source == dim_index:
                out.transform = list_to_tuple
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


@register("AllClose", sources=("torch.allclose", "torch.Tensor.allclose"))
class AllCloseMatcher(PortableMatcher):
    """``torch.allclose(a, b, rtol, atol, equal_nan)`` → ``bool(ops.isclose(a, b, ...).all())``.

    ``ops.isclose`` broadcasts and has torch's parameter names and defaults; ``bool`` keeps
    torch's Python ``bool`` result.
    """

    def spec(self) -> Spec:
        """``ops.isclose`` takes the torch arguments unchanged."""
        args = ("input", "other", "rtol", "atol", "equal_nan")
        return Spec(
            target="mindspore.ops.isclose",
            args=self.function_args(args),
            positional=4 if self.receiver else 5,
            status="renamed_args",
        )

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """The generic call, reduced with ``.all()`` and made a ``bool``."""
        plan = super().make(spec, bound)
        plan.wrap = _all_as_bool
        return plan


def _all_as_bool(call: cst.BaseExpression) -> cst.BaseExpression:
    reduced = cst.Call(func=attribute(call, "all"))
    return cst.Call(func=cst.Name("bool"), args=[cst.Arg(reduced)])


@register("TorchEqual", sources=("torch.equal", "torch.Tensor.equal"))
class TorchEqualMatcher(PortableMatcher):
    """``torch.equal(a, b)`` → ``a.shape == b.shape and bool(ops.equal(a, b).all())``.

    ``ops.equal`` broadcasts, so the shapes are compared first (torch is False for different
    shapes). Both operands appear twice: only names and attributes are accepted.
    """

    def spec(self) -> Spec:
        """Two tensors, nothing else."""
        return Spec(
            target="mindspore.ops.equal",
            args=self.function_args(("input", "other")),
            status="renamed_args",
        )

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Refuse operands that would be evaluated twice."""
        if bound.stars or bound.extra_positional:
            raise UnconvertibleError("unexpected arguments")
        names = spec.args
        operands = [bound.value(name) for name in names]
        if self.receiver:
            assert isinstance(bound.call.func, cst.Attribute)
            operands.insert(0, bound.call.func.value)
        if len(operands) != 2 or not all(_plain(op) for op in operands):
            raise UnconvertibleError(
                "Both tensors must be names or attributes (each is used twice): "
                "a.shape == b.shape and bool(ops.equal(a, b).all())."
            )
        indices = [bound.params[name] for name in names]
        return self.finish(
            CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=self._builder(indices))
        )

    def _builder(
        self, indices: list[int]
    ) -> Callable[[cst.Call, ImportPlanner], cst.BaseExpression]:
        receiver = self.receiver

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            values = [updated.args[i].value for i in indices]
            if receiver:
                assert isinstance(updated.func, cst.Attribute)
                values.insert(0, updated.func.value)
            first, second = values
            same_shape = cst.Comparison(
                left=attribute(first, "shape"),
                comparisons=[cst.ComparisonTarget(cst.Equal(), attribute(second, "shape"))],
            )
            equal = cst.Call(
                planner.render("mindspore.ops.equal"), [cst.Arg(first), cst.Arg(second)]
            )
            return cst.BooleanOperation(
                left=same_shape, operator=cst.And(), right=_all_as_bool(equal)
            )

        return build


def _plain(expr: cst.BaseExpression | None) -> bool:
    if isinstance(expr, cst.Name):
        return True
    return isinstance(expr, cst.Attribute) and _plain(expr.value)


@register("FunctionalNormalize", sources=("torch.nn.functional.normalize",), override=True)
class FunctionalNormalizeMatcher(PortableMatcher):
    """``F.normalize(x, 2, dim, eps)`` → ``ops.L2Normalize(axis=dim, epsilon=eps ** 2)(x)``.

    torch divides by ``max(||x||_2, eps)``; the primitive by ``sqrt(max(sum(x ** 2), epsilon))``,
    the same value when ``epsilon = eps ** 2``. Only ``p=2`` and one axis are converted.
    """

    def spec(self) -> Spec:
        """The torch signature; the target is the primitive."""
        return Spec(
            target="mindspore.ops.L2Normalize",
            args=("input", "p", "dim", "eps", "out"),
            unsupported=("out",),
            status="renamed_args",
        )

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Check ``p``, ``dim`` and ``eps``; build the primitive call."""
        if bound.stars or bound.extra_positional:
            raise UnconvertibleError("unexpected arguments")
        plan_arguments(spec, bound, skip=("input", "p", "dim", "eps"))  # checks 'out'
        p = bound.value("p")
        if p is not None and literal_number(p) != 2.0:
            raise UnconvertibleError(
                "Only p=2 is converted; for another p write "
                "x / ops.clamp(ops.vector_norm(x, p, axis=dim, keepdims=True), min=eps)."
            )
        dim = bound.value("dim")
        if isinstance(dim, (cst.Tuple, cst.List)) and len(dim.elements) != 1:
            raise UnconvertibleError("ops.L2Normalize normalises over one axis only.")
        eps = bound.value("eps")
        if eps is not None and literal_number(eps) == 0.0:
            raise UnconvertibleError("eps=0 has no counterpart (epsilon must be positive).")
        if "input" not in bound.params:
            raise UnconvertibleError("input is required.")
        params = dict(bound.params)
        plan = CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=_normalize(params))
        plan.notes.append("float16 input needs eps ** 2 > 0 in float16 (eps >= 3e-4)")
        return self.finish(plan)


def _normalize(params: dict[str, int]) -> Callable[[cst.Call, ImportPlanner], cst.BaseExpression]:
    def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
        value = {name: updated.args[index].value for name, index in params.items()}
        dim = value.get("dim", cst.Integer("1"))
        if isinstance(dim, (cst.Tuple, cst.List)):
            dim = dim.elements[0].value
        prim = cst.Call(
            planner.render("mindspore.ops.L2Normalize"),
            [keyword_arg("axis", dim), keyword_arg("epsilon", _squared(value.get("eps")))],
        )
        return cst.Call(prim, [cst.Arg(value["input"])])

    return build


def _squared(eps: cst.BaseExpression | None) -> cst.BaseExpression:
    """``eps ** 2``, folded for a literal (torch's default eps is 1e-12)."""
    number = 1e-12 if eps is None else literal_number(eps)
    if number is not None:
        return cst.Float(repr(float(format(number * number, ".12g"))))
    assert eps is not None
    base = (
        eps
        if isinstance(eps, (cst.Name, cst.Attribute)) or eps.lpar
        else eps.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    )
    return cst.BinaryOperation(left=base, operator=cst.Power(), right=cst.Integer("2"))
