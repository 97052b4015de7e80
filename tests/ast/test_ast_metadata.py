"""Shared metadata and the batched traversal give what LibCST's own providers and visit give."""

from __future__ import annotations

from typing import Any

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider
from mindconverter.converter.ast.metadata import ModuleMetadata, positions, visitor_method_names
from mindconverter.converter.ast.pipeline import RULES
from mindconverter.converter.ast.traversal import BatchedTraversal
from mindconverter.converter.ast.typeinfo import TypeTracker

SOURCES = [
    "",
    "\n",
    "x",
    "import torch\r\ny = torch.cat([a,\r\n  b])\r\n",
    "if a:\n\tpass\nelse:\n\tb = (  c  )\n",
    "s = '''one\ntwo'''  # comment\n",
    "@dec\nasync def f(\n    a: int = 1,\n    *b, c\n) -> int:\n    return (a +\n b)\n",
    "import torch.nn as nn\nfrom torch import cat as join\n\n\nclass Net(nn.Module):\n"
    "    def forward(self, x):\n        torch = x\n        return join([torch, nn.ReLU()(x)])\n",
    "x = [i for i in range(3) if i]\nlambda q: q\nwith open(f) as g, h: del g\n",
]


@pytest.mark.parametrize("source", SOURCES)
def test_positions_match_position_provider(source: str) -> None:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    meta = ModuleMetadata(module)
    assert set(positions(module)) == set(expected)
    for node, code_range in expected.items():
        assert meta.position(node) == code_range


@pytest.mark.parametrize("source", SOURCES)
def test_qualified_names_match_the_provider(source: str) -> None:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(QualifiedNameProvider)
    meta = ModuleMetadata(module)
    for node, value in expected.items():
        names = value() if callable(value) else value  # the provider stores LazyValue objects
        assert set(meta.qualified_names(node)) == set(names)


def test_alias_resolves_through_the_import() -> None:
    module = cst.parse_module("import torch.nn as nn\nnn.Conv2d\n")
    meta = ModuleMetadata(module)
    expr = module.body[1].body[0].value
    assert {q.name for q in meta.qualified_names(expr)} == {"torch.nn.Conv2d"}
    assert meta.position(cst.Name("elsewhere")) is None


@pytest.mark.parametrize("cls", [TypeTracker, *RULES])
def test_cached_visitor_table_matches_libcst(cls: type) -> None:
    from mindconverter.converter.ast.context import ConversionContext

    types = TypeTracker()
    visitor = types if cls is TypeTracker else cls(ConversionContext("nn_ops"), types)
    expected = cst.BatchableCSTVisitor.get_visitors(visitor)
    assert set(visitor_method_names(cls)) == set(expected)
    assert visitor.get_visitors() == expected


class _Recorder(cst.BatchableCSTVisitor):
    """Records every call, including attribute visits (If.body)."""

    def __init__(self, name: str, calls: list[Any]) -> None:
        super().__init__()
        self.name, self.calls = name, calls

    def visit_Name(self, node: cst.Name) -> None:  # noqa: N802
        self.calls.append((self.name, "visit", node.value))

    def leave_Call(self, original_node: cst.Call) -> None:  # noqa: N802
        self.calls.append((self.name, "leave_call", id(original_node)))

    def visit_If_body(self, node: cst.If) -> None:  # noqa: N802
        self.calls.append((self.name, "if_body", id(node)))

    def leave_If_body(self, node: cst.If) -> None:  # noqa: N802
        self.calls.append((self.name, "end_if_body", id(node)))


def test_batched_traversal_calls_like_visit_batched() -> None:
    module = cst.parse_module("if a:\n    f(b)\n    if c: g(d)\nh(e)\n")
    expected: list[Any] = []
    lines: list[Any] = []

    def before(node: cst.CSTNode) -> None:
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            lines.append(node)
            expected.append(("line", id(node)))

    cst.visit_batched(
        module, [_Recorder("a", expected), _Recorder("b", expected)], before_visit=before
    )
    got: list[Any] = []
    stack: list[cst.CSTNode] = []

    class Lines(list):  # type: ignore[type-arg]
        def append(self, node: Any) -> None:
            got.append(("line", id(node)))
            stack.append(node)
            super().append(node)

    traversal = BatchedTraversal([_Recorder("a", got), _Recorder("b", got)], Lines())
    module.visit(traversal)
    assert got == expected
    assert not traversal.lines  # every statement was popped on leave
    assert len(stack) == 4  # the two ifs and two simple lines; `if c: g(d)` has no line
