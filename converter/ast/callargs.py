"""Bind a torch call's arguments to parameter names and rebuild them for MindSpore.

Planning happens on the original call (:func:`bind`, :func:`plan_arguments`); building happens
on the updated call, whose arguments were possibly rewritten already (:func:`build_arguments`).
Arguments are addressed by index, which both trees share.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import libcst as cst

# torch arguments that only steer memory or devices: dropping them keeps the result.
DROPPABLE = frozenset(
    {"inplace", "device", "layout", "pin_memory", "memory_format", "non_blocking", "sparse"}
)
NO_SPACE = cst.SimpleWhitespace("")

Transform = Callable[[cst.BaseExpression], cst.BaseExpression]


class UnconvertibleError(Exception):
    """Raised while planning when a call site cannot be converted.

    Args:
        reason: Why (shown in the report after "didn't convert.").
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Spec:
    """The facts needed to map one API's arguments (from a mapping entry or a matcher)."""

    target: str
    args: tuple[str, ...] = ()
    rename: dict[str, str] = field(default_factory=dict)
    unsupported: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)
    value_transforms: dict[str, str] = field(default_factory=dict)
    min_args: int = 0
    status: str = "consistent"
    kind: str = "function"
    diff_page: str = ""
    positional: int = 0

    def with_changes(self, **changes: Any) -> Spec:
        """A copy with some fields replaced."""
        return replace(self, **changes)

    def facts(self) -> dict[str, Any]:
        """JSON-friendly mapping facts (for issue ``data``)."""
        return {
            "args": list(self.args),
            "rename": dict(self.rename),
            "unsupported": list(self.unsupported),
            "defaults": dict(self.defaults),
            "value_transforms": dict(self.value_transforms),
            "diff_page": self.diff_page,
            "positional": self.positional,
        }


def spec_from_mapping(mapping: Any) -> Spec:
    """Build a :class:`Spec` from an ``ApiMapping`` entry (defaults become source code)."""
    return Spec(
        target=mapping.target or "",
        args=tuple(a for a in (mapping.args or ()) if a != "self"),
        rename=dict(mapping.rename or {}),
        unsupported=tuple(mapping.unsupported or ()),
        defaults={k: code_of(v) for k, v in dict(mapping.defaults or {}).items()},
        value_transforms=dict(mapping.value_transforms or {}),
        min_args=int(mapping.min_args or 0),
        status=mapping.status or "",
        kind=mapping.kind or "function",
        diff_page=getattr(mapping, "diff_page", "") or "",
        positional=int(getattr(mapping, "positional", 0) or 0),
    )


def code_of(value: Any) -> str:
    """Python source for a default value from the mapping data."""
    return repr(value)


@dataclass
class Bound:
    """A call's arguments bound to torch parameter names (by index into ``call.args``)."""

    call: cst.Call
    params: dict[str, int] = field(default_factory=dict)
    extra_positional: list[int] = field(default_factory=list)
    varargs: list[int] = field(default_factory=list)
    stars: list[int] = field(default_factory=list)

    def value(self, name: str) -> cst.BaseExpression | None:
        """The original value passed for ``name``, if any."""
        index = self.params.get(name)
        return None if index is None else self.call.args[index].value

    def has(self, name: str) -> bool:
        """Whether ``name`` was passed."""
        return name in self.params


def split_signature(signature: Sequence[str]) -> tuple[list[str], str | None]:
    """Positional parameter names, and the var-positional name (``"*size"`` → ``size``)."""
    positional: list[str] = []
    for name in signature:
        if name.startswith("*"):
            return positional, (name[1:] or None)
        positional.append(name)
    return positional, None


def bind(call: cst.Call, signature: Sequence[str]) -> Bound:
    """Bind ``call``'s arguments to the torch ``signature``.

    ``"*"`` starts keyword-only parameters; ``"*name"`` is a var-positional parameter whose
    arguments land in :attr:`Bound.varargs`.
    """
    positional, varpos = split_signature(signature)
    bound = Bound(call=call)
    pos = 0
    for index, arg in enumerate(call.args):
        if arg.star:
            bound.stars.append(index)
        elif arg.keyword is not None:
            bound.params[arg.keyword.value] = index
        elif bound.stars:
            bound.stars.append(index)
        elif pos < len(positional):
            bound.params[positional[pos]] = index
            pos += 1
        elif varpos:
            bound.varargs.append(index)
        else:
            bound.extra_positional.append(index)
    return bound


@dataclass
class ArgOut:
    """One argument of the rebuilt call."""

    keyword: str | None
    source: int | None = None
    code: str | None = None
    transform: Transform | None = None
    target: str | None = None


@dataclass
class ArgPlan:
    """The rebuilt argument list plus what changed."""

    args: list[ArgOut] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    added: dict[str, str] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def keywords(self) -> set[str]:
        """Keywords present in the rebuilt call."""
        return {out.keyword for out in self.args if out.keyword}

    def add(self, keyword: str, code: str) -> None:
        """Append ``keyword=code`` unless the keyword is already there."""
        if keyword not in self.keywords():
            self.args.append(ArgOut(keyword=keyword, code=code))
            self.added[keyword] = code

    def facts(self) -> dict[str, Any]:
        """JSON-friendly summary of the changes."""
        return {"dropped": self.dropped, "added": self.added, "renamed": self.renamed}


