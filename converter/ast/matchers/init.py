"""``torch.nn.init.*_(tensor, ...)`` → ``tensor.set_data(initializer(Init(...), shape, dtype))``.

The tables have no rows for ``torch.nn.init``; these matchers claim the functions by default.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.callargs import (
    ArgPlan,
    Bound,
    Spec,
    UnconvertibleError,
    attribute,
    keyword_arg,
    literal_number,
    parse_code,
)
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register
from mindconverter.converter.ast.render import ImportPlanner

INIT = "torch.nn.init."
MS_INIT = "mindspore.common.initializer."

# torch function → (MindSpore initializer, torch signature after the tensor,
#                   {torch arg: MindSpore arg}, {MindSpore arg: default code when torch omits it})
TABLE: dict[str, tuple[str, tuple[str, ...], dict[str, str], dict[str, str]]] = {
    "kaiming_normal_": (
        "HeNormal",
        ("a", "mode", "nonlinearity", "generator"),
        {"a": "negative_slope"},
        {},
    ),
    "kaiming_uniform_": (
        "HeUniform",
        ("a", "mode", "nonlinearity", "generator"),
        {"a": "negative_slope"},
        {},
    ),
    "xavier_uniform_": ("XavierUniform", ("gain", "generator"), {}, {}),
    "xavier_normal_": ("XavierNormal", ("gain", "generator"), {}, {}),
    "normal_": (
        "Normal",
        ("mean", "std", "generator"),
        {"std": "sigma"},
        {"sigma": "1.0", "mean": "0.0"},
    ),
    "trunc_normal_": (
        "TruncatedNormal",
        ("mean", "std", "a", "b", "generator"),
        {"std": "sigma"},
        {"sigma": "1.0"},
    ),
    "constant_": ("Constant", ("val",), {"val": "value"}, {}),
    "zeros_": ("Zero", (), {}, {}),
    "ones_": ("One", (), {}, {}),
    "orthogonal_": ("Orthogonal", ("gain", "generator"), {}, {}),
    "uniform_": ("Uniform", ("a", "b", "generator"), {}, {}),
}


# override: the r2.4 table maps torch.nn.init.uniform_ to ops.uniform (a sampler, not an
# in-place initializer).
@register("TorchInit", sources=tuple(INIT + name for name in TABLE), override=True)
class InitMatcher(CallMatcher):
    """One ``torch.nn.init`` function (see :data:`TABLE`)."""

    def spec(self) -> Spec:
        """Signature: the tensor, then the function's own arguments."""
        name = self.source.rsplit(".", 1)[-1]
        initializer, args, _, _ = TABLE[name]
        return Spec(target=MS_INIT + initializer, args=("tensor", *args), status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Build ``tensor.set_data(initializer(...))``."""
        name = self.source.rsplit(".", 1)[-1]
        _, _, rename, defaults = TABLE[name]
        if "tensor" not in bound.params or bound.stars or bound.extra_positional:
            raise UnconvertibleError("expected the tensor and the initializer's own arguments")
        scale = _uniform_scale(bound) if name == "uniform_" else None
        if name == "uniform_" and scale is None:
            raise UnconvertibleError("Only a symmetric uniform_(t, -s, s) has an initializer.")
        names = {index: arg for arg, index in bound.params.items()}

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            values = {names[i]: a.value for i, a in enumerate(updated.args) if i in names}
            tensor = values.pop("tensor")
            values.pop("generator", None)
            kwargs = _init_kwargs(values, rename, defaults, values.get("b") if scale else None)
            init = cst.Call(planner.render(spec.target), kwargs)
            shape = attribute(tensor, "shape")
            dtype = attribute(tensor, "dtype")
            value = cst.Call(
                planner.render(MS_INIT + "initializer"),
                [cst.Arg(init), cst.Arg(shape), cst.Arg(dtype)],
            )
            return cst.Call(attribute(tensor, "set_data"), [cst.Arg(value)])

        plan = CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build)
        plan.code = codes.CALL_CONVERTED
        return plan


def _init_kwargs(
    values: dict[str, cst.BaseExpression],
    rename: dict[str, str],
    defaults: dict[str, str],
    scale: Any,
) -> list[cst.Arg]:
    if scale is not None:
        return [keyword_arg("scale", scale)]
    kwargs = [keyword_arg(rename.get(k, k), v) for k, v in values.items()]
    present = {rename.get(k, k) for k in values}
    kwargs += [keyword_arg(k, parse_code(v)) for k, v in defaults.items() if k not in present]
    return kwargs


def _uniform_scale(bound: Bound) -> cst.BaseExpression | None:
    low, high = bound.value("a"), bound.value("b")
    if low is None or high is None:
        return None
    low_value, high_value = literal_number(low), literal_number(high)
    if low_value is not None and high_value is not None and low_value == -high_value:
        return high
    empty = cst.Module([])
    negated = isinstance(low, cst.UnaryOperation) and isinstance(low.operator, cst.Minus)
    if negated and empty.code_for_node(low.expression) == empty.code_for_node(high):  # type: ignore[attr-defined]
        return high
    return None
