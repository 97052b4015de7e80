"""Run the conversion rules over one source: plan in one traversal, then apply.

1. Parse with LibCST; resolve the metadata once for all rules
   (:class:`~mindconverter.converter.ast.metadata.ModuleMetadata`: one scope analysis, qualified
   names and positions on demand).
2. One batched traversal runs the type tracker and every rule; rules plan edits keyed by
   original nodes and record findings with original positions.
3. The import rule decides which torch imports go and which aliases are free.
4. One transformer applies the edits bottom-up (children first) and adds marker comments.
5. The MindSpore imports the converted code used are inserted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.api_calls import ApiCallRule
from mindconverter.converter.ast.context import ConversionContext, Site
from mindconverter.converter.ast.contexts import GradModeRule
from mindconverter.converter.ast.data import DataRule
from mindconverter.converter.ast.imports import ImportRule
from mindconverter.converter.ast.metadata import ModuleMetadata
from mindconverter.converter.ast.modules import ModuleRule
from mindconverter.converter.ast.parameters import ParameterRule
from mindconverter.converter.ast.references import ReferenceRule
from mindconverter.converter.ast.rule import Rule
from mindconverter.converter.ast.tensor_methods import TensorMethodRule
from mindconverter.converter.ast.training_loop import TrainingRule
from mindconverter.converter.ast.traversal import BatchedTraversal, is_line
from mindconverter.converter.ast.typeinfo import TypeTracker
from mindconverter.converter.issues import SourceRange

# Order matters where rules look at the same node: the first to claim a call owns it.
RULES: tuple[type[Rule], ...] = (
    ImportRule,
    GradModeRule,
    TrainingRule,
    DataRule,
    ModuleRule,
    ApiCallRule,
    TensorMethodRule,
    ParameterRule,
    ReferenceRule,
)
Clock = Callable[[str], None]
MARKER = "# TODO(mindconverter): "


@dataclass
class PipelineResult:
    """Converted code plus the shared context (findings, layer info)."""

    code: str
    ctx: ConversionContext
    types: TypeTracker


def run(module: cst.Module, tier: str, clock: Clock | None = None) -> PipelineResult:
    """Convert a parsed module (see the module docstring for the steps).

    Args:
        module: The parsed source.
        tier: ``nn_ops`` or ``mint``.
        clock: Called with a phase name after each phase (benchmarks); with a clock,
            positions are computed eagerly so that they get a phase of their own.
    """
    tick = clock or _no_clock
    meta = ModuleMetadata(module)
    tick("metadata (scopes)")
    if clock is not None:
        meta.position(module)
        tick("metadata (positions)")
    ctx = ConversionContext(tier, meta)
    types = TypeTracker(meta)
    rules = [rule(ctx, types) for rule in RULES]
    module.visit(BatchedTraversal([types, *rules], ctx.lines))
    tick("rules traversal")
    import_rule = next(rule for rule in rules if isinstance(rule, ImportRule))
    import_rule.plan()
    for rule in rules:
        finalize = getattr(rule, "finalize", None)
        if finalize is not None:
            finalize()
    tick("planning")
    converted = module.visit(Applier(ctx))
    converted = import_rule.insert_imports(converted)
    tick("applying edits")
    code = converted.code
    tick("codegen")
    return PipelineResult(code=code, ctx=ctx, types=types)


def _no_clock(phase: str) -> None:
    """The default clock: no timing."""


class Applier(cst.CSTTransformer):
    """Apply planned edits bottom-up; add marker comments; record replacement code."""

    def __init__(self, ctx: ConversionContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.sites: dict[cst.CSTNode, list[Site]] = {}
        for site in ctx.sites:
            if site.node is not None and site.kind == "convert":
                self.sites.setdefault(site.node, []).append(site)
        self._empty = cst.Module(body=())

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Skip statements that hold no edit (most of a file, usually)."""
        if is_line(node):
            return node in self.ctx.dirty or node in self.ctx.edits
        return True

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> Any:
        result: Any = updated_node
        for edit in self.ctx.edits.get(original_node, ()):
            if not isinstance(result, cst.CSTNode):
                break
            try:
                result = edit(result)
            except Exception as exc:
                self._failed(original_node, exc)
        markers = self.ctx.markers.get(original_node)
        if markers and isinstance(result, cst.CSTNode) and hasattr(result, "leading_lines"):
            lines = [_comment(text) for text in markers]
            result = result.with_changes(leading_lines=[*result.leading_lines, *lines])
        for site in self.sites.get(original_node, ()):
            if isinstance(result, cst.CSTNode):
                site.data["replacement"] = self._empty.code_for_node(result)
                site.data["imports"] = self.ctx.imports.import_lines()
        return result

    def _failed(self, node: cst.CSTNode, exc: Exception) -> None:
        for site in self.sites.get(node, ()):
            site.kind = "unconvert"
            site.code = codes.LEFT_UNCHANGED
            site.hint = f"internal error while rewriting: {type(exc).__name__}: {exc}"
        if node not in self.sites:
            self.ctx.sites.append(
                Site(
                    code=codes.LEFT_UNCHANGED,
                    kind="note",
                    source_api="",
                    target=None,
                    range=SourceRange(0, 0, 0, 0),
                    hint=f"internal error while rewriting: {type(exc).__name__}: {exc}",
                )
            )


def _comment(text: str) -> cst.EmptyLine:
    flat = " ".join(text.split())
    return cst.EmptyLine(indent=True, comment=cst.Comment(MARKER + flat))
