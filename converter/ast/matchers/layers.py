"""Layer constructors whose arguments need more than the mapping data's renames.

Registered under the names the mapping entries use (``ConvPadding``, ``Pooling``...). Each
matcher works on the entry's facts (target, signature, renames, defaults) and adds the logic
data cannot express.
"""

from __future__ import annotations

from typing import Any

import libcst as cst
from mindconverter.converter.ast.callargs import (
    ArgOut,
    Bound,
    Spec,
    UnconvertibleError,
    literal_number,
    literal_string,
    plan_arguments,
)
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register


def is_name(expr: cst.BaseExpression | None, value: str) -> bool:
    """Whether ``expr`` is the bare name ``value`` (``None``, ``True``...)."""
    return isinstance(expr, cst.Name) and expr.value == value


@register("ConvPadding")
class ConvPaddingMatcher(CallMatcher):
    """``Conv*d``/``ConvTranspose*d``: torch ``padding`` → ``pad_mode`` + ``padding``.

    An int stays; a tuple gets two values per spatial dim (``(ph, pw)`` → ``(ph, ph, pw, pw)``);
    ``'same'``/``'valid'`` become the pad mode; zero or no padding is ``pad_mode='valid'``;
    ``padding_mode='zeros'`` is dropped, other padding modes cannot be converted.
    """

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Plan the call with the padding logic."""
        mode = bound.value("padding_mode")
        if mode is not None and literal_string(mode) != "zeros":
            raise UnconvertibleError("Only padding_mode='zeros' has a MindSpore equivalent.")
        plan = plan_arguments(spec, bound, skip=("padding", "padding_mode", "pad_mode"))
        if mode is not None:
            plan.dropped.append("padding_mode")
        padding = bound.value("padding")
        text = literal_string(padding)
        if text is not None:
            plan.add("pad_mode", repr(text))
        elif padding is None or literal_number(padding) == 0:
            plan.add("pad_mode", "'valid'")
        else:
            plan.add("pad_mode", "'pad'")
            transform = _spatial_padding(_conv_dims(self.source))
            plan.args.append(
                ArgOut(keyword="padding", source=bound.params["padding"], transform=transform)
            )
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


def _conv_dims(source: str) -> int:
    for dims in (1, 3):
        if source.endswith(f"{dims}d"):
            return dims
    return 2


def _spatial_padding(dims: int) -> Any:
    def transform(expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, (cst.Tuple, cst.List)) and len(expr.elements) == dims and dims > 1:
            values = [element.value for element in expr.elements]
            return cst.Tuple([cst.Element(v) for value in values for v in (value, value)])
        return expr

    return transform


@register("Pooling")
class PoolingMatcher(CallMatcher):
    """``MaxPool*``/``AvgPool*`` layers and ``avg_pool*d``: torch ``stride`` defaults to the kernel.

    MindSpore defaults ``stride`` to 1, so ``stride=kernel_size`` is passed when the torch call
    omits it or passes ``None``. The layers' ``pad_mode='pad'`` comes from the entry's defaults.
    """

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Plan with an explicit stride; drop ``divisor_override=None``."""
        if "kernel_size" not in bound.params:
            raise UnconvertibleError("kernel_size is missing.")
        skip = ["stride"]
        if is_name(bound.value("divisor_override"), "None"):
            skip.append("divisor_override")
        positional = _stride_index(spec)
        spec = spec.with_changes(positional=min(spec.positional, positional))
        plan = plan_arguments(spec, bound, skip=tuple(skip))
        stride = bound.value("stride")
        source = (
            bound.params["kernel_size"]
            if stride is None or is_name(stride, "None")
            else (bound.params["stride"])
        )
        plan.args.append(ArgOut(keyword="stride", source=source))
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


def _stride_index(spec: Spec) -> int:
    names = [a for a in spec.args if not a.startswith("*")]
    return names.index("stride") if "stride" in names else len(names)


@register("BatchNormMomentum")
class BatchNormMatcher(CallMatcher):
    """``BatchNorm*d``: momentum ``1 - m`` and running-stats tracking (value transforms).

    ``momentum=None`` (a cumulative moving average) has no counterpart; a non-literal
    ``track_running_stats`` cannot be mapped.
    """

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Refuse what the transforms cannot express; plan the rest from the entry."""
        if is_name(bound.value("momentum"), "None"):
            raise UnconvertibleError(
                "momentum=None (cumulative average) has no MindSpore equivalent."
            )
        track = bound.value("track_running_stats")
        if track is not None and not (is_name(track, "True") or is_name(track, "False")):
            raise UnconvertibleError("track_running_stats must be a literal True or False.")
        skip = ("track_running_stats",) if is_name(track, "True") else ()
        plan = plan_arguments(spec, bound, skip=skip)
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


@register("LayerNormShape")
class LayerNormMatcher(CallMatcher):
    """``LayerNorm``: ``normalized_shape`` becomes a tuple; one trailing axis only.

    For a shape over n > 1 axes MindSpore (CPU) needs ``begin_norm_axis = rank - n``, which
    depends on the input rank; such calls are reported.
    """

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Wrap an int shape in a tuple; refuse multi-axis shapes and no-affine variants."""
        for flag in ("elementwise_affine", "bias"):
            value = bound.value(flag)
            if value is not None and is_name(value, "True"):
                continue
            if value is not None:
                raise UnconvertibleError(
                    f"{flag}=False is not supported (gamma/beta always exist)."
                )
        shape = bound.value("normalized_shape")
        if isinstance(shape, (cst.Tuple, cst.List)) and len(shape.elements) != 1:
            raise UnconvertibleError(
                "normalized_shape over several axes needs begin_norm_axis = input rank - n."
            )
        plan = plan_arguments(spec, bound, skip=("elementwise_affine", "bias"))
        for out in plan.args:
            if out.source == bound.params.get("normalized_shape"):
                out.transform = as_tuple
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


def as_tuple(expr: cst.BaseExpression) -> cst.BaseExpression:
    """``d`` → ``(d,)``; ``[a]`` → ``(a,)``; tuples stay."""
    if isinstance(expr, cst.Tuple):
        return expr
    if isinstance(expr, cst.List):
        return cst.Tuple([cst.Element(e.value) for e in expr.elements])
    return cst.Tuple([cst.Element(expr, comma=cst.Comma())])


@register("InterpolateScale")
class InterpolateScaleMatcher(CallMatcher):
    """``F.interpolate``/``nn.Upsample`` with ``scale_factor``: add ``recompute_scale_factor``.

    MindSpore 2.10 on CPU rejects ``scale_factor`` for 4-D nearest/bilinear resizing unless the
    output size is recomputed from it (the same output size as torch for integer factors).
    """

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Plan from the entry, then add ``recompute_scale_factor=True`` when needed."""
        plan = plan_arguments(spec, bound)
        scale = bound.value("scale_factor")
        if scale is not None and not is_name(scale, "None") and not bound.has("size"):
            if not bound.has("recompute_scale_factor"):
                plan.add("recompute_scale_factor", "True")
            for out in plan.args:
                if out.source == bound.params["scale_factor"]:
                    out.transform = _as_float
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


def _as_float(expr: cst.BaseExpression) -> cst.BaseExpression:
    """MindSpore wants a float ``scale_factor``: ``2`` → ``2.0`` (other expressions stay)."""
    if isinstance(expr, cst.Integer):
        return cst.Float(f"{int(expr.evaluated_value)}.0")
    return expr
