"""Readable base names for generated layers and variables, from ONNX node names."""

from __future__ import annotations

import ast
import re

import onnx
from mindconverter.converter.naming import to_identifier

# Ops whose node usually *is* the framework module (``/layer1/conv1/Conv`` → ``layer1_conv1``).
LAYER_OPS = frozenset({
    "Conv", "ConvTranspose", "BatchNormalization", "Gemm", "LSTM", "GRU", "RNN",
    "InstanceNormalization", "LayerNormalization", "GroupNormalization", "PRelu",
})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
#: Node metadata written by PyTorch's dynamo-based ONNX exporter (the default since torch 2.9):
#: the enclosing module paths, then the FX node (``"['', 'enc', 'enc.layers.0', 'linear']"``).
DYNAMO_SCOPES = "pkg.torch.onnx.name_scopes"
_MAX_SCOPES_TEXT = 4096


def op_word(op_type: str) -> str:
    """``GlobalAveragePool`` → ``global_average_pool``."""
    return _CAMEL.sub("_", op_type).lower()


def node_base_name(node: onnx.NodeProto) -> str:
    """A readable identifier base for ``node``.

    PyTorch scope names (``/features/features.0/features.0.0/Conv``) give the module path
    (``features_0_0``); other names are combined with the op type (``n3`` → ``conv_n3``).
    """
    op = op_word(node.op_type)
    recorded = _recorded_scopes(node)
    if recorded is not None:  # dynamo export: names are "node_<fx name>", scopes are metadata
        if not recorded:
            return op
        scope = to_identifier(recorded[-1].replace(".", "_"), op)
        return scope if node.op_type in LAYER_OPS else f"{scope}_{op}"
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
    The dynamo exporter's recorded scopes (:data:`DYNAMO_SCOPES`) take precedence.
    """
    recorded = _recorded_scopes(node)
    if recorded is not None:
        return recorded
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


def _recorded_scopes(node: onnx.NodeProto) -> list[str] | None:
    """Module paths from the dynamo exporter's metadata, or ``None`` when there is none.

    The value is read as a literal list of strings (``ast.literal_eval``: nothing runs), and a
    malformed or oversized value is ignored.
    """
    for prop in node.metadata_props:
        if prop.key != DYNAMO_SCOPES or len(prop.value) > _MAX_SCOPES_TEXT:
            continue
        try:
            value = ast.literal_eval(prop.value)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None
        return [v for v in value[:-1] if v]  # the last entry is the FX node itself
    return None
