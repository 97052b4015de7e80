"""The call-site matcher registry: name → class, filled by :func:`register`.

A mapping entry names its special case in its ``matcher`` field; the converter resolves that
name here (no ``eval``). A matcher class may also declare the torch APIs it handles when the
entry names none (``sources``), so the converter stays correct while the data catches up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.callargs import (
    ArgPlan,
    Bound,
    Spec,
    UnconvertibleError,
    bind,
    build_arguments,
    plan_arguments,
    spec_from_mapping,
)
from mindconverter.converter.ast.render import ImportPlanner

Builder = Callable[[cst.Call, ImportPlanner], cst.BaseExpression]
METHOD_OWNERS = frozenset({"mindspore.Tensor", "mindspore.nn.Cell", "mindspore.Parameter"})


@dataclass
class CallPlan:
    """How to rebuild one call site (applied to the updated call).

    Attributes:
        target: Fully qualified MindSpore callable (``mindspore.Tensor.x`` for methods).
        args: The rebuilt arguments.
        spec: The facts the plan came from.
        method: Keep the receiver and call this method on it.
        receiver_first: Call ``target`` with the receiver as first argument.
        wrap: Post-process the rebuilt call (``x.shape[0]``...).
        build: Build the whole replacement instead.
        code: Issue code of the converted site.
        notes: Differences worth a look (turn the code into ``MC-A004``).
    """

    target: str
    args: ArgPlan
    spec: Spec
    method: str | None = None
    receiver_first: bool = False
    wrap: Callable[[cst.BaseExpression], cst.BaseExpression] | None = None
    build: Builder | None = None
    code: str = codes.CALL_CONVERTED
    notes: list[str] = field(default_factory=list)

    def apply(self, updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
        """Rebuild ``updated`` (the call with its children already converted)."""
        if self.build is not None:
            return self.build(updated, planner)
        args = build_arguments(self.args, updated, planner)
        if self.method is not None and isinstance(updated.func, cst.Attribute):
            func: cst.BaseExpression = updated.func.with_changes(attr=cst.Name(self.method))
        elif self.receiver_first and isinstance(updated.func, cst.Attribute):
            func = planner.render(self.target)
            args = [cst.Arg(value=updated.func.value), *args]
            args = [
                a.with_changes(comma=cst.MaybeSentinel.DEFAULT) if i == len(args) - 1 else a
                for i, a in enumerate(args)
            ]
        else:
            func = planner.render(self.target)
        result: cst.BaseExpression = updated.with_changes(func=func, args=args)
        return self.wrap(result) if self.wrap is not None else result


class CallMatcher:
    """Plans a call site from the mapping data; subclasses handle special cases.

    Args:
        source: Fully qualified torch API of the site.
        mapping: Its ``ApiMapping`` entry (``None`` when the tables have none).
        receiver: Whether the site is a method called on a tensor (``x.view(...)``).
        tier: Target tier.
    """

    NAME: ClassVar[str] = "generic"
    TARGET: ClassVar[str | None] = None
    TARGET_PREFIXES: ClassVar[tuple[str, ...]] = ()
    SPEC: ClassVar[dict[str, Any]] = {}

    def __init__(self, source: str, mapping: Any | None, receiver: bool, tier: str) -> None:
        self.source = source
        self.mapping = mapping
        self.receiver = receiver
        self.tier = tier

    def applies(self) -> bool:
        """Whether this special case fits the entry's target (else the generic path runs)."""
        if not self.TARGET_PREFIXES:
            return True
        target = self.mapping.target if self.mapping is not None else None
        return not target or target.startswith(self.TARGET_PREFIXES)

    def spec(self) -> Spec:
        """Mapping facts, with the matcher's overrides."""
        base = spec_from_mapping(self.mapping) if self.mapping is not None else Spec(target="")
        if self.SPEC:
            base = base.with_changes(**self.SPEC)
        if not base.target and self.TARGET:
            base = base.with_changes(target=self.TARGET)
        return base

    def plan(self, call: cst.Call) -> CallPlan:
        """Plan the conversion of ``call``.

        Raises:
            UnconvertibleError: With the reason shown in the report.
        """
        spec = self.spec()
        bound = bind(call, spec.args)
        return self.make(spec, bound)

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Build the plan from bound arguments; special cases override this."""
        if not spec.target:
            raise UnconvertibleError("")
        return self.finish(
            CallPlan(target=spec.target, args=plan_arguments(spec, bound), spec=spec)
        )

    def finish(self, plan: CallPlan) -> CallPlan:
        """Choose method or function form for tensor methods, and the issue code."""
        if self.receiver:
            owner, _, method = plan.target.rpartition(".")
            if plan.build is None and plan.method is None:
                if owner in METHOD_OWNERS:
                    plan.method = method
                else:
                    plan.receiver_first = True
            if plan.code == codes.CALL_CONVERTED:
                module_method = self.source.startswith("torch.nn.Module.")
                plan.code = codes.MODULE_METHOD if module_method else codes.TENSOR_METHOD
        if plan.args.dropped:
            plan.notes.append("dropped " + ", ".join(f"'{d}'" for d in plan.args.dropped))
        if plan.spec.status == "inconsistent":
            plan.notes.append("behaviour differs in some cases; check the API difference page")
        if plan.notes and plan.code in (codes.CALL_CONVERTED,):
            plan.code = codes.CONVERTED_WITH_NOTE
        return plan


MATCHERS: dict[str, type[CallMatcher]] = {}
_BY_SOURCE: dict[str, str] = {}
_OVERRIDES: set[str] = set()


def register(
    name: str, *, sources: tuple[str, ...] = (), override: bool = False
) -> Callable[[type], type]:
    """Class decorator: register a matcher under ``name`` (the mapping's ``matcher`` value).

    Args:
        name: Registry key.
        sources: torch APIs this matcher handles when their entry names no matcher.
        override: Also handle ``sources`` whose table entry exists without a matcher (for
            rows whose target is known to be wrong; each such case is listed in the report to
            the mapping maintainers).
    """

    def decorate(cls: type[CallMatcher]) -> type[CallMatcher]:
        if name in MATCHERS:
            raise ValueError(f"matcher {name!r} registered twice")
        cls.NAME = name
        MATCHERS[name] = cls
        for source in sources:
            _BY_SOURCE[source] = name
            if override:
                _OVERRIDES.add(source)
        return cls

    return decorate


def find(source: str, mapping: Any | None) -> type[CallMatcher] | None:
    """The matcher class for a site.

    The entry's own ``matcher`` wins; a matcher that claims ``source`` by default is used only
    when the tables have no entry for it.
    """
    name = getattr(mapping, "matcher", None) if mapping is not None else None
    if name:
        return MATCHERS.get(name)
    if mapping is not None and source not in _OVERRIDES:
        return None
    default = _BY_SOURCE.get(source)
    return MATCHERS.get(default) if default else None


def default_sources() -> dict[str, str]:
    """torch API → matcher name, for the APIs matchers claim by default."""
    return dict(_BY_SOURCE)
