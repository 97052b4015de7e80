"""Diagnostics for the placeholders of a migrated script (pure: text in, diagnostics out)."""

from __future__ import annotations

from lsprotocol import types
from mindconverter.server.codes import LEGACY_PLACEHOLDER, PLACEHOLDER, SOURCE
from mindconverter.server.op_records import OpRecord, describe_shapes
from mindconverter.server.placeholder_fixes import concrete_expression
from mindconverter.server.placeholders import Placeholder
from mindconverter.server.positions import UTF16, to_lsp_range
from mindconverter.server.script_analysis import ScriptAnalysis
from mindconverter.server.settings import Settings


def placeholder_message(placeholder: Placeholder, record: OpRecord) -> str:
    """``Unconverted ONNX Reshape "/Reshape_3": input (1, 1280, 1, 1) → output (1, 1280)...``."""
    node = f' "{record.node_name}"' if record.node_name else ""
    op = f"{placeholder.domain}::{record.op_type}" if placeholder.domain else record.op_type
    first = (
        placeholder.calls[0].args[0] if placeholder.calls and placeholder.calls[0].args else None
    )
    if concrete_expression(record, first) is not None:
        fix = "a quick fix replaces it with MindSpore code built from the recorded shapes"
    else:
        fix = "a quick fix inserts a skeleton nn.Cell to implement it"
    origin = " (original MindConverter placeholder)" if placeholder.legacy else ""
    return f"Unconverted ONNX {op}{node}{origin}: {describe_shapes(record)}; {fix}."


def placeholder_diagnostics(
    analysis: ScriptAnalysis, settings: Settings, uri: str = "", encoding: str = UTF16
) -> list[types.Diagnostic]:
    """One diagnostic per placeholder, at its assignment in ``__init__``.

    Args:
        analysis: The parsed script.
        settings: Severities (``placeholder`` category).
        uri: The document's URI (for related information pointing at the call sites).
        encoding: The negotiated position encoding.
    """
    severity = settings.severity_of("placeholder")
    if severity is None:
        return []
    diagnostics = []
    for placeholder in analysis.placeholders:
        record = analysis.record(placeholder)
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=uri, range=to_lsp_range(analysis.lines, site.range, encoding)
                ),
                message=f"called in {site.method}",
            )
            for site in placeholder.calls
        ]
        data = {"kind": "placeholder", "attr": placeholder.attr_name, **record.to_data()}
        diagnostics.append(
            types.Diagnostic(
                range=to_lsp_range(analysis.lines, placeholder.statement, encoding),
                message=placeholder_message(placeholder, record),
                severity=severity,
                code=LEGACY_PLACEHOLDER if placeholder.legacy else PLACEHOLDER,
                source=SOURCE,
                related_information=related or None,
                data=data,
            )
        )
    return diagnostics
