"""Function calls whose arguments need more than the mapping data's renames."""

from __future__ import annotations

import libcst as cst
from mindconverter.converter.ast.callargs import (
    ArgPlan,
    Bound,
    Spec,
    UnconvertibleError,
    keyword_arg,
    plan_arguments,
)
from mindconverter.converter.ast.matchers.layers import is_name
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register
from mindconverter.converter.ast.render import ImportPlanner


@register("PackVarargs")
class PackVarargsMatcher(CallMatcher):
    """torch ``f(*size)`` → MindSpore ``f(size)``: ``torch.zeros(2, 3)`` → ``ops.zeros((2, 3))``.

    Also ``x.repeat(1, 2)`` → ``x.tile((1, 2))``. One positional argument passes as it is
    (it may already be a tuple or a ``torch.Size``).
    """

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Plan the keywords from the entry; pack the var-positional arguments at build time."""
        if bound.stars:
            raise UnconvertibleError("*sizes cannot be packed.")
        sizes = list(bound.varargs)
        keyword_spec = spec.with_changes(positional=0)
        stripped = Bound(call=bound.call, params=dict(bound.params))
        plan = plan_arguments(keyword_spec, stripped)
        plan_args = plan

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            rebuilt = CallPlan(target=spec.target, args=plan_args, spec=spec)
            call = (
                rebuilt.apply(updated, planner)
                if not self.receiver
                else _method(updated, spec, plan_args, planner)
            )
            assert isinstance(call, cst.Call)
            values = [updated.args[i].value for i in sizes]
            if not values:
                return call
            packed = values[0] if len(values) == 1 else cst.Tuple([cst.Element(v) for v in values])
            return call.with_changes(args=[cst.Arg(packed), *call.args])

        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec, build=build))


def _method(
    updated: cst.Call, spec: Spec, plan: ArgPlan, planner: ImportPlanner
) -> cst.BaseExpression:
    assert isinstance(updated.func, cst.Attribute)
    rebuilt = CallPlan(
        target=spec.target, args=plan, spec=spec, method=spec.target.rsplit(".", 1)[-1]
    )
    return rebuilt.apply(updated, planner)


@register("FunctionalLayerNorm")
class FunctionalLayerNormMatcher(CallMatcher):
    """``F.layer_norm(x, shape, w, b, eps)`` → ``ops.LayerNorm(...)(x, w, b)[0]``.

    ``ops.layer_norm`` has no CPU kernel; the primitive does. Weight and bias default to ones
    and zeros of ``shape``; only a one-axis shape is handled (the axis is -1).
    """

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Build the primitive call."""
        names = {index: name for name, index in bound.params.items()}
        shape = bound.value("normalized_shape")
        if isinstance(shape, (cst.Tuple, cst.List)) and len(shape.elements) != 1:
            raise UnconvertibleError("normalized_shape over several axes is not handled.")
        if "input" not in bound.params or shape is None:
            raise UnconvertibleError("input and normalized_shape are required.")

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            value = {names[i]: arg.value for i, arg in enumerate(updated.args) if i in names}
            shape_expr = value["normalized_shape"]
            ones = cst.Call(planner.render("mindspore.ops.ones"), [cst.Arg(shape_expr)])
            zeros = cst.Call(planner.render("mindspore.ops.zeros"), [cst.Arg(shape_expr)])
            eps = value.get("eps", cst.Float("1e-05"))
            minus_one = cst.UnaryOperation(cst.Minus(), cst.Integer("1"))
            prim = cst.Call(
                planner.render("mindspore.ops.LayerNorm"),
                [
                    keyword_arg("begin_norm_axis", minus_one),
                    keyword_arg("begin_params_axis", minus_one),
                    keyword_arg("epsilon", eps),
                ],
            )
            weight = value.get("weight")
            bias = value.get("bias")
            call = cst.Call(
                prim,
                [
                    cst.Arg(value["input"]),
                    cst.Arg(ones if weight is None or is_name(weight, "None") else weight),
                    cst.Arg(zeros if bias is None or is_name(bias, "None") else bias),
                ],
            )
            return cst.Subscript(call, [cst.SubscriptElement(cst.Index(cst.Integer("0")))])

        return self.finish(CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build))


