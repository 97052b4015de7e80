"""torch functions that MindSpore 2.10 lacks on CPU, written as expressions of portable ops.

``torch.add(a, b, alpha=s)`` (``ops.add`` has no ``alpha``), ``pad_sequence`` (no MindSpore
counterpart) and ``F.max_pool1d`` (no ``ops.max_pool1d``: ``ops.max_pool2d`` over a unit row).
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
    literal_string,
    plan_arguments,
)
from mindconverter.converter.ast.matchers.layers import is_name
from mindconverter.converter.ast.matchers.norms import PortableMatcher
from mindconverter.converter.ast.matchers.registry import CallPlan, register
from mindconverter.converter.ast.matchers.templates import fill, is_plain, literal_bool
from mindconverter.converter.ast.render import ImportPlanner

Builder = Callable[[cst.Call, ImportPlanner], cst.BaseExpression]


def _template_builder(template: str, keys: dict[str, str], params: dict[str, int]) -> Builder:
    def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
        values = {keys[name]: updated.args[i].value for name, i in params.items() if name in keys}
        return fill(template, planner, **values)

    return build


def _strict(spec: Spec, bound: Bound) -> None:
    if bound.stars or bound.extra_positional:
        raise UnconvertibleError("*args/**kwargs or extra positional arguments.")
    plan_arguments(spec, bound, skip=tuple(a.lstrip("*") for a in spec.args))
    known = {a.lstrip("*") for a in spec.args}
    unknown = sorted(set(bound.params) - known)
    if unknown:
        raise UnconvertibleError(f"Argument '{unknown[0]}' is not in the mapping.")


@register("TorchAddAlpha", sources=("torch.add",), override=True)
class TorchAddAlphaMatcher(PortableMatcher):
    """``torch.add(a, b, alpha=s)`` → ``ops.add(a, s * b)``; without ``alpha`` the table entry."""

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Fold ``alpha`` into the second operand."""
        alpha = bound.value("alpha")
        if alpha is None or self.receiver:
            return super().make(spec, bound)
        if literal_number(alpha) == 1.0:
            plan = plan_arguments(spec, bound, skip=("alpha",))
            return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))
        plan_arguments(spec, bound, skip=("alpha",))  # refuses 'out'
        if not (bound.has("input") and bound.has("other")) or bound.stars:
            raise UnconvertibleError("input and other must be given.")
        keys = {"input": "A", "other": "B", "alpha": "S"}
        build = _template_builder("_OPS_.add(_A_, _S_ * _B_)", keys, dict(bound.params))
        return self.finish(CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build))


PAD_ARGS = ("sequences", "batch_first", "padding_value", "padding_side")


@register("PadSequence", sources=("torch.nn.utils.rnn.pad_sequence",), override=True)
class PadSequenceMatcher(PortableMatcher):
    """``pad_sequence(seqs, batch_first, padding_value, padding_side)`` → ``ops.stack`` of
    ``ops.pad`` ed sequences (padding at the end of dim 0, or the start for ``'left'``).

    ``batch_first`` and ``padding_side`` must be literals; ``sequences`` is read twice (for the
    longest length), so it must be a name, attribute or list of them.
    """

    def spec(self) -> Spec:
        """The torch signature."""
        return Spec(target="mindspore.ops.stack", args=PAD_ARGS, status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Check the literals; build the comprehension."""
        _strict(spec, bound)
        seqs = bound.value("sequences")
        plain = is_plain(seqs) or (
            isinstance(seqs, (cst.List, cst.Tuple))
            and all(is_plain(e.value) for e in seqs.elements)
        )
        if not plain:
            raise UnconvertibleError("sequences is read twice: assign it to a variable first.")
        first = self._literal_bool(bound, "batch_first")
        side = literal_string(bound.value("padding_side")) if bound.has("padding_side") else "right"
        if side not in ("right", "left"):
            raise UnconvertibleError("padding_side must be 'right' or 'left' (a literal).")
        pad = "(0, _n - _seq.shape[0])" if side == "right" else "(_n - _seq.shape[0], 0)"
        value = ", value=_V_" if bound.has("padding_value") else ""
        template = (
            f"_OPS_.stack([_OPS_.pad(_seq, (0, 0) * (_seq.ndim - 1) + {pad}{value}) "
            f"for _n in [max(_t.shape[0] for _t in _S_)] for _seq in _S_], {0 if first else 1})"
        )
        keys = {"sequences": "S", "padding_value": "V"}
        build = _template_builder(template, keys, dict(bound.params))
        return self.finish(CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build))

    @staticmethod
    def _literal_bool(bound: Bound, name: str) -> bool:
        value = bound.value(name)
        flag = False if value is None else literal_bool(value)
        if flag is None:
            raise UnconvertibleError(f"{name} must be True or False (a literal).")
        return flag


POOL_ARGS = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")


@register("MaxPool1d", sources=("torch.nn.functional.max_pool1d",), override=True)
class MaxPool1dMatcher(PortableMatcher):
    """``F.max_pool1d(x, k, s, p, d, ceil_mode)`` →
    ``ops.max_pool2d(x.unsqueeze(-2), (1, k), (1, s), (0, p), (1, d), ceil_mode=...).squeeze(-2)``.

    ``stride`` defaults to ``kernel_size`` as in torch; ``return_indices=True`` is refused.
    The input must be batched ``(N, C, L)``: ``ops.max_pool2d`` raises for an unbatched one.
    """

    def spec(self) -> Spec:
        """The torch signature."""
        return Spec(target="mindspore.ops.max_pool2d", args=POOL_ARGS, status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Build the 2-D pooling over a unit row."""
        _strict(spec, bound)
        if not (bound.has("input") and bound.has("kernel_size")):
            raise UnconvertibleError("input and kernel_size are required.")
        indices = bound.value("return_indices")
        if indices is not None and not is_name(indices, "False"):
            raise UnconvertibleError("return_indices is not converted.")
        values = {name: _single(bound.value(name)) for name in bound.params}
        stride = values.get("stride")
        if stride is None or is_name(stride, "None"):
            stride_code = "(1, _K_)"
        else:
            stride_code = "(1, _S_)"
        parts = [
            "_X_.unsqueeze(-2)",
            "(1, _K_)",
            stride_code,
            "(0, _P_)" if "padding" in values else "0",
            "(1, _D_)" if "dilation" in values else "1",
        ]
        if "ceil_mode" in values:
            parts.append("ceil_mode=_C_")
        template = f"_OPS_.max_pool2d({', '.join(parts)}).squeeze(-2)"
        keys = {
            "input": "X",
            "kernel_size": "K",
            "stride": "S",
            "padding": "P",
            "dilation": "D",
            "ceil_mode": "C",
        }
        params = dict(bound.params)

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            args = {keys[n]: _single(updated.args[i].value) for n, i in params.items() if n in keys}
            return fill(template, planner, **args)

        plan = CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build)
        plan.notes.append("the input must be batched (N, C, L)")
        return self.finish(plan)


def _single(expr: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """``(3,)``/``[3]`` → ``3`` (a 1-d pooling size given as a one-element sequence)."""
    if isinstance(expr, (cst.Tuple, cst.List)) and len(expr.elements) == 1:
        return expr.elements[0].value
    return expr