def plan_arguments(spec: Spec, bound: Bound, *, skip: Sequence[str] = ()) -> ArgPlan:
    """Map bound torch arguments onto MindSpore ones.

    The first ``spec.positional`` torch parameters are passed positionally (also when the torch
    code named them), as long as none is missing; every other argument is passed by keyword,
    renamed through ``spec.rename``; ``spec.defaults`` are added.

    Args:
        spec: Signature, renames, unsupported arguments, defaults and value transforms.
        bound: The call's arguments bound to torch names.
        skip: Torch parameters the caller (a matcher) handles itself.

    Raises:
        UnconvertibleError: An unsupported argument is passed, or ``*args``/``**kwargs`` hide names
            that must be renamed.
    """
    plan = ArgPlan()
    if bound.stars:
        return _pass_through(spec, bound, plan)
    if bound.extra_positional and spec.args:
        raise UnconvertibleError("It has more positional arguments than the torch signature.")
    positional_names, _varpos = split_signature(spec.args)
    for name in bound.params:
        _check(spec, name, skip)
    emitted: set[str] = set()
    if spec.args:
        for name in positional_names[: spec.positional]:
            if name in skip or name not in bound.params or _dropped(spec, name):
                break
            plan.args.append(_out(spec, bound, name, keyword=None))
            emitted.add(name)
        else:
            if len(emitted) == len(positional_names):
                plan.args.extend(ArgOut(keyword=None, source=i) for i in bound.varargs)
                emitted.add("*")
    plan.args.extend(ArgOut(keyword=None, source=i) for i in bound.extra_positional)
    if bound.varargs and "*" not in emitted:
        raise UnconvertibleError("Its variable positional arguments cannot be passed on.")
    for name, _index in sorted(bound.params.items(), key=lambda item: item[1]):
        if name in skip or name in emitted:
            continue
        if _dropped(spec, name):
            plan.dropped.append(name)
            continue
        new_name = spec.rename.get(name, name)
        if new_name != name:
            plan.renamed[name] = new_name
        plan.args.append(_out(spec, bound, name, keyword=new_name))
    produced = {spec.rename.get(name, name) for name in emitted} | plan.keywords()
    for keyword, code in spec.defaults.items():
        if keyword not in skip and keyword not in produced:
            plan.add(keyword, code)
    plan.args.sort(key=lambda out: out.keyword is not None)
    return plan


def _check(spec: Spec, name: str, skip: Sequence[str]) -> None:
    if name in skip:
        return
    if name in spec.unsupported:
        raise UnconvertibleError(f"Argument '{name}' is not supported by {spec.target}.")
    known = {a.lstrip("*") for a in spec.args} | set(spec.rename)
    if spec.args and name not in known and name not in DROPPABLE:
        raise UnconvertibleError(f"Argument '{name}' is not in the mapping of {spec.target}.")


def _dropped(spec: Spec, name: str) -> bool:
    new_name = spec.rename.get(name, name)
    return new_name == "" or (name in DROPPABLE and name not in spec.rename)


def _out(spec: Spec, bound: Bound, name: str, keyword: str | None) -> ArgOut:
    transform = value_transform(spec.value_transforms.get(name, ""))
    return ArgOut(keyword=keyword, source=bound.params[name], transform=transform)


def _pass_through(spec: Spec, bound: Bound, plan: ArgPlan) -> ArgPlan:
    """Keep a call with ``*args``/``**kwargs`` as it is, when that cannot change its meaning.

    ``*args`` is safe when every positional torch parameter keeps its meaning positionally;
    ``**kwargs`` only when no argument is renamed, dropped or transformed.
    """
    positional, _ = split_signature(spec.args)
    stars = [bound.call.args[i].star for i in bound.stars]
    if "*" in stars and spec.args and spec.positional < len(positional):
        raise UnconvertibleError("*args may hide arguments that must be passed by keyword.")
    if "**" in stars and (
        any(spec.rename.values())
        or any(v == "" for v in spec.rename.values())
        or spec.value_transforms
        or spec.status != "consistent"
    ):
        raise UnconvertibleError("**kwargs may hide arguments that must be renamed.")
    for name in bound.params:
        _check(spec, name, ())
        if spec.rename.get(name, name) != name or name in spec.value_transforms:
            raise UnconvertibleError("*args/**kwargs hide arguments that must be renamed.")
    for index, arg in enumerate(bound.call.args):
        keyword = arg.keyword.value if arg.keyword is not None else None
        plan.args.append(ArgOut(keyword=keyword, source=index))
    plan.notes.append("passed *args/**kwargs through unchanged")
    return plan


@lru_cache(maxsize=1024)
def parse_code(code: str) -> cst.BaseExpression:
    """Parse a small expression once (LibCST nodes are immutable, so they can be shared)."""
    return cst.parse_expression(code)


