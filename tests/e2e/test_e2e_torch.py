"""PyTorch files over the protocol: diagnostics, quick fix round trip, hover, convertFile."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lsprotocol import types
from mindconverter.converter.ast.api import convert_source
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    apply_text_edits,
    edits_of,
    encoding_of,
    open_document,
    replace_document,
    wait_for_diagnostics,
)
from tests.server.torch_samples import MODEL

ORIGIN = types.Position(line=0, character=0)


def complete(diagnostics) -> bool:
    """The converter's findings are in (not only the preliminary scan's)."""
    return bool(diagnostics) and not any(d.data.get("preliminary") for d in diagnostics)


@pytest.fixture
def model_uri(tmp_path: Path) -> str:
    path = tmp_path / "model.py"
    path.write_text(MODEL, encoding="utf-8")
    return path.as_uri()


async def test_quick_fix_round_trip(client: LanguageClient, model_uri: str) -> None:
    open_document(client, model_uri, MODEL)
    diagnostics = await wait_for_diagnostics(client, model_uri, complete)
    apis = {d.data["sourceApi"] for d in diagnostics}
    assert {"torch.nn.Linear", "torch.Tensor.view", "torch.stft"} <= apis
    linear = next(d for d in diagnostics if d.data["sourceApi"] == "torch.nn.Linear")
    assert linear.message.startswith("torch.nn.Linear → mindspore.nn.Dense")

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=model_uri),
            range=linear.range,
            context=types.CodeActionContext(
                diagnostics=[linear], only=[types.CodeActionKind.QuickFix]
            ),
        )
    )
    (fix,) = [a for a in actions if a.title.startswith("Convert torch.nn.Linear")]
    fixed = apply_text_edits(MODEL, edits_of(fix.edit, model_uri), encoding_of_client(client))
    ast.parse(fixed)
    convert_source(fixed)

    replace_document(client, model_uri, fixed, 2)
    after = await wait_for_diagnostics(client, model_uri, complete)
    assert "torch.nn.Linear" not in {d.data["sourceApi"] for d in after}
    assert "torch.stft" in {d.data["sourceApi"] for d in after}


def encoding_of_client(client: LanguageClient) -> str:
    caps = client.capabilities
    offered = caps.general.position_encodings if caps and caps.general else None
    return encoding_of("neovim") if offered else "utf-16"


async def test_hover_on_a_torch_api(client: LanguageClient, model_uri: str) -> None:
    open_document(client, model_uri, MODEL)
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=model_uri),
            position=types.Position(line=8, character=22),
        )
    )
    assert hover is not None
    assert "mindspore.nn.Dense" in hover.contents.value and "has_bias" in hover.contents.value


async def test_convert_file_command_and_source_actions(
    client: LanguageClient, model_uri: str, tmp_path: Path
) -> None:
    open_document(client, model_uri, MODEL)
    await wait_for_diagnostics(client, model_uri, complete)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=model_uri),
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
            ),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]),
        )
    )
    # lsprotocol (the test client's types) structures any action with a "command" key as a
    # Command, stringifying the nested object: the convert action arrives as one.
    kinds = {getattr(a, "kind", None) or "command": a for a in actions}
    assert {"source.fixAll.mindconverter", "command"} <= set(kinds)
    raw = kinds["command"]
    assert raw.title == "Convert this file to MindSpore"
    nested = ast.literal_eval(raw.command)
    command, arguments = nested["command"], nested["arguments"]
    assert command == "mindconverter.convertFile"
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=arguments)
    )
    written = Path(result["path"])
    assert written == tmp_path / "model_mindspore.py"
    code = written.read_text(encoding="utf-8")
    ast.parse(code)
    assert "nn.Dense(10, 20, has_bias=True)" in code and "def construct(self, x):" in code
    assert result["total"] >= result["converted"] > 0
