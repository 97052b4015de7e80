"""``textDocument/hover``: mappings, placeholder records and ONNX provenance."""

from __future__ import annotations

from lsprotocol import types
from mindconverter.server.features.documents import current_analysis
from mindconverter.server.guard import guarded
from mindconverter.server.hovers import hover_at
from mindconverter.server.server import MindConverterServer


def supports_markdown(capabilities: types.ClientCapabilities | None) -> bool:
    """Whether the client renders markdown in hovers."""
    document = capabilities.text_document if capabilities else None
    hover = document.hover if document else None
    formats = hover.content_format if hover else None
    return formats is None or types.MarkupKind.Markdown in formats


def on_hover(ls: MindConverterServer, params: types.HoverParams) -> types.Hover | None:
    """Answer a hover from the document's current analysis."""
    analysis = current_analysis(ls, params.text_document.uri)
    return hover_at(
        analysis,
        params.position,
        tier=ls.settings.target,
        encoding=ls.encoding,
        markdown=supports_markdown(ls.client_capabilities),
        trust_lines=analysis.trust_lines,
    )


def register(server: MindConverterServer) -> None:
    """Register the hover handler."""
    server.feature(types.TEXT_DOCUMENT_HOVER)(guarded(on_hover))
