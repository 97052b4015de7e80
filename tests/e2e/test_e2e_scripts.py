"""Migrated scripts over the protocol: placeholder diagnostics, quick fix, hover."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    apply_text_edits,
    edits_of,
    open_document,
    replace_document,
    wait_for_diagnostics,
)
from tests.server.lsp_fixtures import SCRIPT, line_of, write_converted

ORIGIN = types.Position(line=0, character=0)


@pytest.fixture
def script_uri(tmp_path: Path) -> str:
    return write_converted(tmp_path).as_uri()


async def test_placeholder_quick_fix_round_trip(client: LanguageClient, script_uri: str) -> None:
    open_document(client, script_uri, SCRIPT)
    diagnostics = await wait_for_diagnostics(client, script_uri, lambda d: len(d) == 5)
    reshape = next(d for d in diagnostics if "Reshape" in d.message)
    assert reshape.severity == types.DiagnosticSeverity.Warning
    assert reshape.data["outputShapes"] == [[2, 1536]]

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=script_uri),
            range=reshape.range,
            context=types.CodeActionContext(diagnostics=[reshape]),
        )
    )
    fix = next(a for a in actions if a.kind == types.CodeActionKind.QuickFix)
    assert "ops.reshape" in fix.title and fix.is_preferred
    edits = edits_of(fix.edit, script_uri)
    touched = sorted(e.range.start.line for e in edits)
    assert touched == [
        line_of(SCRIPT, "self.reshape_4 = ") - 1,
        line_of(SCRIPT, "= self.reshape_4(") - 1,
    ]
    fixed = apply_text_edits(SCRIPT, edits)
    ast.parse(fixed)

    replace_document(client, script_uri, fixed, 2)
    after = await wait_for_diagnostics(client, script_uri, lambda d: len(d) == 4)
    assert not any("Reshape" in d.message for d in after)


async def test_hover_shows_onnx_node_and_source_weights(
    client: LanguageClient, script_uri: str
) -> None:
    open_document(client, script_uri, SCRIPT)
    await wait_for_diagnostics(client, script_uri)
    line = line_of(SCRIPT, "features_0_0 = self.features_0_0(input_)") - 1
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=script_uri),
            position=types.Position(line=line, character=30),
        )
    )
    assert hover is not None
    text = hover.contents.value
    assert "/features/features.0/Conv" in text
    assert "features.0.0.weight" in text and "[8, 3, 3, 3]" in text

    line = line_of(SCRIPT, "self.tile_3 = ") - 1
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=script_uri),
            position=types.Position(line=line, character=12),
        )
    )
    assert hover is not None and "Tile" in hover.contents.value
    assert "(1, 8, 8, 12)" in hover.contents.value


async def test_syntax_errors_keep_the_last_diagnostics_moved(
    client: LanguageClient, script_uri: str
) -> None:
    open_document(client, script_uri, SCRIPT)
    await wait_for_diagnostics(client, script_uri, lambda d: len(d) == 5)
    broken = "def broken(:\n" + SCRIPT
    params = types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=script_uri, version=2),
        content_changes=[
            types.TextDocumentContentChangePartial(
                range=types.Range(
                    start=types.Position(line=0, character=0),
                    end=types.Position(line=0, character=0),
                ),
                text="def broken(:\n",
            )
        ],
    )
    client.diagnostics.pop(script_uri, None)
    client.text_document_did_change(params)
    kept = await wait_for_diagnostics(client, script_uri)
    assert len(kept) == 5
    assert kept[3].range.start.line == line_of(broken, "self.reshape_4 = ") - 1
