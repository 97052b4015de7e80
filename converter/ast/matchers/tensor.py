"""Tensor (and module) methods that need more than renames (``x.size(1)`` → ``x.shape[1]``)."""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.callargs import ArgPlan, Bound, Spec, UnconvertibleError
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register
from mindconverter.converter.ast.render import ImportPlanner

Builder = Callable[[cst.Call, ImportPlanner], cst.BaseExpression]
DTYPE_NAMES = frozenset(
    {
        "float32",
        "float16",
        "float64",
        "bfloat16",
        "int8",
        "int16",
        "int32",
        "int64",
        "uint8",
        "bool_",
        "complex64",
        "complex128",
    }
)


class ReceiverMatcher(CallMatcher):
    """A method site rebuilt by :meth:`rebuild` from the receiver and named arguments."""

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Refuse unknown arguments; delegate to :meth:`rebuild`."""
        if not self.receiver or not isinstance(bound.call.func, cst.Attribute):
            raise UnconvertibleError("")
        if bound.stars or bound.extra_positional:
            raise UnconvertibleError("unexpected arguments")
        names = {index: name for name, index in bound.params.items()}
        for index in bound.varargs:
            names[index] = f"*{index}"
        plan = CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=self.rebuild(names))
        return self.finish(plan)

    def rebuild(self, names: dict[int, str]) -> Builder:
        """The builder; ``names`` maps argument index → torch parameter name."""
        raise NotImplementedError


def receiver_of(updated: cst.Call) -> cst.BaseExpression:
    """The object a method is called on."""
    assert isinstance(updated.func, cst.Attribute)
    return updated.func.value


def argument(updated: cst.Call, names: dict[int, str], name: str) -> cst.BaseExpression | None:
    """The (updated) value passed for the torch parameter ``name``."""
    for index, arg in enumerate(updated.args):
        if names.get(index) == name:
            return arg.value
    return None


@register("TensorSize")
class TensorSizeMatcher(ReceiverMatcher):
    """``x.size()`` → ``x.shape``; ``x.size(d)`` → ``x.shape[d]`` (``Tensor.size`` is a count)."""

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Subscript ``shape`` when a dim is given."""

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            shape = cst.Attribute(value=receiver_of(updated), attr=cst.Name("shape"))
            dim = argument(updated, names, "dim")
            if dim is None:
                return shape
            return cst.Subscript(value=shape, slice=[cst.SubscriptElement(cst.Index(dim))])

        return build


@register("DeviceNoOp")
class DeviceNoOpMatcher(ReceiverMatcher):
    """``x.cuda()``/``x.cpu()``/``module.to(device)`` → the receiver itself."""

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Return the receiver."""

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            return receiver_of(updated)

        return build


@register("TensorTo")
class TensorToMatcher(ReceiverMatcher):
    """``x.to(dtype)`` → ``x.astype(dtype)``; ``x.to(device)`` → ``x``.

    An argument counts as a dtype when it was a torch dtype (now a MindSpore one) or is passed
    as ``dtype=``; anything else (strings, device objects) is a device move.
    """

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """The converted form is ``astype`` (or nothing)."""
        return super().make(spec.with_changes(target="mindspore.Tensor.astype"), bound)

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Keep only a dtype change."""

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            receiver = receiver_of(updated)
            dtype = None
            for arg in updated.args:
                keyword = arg.keyword.value if arg.keyword is not None else None
                if keyword == "dtype" or (keyword is None and _is_dtype(arg.value)):
                    dtype = arg.value
            if dtype is None:
                return receiver
            return cst.Call(
                func=cst.Attribute(value=receiver, attr=cst.Name("astype")),
                args=[cst.Arg(dtype)],
            )

        return build


def _is_dtype(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Attribute) and expr.attr.value in DTYPE_NAMES


@register("TensorClone", sources=("torch.Tensor.clone",))
class CloneMatcher(ReceiverMatcher):
    """``x.clone()`` → ``x.copy()`` (MindSpore 2.10 has no CPU Clone kernel)."""

    def spec(self) -> Spec:
        """Fixed facts: the tables have no entry."""
        return Spec(
            target="mindspore.Tensor.copy",
            args=("*", "memory_format"),
            status="renamed_args",
            kind="tensor_method",
        )

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Method rename, arguments dropped."""

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            return cst.Call(func=cst.Attribute(value=receiver_of(updated), attr=cst.Name("copy")))

        return build

    def finish(self, plan: CallPlan) -> CallPlan:
        """Always a tensor-method site."""
        plan = super().finish(plan)
        plan.code = codes.TENSOR_METHOD
        return plan
