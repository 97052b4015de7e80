"""``x.new_ones(2, 3)``-style tensor factories: sizes packed, ``new_full`` without its kernel.

MindSpore 2.10's ``Tensor.new_ones``/``new_zeros`` take the size as one argument (varargs give
"argument 'dtype' (position 2) must be mstype"), and ``Tensor.new_full`` runs on Ascend only.
Like torch, the result has the receiver's dtype unless ``dtype`` is given.
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
)
from mindconverter.converter.ast.matchers.layers import is_name
from mindconverter.converter.ast.matchers.norms import PortableMatcher
from mindconverter.converter.ast.matchers.registry import CallPlan, register
from mindconverter.converter.ast.render import ImportPlanner

OPTIONS = ("*", "dtype", "device", "requires_grad", "layout", "pin_memory")
DROPPED = ("device", "layout", "pin_memory")
METHODS = {"new_ones": "new_ones", "new_zeros": "new_zeros", "new_empty": "new_zeros"}


@register(
    "TensorNewFactory",
    sources=tuple(f"torch.Tensor.{name}" for name in (*METHODS, "new_full")),
    override=True,
)
class TensorNewMatcher(PortableMatcher):
    """``x.new_ones(2, 3)`` → ``x.new_ones((2, 3))``; ``x.new_full(s, v)`` → ``ops.full(...)``.

    ``new_empty`` becomes ``new_zeros`` (torch leaves the values undefined).
    ``requires_grad=True`` is refused (MindSpore tensors carry no such flag).
    """

    def spec(self) -> Spec:
        """The torch signature of the method."""
        method = self.source.rsplit(".", 1)[1]
        head = ("size", "fill_value") if method == "new_full" else ("*size",)
        full = method == "new_full"
        target = "mindspore.ops.full" if full else f"mindspore.Tensor.{METHODS[method]}"
        return Spec(target=target, args=(*head, *OPTIONS), status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Collect the size, fill value and dtype; refuse ``requires_grad=True``."""
        if not self.receiver or bound.stars or bound.extra_positional:
            raise UnconvertibleError("Only x.new_*(sizes..., dtype=...) calls are converted.")
        known = {a.lstrip("*") for a in spec.args}
        for name in bound.params:
            if name not in known:
                raise UnconvertibleError(f"Argument '{name}' is not in the mapping.")
        grad = bound.value("requires_grad")
        if grad is not None and not is_name(grad, "False"):
            raise UnconvertibleError("requires_grad has no counterpart on a MindSpore tensor.")
        sizes = list(bound.varargs) or ([bound.params["size"]] if "size" in bound.params else [])
        if not sizes or (spec.target.endswith("full") and "fill_value" not in bound.params):
            raise UnconvertibleError("The size (and fill_value) must be given.")
        fill = bound.params.get("fill_value")
        dtype = bound.params.get("dtype")
        plan = CallPlan(
            target=spec.target,
            args=ArgPlan(),
            spec=spec,
            build=_builder(spec.target, sizes, fill, dtype),
        )
        dropped = [name for name in DROPPED if name in bound.params]
        if dropped:
            plan.notes.append("dropped " + ", ".join(f"'{d}'" for d in dropped))
        return self.finish(plan)


def _builder(
    target: str, sizes: list[int], fill: int | None, dtype: int | None
) -> Callable[[cst.Call, ImportPlanner], cst.BaseExpression]:
    def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
        assert isinstance(updated.func, cst.Attribute)
        receiver = updated.func.value
        values = [updated.args[i].value for i in sizes]
        size = values[0] if len(values) == 1 else cst.Tuple([cst.Element(v) for v in values])
        dtype_value = updated.args[dtype].value if dtype is not None else None
        if fill is None:
            args = [cst.Arg(size)]
            if dtype_value is not None:
                args.append(keyword_arg("dtype", dtype_value))
            method = target.rsplit(".", 1)[1]
            return cst.Call(attribute(receiver, method), _commas(args))
        dtype_value = dtype_value if dtype_value is not None else attribute(receiver, "dtype")
        args = [cst.Arg(size), cst.Arg(updated.args[fill].value), keyword_arg("dtype", dtype_value)]
        return cst.Call(planner.render(target), _commas(args))

    return build


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    return [a.with_changes(comma=comma) for a in args[:-1]] + args[-1:]
