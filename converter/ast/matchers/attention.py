"""``F.scaled_dot_product_attention`` as a MindSpore expression (no CPU kernel exists for it).

The expression follows torch's reference definition: ``softmax(q @ k^T * scale + bias) @ v``
with ``scale = 1 / sqrt(E)`` by default, a causal bias ``triu(-inf, 1)``, a boolean mask
(True takes part) or an additive float mask, and dropout applied whenever ``dropout_p`` is
not zero (the functional form ignores train/eval mode).

Rows that a mask blocks completely are 0 in torch. MindSpore 2.10's CPU softmax returns zeros
for a row that is all ``-inf`` and, depending on earlier softmax calls in the process, for
other rows of the same tensor too (measured), so masked scores go through
``ops.nan_to_num`` (``-inf`` → the dtype's lowest value; NaN kept) and the weights are
multiplied by the mask's "takes part" flags instead.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst
from mindconverter.converter.ast.callargs import (
    ArgPlan,
    Bound,
    Spec,
    UnconvertibleError,
    literal_number,
    plan_arguments,
)
from mindconverter.converter.ast.matchers.layers import is_name
from mindconverter.converter.ast.matchers.norms import PortableMatcher
from mindconverter.converter.ast.matchers.registry import CallPlan, register
from mindconverter.converter.ast.matchers.templates import fill, is_plain, literal_bool
from mindconverter.converter.ast.render import ImportPlanner

SOURCE = "torch.nn.functional.scaled_dot_product_attention"
ARGS = ("query", "key", "value", "attn_mask", "dropout_p", "is_causal", "*", "scale", "enable_gqa")
SCORES = "_OPS_.matmul(_Q_, _K_.swapaxes(-2, -1)) * _SCALE_"
CAUSAL = (
    " + _OPS_.triu(_OPS_.full((_Q_.shape[-2], _K_.shape[-2]), float('-inf'), dtype=_Q_.dtype), 1)"
)
BIAS = (
    "(0 if _M_ is None else _OPS_.zeros(_M_.shape, _Q_.dtype).masked_fill(~_M_, float('-inf')) "
    "if _M_.dtype == _MS_.bool_ else _M_)"
)
KEEP = "(1 if _M_ is None else _M_ if _M_.dtype == _MS_.bool_ else _M_ > float('-inf'))"


@register("ScaledDotProductAttention", sources=(SOURCE,), override=True)
class ScaledDotProductAttentionMatcher(PortableMatcher):
    """``F.scaled_dot_product_attention(q, k, v, ...)`` → ``ops.matmul(ops.softmax(...), v)``.

    ``is_causal`` and ``enable_gqa`` must be literals (``enable_gqa=True`` is refused); operands
    used more than once (``query`` for the default scale and causal shape, ``key`` for the
    causal shape, the mask) must be names or attributes.
    """

    def spec(self) -> Spec:
        """The torch signature; the target names the main MindSpore op."""
        return Spec(target="mindspore.ops.softmax", args=ARGS, status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Check the literal flags and operand reuse; build the expression."""
        if bound.stars or bound.extra_positional:
            raise UnconvertibleError("*args/**kwargs or extra positional arguments.")
        plan_arguments(spec, bound, skip=ARGS)  # unknown keywords
        if not all(bound.has(name) for name in ("query", "key", "value")):
            raise UnconvertibleError("query, key and value are required.")
        causal = self._flag(bound, "is_causal")
        if self._flag(bound, "enable_gqa"):
            raise UnconvertibleError(
                "enable_gqa=True is not converted; repeat key/value heads first: "
                "ops.repeat_interleave(k, q.shape[-3] // k.shape[-3], -3)."
            )
        mask = bound.value("attn_mask")
        has_mask = mask is not None and not is_name(mask, "None")
        if causal and has_mask:
            raise UnconvertibleError("torch raises when attn_mask is set with is_causal=True.")
        scale = bound.value("scale")
        has_scale = scale is not None and not is_name(scale, "None")
        reused = {"query": causal or not has_scale, "key": causal, "attn_mask": has_mask}
        for name, twice in reused.items():
            if twice and not is_plain(bound.value(name)):
                raise UnconvertibleError(
                    f"{name} is used more than once in the converted expression: "
                    "assign it to a variable first."
                )
        dropout = bound.value("dropout_p")
        with_dropout = dropout is not None and literal_number(dropout) != 0.0
        template = self._template(causal, has_mask, with_dropout, has_scale)
        plan = CallPlan(
            target=spec.target,
            args=ArgPlan(),
            spec=spec,
            build=_builder(template, dict(bound.params)),
        )
        if with_dropout:
            plan.notes.append("dropout_p applies in train and eval mode, as in torch")
        return self.finish(plan)

    @staticmethod
    def _flag(bound: Bound, name: str) -> bool:
        value = bound.value(name)
        if value is None:
            return False
        flag = literal_bool(value)
        if flag is None:
            raise UnconvertibleError(f"{name} must be True or False (a literal).")
        return flag

    @staticmethod
    def _template(causal: bool, mask: bool, dropout: bool, scale: bool) -> str:
        scores = SCORES.replace("_SCALE_", "_SCALE_" if scale else "_Q_.shape[-1] ** -0.5")
        if causal:
            scores += CAUSAL
        if mask:
            masked = f"_OPS_.nan_to_num({scores} + {BIAS}, float('nan'))"
            weights = f"_OPS_.softmax({masked}, -1) * {KEEP}"
        else:
            weights = f"_OPS_.softmax({scores}, -1)"
        if dropout:
            weights = f"_OPS_.dropout({weights}, _P_)"
        return f"_OPS_.matmul({weights}, _V_)"


def _builder(
    template: str, params: dict[str, int]
) -> Callable[[cst.Call, ImportPlanner], cst.BaseExpression]:
    keys = {
        "query": "Q",
        "key": "K",
        "value": "V",
        "attn_mask": "M",
        "dropout_p": "P",
        "scale": "SCALE",
    }

    def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
        values = {
            keys[name]: updated.args[index].value for name, index in params.items() if name in keys
        }
        return fill(template, planner, **values)

    return build
