"""Rule: torch names used as values (base classes, dtypes, annotations, function objects).

Spec: ``class Net(nn.Module)`` → ``class Net(nn.Cell)``; ``dtype=torch.float32`` →
``dtype=ms.float32``; ``act=nn.ReLU`` → ``act=nn.ReLU``. Calls are left to the call rules.
"""

from __future__ import annotations

import libcst as cst
from mindconverter.converter.ast import codes, tables
from mindconverter.converter.ast.rule import Rule


class ReferenceRule(Rule):
    """Convert non-call references to torch names."""

    DESCRIPTION = "torch names used as values"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._in_import = 0

    def visit_Import(self, node: cst.Import) -> None:  # noqa: N802
        self._in_import += 1

    def leave_Import(self, original_node: cst.Import) -> None:  # noqa: N802
        self._in_import -= 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:  # noqa: N802
        self._in_import += 1

    def leave_ImportFrom(self, original_node: cst.ImportFrom) -> None:  # noqa: N802
        self._in_import -= 1

    def visit_Attribute(self, node: cst.Attribute) -> None:  # noqa: N802
        self._reference(node)

    def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
        self._reference(node)

    def _reference(self, node: cst.Attribute | cst.Name) -> None:
        if self._in_import or node in self.ctx.handled:
            return
        source = self.torch_name(node)
        if source is None:
            return
        self.ctx.claim(node)
        target = tables.structural_target(source)
        if target is None:
            mapping = tables.lookup(source, self.ctx.tier)
            if mapping is not None and mapping.status != "unsupported":
                target = mapping.target
        if not target:
            self.site(node, codes.REFERENCE_UNKNOWN, source, None)
            return
        imports = self.ctx.imports
        self.ctx.edit(node, lambda updated: imports.render(target))
        self.ctx.consume(node)
        self.site(node, codes.REFERENCE_CONVERTED, source, target)
