"""Tensor methods that need more than renames (``x.size(1)`` → ``x.shape[1]``...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import libcst as cst

from mindconverter.converter.ast import codes
from mindconverter.converter.ast.callargs import (
    ArgPlan,
    Spec,
    Unconvertible,
    bind,
    plan_arguments,
)
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register
from mindconverter.converter.ast.render import ImportPlanner

T = "torch.Tensor."
Builder = Callable[[cst.Call, ImportPlanner], cst.BaseExpression]


class MethodMatcher(CallMatcher):
    """A tensor method rebuilt by :meth:`rebuild` (receiver = ``updated.func.value``)."""

    TARGET: ClassVar[str | None] = None
    SIGNATURE: ClassVar[tuple[str, ...]] = ()

    def plan(self, call: cst.Call) -> CallPlan:
        """Bind against ``SIGNATURE`` and delegate to :meth:`rebuild`."""
        if not self.receiver or not isinstance(call.func, cst.Attribute):
            raise Unconvertible("")
        if any(arg.star for arg in call.args):
            raise Unconvertible("*args cannot be mapped.")
        bound = bind(call, self.SIGNATURE)
        unknown = set(bound.params) - set(self.SIGNATURE)
        if unknown or bound.extra_positional:
            raise Unconvertible("unexpected arguments")
        spec = Spec(target=self.TARGET or "", args=self.SIGNATURE, status="renamed_args",
                    kind="tensor_method")
        names = {index: name for name, index in bound.params.items()}
        plan = CallPlan(target=spec.target, args=ArgPlan(), spec=spec, code=codes.TENSOR_METHOD)
        plan.build = self.rebuild(names)
        return plan

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Return the builder; ``names`` maps argument index → torch parameter name."""
        raise NotImplementedError


def _receiver(updated: cst.Call) -> cst.BaseExpression:
    assert isinstance(updated.func, cst.Attribute)
    return updated.func.value


def _arg(updated: cst.Call, names: dict[int, str], name: str) -> cst.BaseExpression | None:
    for index, arg in enumerate(updated.args):
        if names.get(index) == name:
            return arg.value
    return None


@register("tensor_size", sources=(T + "size",))
class SizeMatcher(MethodMatcher):
    """``x.size()`` → ``x.shape``; ``x.size(d)`` → ``x.shape[d]`` (``Tensor.size`` is a count)."""

    TARGET = "mindspore.Tensor.shape"
    SIGNATURE = ("dim",)

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Subscript ``shape`` when a dim is given."""

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            shape = cst.Attribute(value=_receiver(updated), attr=cst.Name("shape"))
            dim = _arg(updated, names, "dim")
            if dim is None:
                return shape
            return cst.Subscript(value=shape, slice=[cst.SubscriptElement(cst.Index(dim))])

        return build


@register("tensor_attribute", sources=(T + "dim", T + "ndimension", T + "nelement"))
class AttributeMatcher(MethodMatcher):
    """``x.dim()``/``x.ndimension()`` → ``x.ndim``; ``x.nelement()`` → ``x.numel()``."""

    TARGETS: ClassVar[dict[str, str]] = {T + "dim": "ndim", T + "ndimension": "ndim",
                                         T + "nelement": "numel()"}

    def plan(self, call: cst.Call) -> CallPlan:
        """Refuse arguments; build the attribute."""
        if call.args:
            raise Unconvertible("unexpected arguments")
        return super().plan(call)

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Attribute or method without arguments."""
        attr = self.TARGETS[self.source]

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            node = cst.Attribute(value=_receiver(updated), attr=cst.Name(attr.rstrip("()")))
            return cst.Call(func=node) if attr.endswith("()") else node

        return build


@register("tensor_device", sources=(T + "cuda", T + "cpu", T + "to"))
class DeviceMatcher(MethodMatcher):
    """``x.cuda()``/``x.cpu()``/``x.to(device)`` → ``x``; ``x.to(dtype)`` → ``x.astype(dtype)``."""

    SIGNATURE = ("device", "dtype", "non_blocking", "copy", "memory_format")

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Keep only a dtype change."""
        source = self.source

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            receiver = _receiver(updated)
            if source != T + "to":
                return receiver
            dtype = _arg(updated, names, "dtype")
            first = _arg(updated, names, "device")
            if dtype is None and first is not None and _looks_like_dtype(first):
                dtype = first
            if dtype is None:
                return receiver
            return cst.Call(
                func=cst.Attribute(value=receiver, attr=cst.Name("astype")),
                args=[cst.Arg(dtype)],
            )

        return build


def _looks_like_dtype(expr: cst.BaseExpression) -> bool:
    """A converted dtype reads ``ms.float32``/``mindspore.int64`` after the reference rule."""
    if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name):
        return expr.attr.value in _DTYPE_NAMES
    return False


_DTYPE_NAMES = frozenset(
    {"float32", "float16", "float64", "bfloat16", "int8", "int16", "int32", "int64", "uint8",
     "bool_", "complex64", "complex128", "float", "half", "double", "long", "int", "short"}
)


@register("tensor_detach", sources=(T + "detach",))
class DetachMatcher(MethodMatcher):
    """``x.detach()`` → ``ops.stop_gradient(x)``."""

    TARGET = "mindspore.ops.stop_gradient"

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Wrap the receiver."""

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            return cst.Call(func=planner.render("mindspore.ops.stop_gradient"),
                            args=[cst.Arg(_receiver(updated))])

        return build


