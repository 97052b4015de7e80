"""Resolve expressions to fully qualified torch names through the file's imports.

Only :class:`~libcst.metadata.QualifiedNameProvider` results (computed on demand by
:class:`~mindconverter.converter.ast.metadata.ModuleMetadata`) whose source is an import count:
``import torch.nn as nn; nn.Conv2d`` resolves to ``torch.nn.Conv2d``, while a local variable
that happens to be called ``torch`` does not.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import QualifiedNameSource
from mindconverter.converter.ast.metadata import ModuleMetadata
from mindconverter.converter.ast.tables import normalize
from mindconverter.converter.issues import SourceRange

TORCH_ROOTS = ("torch", "torchvision")


def is_torch_name(name: str) -> bool:
    """Whether a dotted name is under one of the torch packages."""
    root = name.split(".", 1)[0]
    return root in TORCH_ROOTS


def torch_name(meta: ModuleMetadata | None, node: cst.CSTNode) -> str | None:
    """The normalised torch name ``node`` refers to, or ``None``."""
    if meta is None or not isinstance(node, (cst.Name, cst.Attribute)):
        return None
    cache = meta.torch_names
    if node in cache:
        return cache[node]
    name = _resolve(meta, node)
    cache[node] = name
    return name


def _resolve(meta: ModuleMetadata, node: cst.Name | cst.Attribute) -> str | None:
    if dotted(node) is None:
        return None  # `torch.cat(x).view` is a method of a call's result, not a torch name
    names = meta.qualified_names(node)
    if not names:
        return None
    for qualified in sorted(names, key=lambda q: q.name):
        if qualified.source == QualifiedNameSource.IMPORT and is_torch_name(qualified.name):
            return normalize(qualified.name)
    return None


def source_range(meta: ModuleMetadata | None, node: cst.CSTNode) -> SourceRange:
    """Where ``node`` is in the original source (1-based lines, 0-based columns)."""
    code_range = meta.position(node) if meta is not None else None
    if code_range is None:
        return SourceRange(0, 0, 0, 0)
    return SourceRange(
        code_range.start.line, code_range.start.column, code_range.end.line, code_range.end.column
    )


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None`` (no resolution, for display)."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else None
    return None
