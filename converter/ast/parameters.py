"""Rule: parameter attributes whose MindSpore names differ (``bn.weight`` → ``bn.gamma``).

Spec: ``<layer>.weight``/``.bias``/``.running_mean``/``.running_var`` is renamed when the layer
type is known: ``self.<attr>`` assigned a torch layer in the class, a variable assigned one, or a
name narrowed by an enclosing ``if isinstance(m, nn.BatchNorm2d):``.
"""

from __future__ import annotations

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.params import ATTRIBUTE_RENAMES
from mindconverter.converter.ast.rule import Rule

RENAMED = frozenset(attr for renames in ATTRIBUTE_RENAMES.values() for attr in renames)


class ParameterRule(Rule):
    """Rename parameter attributes of layers whose MindSpore parameters have other names."""

    DESCRIPTION = "layer parameter attributes"

    def visit_Attribute(self, node: cst.Attribute) -> None:  # noqa: N802
        attr = node.attr.value
        if attr not in RENAMED:
            return
        types = self.types.layer_types(node.value)
        renames = {ATTRIBUTE_RENAMES.get(t, {}).get(attr) for t in types}
        if len(renames) != 1:
            return
        new = renames.pop()
        if not new or new == attr:
            return
        self.ctx.edit(node.attr, lambda updated: updated.with_changes(value=new))
        layer = types[0]
        target = "mindspore.nn." + layer.rsplit(".", 1)[-1] + "." + new
        self.site(node, codes.REFERENCE_CONVERTED, f"{layer}.{attr}", target)
