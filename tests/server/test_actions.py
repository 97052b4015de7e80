"""Code actions as LSP objects: quick fixes in range, edit shapes per client, source actions."""

from __future__ import annotations

from lsprotocol import types
from mindconverter.server.actions import FIX_ALL_KIND, ActionContext, code_actions
from mindconverter.server.analysis import analyse, diagnostics_for
from mindconverter.server.settings import Settings
from pytest_lsp import client_capabilities

from tests.server.lsp_fixtures import SCRIPT, line_of

URI = "file:///work/tinynet.py"


def line_range(line: int) -> types.Range:
    return types.Range(
        start=types.Position(line=line, character=0), end=types.Position(line=line, character=1)
    )


def actions_at(line: int, client: str = "visual-studio-code", only=None) -> list[types.CodeAction]:
    analysis = analyse(SCRIPT, None, Settings(), version=3)
    diagnostics = diagnostics_for(analysis, Settings(), URI)
    ctx = ActionContext(URI, 3, capabilities=client_capabilities(client), only=only)
    return code_actions(analysis, line_range(line), diagnostics, ctx)


def test_quick_fix_on_the_placeholder_line_with_versioned_edit() -> None:
    actions = actions_at(line_of(SCRIPT, "self.reshape_4 = ") - 1)
    quick = [a for a in actions if a.kind == types.CodeActionKind.QuickFix]
    assert len(quick) == 1
    (change,) = quick[0].edit.document_changes  # VS Code takes documentChanges
    assert change.text_document.version == 3 and len(change.edits) == 2
    assert quick[0].diagnostics[0].data["attr"] == "reshape_4"


def test_quick_fix_from_the_construct_call_too() -> None:
    actions = actions_at(line_of(SCRIPT, "= self.tile_3(") - 1)
    assert [a.title for a in actions if a.kind == types.CodeActionKind.QuickFix] == [
        "Replace the Tile placeholder with ops.tile (recorded shapes)"
    ]


def test_neovim_gets_plain_changes() -> None:
    (quick, *_) = actions_at(line_of(SCRIPT, "self.reshape_4 = ") - 1, client="neovim")
    assert quick.edit.document_changes is None and URI in quick.edit.changes


def test_fix_all_source_action_and_only_filter() -> None:
    anywhere = actions_at(0)
    assert [a.kind for a in anywhere] == [FIX_ALL_KIND]
    assert actions_at(0, only=[types.CodeActionKind.QuickFix]) == []
    assert [a.kind for a in actions_at(0, only=[types.CodeActionKind.Source])] == [FIX_ALL_KIND]
