"""``take_along_dim`` and ``index_add``: indexing ops whose MindSpore counterparts differ.

* ``torch.take_along_dim(x, idx, dim)`` broadcasts ``x`` and ``idx`` against each other except
  along ``dim``; ``mindspore.numpy.take_along_axis`` does the same (checked against torch for
  one-sided and two-sided broadcasts, negative indices). ``ops.gather_elements`` does not
  broadcast. ``dim=None`` flattens both.
* ``x.index_add(dim, idx, src, alpha=a)``: MindSpore 2.10's ``Tensor.index_add`` and
  ``ops.index_add`` need int32 indices, write into ``x`` in PyNative mode (torch returns a new
  tensor) and have no CPU kernel in graph mode (``IndexAddExt``). The converted form is
  ``ops.tensor_scatter_elements(x, idx broadcast along dim, a * src, dim, reduction='add')``,
  which accumulates repeated indices, leaves ``x`` alone and runs in both modes.
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
)
from mindconverter.converter.ast.matchers.functional_extra import _strict
from mindconverter.converter.ast.matchers.layers import is_name
from mindconverter.converter.ast.matchers.norms import PortableMatcher
from mindconverter.converter.ast.matchers.registry import CallPlan, register
from mindconverter.converter.ast.matchers.templates import fill, is_plain
from mindconverter.converter.ast.render import ImportPlanner

Builder = Callable[[cst.Call, ImportPlanner], cst.BaseExpression]
TAKE_ALONG = "mindspore.numpy.take_along_axis"


def _refuse_out(bound: Bound) -> None:
    if bound.has("out"):
        raise UnconvertibleError("Argument 'out' has no counterpart: assign the result instead.")


def _builder(
    template: str,
    keys: dict[str, str],
    params: dict[str, int],
    receiver: bool,
    extra: dict[str, str] | None = None,
) -> Builder:
    """Fill ``template`` with the call's arguments (``_X_`` is the receiver of a method)."""

    def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
        values = {keys[n]: updated.args[i].value for n, i in params.items() if n in keys}
        if receiver:
            assert isinstance(updated.func, cst.Attribute)
            values["X"] = updated.func.value
        for key, target in (extra or {}).items():
            values[key] = planner.render(target)
        return fill(template, planner, **values)

    return build


@register(
    "TakeAlongDim", sources=("torch.take_along_dim", "torch.Tensor.take_along_dim"), override=True
)
class TakeAlongDimMatcher(PortableMatcher):
    """``torch.take_along_dim(x, idx, dim)`` → ``ms.numpy.take_along_axis(x, idx, dim)``.

    Without ``dim`` (or ``dim=None``) the indices are flattened too, as in torch:
    ``ms.numpy.take_along_axis(x, idx.reshape(-1), None)``.
    """

    def spec(self) -> Spec:
        """The torch signature of the site."""
        args = ("input", "indices", "dim", "*", "out")
        return Spec(target=TAKE_ALONG, args=self.function_args(args), status="renamed_args")

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Flatten the indices for ``dim=None``."""
        _strict(spec, bound)
        _refuse_out(bound)
        if not bound.has("indices") or not (self.receiver or bound.has("input")):
            raise UnconvertibleError("input and indices are required.")
        dim = bound.value("dim")
        if dim is None or is_name(dim, "None"):
            template = "_F_(_X_, _I_.reshape(-1), None)"
        else:
            template = "_F_(_X_, _I_, _D_)"
        keys = {"input": "X", "indices": "I", "dim": "D"}
        build = _builder(template, keys, dict(bound.params), self.receiver, {"F": TAKE_ALONG})
        return self.finish(CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build))


@register("IndexAdd", sources=("torch.index_add", "torch.Tensor.index_add"), override=True)
class IndexAddMatcher(PortableMatcher):
    """``x.index_add(dim, idx, src, alpha=a)`` → ``ops.tensor_scatter_elements(...)``.

    ``dim`` must be an integer literal (the index is reshaped to lie along it) and ``src``,
    read twice, a name or attribute.
    """

    def spec(self) -> Spec:
        """The torch signature of the site."""
        args = ("input", "dim", "index", "source", "*", "alpha", "out")
        return Spec(
            target="mindspore.ops.tensor_scatter_elements",
            args=self.function_args(args),
            status="renamed_args",
        )

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Check ``dim`` and ``source``; build the scatter."""
        _strict(spec, bound)
        _refuse_out(bound)
        names = ("dim", "index", "source") if self.receiver else ("input", "dim", "index", "source")
        if not all(bound.has(name) for name in names):
            raise UnconvertibleError("input, dim, index and source are required.")
        dim = literal_number(bound.value("dim"))  # type: ignore[arg-type]
        if dim is None or dim != int(dim):
            raise UnconvertibleError("dim must be an integer literal.")
        if not is_plain(bound.value("source")):
            raise UnconvertibleError(
                "source is read twice in the converted expression: assign it to a variable first."
            )
        alpha = bound.value("alpha")
        updates = "_S_" if alpha is None or literal_number(alpha) == 1.0 else "_A_ * _S_"
        template = (
            f"_OPS_.tensor_scatter_elements(_X_, _I_.reshape({_index_shape(int(dim))})"
            f".broadcast_to(_S_.shape), {updates}, axis={int(dim)}, reduction='add')"
        )
        keys = {"input": "X", "dim": "D", "index": "I", "source": "S", "alpha": "A"}
        build = _builder(template, keys, dict(bound.params), self.receiver)
        return self.finish(CallPlan(target=spec.target, args=ArgPlan(), spec=spec, build=build))


def _index_shape(dim: int) -> str:
    """Shape code putting a 1-D index along ``dim`` of ``_S_`` (ones elsewhere)."""
    if dim >= 0:
        head = (1,) * dim + (-1,)
        return f"{head!r} + (1,) * (_S_.ndim - {dim + 1})"
    tail = (-1,) + (1,) * (-dim - 1)
    return f"(1,) * (_S_.ndim - {-dim}) + {tail!r}"