def value_transform(kind: str) -> Transform | None:
    """Rewriter for a mapping value transform: an expression of ``x`` (the argument value).

    Literal arguments are folded (``1-x`` of ``0.1`` is ``0.9``; ``x == 'tanh'`` of
    ``'none'`` is ``False``); other arguments are substituted into the expression.
    """
    if not kind:
        return None
    try:
        template = parse_code(kind)
    except cst.ParserSyntaxError:
        return None

    def transform(expr: cst.BaseExpression) -> cst.BaseExpression:
        folded = _fold(kind, expr)
        if folded is not None:
            return folded
        operand = (
            expr
            if is_atomic(expr)
            else expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        )
        return template.visit(_Substitute(operand))  # type: ignore[return-value]

    return transform


class _Substitute(cst.CSTTransformer):
    def __init__(self, operand: cst.BaseExpression) -> None:
        super().__init__()
        self.operand = operand

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> Any:  # noqa: N802
        return self.operand if updated_node.value == "x" else updated_node


def _fold(kind: str, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """Evaluate a transform on a literal argument (no ``eval``: the known forms only)."""
    compact = kind.replace(" ", "")
    number = literal_number(expr)
    if compact == "1-x" and number is not None and math.isfinite(number):
        value = round(1 - number, 12)
        literal = cst.Float(repr(abs(value)))  # a literal has no sign: -1.5 is -(1.5)
        return literal if value >= 0 else cst.UnaryOperation(cst.Minus(), literal)
    text = literal_string(expr)
    if compact == "x=='tanh'" and text is not None:
        return cst.Name("True" if text == "tanh" else "False")
    template = parse_code(kind)
    is_bool = isinstance(expr, cst.Name) and expr.value in ("True", "False")
    if is_bool and isinstance(template, cst.IfExp) and _is_x(template.test):
        # ``A if x else B`` of a literal bool picks a branch (``'train' if x else 'test'``).
        return template.body if expr.value == "True" else template.orelse  # type: ignore[attr-defined]
    return None


def _is_x(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "x"


def literal_number(expr: cst.BaseExpression) -> float | None:
    """The value of an int/float literal (with an optional sign), else ``None``."""
    sign = 1.0
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        sign, expr = -1.0, expr.expression
    if isinstance(expr, (cst.Integer, cst.Float)):
        try:
            return sign * float(expr.evaluated_value)
        except (ValueError, OverflowError):
            return None
    return None


def literal_string(expr: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal, else ``None``."""
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def is_atomic(expr: cst.BaseExpression) -> bool:
    """Whether ``expr`` needs no parentheses as an operand."""
    return isinstance(
        expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float)
    ) or bool(expr.lpar)


def attribute(expr: cst.BaseExpression, name: str) -> cst.Attribute:
    """``expr.name``, parenthesising ``expr`` when needed (``(1).x``, ``(a + b).x``)."""
    safe = isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) or expr.lpar
    if not safe:
        expr = expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Attribute(value=expr, attr=cst.Name(name))


def build_arguments(plan: ArgPlan, updated: cst.Call, planner: Any) -> list[cst.Arg]:
    """Rebuild the argument list on the updated call (``planner`` renders MindSpore names)."""
    out = [_build_one(item, updated, planner) for item in plan.args]
    return fix_commas(out, updated)


def _build_one(item: ArgOut, updated: cst.Call, planner: Any) -> cst.Arg:
    if item.source is None:
        if item.target is not None:
            value = planner.render(item.target)
        else:
            value = parse_code(item.code or "None")
        return keyword_arg(item.keyword, value) if item.keyword else cst.Arg(value=value)
    arg = updated.args[item.source]
    value = item.transform(arg.value) if item.transform else arg.value
    if arg.star:
        return arg
    if item.keyword is None:
        return arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT, value=value)
    if arg.keyword is not None and arg.keyword.value == item.keyword and value is arg.value:
        return arg
    equal = arg.equal if isinstance(arg.equal, cst.AssignEqual) else _equal()
    return arg.with_changes(keyword=cst.Name(item.keyword), equal=equal, value=value)


def keyword_arg(keyword: str, value: cst.BaseExpression) -> cst.Arg:
    """``keyword=value`` without spaces around ``=``."""
    return cst.Arg(value=value, keyword=cst.Name(keyword), equal=_equal())


def _equal() -> cst.AssignEqual:
    return cst.AssignEqual(whitespace_before=NO_SPACE, whitespace_after=NO_SPACE)


def fix_commas(args: list[cst.Arg], original: cst.Call) -> list[cst.Arg]:
    """Keep explicit commas between arguments; keep a trailing comma only if there was one."""
    if not args:
        return args
    trailing = bool(original.args) and isinstance(original.args[-1].comma, cst.Comma)
    fixed = []
    for position, arg in enumerate(args):
        last = position == len(args) - 1
        if last and not trailing:
            arg = arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        elif not last and not isinstance(arg.comma, cst.Comma):
            arg = arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        fixed.append(arg)
    return fixed
