"""Rule: methods called on tensors (``x.view(...)``, ``x.size(1)``, ``x.transpose(1, 2)``).

Spec: a method call whose receiver is (or may be) a tensor and whose name is a ``torch.Tensor``
method in the mapping tables or the matcher registry is rebuilt for ``mindspore.Tensor``. Names
that strings, lists and dicts also have (``split``, ``index``, ``copy``...) are converted only
when the receiver is known to be a tensor.
"""

from __future__ import annotations

import libcst as cst
from mindconverter.converter.ast import tables, typeinfo
from mindconverter.converter.ast.matchers import find
from mindconverter.converter.ast.rule import Rule

AMBIGUOUS = frozenset(
    {
        "split",
        "index",
        "count",
        "copy",
        "sort",
        "add",
        "update",
        "pop",
        "append",
        "extend",
        "insert",
        "remove",
        "clear",
        "get",
        "keys",
        "values",
        "items",
        "join",
        "format",
        "replace",
        "strip",
        "type",
        "to",
        "item",
        "apply",
        "fill",
        "put",
        "take",
        "tolist",
        "float",
        "int",
        "long",
        "bool",
        "double",
        "half",
        "all",
        "any",
        "mean",
        "sum",
        "max",
        "min",
        "view",
        "reshape",
        "flatten",
        "squeeze",
        "repeat",
        "numpy",
        "clone",
        "detach",
        "std",
        "var",
        "prod",
        "round",
        "clip",
        "astype",
    }
)
NOT_TENSOR = frozenset(
    {
        typeinfo.OTHER,
        typeinfo.MODULE,
        "class",
        typeinfo.OPTIMIZER,
        typeinfo.SCHEDULER,
        typeinfo.LOADER,
        typeinfo.DATASET,
        typeinfo.MODULE_METHOD,
        typeinfo.TENSOR_METHOD,
    }
)


class TensorMethodRule(Rule):
    """Convert ``torch.Tensor`` method calls."""

    DESCRIPTION = "tensor methods"

    def visit_Call(self, node: cst.Call) -> None:  # noqa: N802
        func = node.func
        if node in self.ctx.handled or not isinstance(func, cst.Attribute):
            return
        if self.torch_name(func) is not None:
            return
        kind = self.types.kind_of(func.value)
        if kind in NOT_TENSOR:
            return
        method = func.attr.value
        if kind == typeinfo.UNKNOWN and method in AMBIGUOUS and not self._device_move(node):
            return
        source = f"torch.Tensor.{method}"
        mapping = tables.lookup(source, self.ctx.tier)
        if mapping is None and find(source, None) is None:
            return
        self.ctx.handled.add(node)
        self.convert_call(node, source, receiver=True)

    def _device_move(self, node: cst.Call) -> bool:
        """``x.to(device)``, ``x.to("cuda")``, ``x.to(torch.float16)``: torch for any ``x``."""
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value != "to" or len(node.args) != 1:
            return False
        value = node.args[0].value
        if isinstance(value, cst.Name):
            return "device" in value.value.lower()
        if isinstance(value, cst.SimpleString):
            text = value.evaluated_value
            return isinstance(text, str) and text.split(":")[0] in ("cuda", "cpu", "mps", "npu")
        name = self.torch_name(value.func if isinstance(value, cst.Call) else value)
        return bool(name) and (name == "torch.device" or name.startswith("torch."))
