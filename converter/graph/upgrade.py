"""Opset upgrade: when converters are missing at the model's opset, try a newer opset.

Converters are registered per schema version; a model exported at an old opset may use an
operator version nobody registered. ``onnx.version_converter`` can often rewrite such a model
to an opset where converters exist.
"""

from __future__ import annotations

import logging

import onnx
from mindconverter.converter.graph.registry import ConverterRegistry, UnsupportedOpError

log = logging.getLogger(__name__)
UPGRADE_TARGETS = (11, 13, 17)


def missing_ops(model: onnx.ModelProto, registry: ConverterRegistry) -> set[str]:
    """Default-domain op types with no converter at the model's opset."""
    opset = default_opset(model)
    missing = set()
    for op_type in {n.op_type for n in model.graph.node if n.domain in ("", "ai.onnx")}:
        try:
            registry.resolve(op_type, opset)
        except UnsupportedOpError:
            missing.add(op_type)
    return missing


def default_opset(model: onnx.ModelProto) -> int:
    """The model's opset for the default ONNX domain."""
    return next((i.version for i in model.opset_import if i.domain in ("", "ai.onnx")), 1)


def maybe_upgrade(
    model: onnx.ModelProto, registry: ConverterRegistry, notes: list[str]
) -> onnx.ModelProto:
    """Return ``model`` upgraded to a newer opset when that leaves fewer ops unconverted."""
    missing = missing_ops(model, registry)
    if not missing:
        return model
    current = default_opset(model)
    from onnx import version_converter

    for target in (t for t in UPGRADE_TARGETS if t > current):
        try:
            upgraded = version_converter.convert_version(model, target)
        except Exception as exc:  # the converter does not support every op at every version
            log.debug("version conversion to %s failed: %s", target, exc)
            continue
        if len(missing_ops(upgraded, registry)) < len(missing):
            notes.append(f"model upgraded from opset {current} to {target} with "
                         f"onnx.version_converter (no converter for {', '.join(sorted(missing))} "
                         f"at opset {current})")
            return upgraded
    return model