@register("tensor_clone", sources=(T + "clone",))
class CloneMatcher(MethodMatcher):
    """``x.clone()`` → ``x.copy()`` (the Clone kernel is missing on CPU)."""

    TARGET = "mindspore.Tensor.copy"
    SIGNATURE = ("memory_format",)

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Method rename, arguments dropped."""

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            return cst.Call(func=cst.Attribute(value=_receiver(updated), attr=cst.Name("copy")))

        return build


class ShapeArgsMatcher(MethodMatcher):
    """Methods taking ``*sizes`` or one tuple: ``x.expand(2, 3)`` → ``x.broadcast_to((2, 3))``."""

    METHODS: ClassVar[dict[str, str]] = {}

    def plan(self, call: cst.Call) -> CallPlan:
        """Every positional argument is one size; keywords are refused."""
        if not self.receiver or not isinstance(call.func, cst.Attribute):
            raise Unconvertible("")
        if any(arg.star or arg.keyword is not None for arg in call.args):
            raise Unconvertible("sizes passed by keyword or *args are not mapped.")
        method = self.METHODS[self.source]
        spec = Spec(target=f"mindspore.Tensor.{method}", status="renamed_args",
                    kind="tensor_method")

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            func = cst.Attribute(value=_receiver(updated), attr=cst.Name(method))
            if len(updated.args) == 1:
                return cst.Call(func=func, args=[cst.Arg(updated.args[0].value)])
            sizes = cst.Tuple([cst.Element(a.value) for a in updated.args])
            return cst.Call(func=func, args=[cst.Arg(sizes)])

        return CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build,
                        code=codes.TENSOR_METHOD)


@register("tensor_shape_args", sources=(T + "expand", T + "repeat"))
class ExpandMatcher(ShapeArgsMatcher):
    """``expand`` → ``broadcast_to``; ``repeat`` → ``tile`` (``Tensor.repeat`` lacks CPU kernels)."""

    METHODS = {T + "expand": "broadcast_to", T + "repeat": "tile"}


class RenamedMethodMatcher(CallMatcher):
    """A tensor method with renamed arguments, from the matcher's own spec."""

    TARGETS: ClassVar[dict[str, str]] = {}

    def spec(self) -> Spec:
        """Target from ``TARGETS``; facts from ``SPEC``."""
        return Spec(target=self.TARGETS[self.source], kind="tensor_method").with_changes(
            **self.SPEC
        )


def _method(name: str, targets: dict[str, str], **spec: Any) -> None:
    spec.setdefault("status", "renamed_args")
    spec.setdefault("min_args", 0)
    cls = type(f"{name.title().replace('_', '')}Matcher", (RenamedMethodMatcher,),
               {"TARGETS": targets, "SPEC": spec, "__doc__": f"``{', '.join(targets)}``."})
    register(name, sources=tuple(targets))(cls)


_method("tensor_softmax", {T + "softmax": "mindspore.Tensor.softmax"},
        args=("dim", "dtype"), rename={"dim": "axis"}, unsupported=("dtype",), min_args=1)
_method("tensor_log_softmax", {T + "log_softmax": "mindspore.ops.log_softmax"},
        args=("dim", "dtype"), rename={"dim": "axis"}, unsupported=("dtype",), min_args=1)
_method("tensor_activation", {T + "relu": "mindspore.ops.relu"}, args=())
_method("tensor_transpose", {T + "transpose": "mindspore.Tensor.swapaxes"},
        args=("dim0", "dim1"), rename={"dim0": "axis0", "dim1": "axis1"}, min_args=2)
_method("tensor_amax", {T + "amax": "mindspore.Tensor.amax", T + "amin": "mindspore.Tensor.amin"},
        args=("dim", "keepdim"), rename={"dim": "axis", "keepdim": "keepdims"}, min_args=1)
_method("tensor_numpy", {T + "numpy": "mindspore.Tensor.asnumpy"}, args=("force",),
        rename={"force": ""})


def plan_for(spec: Spec, call: cst.Call) -> ArgPlan:
    """Plan ``call``'s arguments against ``spec`` (helper for matchers in other modules)."""
    return plan_arguments(spec, bind(call, spec.args))
