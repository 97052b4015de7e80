"""Record types of the mapping tables (no I/O, no heavy imports)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TIERS = ("nn_ops", "mint")
"""Target tiers: ``nn_ops`` (portable mindspore.nn/ops/Tensor, the default) and ``mint``."""

STATUSES = ("consistent", "renamed_args", "inconsistent", "unsupported")
"""``consistent``: swap the name, pass arguments unchanged (``positional`` still applies).
``renamed_args``: also rename or drop keyword arguments (``rename``).
``inconsistent``: the target exists but the call needs more (``defaults``,
``value_transforms`` or ``matcher``) or behaves differently (see ``notes``).
``unsupported``: no MindSpore counterpart (``target`` is None)."""

KINDS = ("function", "class", "tensor_method", "method", "attribute")
"""What the torch name is: a function, a class (constructed, or used as a base class), a
``torch.Tensor`` method, a method of another class (``torch.nn.Module.eval``), or an attribute
read without a call (``torch.Tensor.shape``, ``torch.float32``)."""

ONNX_KINDS = ("layer", "function", "none")
"""ONNX counterparts are layers (``mindspore.nn`` Cells), functions, or ``none``."""


@dataclass(frozen=True)
class ApiMapping:
    """How one torch API maps to MindSpore in one tier.

    Attributes:
        source: Canonical torch name, e.g. ``torch.nn.Conv2d`` or ``torch.Tensor.view``.
        target: Fully qualified MindSpore name, or None when there is no counterpart.
            A ``tensor_method``/``method`` whose target is not an attribute of
            ``mindspore.Tensor``/a class is called as a function with the receiver as its
            first argument (``x.detach()`` -> ``ops.stop_gradient(x)``).
        status: One of STATUSES.
        kind: One of KINDS.
        args: The torch parameters in signature order (``self`` excluded). ``"*"`` starts the
            keyword-only parameters, ``"*name"`` is a var-positional parameter (everything after
            it is keyword-only).
        rename: ``{torch_arg: mindspore_arg}``; ``""`` means drop the argument silently.
        unsupported: torch arguments with no MindSpore counterpart (report when passed).
        defaults: MindSpore keyword arguments to add unless the converted call already sets
            that parameter, by keyword (through ``rename``) or by position (e.g.
            ``{"pad_mode": "pad", "has_bias": True}`` for Conv2d).
        value_transforms: ``{torch_arg: expression}`` applied to the argument value, where
            the expression is one of KNOWN_VALUE_TRANSFORMS with ``x`` standing for the value.
        min_args: Number of required torch positional parameters.
        matcher: Name of a special-case handler (one of KNOWN_MATCHERS) or None.
        diff_page: MindSpore difference page, ``"<docs version>/<path>.md"``, or None.
        notes: Short English notes for reports and hover text.
        tier: The tier this entry belongs to.
        positional: How many leading torch positional parameters keep their meaning when
            passed positionally to the target. Pass those positionally (even when the torch
            code names them, e.g. ``x.squeeze(dim=0)`` -> ``x.squeeze(0)``: MindSpore's
            ``squeeze(*axis)`` takes no keyword); pass every later argument by keyword,
            renamed through ``rename``.
    """

    source: str
    target: str | None
    status: str
    kind: str
    args: tuple[str, ...]
    rename: Mapping[str, str]
    unsupported: tuple[str, ...]
    defaults: Mapping[str, Any]
    value_transforms: Mapping[str, str]
    min_args: int
    matcher: str | None
    diff_page: str | None
    notes: str
    tier: str
    positional: int = 0

    def __hash__(self) -> int:
        return hash((self.tier, self.source))

    @property
    def param_names(self) -> tuple[str, ...]:
        """Torch parameter names without the ``*`` markers."""
        return tuple(a.lstrip("*") for a in self.args if a != "*")


@dataclass(frozen=True)
class OnnxOpMapping:
    """MindSpore counterpart(s) of one ONNX operator (default domain).

    Attributes:
        op_type: ONNX op type, e.g. ``Conv``.
        targets: Fully qualified MindSpore names, most specific first; empty if none.
        kind: One of ONNX_KINDS (``none`` when there is no counterpart).
        shape_dependent: True when the MindSpore call depends on the input rank or on
            constant inputs (e.g. Conv picks Conv1d/2d/3d from the kernel rank).
        notes: Short English notes on attribute and layout differences.
    """

    op_type: str
    targets: tuple[str, ...]
    kind: str
    shape_dependent: bool
    notes: str

    @property
    def supported(self) -> bool:
        """Whether MindSpore has a counterpart."""
        return bool(self.targets)
