"""pytest-lsp clients talking to ``python -m mindconverter.server --stdio``."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = [sys.executable, "-m", "mindconverter.server", "--stdio"]
CLIENTS = ["visual-studio-code", "neovim"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is an end-to-end test."""
    for item in items:
        if "/e2e/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.e2e)


def initialize_params(
    client_name: str, settings: dict[str, Any] | None = None
) -> types.InitializeParams:
    """``initialize`` parameters with a client's capabilities and our settings."""
    return types.InitializeParams(
        capabilities=client_capabilities(client_name),
        initialization_options={"settings": settings or {}},
    )


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), params=CLIENTS)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient):
    """A server initialised as VS Code or Neovim."""
    await lsp_client.initialize_session(initialize_params(request.param))
    yield
    await lsp_client.shutdown_session()


async def wait_for_diagnostics(
    client: LanguageClient,
    uri: str,
    predicate: Callable[[Sequence[types.Diagnostic]], bool] = lambda _: True,
    timeout: float = 30.0,
) -> Sequence[types.Diagnostic]:
    """Wait until the diagnostics published for ``uri`` satisfy ``predicate``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = client.diagnostics.get(uri)
        if found is not None and predicate(found):
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no matching diagnostics for {uri}: {found}")
        await asyncio.sleep(0.01)


def open_document(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    """Send ``didOpen`` for a Python document (forgetting earlier diagnostics)."""
    client.diagnostics.pop(uri, None)
    item = types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))


def replace_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    """Send a full-text ``didChange``."""
    client.diagnostics.pop(uri, None)
    change = types.TextDocumentContentChangeWholeDocument(text=text)
    params = types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[change],
    )
    client.text_document_did_change(params)


def edits_of(edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    """The text edits a workspace edit makes to ``uri`` (either shape)."""
    if edit.document_changes:
        return [e for c in edit.document_changes if c.text_document.uri == uri for e in c.edits]
    return list((edit.changes or {}).get(uri, []))


def apply_text_edits(text: str, edits: Sequence[types.TextEdit], encoding: str = "utf-16") -> str:
    """Apply LSP text edits the way an editor does (positions in the negotiated encoding)."""
    from mindconverter.server.positions import split_lines, units_to_codepoint

    lines = split_lines(text)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(position: types.Position) -> int:
        row = min(position.line, len(lines) - 1)
        return starts[row] + units_to_codepoint(lines[row], position.character, encoding)

    ordered = sorted(
        edits, key=lambda e: (offset(e.range.start), offset(e.range.end)), reverse=True
    )
    for edit in ordered:
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def encoding_of(client_name: str) -> str:
    """The position encoding the server picks for a client (Neovim offers UTF-8 first)."""
    caps = client_capabilities(client_name)
    offered = caps.general.position_encodings if caps.general else None
    return (
        str(offered[0].value if hasattr(offered[0], "value") else offered[0])
        if offered
        else "utf-16"
    )
