"""torch modules whose MindSpore namesakes are other things, and ``nn.ParameterList``.

* ``nn.CosineSimilarity(dim, eps)``: ``mindspore.nn.CosineSimilarity`` is a metric (it takes
  ``similarity``/``reduction``), so the module becomes ``ops.cosine_similarity`` with the
  arguments bound by ``functools.partial`` (same names and defaults; runs inside a Cell in
  PyNative and graph mode, checked).
* ``F.pairwise_distance(x1, x2, p, eps, keepdim)`` → ``ops.vector_norm(x1 - x2 + eps, p,
  axis=-1, keepdims=keepdim)`` (torch's definition; MindSpore 2.10 has no pairwise distance).
* ``nn.ParameterList(params)`` → ``ms.ParameterTuple(params)``: a Cell attribute holding a
  ``ParameterTuple`` registers its items (``trainable_params``, checkpoints, gradients,
  graph mode: checked); a plain list of Parameters is not registered and ``nn.CellList``
  holds Cells only. The tuple is immutable and its unnamed items are called
  ``Parameter$<n>`` (torch: ``<attr>.<i>``), hence the note on every converted site.
"""

from __future__ import annotations

import libcst as cst
from mindconverter.converter.ast.callargs import (
    ArgPlan,
    Bound,
    Spec,
    UnconvertibleError,
    keyword_arg,
    literal_number,
)
from mindconverter.converter.ast.matchers.functional_extra import _strict, _template_builder
from mindconverter.converter.ast.matchers.layers import is_name
from mindconverter.converter.ast.matchers.norms import PortableMatcher
from mindconverter.converter.ast.matchers.registry import CallPlan, register
from mindconverter.converter.ast.render import ImportPlanner

COSINE = "mindspore.ops.cosine_similarity"


def _python_module(planner: ImportPlanner, module: str) -> cst.BaseExpression:
    """The alias of a standard-library module, with its import planned."""
    alias = planner.alias(module)
    planner.used[module] = alias
    return cst.Name(alias)


@register("CosineSimilarityModule", sources=("torch.nn.CosineSimilarity",), override=True)
class CosineSimilarityMatcher(PortableMatcher):
    """``nn.CosineSimilarity(dim, eps)`` → ``functools.partial(ops.cosine_similarity, ...)``.

    Without arguments the function itself is the module's counterpart.
    """

    def spec(self) -> Spec:
        """The torch constructor."""
        return Spec(target=COSINE, args=("dim", "eps"), status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Bind ``dim``/``eps`` by keyword."""
        _strict(spec, bound)
        params = dict(bound.params)

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            function = planner.render(COSINE)
            if not params:
                return function
            args = [cst.Arg(function)] + [
                keyword_arg(name, updated.args[params[name]].value)
                for name in ("dim", "eps")
                if name in params
            ]
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            args = [a.with_changes(comma=comma) for a in args[:-1]] + args[-1:]
            partial = cst.Attribute(_python_module(planner, "functools"), cst.Name("partial"))
            return cst.Call(partial, args)

        plan = CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build)
        return self.finish(plan)


PAIRWISE_ARGS = ("x1", "x2", "p", "eps", "keepdim")


@register(
    "PairwiseDistance",
    sources=("torch.nn.functional.pairwise_distance", "torch.pairwise_distance"),
    override=True,
)
class PairwiseDistanceMatcher(PortableMatcher):
    """``F.pairwise_distance(a, b, p, eps, keepdim)`` → ``ops.vector_norm(a - b + eps, ...)``."""

    def spec(self) -> Spec:
        """The torch signature."""
        return Spec(target="mindspore.ops.vector_norm", args=PAIRWISE_ARGS, status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Build the norm of the shifted difference over the last axis."""
        _strict(spec, bound)
        if not (bound.has("x1") and bound.has("x2")):
            raise UnconvertibleError("x1 and x2 are required.")
        eps = "_E_" if bound.has("eps") else "1e-06"
        p = bound.value("p")
        order = "" if p is None or literal_number(p) == 2.0 else ", _P_"
        keep = ", keepdims=_K_" if bound.has("keepdim") else ""
        template = f"_OPS_.vector_norm(_A_ - _B_ + {eps}{order}, axis=-1{keep})"
        keys = {"x1": "A", "x2": "B", "p": "P", "eps": "E", "keepdim": "K"}
        build = _template_builder(template, keys, dict(bound.params))
        return self.finish(CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build))


@register("ParameterList", sources=("torch.nn.ParameterList",), override=True)
class ParameterListMatcher(PortableMatcher):
    """``nn.ParameterList(params)`` → ``ms.ParameterTuple(params)`` (with a note).

    An empty list (filled later with ``append``) is refused: the tuple cannot grow.
    """

    def spec(self) -> Spec:
        """The torch constructor."""
        return Spec(target="mindspore.ParameterTuple", args=("values",), status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Pass the parameters on; refuse the empty form."""
        _strict(spec, bound)
        values = bound.value("values")
        if values is None or is_name(values, "None") or _empty(values):
            raise UnconvertibleError(
                "ms.ParameterTuple cannot grow: build the list of ms.Parameter first and pass "
                "it, nn.ParameterList(params) -> ms.ParameterTuple(params)."
            )
        index = bound.params["values"]

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            args = [cst.Arg(updated.args[index].value)]
            return cst.Call(planner.render(spec.target), args)

        plan = CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build)
        plan.notes.append(
            "ms.ParameterTuple is immutable and holds ms.Parameter items only; unnamed items "
            "are registered as 'Parameter$<n>' (torch: '<attr>.<i>')"
        )
        return self.finish(plan)


def _empty(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, (cst.List, cst.Tuple)) and not expr.elements


HINTS = {
    "torch.nn.ParameterDict": (
        "No MindSpore container registers a dict of Parameters: assign each one as an attribute, "
        "setattr(self, key, ms.Parameter(value, name=key)), or use ms.ParameterTuple(values) "
        "when the keys are not needed."
    ),
    "torch.nn.PairwiseDistance": (
        "No MindSpore counterpart (mindspore 2.10 has no pairwise distance): call "
        "ops.vector_norm(x1 - x2 + eps, p, axis=-1, keepdims=keepdim) in construct."
    ),
    "torch.Tensor.index_add_": (
        "In place: write x = x.index_add(dim, index, source), which is converted to "
        "ops.tensor_scatter_elements(..., reduction='add')."
    ),
}


@register("HintOnly", sources=tuple(HINTS), override=True)
class HintOnlyMatcher(PortableMatcher):
    """Refuse with a precise hint (the call site shows it; no clean conversion exists)."""

    def plan(self, call: cst.Call) -> CallPlan:
        """Always refuse."""
        raise UnconvertibleError(HINTS[self.source])
