"""Methods called on ``nn.Module`` instances (``model.eval()`` → ``model.set_train(False)``...).

Sites are keyed ``torch.nn.Module.<method>``; the receiver is known to be a module from the type
tracker (``self`` in a module class, a variable bound to a layer or to a module class instance).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.callargs import (
    ArgPlan,
    Spec,
    UnconvertibleError,
    bind,
    keyword_arg,
    parse_code,
)
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register
from mindconverter.converter.ast.render import ImportPlanner

M = "torch.nn.Module."
Builder = Callable[[cst.Call, ImportPlanner], cst.BaseExpression]


def _receiver(updated: cst.Call) -> cst.BaseExpression:
    assert isinstance(updated.func, cst.Attribute)
    return updated.func.value


def _method_call(
    receiver: cst.BaseExpression, method: str, args: list[cst.Arg] | None = None
) -> cst.Call:
    return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name(method)), args=args or [])


class ModuleMethodMatcher(CallMatcher):
    """Base: bind against ``SIGNATURE``, then :meth:`rebuild` on the updated call."""

    SIGNATURE: ClassVar[tuple[str, ...]] = ()
    TARGETS: ClassVar[dict[str, str]] = {}

    def plan(self, call: cst.Call) -> CallPlan:
        """Plan a module-method site."""
        if not isinstance(call.func, cst.Attribute):
            raise UnconvertibleError("")
        if any(arg.star for arg in call.args):
            raise UnconvertibleError("*args cannot be mapped.")
        signature = self.signature()
        bound = bind(call, signature)
        if bound.extra_positional or set(bound.params) - set(signature):
            raise UnconvertibleError("unexpected arguments")
        names = {index: name for name, index in bound.params.items()}
        target = self.TARGETS.get(self.source, "")
        spec = Spec(target=target, args=signature, status="renamed_args", kind="method")
        return CallPlan(
            target=target,
            args=ArgPlan(),
            spec=spec,
            build=self.rebuild(names),
            code=codes.MODULE_METHOD,
        )

    def signature(self) -> tuple[str, ...]:
        """The torch parameter names of the matched method."""
        return self.SIGNATURE

    def rebuild(self, names: dict[int, str]) -> Builder:
        """The builder for the replacement."""
        raise NotImplementedError


def _value(updated: cst.Call, names: dict[int, str], name: str) -> cst.BaseExpression | None:
    for index, arg in enumerate(updated.args):
        if names.get(index) == name:
            return arg.value
    return None


@register(
    "ModuleRename",
    sources=tuple(
        M + k
        for k in (
            "children",
            "named_children",
            "named_modules",
            "add_module",
            "register_module",
            "zero_grad",
        )
    ),
)
class RenameMatcher(ModuleMethodMatcher):
    """Methods with a one-to-one MindSpore name."""

    SIGNATURE = ("name", "module")
    METHODS: ClassVar[dict[str, str]] = {
        "children": "cells",
        "named_children": "name_cells().items",
        "named_modules": "cells_and_names",
        "add_module": "insert_child_to_cell",
        "register_module": "insert_child_to_cell",
    }
    TARGETS: ClassVar[dict[str, str]] = {
        M + k: f"mindspore.nn.Cell.{v.split('(')[0]}" for k, v in METHODS.items()
    }

    def plan(self, call: cst.Call) -> CallPlan:
        """``parameters(recurse=...)`` etc. take no arguments we can map."""
        method = self.source.rsplit(".", 1)[-1]
        if method == "zero_grad":
            raise UnconvertibleError(
                "MindSpore computes fresh gradients each step; remove the call."
            )
        takes_args = method in ("add_module", "register_module")
        if call.args and not takes_args:
            raise UnconvertibleError("arguments are not mapped")
        return super().plan(call)

    def rebuild(self, names: dict[int, str]) -> Builder:
        """Rename (``named_children`` → ``name_cells().items()``)."""
        method = self.METHODS[self.source.rsplit(".", 1)[-1]]

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            receiver = _receiver(updated)
            if "()." in method:
                first, second = method.split("().")
                return _method_call(_method_call(receiver, first), second)
            return updated.with_changes(func=cst.Attribute(value=receiver, attr=cst.Name(method)))

        return build


@register("ModuleModules", sources=(M + "modules",))
class ModulesMatcher(ModuleMethodMatcher):
    """``m.modules()`` → ``(cell for _, cell in m.cells_and_names())``."""

    TARGETS: ClassVar[dict[str, str]] = {M + "modules": "mindspore.nn.Cell.cells_and_names"}

    def rebuild(self, names: dict[int, str]) -> Builder:
        """A generator over ``cells_and_names``."""

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            inner = parse_code("[cell for _, cell in CELLS]")
            assert isinstance(inner, cst.ListComp)
            source = _method_call(_receiver(updated), "cells_and_names")
            comp = inner.for_in.with_changes(iter=source)
            return inner.with_changes(for_in=comp)

        return build


@register("RegisterBuffer", sources=(M + "register_buffer", M + "register_parameter"))
class RegisterBufferMatcher(ModuleMethodMatcher):
    """``self.register_buffer('pe', t)`` → ``setattr(self, 'pe', ms.Parameter(t, ...))``.

    Buffers become non-trainable parameters, so they are saved in and loaded from checkpoints
    under the same name.
    """

    SIGNATURE = ("name", "tensor", "persistent")
    TARGETS: ClassVar[dict[str, str]] = {
        M + "register_buffer": "mindspore.Parameter",
        M + "register_parameter": "mindspore.Parameter",
    }

    def signature(self) -> tuple[str, ...]:
        """``register_buffer(name, tensor, persistent)``; ``register_parameter(name, param)``."""
        return self.SIGNATURE if self.source.endswith("register_buffer") else ("name", "param")

    def rebuild(self, names: dict[int, str]) -> Builder:
        """``setattr`` with a Parameter (trainable only for ``register_parameter``)."""
        buffer = self.source.endswith("register_buffer")

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            name = _value(updated, names, "name")
            value = _value(updated, names, "tensor" if buffer else "param")
            if name is None or value is None:
                return updated
            param: cst.BaseExpression = value  # register_parameter receives a Parameter
            if buffer:
                param = cst.Call(
                    func=planner.render("mindspore.Parameter"),
                    args=[cst.Arg(value), keyword_arg("requires_grad", cst.Name("False"))],
                )
            return cst.Call(
                func=cst.Name("setattr"),
                args=[cst.Arg(_receiver(updated)), cst.Arg(name), cst.Arg(param)],
            )

        return build
