"""``F.instance_norm`` without running statistics, as an expression of portable ops.

MindSpore 2.10 has no functional instance norm (``nn.InstanceNorm2d`` is a layer with its own
parameters). With ``use_input_stats=True`` and no running statistics torch normalises each
sample and channel over the axes ``2..`` with the biased variance::

    (x - mean(x, axes)) / sqrt(var(x, axes) + eps) * weight[c] + bias[c]

``momentum`` then has no effect. Forms with running statistics are refused.
"""

from __future__ import annotations

import libcst as cst
from mindconverter.converter.ast.callargs import (
    ArgPlan,
    Bound,
    Spec,
    UnconvertibleError,
)
from mindconverter.converter.ast.matchers.functional_extra import _strict, _template_builder
from mindconverter.converter.ast.matchers.layers import is_name
from mindconverter.converter.ast.matchers.norms import PortableMatcher
from mindconverter.converter.ast.matchers.registry import CallPlan, register
from mindconverter.converter.ast.matchers.templates import is_plain, literal_bool

SOURCE = "torch.nn.functional.instance_norm"
ARGS = (
    "input",
    "running_mean",
    "running_var",
    "weight",
    "bias",
    "use_input_stats",
    "momentum",
    "eps",
)
AXES = "tuple(range(2, _X_.ndim))"
NORMALISED = (
    f"(_X_ - _OPS_.mean(_X_, {AXES}, True)) "
    f"/ _OPS_.sqrt(_OPS_.var(_X_, {AXES}, keepdims=True) + _EPS_)"
)
PER_CHANNEL = "_{key}_.reshape((-1,) + (1,) * (_X_.ndim - 2))"
KEYS = {"input": "X", "weight": "W", "bias": "B", "eps": "EPS"}


@register("InstanceNorm", sources=(SOURCE,), override=True)
class InstanceNormMatcher(PortableMatcher):
    """``F.instance_norm(x, weight=w, bias=b, eps=e)`` → the normalising expression.

    ``x`` is read several times, so it must be a name or attribute. A ``weight``/``bias``
    that is a name or attribute may be ``None`` at run time: the expression tests it
    (``1 if w is None else ...``); a literal ``None`` is left out.
    """

    def spec(self) -> Spec:
        """The torch signature; the target names the main MindSpore op."""
        return Spec(target="mindspore.ops.var", args=ARGS, status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Refuse running statistics and ``use_input_stats=False``; build the expression."""
        _strict(spec, bound)
        if not bound.has("input"):
            raise UnconvertibleError("input is required.")
        for name in ("running_mean", "running_var"):
            value = bound.value(name)
            if value is not None and not is_name(value, "None"):
                raise UnconvertibleError(
                    "Running statistics are not converted; with stored mean m and variance v "
                    "write (x - m) / ops.sqrt(v + eps) per channel."
                )
        stats = bound.value("use_input_stats")
        if stats is not None and literal_bool(stats) is not True:
            raise UnconvertibleError("use_input_stats must be True (a literal).")
        if not is_plain(bound.value("input")):
            raise UnconvertibleError(
                "input is read several times in the converted expression: "
                "assign it to a variable first."
            )
        template = NORMALISED.replace("_EPS_", "_EPS_" if bound.has("eps") else "1e-05")
        template += self._affine(bound, "weight", " * ", "1")
        template += self._affine(bound, "bias", " + ", "0")
        build = _template_builder(template, KEYS, dict(bound.params))
        return self.finish(CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build))

    @staticmethod
    def _affine(bound: Bound, name: str, operator: str, identity: str) -> str:
        value = bound.value(name)
        if value is None or is_name(value, "None"):
            return ""
        scaled = PER_CHANNEL.format(key=KEYS[name])
        if isinstance(value, (cst.Name, cst.Attribute)):  # may hold None at run time
            key = KEYS[name]
            return f"{operator}({identity} if _{key}_ is None else {scaled})"
        return f"{operator}{scaled}"
