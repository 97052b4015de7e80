"""Settings from initializationOptions and workspace/didChangeConfiguration."""

from __future__ import annotations

from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import SERVER, initialize_params, open_document, wait_for_diagnostics
from tests.server.torch_samples import MODEL


def by_api(diagnostics) -> dict[str, types.Diagnostic]:
    return {d.data["sourceApi"]: d for d in diagnostics if "sourceApi" in d.data}


def converted(diagnostics) -> bool:
    return "torch.Tensor.view" in by_api(diagnostics)  # a converter-only finding: not preliminary


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def mint_client(lsp_client: LanguageClient):
    """A server started with the mint tier and custom severities (VS Code's payload)."""
    settings = {"target": "mint", "severity": {"convertible": "hint", "unconvertible": "error"}}
    await lsp_client.initialize_session(initialize_params("visual-studio-code", settings))
    yield
    await lsp_client.shutdown_session()


async def test_initialization_options_apply(mint_client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "m.py").as_uri()
    open_document(mint_client, uri, MODEL)
    found = by_api(await wait_for_diagnostics(mint_client, uri, converted))
    assert found["torch.nn.Linear"].severity == types.DiagnosticSeverity.Hint
    assert "mindspore.mint.nn.Linear" in found["torch.nn.Linear"].message
    assert found["torch.stft"].severity == types.DiagnosticSeverity.Error


async def test_did_change_configuration_republishes(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "m.py").as_uri()
    open_document(client, uri, MODEL)
    first = by_api(await wait_for_diagnostics(client, uri, converted))
    assert first["torch.nn.Linear"].severity == types.DiagnosticSeverity.Information
    client.diagnostics.pop(uri)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"settings": {"severity": {"convertible": "off", "unconvertible": "hint"}}}
        )
    )
    after = await wait_for_diagnostics(client, uri, lambda d: set(by_api(d)) == {"torch.stft"})
    assert {d.severity for d in after} == {types.DiagnosticSeverity.Hint}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def in_place_client(lsp_client: LanguageClient):
    """A client with ``convertInPlace`` that applies the edits it is sent."""
    lsp_client.applied = []  # type: ignore[attr-defined]

    @lsp_client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        lsp_client.applied.append(params)  # type: ignore[attr-defined]
        return types.ApplyWorkspaceEditResult(applied=True)

    settings = {"convertInPlace": True}
    await lsp_client.initialize_session(initialize_params("visual-studio-code", settings))
    yield
    await lsp_client.shutdown_session()


async def test_convert_in_place_asks_the_editor_to_replace_the_text(
    in_place_client: LanguageClient, tmp_path: Path
) -> None:
    uri = (tmp_path / "m.py").as_uri()
    open_document(in_place_client, uri, MODEL)
    result = await in_place_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="mindconverter.convertFile", arguments=[uri])
    )
    assert result["inPlace"] is True and result["path"] == str(tmp_path / "m.py")
    (params,) = in_place_client.applied  # type: ignore[attr-defined]
    (change,) = params.edit.document_changes
    (edit,) = change.edits
    assert change.text_document.version == 1
    assert edit.range.start == types.Position(line=0, character=0)
    assert edit.range.end.line == len(MODEL.split("\n")) - 1
    assert "class Net(nn.Cell):" in edit.new_text
    assert not (tmp_path / "m_mindspore.py").exists()
