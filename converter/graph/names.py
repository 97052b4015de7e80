"""Readable base names for generated layers and variables, from ONNX node names."""

from __future__ import annotations

import re

import onnx
from mindconverter.converter.naming import to_identifier

# Ops whose node usually *is* the framework module (``/layer1/conv1/Conv`` → ``layer1_conv1``).
LAYER_OPS = frozenset({
    "Conv", "ConvTranspose", "BatchNormalization", "Gemm", "LSTM", "GRU", "RNN",
    "InstanceNormalization", "LayerNormalization", "GroupNormalization", "PRelu",
})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def op_word(op_type: str) -> str:
    """``GlobalAveragePool`` → ``global_average_pool``."""
    return _CAMEL.sub("_", op_type).lower()


def node_base_name(node: onnx.NodeProto) -> str:
    """A readable identifier base for ``node``.

    PyTorch scope names (``/features/features.0/features.0.0/Conv``) give the module path
    (``features_0_0``); other names are combined with the op type (``n3`` → ``conv_n3``).
    """
    op = op_word(node.op_type)
    parts = [p for p in node.name.split("/") if p]
    if len(parts) >= 2:
        scope = to_identifier(parts[-2].replace(".", "_"), op)
        return scope if node.op_type in LAYER_OPS else f"{scope}_{op}"
    if len(parts) == 1:
        word = to_identifier(parts[0], op)
        head = word.split("_")[0].lower()
        return word.lower() if head == op.replace("_", "") or head == op else f"{op}_{word}"
    return op


def scope_chain(node: onnx.NodeProto) -> list[str]:
    """Module paths enclosing ``node``, outermost first (from PyTorch-style scope names).

    ``/layer1/layer1.0/conv1/Conv`` → ``["layer1", "layer1.0", "layer1.0.conv1"]``; exporters
    that write full dotted paths at every level (``/features/features.0/Conv``) give the same.
    """
    if not node.name.startswith("/"):
        return []
    parts = [p for p in node.name.split("/") if p][:-1]
    chain: list[str] = []
    for part in parts:
        parent = chain[-1] if chain else ""
        full = part if not parent or part.startswith(parent + ".") else f"{parent}.{part}"
        chain.append(full)
    return chain


def relative_base_name(node: onnx.NodeProto, scope: str) -> str:
    """Like :func:`node_base_name`, relative to the enclosing module ``scope``."""
    op = op_word(node.op_type)
    chain = scope_chain(node)
    deepest = chain[-1] if chain else ""
    rel = deepest[len(scope) + 1:] if deepest.startswith(scope + ".") else ""
    if not rel:
        return op
    ident = to_identifier(rel.replace(".", "_"), op)
    return ident if node.op_type in LAYER_OPS else f"{ident}_{op}"
