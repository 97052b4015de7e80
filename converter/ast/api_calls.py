"""Rule: calls of torch functions and layers (``nn.Conv2d(...)``, ``torch.cat(...)``, ``F.relu``).

Spec: a call whose callee resolves (through imports) to a torch API is rebuilt from the mapping
entry of the selected tier (or a registered matcher); otherwise it stays and is reported.
"""

from __future__ import annotations

import libcst as cst
from mindconverter.converter.ast.rule import Rule


class ApiCallRule(Rule):
    """Convert call sites whose callee is a torch API."""

    DESCRIPTION = "torch function and layer calls, through the mapping table"

    def visit_Call(self, node: cst.Call) -> None:  # noqa: N802
        if node in self.ctx.handled:
            return
        source = self.torch_name(node.func)
        if source is None:
            return
        self.ctx.handled.add(node)
        self.ctx.claim(node.func)
        self.convert_call(node, source)
