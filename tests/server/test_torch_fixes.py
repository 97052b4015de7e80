"""Torch diagnostics and quick fixes: the converter's replacement, imports, re-check."""

from __future__ import annotations

import ast

from lsprotocol import types
from mindconverter.converter.ast.api import convert_source
from mindconverter.server.actions import FIX_ALL_KIND, ActionContext, code_actions
from mindconverter.server.analysis import analyse, diagnostics_for
from mindconverter.server.edits import apply_source_edits, source_edits_of
from mindconverter.server.settings import Settings, merge
from mindconverter.server.torch_fixes import fixable_issues, site_edits
from pytest_lsp import client_capabilities

from tests.e2e.conftest import apply_text_edits, edits_of
from tests.server.torch_samples import MODEL

URI = "file:///work/model.py"


def at(line: int, character: int) -> types.Range:
    pos = types.Position(line=line, character=character)
    return types.Range(start=pos, end=pos)


def test_diagnostics_name_the_target_and_argument_changes() -> None:
    diagnostics = diagnostics_for(analyse(MODEL, None, Settings()), Settings())
    by_api = {d.data["sourceApi"]: d for d in diagnostics}
    linear = by_api["torch.nn.Linear"]
    assert linear.message.startswith("torch.nn.Linear → mindspore.nn.Dense (")
    assert "in_features→in_channels" in linear.message and "bias→has_bias" in linear.message
    assert linear.severity == types.DiagnosticSeverity.Information
    assert linear.code == "MC-A001" and linear.source == "mindconverter"
    assert linear.range == types.Range(
        start=types.Position(line=8, character=18), end=types.Position(line=8, character=46)
    )
    assert linear.data["site"] == "nn.Linear(10, 20, bias=True)"
    stft = by_api["torch.stft"]
    assert stft.severity == types.DiagnosticSeverity.Warning and stft.code == "MC-A002"
    assert "stft" in stft.message


def test_severities_are_configurable() -> None:
    settings, _ = merge(Settings(), {"severity": {"convertible": "hint", "unconvertible": "off"}})
    diagnostics = diagnostics_for(analyse(MODEL, None, settings), settings)
    assert {d.severity for d in diagnostics} == {types.DiagnosticSeverity.Hint}


def quick_fix(text: str, line: int, character: int, client: str = "visual-studio-code") -> str:
    analysis = analyse(text, None, Settings(), version=1)
    ctx = ActionContext(
        URI, 1, capabilities=client_capabilities(client), only=[types.CodeActionKind.QuickFix]
    )
    actions = code_actions(
        analysis, at(line, character), diagnostics_for(analysis, Settings(), URI), ctx
    )
    innermost = actions[-1]  # nested sites: the last is the innermost
    return apply_text_edits(text, edits_of(innermost.edit, URI))


def test_quick_fix_replaces_the_call_and_rechecks_clean() -> None:
    fixed = quick_fix(MODEL, 8, 22)  # on nn.Linear(...)
    assert "self.fc = mindspore.nn.Dense(10, 20, has_bias=True)" in fixed  # nn is still torch.nn
    assert "\nimport mindspore\n" in fixed
    ast.parse(fixed)
    after = analyse(fixed, None, Settings())
    assert not [i for i in after.torch.issues if i.range.start_line == 9 + 1]  # nothing left there
    assert "torch.nn.Linear" not in {i.source_api for i in after.torch.issues}
    convert_source(fixed)  # still converts


def test_quick_fix_uses_short_names_when_they_are_free() -> None:
    text = "import torch\n\ny = torch.cat([a, b], dim=1)\n"
    fixed = quick_fix(text, 2, 6)
    assert fixed == "import torch\nfrom mindspore import ops\n\ny = ops.cat([a, b], 1)\n"


def test_fix_all_converts_every_convertible_site() -> None:
    analysis = analyse(MODEL, None, Settings(), version=1)
    ctx = ActionContext(
        URI, 1, capabilities=client_capabilities("neovim"), only=[types.CodeActionKind.Source]
    )
    (fix_all,) = [a for a in code_actions(analysis, at(0, 0), [], ctx) if a.kind == FIX_ALL_KIND]
    fixed = apply_text_edits(MODEL, edits_of(fix_all.edit, URI), "utf-16")
    ast.parse(fixed)
    left = analyse(fixed, None, Settings()).torch.issues
    assert [i.source_api for i in left if i.kind == "convert" and i.data.get("replacement")] == []
    assert [i.source_api for i in left if i.kind == "unconvert"] == ["torch.stft"]


def test_site_edits_skip_nested_sites_and_stale_text() -> None:
    analysis = analyse(MODEL, None, Settings())
    fixes = fixable_issues(analysis.torch.issues)
    edits = site_edits(analysis.script, fixes)
    fixed = apply_source_edits(MODEL, edits)
    assert "x.view(x.shape[0], -1)" in fixed  # the outer site's replacement includes the inner
    stale = [f.__class__(f.range, f.replacement, f.imports, "something else") for f in fixes]
    assert site_edits(analysis.script, stale) == []
    assert source_edits_of(MODEL, edits)
