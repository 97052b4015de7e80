"""The fast paths to the first diagnostics give what the straightforward paths give.

* :class:`TorchScanner` (filtered, lean walk) against a plain :func:`ast.walk` over every call,
  resolved and classified the same way (the scan as it was before the fast path);
* :func:`diagnostics_json` (dicts built directly) against :func:`diagnostics_for` serialised
  by pygls' converter (what the server published before);
* :func:`shift_diagnostics` on JSON diagnostics against :func:`shift_range` on lsprotocol ranges.

On the project's PyTorch test models and scripts, hand-written corner cases, placeholder scripts,
with the preliminary scan and with the AST converter's findings.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from lsprotocol import types
from mindconverter.converter.issues import ConversionIssue
from mindconverter.server.analysis import analyse, diagnostics_for, diagnostics_json
from mindconverter.server.features.diagnostics import shift_diagnostics
from mindconverter.server.mapping_info import torch_entry
from mindconverter.server.names import dotted_parts, qualify
from mindconverter.server.positions import UTF8, UTF16, UTF32, ast_range, shift_range
from mindconverter.server.script_analysis import analyse_script
from mindconverter.server.settings import Settings
from mindconverter.server.torch_analysis import TorchCache, analyse_torch
from mindconverter.server.torch_scan import TorchScanner
from pygls.protocol import default_converter

from tests.server.lsp_fixtures import LEGACY_SCRIPT, SCRIPT
from tests.server.torch_samples import MODEL

DATA = Path(__file__).resolve().parents[1] / "data" / "ast"
REAL = sorted(DATA.rglob("*.py"))

CORNERS = '''import torch
import torch.nn as nn
from torch import cat, zeros as zz
from torch.nn import functional as F
import numpy as np


@torch.no_grad()
def decorated(x=torch.zeros(3), *, y: torch.Tensor = torch.ones(2)) -> torch.Tensor:
    """torch.relu(x) in a docstring is no call."""
    return cat([x, y])  # torch.cat in a comment neither


class Net(nn.Module, metaclass=type(nn.Module)):
    scale = torch.tensor(1.0)

    @staticmethod
    @torch.jit.ignore
    def helper(a):
        return [torch.sigmoid(v) for v in a if torch.is_tensor(v)]

    def forward(self, x):
        f = lambda t: F.relu(t)  # noqa: E731
        with torch.no_grad(), torch.autocast("cpu"):
            y = (torch.nn).Linear(3, 4)(x)
        z = torch.nn.Sequential(nn.ReLU()).to("cpu")
        w = torch.nn.modules[0](x)
        match x:
            case torch.Size():
                pass
        if (n := torch.numel(x)) > 0:
            print(f"{torch.ones(1)} {n}")
        try:
            q = zz(2,
                   3)
        except torch.TorchError:
            q = torch.empty(
                0,
            )
        del q
        q = print(x, sep=torch.numel(x), end=str(F.gelu(x)))
        global G
        async_ = [*map(torch.abs, [x])]
        return f(y) + z + w + np.zeros(1) + async_[0] + torch . add (x, 1)


def cat():  # shadows the import: not a call
    pass


async def later(x):
    async with torch.no_grad():
        return await x.sum() + torch.\\
            sum(x)
'''

NON_ASCII = """import torch
import torch.nn as nn


class Réseau(nn.Module):
    def __init__(self):
        super().__init__()
        self.couche = nn.Linear(3, 4)  # « linéaire »
        self.émoji = "😀"; self.b = torch.zeros(2)

    def forward(self, x):
        y = ｔｏｒｃｈ.relu(self.couche(x))
        return y + torch.ones("é😀", 1)
