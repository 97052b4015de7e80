"""Text edits in source coordinates, applied in tests and turned into LSP workspace edits.

Feature code builds :class:`SourceEdit` objects (1-based lines, code-point columns); this
module applies them to a string (so the tests and the "re-check after the fix" logic see the
exact result) and converts them to a :class:`~lsprotocol.types.WorkspaceEdit` shaped for the
client (``documentChanges`` when it supports them, ``changes`` otherwise).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lsprotocol import types
from mindconverter.converter.issues import SourceRange
from mindconverter.server.positions import UTF16, split_lines, to_lsp_range

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SourceEdit:
    """Replace ``range`` with ``new_text`` (an insertion when the range is empty)."""

    range: SourceRange
    new_text: str


def line_ending(text: str) -> str:
    """The document's line ending (the first one found; ``\\n`` by default)."""
    for index, char in enumerate(text):
        if char == "\r":
            return "\r\n" if text[index + 1 : index + 2] == "\n" else "\r"
        if char == "\n":
            return "\n"
    return "\n"


def insert_at(line: int, column: int, text: str) -> SourceEdit:
    """An insertion at a source position."""
    return SourceEdit(SourceRange(line, column, line, column), text)


def delete_lines(lines: Sequence[str], first: int, last: int) -> SourceEdit:
    """Delete whole 1-based lines ``first..last`` with their line breaks."""
    if last < len(lines):
        return SourceEdit(SourceRange(first, 0, last + 1, 0), "")
    if first > 1:
        return SourceEdit(SourceRange(first - 1, len(lines[first - 2]), last, len(lines[-1])), "")
    return SourceEdit(SourceRange(first, 0, last, len(lines[-1])), "")


def _offsets(text: str) -> list[int]:
    return [0, *(match.end() for match in _LINE_BREAK.finditer(text))]


def apply_source_edits(text: str, edits: Sequence[SourceEdit]) -> str:
    """Apply non-overlapping edits (positions refer to the original text).

    Raises:
        ValueError: When two edits overlap.
    """
    lines = split_lines(text)
    starts = _offsets(text)

    def offset(line: int, col: int) -> int:
        index = max(0, min(line - 1, len(lines) - 1))
        return starts[index] + max(0, min(col, len(lines[index])))

    spans = sorted(
        (
            (
                offset(e.range.start_line, e.range.start_col),
                offset(e.range.end_line, e.range.end_col),
                e,
            )
            for e in edits
        ),
        key=lambda span: (span[0], span[1]),
    )
    out: list[str] = []
    cursor = 0
    for start, end, edit in spans:
        if start < cursor:
            raise ValueError("overlapping edits")
        out.append(text[cursor:start])
        out.append(edit.new_text)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def to_text_edits(
    lines: Sequence[str], edits: Sequence[SourceEdit], encoding: str = UTF16
) -> list[types.TextEdit]:
    """Convert source edits to LSP text edits (in the negotiated encoding)."""
    return [
        types.TextEdit(range=to_lsp_range(lines, e.range, encoding), new_text=e.new_text)
        for e in edits
    ]


def supports_document_changes(capabilities: types.ClientCapabilities | None) -> bool:
    """Whether the client accepts ``documentChanges`` in a workspace edit."""
    workspace = capabilities.workspace if capabilities else None
    edit = workspace.workspace_edit if workspace else None
    return bool(edit and edit.document_changes)


def workspace_edit(
    uri: str,
    version: int | None,
    text_edits: list[types.TextEdit],
    capabilities: types.ClientCapabilities | None = None,
) -> types.WorkspaceEdit:
    """One document's edits as a workspace edit the client understands."""
    if supports_document_changes(capabilities):
        document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        change = types.TextDocumentEdit(text_document=document, edits=list(text_edits))
        return types.WorkspaceEdit(document_changes=[change])
    return types.WorkspaceEdit(changes={uri: list(text_edits)})


def source_edits_of(
    text: str, edits: Sequence[SourceEdit], encoding: str = UTF16
) -> list[types.TextEdit]:
    """Shortcut: :func:`to_text_edits` on ``text``'s lines."""
    return to_text_edits(split_lines(text), edits, encoding)
