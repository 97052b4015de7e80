"""Kept diagnostics follow incremental edits (used while the document does not parse)."""

from __future__ import annotations

from lsprotocol import types
from mindconverter.server.features.diagnostics import (
    TYPING_GAP,
    debounce_delay,
    is_python,
    shift_diagnostics,
)
from mindconverter.server.server import DocumentState


def diagnostic(line: int, start: int, end: int) -> dict:
    """A diagnostic in the JSON form the server keeps and publishes."""
    rng = {"start": {"line": line, "character": start}, "end": {"line": line, "character": end}}
    return {"range": rng, "message": "m"}


def change(line: int, start: int, end: int, text: str) -> types.TextDocumentContentChangePartial:
    rng = types.Range(
        start=types.Position(line=line, character=start),
        end=types.Position(line=line, character=end),
    )
    return types.TextDocumentContentChangePartial(range=rng, text=text)


def test_edits_move_or_drop_kept_diagnostics() -> None:
    kept = [diagnostic(1, 4, 8), diagnostic(5, 0, 3)]
    moved = shift_diagnostics(kept, [change(0, 0, 0, "x\n"), change(2, 5, 6, "Z")], "utf-16")
    assert moved == [{**diagnostic(6, 0, 3)}]
    assert kept[1] == diagnostic(5, 0, 3)  # the kept diagnostics are not changed in place


def test_diagnostics_before_the_edit_are_kept_as_they_are() -> None:
    kept = [diagnostic(1, 4, 8), diagnostic(5, 0, 3)]
    moved = shift_diagnostics(kept, [change(5, 3, 3, "abc")], "utf-16")
    assert moved[0] is kept[0] and moved[1] is kept[1]
    moved = shift_diagnostics(kept, [change(5, 0, 0, "ab\ncd")], "utf-16")
    assert moved[0] is kept[0] and moved[1] == diagnostic(6, 2, 5)


def test_a_whole_document_change_clears_them() -> None:
    whole = types.TextDocumentContentChangeWholeDocument(text="new")
    assert shift_diagnostics([diagnostic(0, 0, 1)], [whole], "utf-16") == []


def test_python_documents() -> None:
    assert is_python("file:///a.txt", "python")
    assert not is_python("file:///a.py", "markdown")
    assert is_python("untitled:1.py")


def test_only_typing_waits_and_no_longer_than_an_analysis_takes() -> None:
    state = DocumentState(last_change=100.0, analysis_seconds=0.004)
    assert debounce_delay(state, 100.0 + TYPING_GAP, 0.03) == 0.0  # an isolated edit
    assert debounce_delay(state, 100.1, 0.03) == 0.004  # typing in a small document
    state.analysis_seconds = 0.2
    assert debounce_delay(state, 100.1, 0.03) == 0.03  # typing in a large one
    assert debounce_delay(DocumentState(), 100.1, 0.03) == 0.0  # first edit ever