@register("OneHot")
class OneHotMatcher(CallMatcher):
    """``F.one_hot(t, n)`` → ``ops.one_hot(t, n)``; MindSpore needs ``num_classes`` (depth)."""

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Require an explicit, non-negative class count."""
        classes = bound.value("num_classes")
        if classes is None or _negative(classes):
            raise UnconvertibleError("num_classes must be given (MindSpore needs the depth).")
        return super().make(spec, bound)


def _negative(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus)


@register("SaveCheckpoint")
class SaveCheckpointMatcher(CallMatcher):
    """``torch.save(model.state_dict(), f)`` → ``mindspore.save_checkpoint(model, f)``."""

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Only a module's state dict can be saved as a checkpoint."""
        obj = bound.value("obj")
        path = bound.value("f")
        if path is None or not _is_state_dict_call(obj):
            raise UnconvertibleError("Only torch.save(module.state_dict(), path) is converted.")
        obj_index, path_index = bound.params["obj"], bound.params["f"]

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            state = updated.args[obj_index].value
            module = _state_dict_receiver(state)
            return cst.Call(
                planner.render(spec.target),
                [
                    cst.Arg(module),
                    cst.Arg(updated.args[path_index].value),
                ],
            )

        return self.finish(CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build))


def _is_state_dict_call(expr: cst.BaseExpression | None) -> bool:
    return (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value == "state_dict"
        and not expr.args
    )


def _state_dict_receiver(expr: cst.BaseExpression) -> cst.BaseExpression:
    """The module of ``m.state_dict()`` (or of its converted ``m.parameters_dict()``)."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        return expr.func.value
    return expr


@register("NoGrad")
class NoGradMatcher(CallMatcher):
    """``torch.no_grad()`` outside a ``with`` or decorator cannot be rewritten."""

    def plan(self, call: cst.Call) -> CallPlan:
        """Always refused here (the gradient-mode rule handles ``with`` and decorators)."""
        raise UnconvertibleError("Only `with torch.no_grad():` blocks and decorators are removed.")


@register("TorchDevice", sources=("torch.device",))
class TorchDeviceMatcher(CallMatcher):
    """``torch.device("cuda")`` → ``"cuda"``: devices are plain names; ``.to(device)`` is dropped.

    MindSpore selects the device with ``mindspore.set_device``; the string is kept so that code
    printing or comparing it still works.
    """

    def plan(self, call: cst.Call) -> CallPlan:
        """The first argument itself."""
        if not call.args or call.args[0].star or call.args[0].keyword is not None:
            raise UnconvertibleError("expected torch.device(<name>)")
        spec = Spec(target="str", status="inconsistent")

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            return updated.args[0].value

        return CallPlan(
            target="str",
            args=ArgPlan(),
            spec=spec,
            build=build,
            notes=["devices are chosen with mindspore.set_device"],
            code="MC-A004",
        )


@register("CudaAvailable", sources=("torch.cuda.is_available",))
class CudaAvailableMatcher(CallMatcher):
    """``torch.cuda.is_available()`` → ``mindspore.hal.is_available("GPU")``."""

    def plan(self, call: cst.Call) -> CallPlan:
        """No arguments."""
        if call.args:
            raise UnconvertibleError("unexpected arguments")
        spec = Spec(target="mindspore.hal.is_available", status="renamed_args")

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            return cst.Call(
                planner.render("mindspore.hal.is_available"), [cst.Arg(cst.SimpleString('"GPU"'))]
            )

        return CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build)


# override: the table lists Normalize as consistent, but torch normalises CHW tensors while
# MindSpore's default is HWC images.
@register("VisionNormalize", sources=("torchvision.transforms.Normalize",), override=True)
class VisionNormalizeMatcher(CallMatcher):
    """``transforms.Normalize(mean, std)`` → ``vision.Normalize(mean, std, is_hwc=False)``."""

    def spec(self) -> Spec:
        """Facts of the entry (or the known target), with ``inplace`` dropped."""
        base = super().spec()
        return base.with_changes(
            target=base.target or "mindspore.dataset.vision.Normalize",
            args=("mean", "std", "inplace"),
            rename={"inplace": ""},
            positional=2,
            defaults={"is_hwc": "False"},
            status="renamed_args",
        )
