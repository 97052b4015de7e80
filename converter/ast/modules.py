"""Rule: ``nn.Module`` structure and module methods.

Spec: in a class deriving (directly or through other classes of the file) from a torch module
class, ``def forward`` → ``def construct`` and ``self.forward(...)``/``super().forward(...)`` →
``construct``; methods called on modules (``model.eval()``, ``model.parameters()``,
``self.register_buffer(...)``...) are rebuilt through the ``torch.nn.Module.*`` matchers. Base
classes themselves are names used as values (see the reference rule): ``nn.Module`` →
``nn.Cell``, ``nn.Sequential`` → ``nn.SequentialCell``, ``nn.ModuleList`` → ``nn.CellList``.
"""

from __future__ import annotations

import libcst as cst
from mindconverter.converter.ast import codes, typeinfo
from mindconverter.converter.ast.rule import Rule

# Names no tensor, string or container has: a call on an unknown receiver is a module's.
DISTINCTIVE = frozenset(
    {
        "eval",
        "parameters",
        "named_parameters",
        "state_dict",
        "load_state_dict",
        "modules",
        "named_modules",
        "children",
        "named_children",
        "register_buffer",
        "add_module",
    }
)
MODULE_METHODS = frozenset(
    {
        "eval",
        "train",
        "parameters",
        "named_parameters",
        "children",
        "named_children",
        "modules",
        "named_modules",
        "state_dict",
        "load_state_dict",
        "to",
        "cuda",
        "cpu",
        "add_module",
        "register_module",
        "register_buffer",
        "register_parameter",
        "zero_grad",
        "apply",
    }
)


class ModuleRule(Rule):
    """``forward`` → ``construct`` and module methods."""

    DESCRIPTION = "nn.Module structure and methods"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:  # noqa: N802
        if node.name.value != "forward" or not self._directly_in_module_class():
            return
        self.ctx.edit(node.name, lambda updated: updated.with_changes(value="construct"))
        self.site(
            node.name,
            codes.MODULE_STRUCTURE,
            "torch.nn.Module.forward",
            "mindspore.nn.Cell.construct",
        )

    def _directly_in_module_class(self) -> bool:
        # The tracker runs first: the function's own scope is already on top of the class's.
        scopes = self.types.scopes
        return len(scopes) >= 2 and scopes[-2].cls is not None and self.types.in_module_class()

    def visit_Call(self, node: cst.Call) -> None:  # noqa: N802
        func = node.func
        if node in self.ctx.handled or not isinstance(func, cst.Attribute):
            return
        if self.torch_name(func) is not None:
            return
        method = func.attr.value
        if method == "forward" and self._is_module_receiver(func.value):
            self.ctx.handled.add(node)
            self.ctx.edit(func.attr, lambda updated: updated.with_changes(value="construct"))
            self.site(
                node,
                codes.MODULE_STRUCTURE,
                "torch.nn.Module.forward",
                "mindspore.nn.Cell.construct",
            )
            return
        if method not in MODULE_METHODS or not self._is_module_receiver(func.value, method):
            return
        if self._user_defined(func.value, method):
            return
        self.ctx.handled.add(node)
        converted = self.convert_call(node, f"torch.nn.Module.{method}", receiver=True)
        if converted and method in ("add_module", "register_module"):
            self._refresh_sequential(node)

    def _refresh_sequential(self, node: cst.Call) -> None:
        """In an ``nn.Sequential`` subclass, re-read the cell list after adding a child.

        ``SequentialCell.construct`` runs ``self.cell_list``, which ``insert_child_to_cell``
        does not update; the child keeps its torch name (so checkpoints keep matching).
        """
        cls = self.types.current_class()
        line = self.ctx.current_line()
        if cls is None or "torch.nn.Sequential" not in self._all_bases(cls.name):
            return
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return
        statement = line.body[0]
        if not isinstance(statement, cst.Expr) or statement.value is not node:
            return
        refresh = cst.parse_statement("self.cell_list = list(self.name_cells().values())")

        def add_refresh(updated: cst.CSTNode) -> cst.FlattenSentinel:
            return cst.FlattenSentinel([updated, refresh])  # type: ignore[list-item]

        self.ctx.edit(line, add_refresh)

    def _all_bases(self, name: str) -> set[str]:
        seen: set[str] = set()
        pending = [name]
        while pending:
            current = self.types.classes.get(pending.pop())
            if current is None:
                continue
            for base in current.bases:
                if base not in seen:
                    seen.add(base)
                    pending.append(base)
        return seen

    def _is_module_receiver(self, receiver: cst.BaseExpression, method: str = "") -> bool:
        is_super = (
            isinstance(receiver, cst.Call)
            and isinstance(receiver.func, cst.Name)
            and receiver.func.value == "super"
        )
        if is_super:
            return self.types.in_module_class()
        kind = self.types.kind_of(receiver)
        if kind == typeinfo.UNKNOWN:
            return method in DISTINCTIVE or method == "train"
        return kind == typeinfo.MODULE

    def _user_defined(self, receiver: cst.BaseExpression, method: str) -> bool:
        """Whether ``self.<method>`` is a method the file's own classes define."""
        if not (isinstance(receiver, cst.Name) and receiver.value == "self"):
            return False
        cls = self.types.current_class()
        seen: set[str] = set()
        while cls is not None and cls.name not in seen:
            seen.add(cls.name)
            if method in cls.methods:
                return True
            cls = next((self.types.classes[b] for b in cls.bases if b in self.types.classes), None)
        return False
