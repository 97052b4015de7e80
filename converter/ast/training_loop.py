"""Rule: the training step, optimizers and LR schedulers.

Spec:
- In a loop body, ``opt.zero_grad()`` / forward statements / ``loss.backward()`` /
  ``opt.step()`` becomes::

      def forward_fn(<loop variables the forward reads>):
          <forward statements>
          return loss, <other names they assign>
      grad_fn = ms.value_and_grad(forward_fn, None, opt.parameters, has_aux=True)
      for ...:                                  # the outermost enclosing loop
          ...
          (loss, ...), grads = grad_fn(...)
          opt(grads)

  ``zero_grad`` goes (MindSpore computes fresh gradients each call). Other shapes (statements
  between ``backward`` and ``step``, a loss that is not a variable, control flow in the forward
  part) are reported, not guessed.
- An optimizer wrapped by an LR scheduler (``sched = StepLR(opt, ...)``) becomes the
  torch-compatible ``mindspore.experimental.optim.<Name>`` and the scheduler
  ``mindspore.experimental.optim.lr_scheduler.<Name>`` with the same arguments, so
  ``sched.step()`` keeps its per-epoch meaning. Without a scheduler the table's
  ``mindspore.nn`` optimizer is used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from mindconverter.converter.ast import codes, typeinfo
from mindconverter.converter.ast.rule import Rule

EXPERIMENTAL = "mindspore.experimental.optim."
SCHEDULERS = "torch.optim.lr_scheduler."
EMPTY = cst.Module(body=())


@dataclass
class _Step:
    """One recognised training step and what its rewrite needs."""

    loop: cst.CSTNode
    hoist: cst.CSTNode
    forward: list[cst.BaseStatement]
    loss: str
    optimizer: str
    params: list[str]
    aux: list[str]
    captured: dict[int, cst.CSTNode] = field(default_factory=dict)
    ancestors: list[cst.CSTNode] = field(default_factory=list)
    names: tuple[str, str] = ("forward_fn", "grad_fn")


class TrainingRule(Rule):
    """Training steps, optimizers wrapped by schedulers."""

    DESCRIPTION = "training loop, optimizer and LR scheduler"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.optimizers: dict[str, cst.Call] = {}
        self.experimental: set[cst.Call] = set()
        self.steps: list[_Step] = []

    # --- optimizers and schedulers ---------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:  # noqa: N802
        value = node.value
        if len(node.targets) != 1 or not isinstance(value, cst.Call):
            return
        target = node.targets[0].target
        name = self.torch_name(value.func) or ""
        if (
            isinstance(target, cst.Name)
            and name.startswith("torch.optim.")
            and not (name.startswith(SCHEDULERS))
        ):
            self.optimizers[target.value] = value
        elif name.startswith(SCHEDULERS) and value.args:
            self._scheduler(value, name)

    def _scheduler(self, call: cst.Call, name: str) -> None:
        first = call.args[0].value
        optimizer = self.optimizers.get(first.value) if isinstance(first, cst.Name) else None
        if optimizer is None:
            return
        self.experimental.add(optimizer)
        target = EXPERIMENTAL + "lr_scheduler." + name.rsplit(".", 1)[-1]
        self.ctx.handled.add(call)
        self.ctx.claim(call.func)
        self.ctx.consume(call.func)
        imports = self.ctx.imports
        self.ctx.edit(call, lambda updated: updated.with_changes(func=imports.render(target)))
        self.site(call, codes.TRAINING_CONVERTED, name, target)

    # --- training step -------------------------------------------------------------------
    def visit_For(self, node: cst.For) -> None:  # noqa: N802
        self._find_step(node)

    def visit_While(self, node: cst.While) -> None:  # noqa: N802
        self._find_step(node)

    def visit_Call(self, node: cst.Call) -> None:  # noqa: N802
        self._loss_labels(node)
        func = node.func
        if node in self.ctx.handled or not isinstance(func, cst.Attribute) or node.args:
            return
        method = func.attr.value
        kind = self.types.kind_of(func.value)
        if method in ("zero_grad", "step") and kind == typeinfo.OPTIMIZER:
            source = f"torch.optim.Optimizer.{method}"
        elif method == "backward" and kind in (typeinfo.TENSOR, typeinfo.UNKNOWN):
            source = "torch.Tensor.backward"
        else:
            return
        self.ctx.handled.add(node)
        self.site(
            node,
            codes.TRAINING_UNRECOGNISED,
            source,
            None,
            hint="The training step was not recognised (zero_grad, forward, "
            "loss.backward(), optimizer.step() in one loop body). Maybe could "
            "convert to mindspore.value_and_grad.",
        )

    def _loss_labels(self, node: cst.Call) -> None:
        """``criterion(logits, labels)`` of a CrossEntropyLoss: int64 labels become int32.

        ``mindspore.nn.CrossEntropyLoss`` accepts only int32 class indices, while torch labels
        are int64; class-probability (float) targets pass unchanged.
        """
        if "torch.nn.CrossEntropyLoss" not in self.types.layer_types(node.func):
            return
        if len(node.args) != 2 or any(a.keyword or a.star for a in node.args):
            return
        if not isinstance(node.args[1].value, (cst.Name, cst.Attribute)):
            return
        imports = self.ctx.imports

        def cast(updated: cst.CSTNode) -> cst.CSTNode:
            assert isinstance(updated, cst.Call)
            labels = updated.args[1].value
            text = EMPTY.code_for_node(labels)
            int32, int64 = (
                imports.render_code("mindspore.int32"),
                imports.render_code("mindspore.int64"),
            )
            value = cst.parse_expression(
                f"{text}.astype({int32}) if {text}.dtype == {int64} else {text}"
            )
            return updated.with_changes(
                args=[updated.args[0], updated.args[1].with_changes(value=value)]
            )

        self.ctx.edit(node, cast)

    def _find_step(self, loop: cst.For | cst.While) -> None:
        if not isinstance(loop.body, cst.IndentedBlock):
            return
        body = list(loop.body.body)
        backward = _find(body, lambda c: _method_call(c, "backward"))
        if backward is None:
            return
        loss = _receiver_name(body[backward])
        step = _find(body, lambda c: _method_call(c, "step"), start=backward + 1)
        if loss is None or step is None or step != backward + 1:
            return
        optimizer = _receiver_text(body[step])
        zero = _find(
            body, lambda c: _method_call(c, "zero_grad") and _receiver_text_of(c) == optimizer
        )
        indices = _forward_indices(body, backward, zero)
        if not indices:
            return
        start = indices[0]
        forward = [body[i] for i in indices]
        assigned = _assigned_names(forward)
        if loss not in assigned:
            return
        hoist = self._hoist(loop)
        bound = self._loop_bindings(hoist, loop) | set(_assigned_names(body[:start]))
        params = [name for name in _read_names(forward) if name in bound]
        aux = [name for name in assigned if name != loss]
        plan = _Step(
            ancestors=list(self.ctx.lines),
            loop=loop,
            hoist=hoist,
            forward=forward,
            loss=loss,
            optimizer=optimizer,
            params=params,
            aux=aux,
        )
        self.steps.append(plan)
        self._claim_and_edit(plan, body, zero, backward, step)

    def _hoist(self, loop: cst.CSTNode) -> cst.CSTNode:
        outermost = loop
        for line in reversed(self.ctx.lines):
            if isinstance(line, (cst.FunctionDef, cst.ClassDef)):
                break
            if isinstance(line, (cst.For, cst.While)):
                outermost = line
        return outermost

    def _loop_bindings(self, hoist: cst.CSTNode, loop: cst.CSTNode) -> set[str]:
        names: set[str] = set()
        inside = False
        for line in self.ctx.lines:
            inside = inside or line is hoist
            if inside and isinstance(line, cst.For):
                names |= _target_names(line.target)
        return names

    def _claim_and_edit(
        self, plan: _Step, body: list[cst.BaseStatement], zero: int | None, backward: int, step: int
    ) -> None:
        for index, statement in enumerate(plan.forward):
            self.ctx.edit(statement, _capture(plan, index))
        calls = [
            (backward, "torch.Tensor.backward", "mindspore.value_and_grad"),
            (step, "torch.optim.Optimizer.step", "mindspore.nn.Optimizer.__call__"),
        ]
        if zero is not None:
            calls.append(
                (zero, "torch.optim.Optimizer.zero_grad", "nothing (gradients are not accumulated)")
            )
            self.ctx.edit(body[zero], lambda updated: cst.RemovalSentinel.REMOVE)
        for index, source, target in calls:
            call = _call_of(body[index])
            self.ctx.handled.add(call)
            self.ctx.claim(call.func)
            self.site(call, codes.TRAINING_CONVERTED, source, target)
        self.ctx.edit(body[backward], lambda updated: _with_lines(updated, _grad_call(plan)))
        self.ctx.edit(
            body[step],
            lambda updated: _with_lines(updated, cst.parse_statement(f"{plan.optimizer}(grads)")),
        )

    # --- after the traversal ---------------------------------------------------------------
    def finalize(self) -> None:
        """Switch scheduler-wrapped optimizers; add the forward functions before the loops."""
        imports = self.ctx.imports
        for call in self.experimental:
            name = self.torch_name_cache.get(call, "")
            target = EXPERIMENTAL + name.rsplit(".", 1)[-1]
            self.ctx.edits[call] = [
                lambda updated, target=target: updated.with_changes(func=imports.render(target))
            ]
            for site in self.ctx.sites:
                if site.node is call:
                    site.target = target
                    site.code = codes.TRAINING_CONVERTED
                    site.hint = "the optimizer is wrapped by an LR scheduler"
        taken = set(self.ctx.extra.get("names", ()))
        by_hoist: dict[cst.CSTNode, list[_Step]] = {}
        for plan in self.steps:
            plan.names = (_fresh("forward_fn", taken), _fresh("grad_fn", taken))
            by_hoist.setdefault(plan.hoist, []).append(plan)
        for hoist, plans in by_hoist.items():
            self.ctx.edit(hoist, _definitions(plans, imports), plans[0].ancestors)

    @property
    def torch_name_cache(self) -> dict[cst.Call, str]:
        """Torch names of the optimizer constructors (resolved while metadata was available)."""
        return self.ctx.extra.setdefault("optimizer_names", {})

    def leave_Assign(self, original_node: cst.Assign) -> None:  # noqa: N802
        value = original_node.value
        if isinstance(value, cst.Call) and value in self.optimizers.values():
            self.torch_name_cache[value] = self.torch_name(value.func) or ""


def _forward_indices(body: list[cst.BaseStatement], backward: int, zero: int | None) -> list[int]:
    """The simple statements right before ``backward`` (skipping a ``zero_grad`` among them)."""
    indices: list[int] = []
    for index in range(backward - 1, -1, -1):
        if index == zero:
            if indices:
                break
            continue
        if not _simple(body[index]):
            break
        indices.append(index)
    return sorted(indices)


def _fresh(base: str, taken: set[str]) -> str:
    name, counter = base, 0
    while name in taken:
        counter += 1
        name = f"{base}_{counter}"
    taken.add(name)
    return name


def _capture(plan: _Step, index: int) -> Callable[[cst.CSTNode], Any]:
    def capture(updated: cst.CSTNode) -> cst.RemovalSentinel:
        plan.captured[index] = updated
        return cst.RemovalSentinel.REMOVE

    return capture


def _grad_call(plan: _Step) -> cst.BaseStatement:
    outputs = plan.loss if not plan.aux else f"({', '.join([plan.loss, *plan.aux])})"
    return cst.parse_statement(f"{outputs}, grads = {plan.names[1]}({', '.join(plan.params)})")


def _with_lines(updated: cst.CSTNode, replacement: cst.BaseStatement) -> cst.CSTNode:
    return replacement.with_changes(leading_lines=getattr(updated, "leading_lines", ()))


def _definitions(plans: list[_Step], imports: Any) -> Callable[[cst.CSTNode], Any]:
    def add(updated: cst.CSTNode) -> cst.FlattenSentinel:
        statements: list[cst.BaseStatement] = []
        for plan in plans:
            forward_fn, grad_fn = plan.names
            returns = ", ".join([plan.loss, *plan.aux])
            body = [plan.captured[i] for i in sorted(plan.captured)]
            body.append(cst.parse_statement(f"return {returns}"))
            header = cst.parse_statement(f"def {forward_fn}({', '.join(plan.params)}):\n    pass\n")
            assert isinstance(header, cst.FunctionDef)
            function = header.with_changes(
                body=header.body.with_changes(body=body),  # type: ignore[attr-defined]
                leading_lines=[cst.EmptyLine(indent=False)],
            )
            value_and_grad = imports.render_code("mindspore.value_and_grad")
            has_aux = ", has_aux=True" if plan.aux else ""
            grad_line = cst.parse_statement(
                f"{grad_fn} = {value_and_grad}({forward_fn}, None, {plan.optimizer}.parameters"
                f"{has_aux})"
            )
            statements += [function, grad_line]
        lines = list(getattr(updated, "leading_lines", ()))
        if not lines or lines[0].comment is not None:
            lines.insert(0, cst.EmptyLine(indent=False))
        loop = updated.with_changes(leading_lines=lines)  # type: ignore[attr-defined]
        return cst.FlattenSentinel([*statements, loop])

    return add


def _call_of(statement: cst.BaseStatement) -> cst.Call:
    assert isinstance(statement, cst.SimpleStatementLine)
    expr = statement.body[0]
    assert isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call)
    return expr.value


def _method_call(statement: cst.BaseStatement, method: str) -> bool:
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1):
        return False
    expr = statement.body[0]
    if not isinstance(expr, cst.Expr) or not isinstance(expr.value, cst.Call):
        return False
    func = expr.value.func
    args = expr.value.args
    plain = not args or (method == "zero_grad" and all(a.keyword is not None for a in args))
    return isinstance(func, cst.Attribute) and func.attr.value == method and plain


def _find(
    body: list[cst.BaseStatement], test: Callable[[cst.BaseStatement], bool], start: int = 0
) -> int | None:
    for index in range(start, len(body)):
        if test(body[index]):
            return index
    return None


def _receiver_name(statement: cst.BaseStatement) -> str | None:
    func = _call_of(statement).func
    assert isinstance(func, cst.Attribute)
    return func.value.value if isinstance(func.value, cst.Name) else None


def _receiver_text(statement: cst.BaseStatement) -> str:
    return _receiver_text_of(statement) or ""


def _receiver_text_of(statement: cst.BaseStatement) -> str | None:
    func = _call_of(statement).func
    return EMPTY.code_for_node(func.value) if isinstance(func, cst.Attribute) else None


def _simple(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    allowed = (cst.Assign, cst.AugAssign, cst.AnnAssign, cst.Expr)
    return all(isinstance(s, allowed) for s in statement.body)


def _target_names(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        names: set[str] = set()
        for element in target.elements:
            names |= _target_names(element.value)
        return names
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return set()


def _assigned_names(statements: list[cst.BaseStatement]) -> list[str]:
    names: list[str] = []
    for statement in statements:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            targets: list[cst.BaseExpression] = []
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
            elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
                targets = [small.target]
            for target in targets:
                for name in sorted(_target_names(target)):
                    if name not in names:
                        names.append(name)
    return names


def _read_names(statements: list[cst.BaseStatement]) -> list[str]:
    """Names the statements read (in order), ignoring attribute and keyword names."""
    found: list[str] = []

    class Reads(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:  # noqa: N802
            node.value.visit(self)
            return False

        def visit_Arg(self, node: cst.Arg) -> bool:  # noqa: N802
            node.value.visit(self)
            return False

        def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:  # noqa: N802
            return False

        def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
            if node.value not in found:
                found.append(node.value)

    for statement in statements:
        statement.visit(Reads())
    return found
