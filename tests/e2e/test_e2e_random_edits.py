"""Random incremental edits (broken syntax, non-ASCII) never break the server or its positions."""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from mindconverter.server.positions import codepoint_to_units, split_lines, units_to_codepoint
from pytest_lsp import LanguageClient

from tests.e2e.conftest import encoding_of
from tests.server.lsp_fixtures import LEGACY_SCRIPT
from tests.server.torch_samples import MODEL

BASE = (
    MODEL.replace("class Net", "# ünïcode 😀 comment\nclass Net")
    + "\n"
    + LEGACY_SCRIPT.split("\n", 2)[2]
)
TOKENS = [
    "a",
    "x",
    " ",
    "_",
    ".",
    ",",
    ":",
    "(",
    ")",
    "[",
    "]",
    "=",
    "\n",
    "'",
    '"',
    "#",
    "    ",
    "é",
    "中",
    "😀",
    "𝔘",
    "torch.",
    "nn.Linear(2, 3)",
    "def ",
    "class ",
    "return ",
    "onnx.Reshape(",
    "UnconvertedOp(",
    "self.",
    "import torch\n",
]
COUNTER = itertools.count()

edit_strategy = st.tuples(
    st.floats(0, 1),
    st.floats(0, 1),
    st.integers(0, 40),
    st.lists(st.sampled_from(TOKENS), max_size=6),
)


def place(text: str, line_frac: float, char_frac: float) -> tuple[int, int]:
    """A valid (line, code point) position in ``text``."""
    lines = split_lines(text)
    line = min(int(line_frac * len(lines)), len(lines) - 1)
    return line, min(int(char_frac * (len(lines[line]) + 1)), len(lines[line]))


def offset(text: str, line: int, column: int) -> int:
    lines = split_lines(text)
    return sum(len(row) + 1 for row in lines[:line]) + column


def apply(text: str, edit: tuple[float, float, int, list[str]], encoding: str):
    """Apply a random edit; return the new text and the LSP change that describes it."""
    line, column = place(text, edit[0], edit[1])
    start = offset(text, line, column)
    end = min(start + edit[2], len(text))
    end_lines = split_lines(text[:end])
    end_line, end_column = len(end_lines) - 1, len(end_lines[-1])
    inserted = "".join(edit[3])
    lines = split_lines(text)
    change = types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(
                line=line, character=codepoint_to_units(lines[line], column, encoding)
            ),
            end=types.Position(
                line=end_line, character=codepoint_to_units(lines[end_line], end_column, encoding)
            ),
        ),
        text=inserted,
    )
    return text[:start] + inserted + text[end:], change


def check_ranges(text: str, diagnostics, encoding: str) -> None:
    """Every range lies in the document; torch sites cover exactly the text they name."""
    lines = split_lines(text)
    for diagnostic in diagnostics:
        rng = diagnostic.range
        for pos in (rng.start, rng.end):
            assert pos.line < len(lines), (pos, len(lines))
            assert units_to_codepoint(lines[pos.line], pos.character, encoding) <= len(
                lines[pos.line]
            )
            assert (
                codepoint_to_units(
                    lines[pos.line],
                    units_to_codepoint(lines[pos.line], pos.character, encoding),
                    encoding,
                )
                == pos.character
            ), "a column inside a character"
        assert (rng.start.line, rng.start.character) <= (rng.end.line, rng.end.character)
        site = diagnostic.data.get("site") if isinstance(diagnostic.data, dict) else None
        if site is not None:
            start = offset(
                text,
                rng.start.line,
                units_to_codepoint(lines[rng.start.line], rng.start.character, encoding),
            )
            end = offset(
                text,
                rng.end.line,
                units_to_codepoint(lines[rng.end.line], rng.end.character, encoding),
            )
            assert text[start:end] == site


def record_publications(client: LanguageClient) -> list[types.PublishDiagnosticsParams]:
    """Keep every publication with its version (pytest-lsp keeps only the last list)."""
    features = client.protocol.fm.features
    original = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    seen: list[types.PublishDiagnosticsParams] = getattr(client, "_published", [])
    if not hasattr(client, "_published"):

        def handler(params: types.PublishDiagnosticsParams) -> None:
            seen.append(params)
            original(params)

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = handler
        client._published = seen  # type: ignore[attr-defined]
    return seen


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(edit_strategy, min_size=1, max_size=8))
async def test_random_edits_keep_the_server_and_positions_valid(
    client: LanguageClient, tmp_path: Path, edits
) -> None:
    encoding = (
        "utf-8"
        if client.capabilities.general and client.capabilities.general.position_encodings
        else "utf-16"
    )
    assert encoding == encoding_of("neovim") or encoding == "utf-16"
    published = record_publications(client)
    uri = (tmp_path / f"doc{next(COUNTER)}.py").as_uri()
    texts = {1: BASE}
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=BASE)
        )
    )
    text = BASE
    for version, edit in enumerate(edits, start=2):
        text, change = apply(text, edit, encoding)
        texts[version] = text
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[change],
            )
        )
    last = len(edits) + 1
    hover = client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=0),
        )
    )
    await asyncio.wait_for(hover, 30)  # the server answers
    for _ in range(3000):
        if any(p.uri == uri and p.version == last for p in published):
            break
        await asyncio.sleep(0.01)
    mine = [p for p in published if p.uri == uri]
    assert any(p.version == last for p in mine), "no diagnostics for the last version"
    for params in mine:
        check_ranges(texts[params.version], params.diagnostics, encoding)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri=uri))
    )