"""

SAMPLES = {
    "model": MODEL,
    "corners": CORNERS,
    "non_ascii": NON_ASCII,
    **{path.stem: path.read_text(encoding="utf-8") for path in REAL},
}


def reference_site(node, lines, qualified, tier):
    """What the scan reported for one call, as it did before the fast path."""
    entry = torch_entry(qualified, tier)
    target = getattr(entry, "target", None) if entry is not None else None
    status = getattr(entry, "status", "") if entry is not None else ""
    if target and status != "unsupported":
        data = {
            "rename": dict(getattr(entry, "rename", {}) or {}),
            "args": list(getattr(entry, "args", ())),
            "preliminary": True,
        }
        code, kind, message = "MC-A001", "convert", f"'{qualified}' is converted to '{target}'."
    else:
        data, target = {"preliminary": True}, None
        code, kind, message = "MC-A002", "unconvert", f"'{qualified}' didn't convert."
    rng = ast_range(lines, node)
    return ConversionIssue(code, kind, qualified, target, message, rng, status, "", data)


def reference_scan(statements, lines, imports, tier):
    """The preliminary scan as it was: every call of the statements, through ``ast.walk``."""
    torch_names = {n for n, q in imports.items() if q.split(".")[0] == "torch"}
    found = []
    for statement in statements:
        for node in ast.walk(statement):
            if not isinstance(node, ast.Call):
                continue
            parts = dotted_parts(node.func)
            if not parts or parts[0] not in torch_names:
                continue
            qualified = qualify(parts, imports)
            if qualified is not None:
                found.append(reference_site(node, lines, qualified, tier))
    found.sort(key=lambda i: (i.range.start_line, i.range.start_col))
    return found


def test_the_samples_use_torch_and_cover_the_real_models() -> None:
    assert len(REAL) >= 15
    for name, text in SAMPLES.items():
        assert analyse_script(text).tree is not None, name
        assert "torch" in text, name


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("tier", ["nn_ops", "mint"])
def test_the_scanner_finds_what_a_plain_walk_finds(name: str, tier: str) -> None:
    script = analyse_script(SAMPLES[name])
    assert script.tree is not None
    expected = reference_scan(script.tree.body, script.lines, script.imports, tier)
    found = TorchScanner(script.lines, script.imports, tier).scan(script.tree.body)
    assert found == expected
    assert found, name  # every sample has torch calls


def test_corner_cases_are_found_where_python_puts_them() -> None:
    script = analyse_script(CORNERS)
    issues = TorchScanner(script.lines, script.imports, "nn_ops").scan(script.tree.body)
    apis = [i.source_api for i in issues]
    assert "torch.no_grad" in apis and "torch.zeros" in apis  # decorator, default value
    assert "torch.cat" in apis  # `from torch import cat`
    assert "torch.add" in apis and "torch.sum" in apis  # spaces, line continuation
    assert "torch.ones" in apis  # inside an f-string
    assert "torch.nn.functional.gelu" in apis  # in a keyword argument
    assert apis.count("torch.relu") == 0  # docstring and comment


def test_non_ascii_documents_are_walked_whole() -> None:
    script = analyse_script(NON_ASCII)
    issues = TorchScanner(script.lines, script.imports, "nn_ops").scan(script.tree.body)
    relu = next(i for i in issues if i.source_api == "torch.relu")  # NFKC-normalised name
    assert relu.range.start_col == len("        y = ")


def _published(diagnostics: list[types.Diagnostic]) -> list[dict]:
    """What pygls sent for lsprotocol diagnostics (the previous publication path)."""
    return default_converter().unstructure(diagnostics, list[types.Diagnostic])


SETTINGS = [
    Settings(),
    Settings(severity={"convertible": "off", "unconvertible": "error", "placeholder": "hint"}),
]


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("encoding", [UTF16, UTF8, UTF32])
def test_json_diagnostics_equal_the_published_lsprotocol_ones(name: str, encoding: str) -> None:
    published = []
    for settings in SETTINGS:
        analysis = analyse(SAMPLES[name], None, settings, convert=False)
        expected = _published(diagnostics_for(analysis, settings, "file:///a.py", encoding))
        assert diagnostics_json(analysis, settings, "file:///a.py", encoding) == expected
        published.append(expected)
    assert published[0]


@pytest.mark.parametrize("name", ["model", "corners", "non_ascii", "lenet", "train_sgd"])
def test_json_diagnostics_of_the_converters_findings(name: str) -> None:
    settings = Settings()
    analysis = analyse(SAMPLES[name], None, settings, torch_cache=TorchCache())
    assert analysis.torch is not None and analysis.torch.complete
    assert not any(i.data.get("preliminary") for i in analysis.torch.issues)
    for encoding in (UTF16, UTF8):
        expected = _published(diagnostics_for(analysis, settings, "file:///a.py", encoding))
        assert diagnostics_json(analysis, settings, "file:///a.py", encoding) == expected
        assert expected


def test_json_diagnostics_of_placeholder_scripts() -> None:
    for text in (SCRIPT, LEGACY_SCRIPT):
        analysis = analyse(text, None, Settings())
        expected = _published(diagnostics_for(analysis, Settings(), "file:///s.py"))
        assert expected and diagnostics_json(analysis, Settings(), "file:///s.py") == expected


def test_analysis_with_the_scanner_equals_the_reference_per_chunk() -> None:
    script = analyse_script(SAMPLES["corners"])
    torch = analyse_torch(script, convert=False)
    expected = reference_scan(script.tree.body, script.lines, script.imports, "nn_ops")
    assert torch.issues == expected


def _change(line: int, start: int, end_line: int, end: int, text: str):
    rng = types.Range(
        start=types.Position(line=line, character=start),
        end=types.Position(line=end_line, character=end),
    )
    return types.TextDocumentContentChangePartial(range=rng, text=text)


CHANGES = [
    [_change(0, 0, 0, 0, "x\n")],
    [_change(8, 4, 8, 9, "Z")],
    [_change(9, 0, 9, 0, "😀"), _change(3, 2, 5, 1, "")],
    [_change(12, 10, 12, 10, "a\nbc\n"), _change(40, 0, 41, 0, "")],
    [_change(30, 8, 30, 30, "y = 1")],
]


@pytest.mark.parametrize("changes", CHANGES)
def test_json_diagnostics_move_like_lsprotocol_ranges(changes) -> None:
    analysis = analyse(CORNERS, None, Settings(), convert=False)
    published = diagnostics_json(analysis, Settings(), "file:///a.py")
    objects = diagnostics_for(analysis, Settings(), "file:///a.py")
    for change in changes:
        kept = []
        for diagnostic in objects:
            rng = shift_range(diagnostic.range, change.range, change.text, UTF16)
            if rng is not None:
                diagnostic.range = rng
                kept.append(diagnostic)
        objects = kept
    moved = shift_diagnostics(published, changes, UTF16)
    assert moved == _published(objects)
    assert 0 < len(moved) <= len(published)


TWO_PARTS = MODEL + "\n\ndef helper(x):\n    return torch.relu(x) + F.gelu(x)\n"


def _edits_of(text: str) -> list[str]:
    """Edits of a document: inside one call, a line added above everything, a method removed."""
    inside = text.replace("nn.Linear(10, 20", "nn.Linear(10, 30", 1)
    above = text.replace("import torch\n", "import torch\n# a new line\n", 1)
    removed = text.replace("        z = torch.stft(x, 4)\n", "")
    return [inside, above, removed]


@pytest.mark.parametrize("edit", [0, 1, 2])
def test_reused_chunks_and_diagnostics_equal_a_fresh_analysis(edit: int) -> None:
    settings, uri = Settings(), "file:///a.py"
    cache = TorchCache()
    first = analyse(TWO_PARTS, None, settings, torch_cache=cache)
    published = diagnostics_json(first, settings, uri, UTF16, cache.memo)
    edited = _edits_of(TWO_PARTS)[edit]
    again = analyse(edited, None, settings, torch_cache=cache, previous=first)
    fresh = analyse(edited, None, settings, torch_cache=TorchCache())
    assert again.torch.complete and again.torch.issues == fresh.torch.issues
    republished = diagnostics_json(again, settings, uri, UTF16, cache.memo)
    assert republished == _published(diagnostics_for(fresh, settings, uri))
    reused = {id(d) for d in republished} & {id(d) for d in published}
    if edit == 0:  # the class changed: `helper` keeps its place and its diagnostics
        assert len(reused) == 2 and len(published) > 2
    else:  # `helper` moved
        assert not reused


def test_the_memo_follows_severities_and_encodings() -> None:
    cache, uri = TorchCache(), "file:///a.py"
    analysis = analyse(NON_ASCII, None, Settings(), torch_cache=cache)
    for settings in (*SETTINGS, SETTINGS[0]):
        for encoding in (UTF16, UTF8, UTF16):
            expected = _published(diagnostics_for(analysis, settings, uri, encoding))
            assert diagnostics_json(analysis, settings, uri, encoding, cache.memo) == expected
