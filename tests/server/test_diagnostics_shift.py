"""Kept diagnostics follow incremental edits (used while the document does not parse)."""

from __future__ import annotations

from lsprotocol import types
from mindconverter.server.features.diagnostics import is_python, shift_diagnostics


def diagnostic(line: int, start: int, end: int) -> types.Diagnostic:
    rng = types.Range(
        start=types.Position(line=line, character=start),
        end=types.Position(line=line, character=end),
    )
    return types.Diagnostic(range=rng, message="m")


def change(line: int, start: int, end: int, text: str) -> types.TextDocumentContentChangePartial:
    rng = types.Range(
        start=types.Position(line=line, character=start),
        end=types.Position(line=line, character=end),
    )
    return types.TextDocumentContentChangePartial(range=rng, text=text)


def test_edits_move_or_drop_kept_diagnostics() -> None:
    kept = [diagnostic(1, 4, 8), diagnostic(5, 0, 3)]
    moved = shift_diagnostics(kept, [change(0, 0, 0, "x\n"), change(2, 5, 6, "Z")], "utf-16")
    assert [(d.range.start.line, d.range.start.character) for d in moved] == [(6, 0)]


def test_a_whole_document_change_clears_them() -> None:
    whole = types.TextDocumentContentChangeWholeDocument(text="new")
    assert shift_diagnostics([diagnostic(0, 0, 1)], [whole], "utf-16") == []


def test_python_documents() -> None:
    assert is_python("file:///a.txt", "python")
    assert not is_python("file:///a.py", "markdown")
    assert is_python("untitled:1.py")
