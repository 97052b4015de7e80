"""The one place where source positions become LSP positions and back.

Three coordinate systems meet in the server:

* **source** positions, as LibCST and :class:`~mindconverter.converter.issues.SourceRange`
  report them: 1-based lines, 0-based columns counted in Unicode code points;
* Python :mod:`ast` positions: 1-based lines, 0-based columns counted in UTF-8 bytes;
* **LSP** positions: 0-based lines, 0-based columns counted in the negotiated encoding's code
  units (UTF-16 unless the client offered UTF-8 or UTF-32).

Lines are split the way the LSP specification splits them (``\\r\\n``, ``\\r`` or ``\\n``).
Every conversion clamps out-of-range input to the document, so a stale position never raises.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types
from mindconverter.converter.issues import SourceRange

UTF8 = "utf-8"
UTF16 = "utf-16"
UTF32 = "utf-32"

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Split a document into lines without their line breaks, as the LSP counts them.

    Args:
        text: The document text.

    Returns:
        The lines; a document ending with a line break has a last empty line.
    """
    return _LINE_BREAK.split(text)


def _units(char: str, encoding: str) -> int:
    code = ord(char)
    if encoding == UTF32:
        return 1
    if encoding == UTF8:
        return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4
    return 2 if code > 0xFFFF else 1


def units_len(text: str, encoding: str = UTF16) -> int:
    """Length of ``text`` in the code units of ``encoding``.

    Args:
        text: Any string.
        encoding: ``utf-16`` (the LSP default), ``utf-8`` or ``utf-32``.
    """
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8"))
    return len(text.encode("utf-16-le")) // 2


def codepoint_to_units(line: str, column: int, encoding: str = UTF16) -> int:
    """Turn a code-point column into a code-unit column on ``line`` (clamped to the line)."""
    column = max(0, min(column, len(line)))
    return units_len(line[:column], encoding)


def units_to_codepoint(line: str, units: int, encoding: str = UTF16) -> int:
    """Turn a code-unit column into a code-point column on ``line``.

    A column inside a character (half of a surrogate pair, a byte inside a UTF-8 sequence)
    snaps to the end of that character; a column past the end snaps to the line's end.
    """
    if units <= 0:
        return 0
    if encoding == UTF32 or line.isascii():
        return min(units, len(line))
    count = 0
    for index, char in enumerate(line):
        if count >= units:
            return index
        count += _units(char, encoding)
    return len(line)


def utf8_to_codepoint(line: str, byte_column: int) -> int:
    """Turn a Python :mod:`ast` column (UTF-8 bytes) into a code-point column."""
    if line.isascii():
        return min(max(byte_column, 0), len(line))
    prefix = line.encode("utf-8")[: max(byte_column, 0)]
    return len(prefix.decode("utf-8", "ignore"))


def _clamp_line(lines: Sequence[str], line: int) -> int:
    return max(0, min(line, len(lines) - 1)) if lines else 0


def _lsp_coordinates(
    lines: Sequence[str], line: int, column: int, encoding: str
) -> tuple[int, int]:
    """(0-based line, code-unit column) of a source position, clamped to the document."""
    index = _clamp_line(lines, line - 1)
    text = lines[index] if lines else ""
    return index, codepoint_to_units(text, column, encoding)


def to_lsp_position(
    lines: Sequence[str], line: int, column: int, encoding: str = UTF16
) -> types.Position:
    """Convert a source position (1-based line, code-point column) to an LSP position.

    Args:
        lines: The document split with :func:`split_lines`.
        line: 1-based line.
        column: 0-based code-point column.
        encoding: The negotiated position encoding.
    """
    index, character = _lsp_coordinates(lines, line, column, encoding)
    return types.Position(line=index, character=character)


def from_lsp_position(
    lines: Sequence[str], position: types.Position, encoding: str = UTF16
) -> tuple[int, int]:
    """Convert an LSP position to a source position (1-based line, code-point column)."""
    index = _clamp_line(lines, position.line)
    text = lines[index] if lines else ""
    return index + 1, units_to_codepoint(text, position.character, encoding)


def to_lsp_range(
    lines: Sequence[str], source_range: SourceRange, encoding: str = UTF16
) -> types.Range:
    """Convert a :class:`SourceRange` to an LSP range."""
    return types.Range(
        start=to_lsp_position(lines, source_range.start_line, source_range.start_col, encoding),
        end=to_lsp_position(lines, source_range.end_line, source_range.end_col, encoding),
    )


def lsp_range_json(
    lines: Sequence[str], source_range: SourceRange, encoding: str = UTF16
) -> dict[str, dict[str, int]]:
    """:func:`to_lsp_range` in its JSON form (what the client receives), built directly."""
    start_line, start = _lsp_coordinates(
        lines, source_range.start_line, source_range.start_col, encoding
    )
    end_line, end = _lsp_coordinates(lines, source_range.end_line, source_range.end_col, encoding)
    return {
        "start": {"line": start_line, "character": start},
        "end": {"line": end_line, "character": end},
    }


def ast_range(lines: Sequence[str], node: object) -> SourceRange:
    """The :class:`SourceRange` of a Python :mod:`ast` node (byte columns made code points).

    Args:
        lines: The document split with :func:`split_lines`.
        node: An :mod:`ast` node with ``lineno``/``col_offset``/``end_lineno``/``end_col_offset``.
    """
    start_line = node.lineno  # type: ignore[attr-defined]
    end_line = node.end_lineno or start_line  # type: ignore[attr-defined]
    start = _line_at(lines, start_line)
    end = _line_at(lines, end_line)
    return SourceRange(
        start_line=start_line,
        start_col=utf8_to_codepoint(start, node.col_offset),  # type: ignore[attr-defined]
        end_line=end_line,
        end_col=utf8_to_codepoint(end, node.end_col_offset or 0),  # type: ignore[attr-defined]
    )


def text_in(lines: Sequence[str], rng: SourceRange) -> str:
    """The text a :class:`SourceRange` covers (lines joined with ``\\n``)."""
    if rng.start_line == rng.end_line:
        return _line_at(lines, rng.start_line)[rng.start_col : rng.end_col]
    parts = [_line_at(lines, rng.start_line)[rng.start_col :]]
    parts += [_line_at(lines, n) for n in range(rng.start_line + 1, rng.end_line)]
    parts.append(_line_at(lines, rng.end_line)[: rng.end_col])
    return "\n".join(parts)


def _line_at(lines: Sequence[str], line: int) -> str:
    return lines[line - 1] if 0 < line <= len(lines) else ""


def contains(outer: types.Range, position: types.Position) -> bool:
    """Whether ``position`` lies within ``outer`` (both ends included)."""
    start, end = outer.start, outer.end
    after_start = (position.line, position.character) >= (start.line, start.character)
    before_end = (position.line, position.character) <= (end.line, end.character)
    return after_start and before_end


def overlaps(first: types.Range, second: types.Range) -> bool:
    """Whether two LSP ranges share at least one position."""
    return contains(first, second.start) or contains(second, first.start)


Point = tuple[int, int]
"""An LSP position as ``(line, character)``."""


class EditShift:
    """One incremental edit, moving positions after it as an editor moves its markers.

    Args:
        change_range: The replaced range.
        new_text: The inserted text.
        encoding: The negotiated position encoding (``change_range``'s units).
    """

    def __init__(self, change_range: types.Range, new_text: str, encoding: str = UTF16) -> None:
        start, end = change_range.start, change_range.end
        self.start: Point = (start.line, start.character)
        self.end: Point = (end.line, end.character)
        inserted = split_lines(new_text)
        self.line_delta = len(inserted) - 1 - (end.line - start.line)
        last_width = units_len(inserted[-1], encoding)
        self.base = last_width if len(inserted) > 1 else start.character + last_width

    def _move(self, point: Point) -> Point:
        line, character = point
        if line != self.end[0]:
            return line + self.line_delta, character
        return line + self.line_delta, self.base + character - self.end[1]

    def apply(self, start: Point, end: Point) -> tuple[Point, Point] | None:
        """The range ``start``–``end`` after the edit (``None`` when the edit touched it)."""
        if not self.start < end:  # the edit is after the range
            return start, end
        if start < self.end:
            return None
        return self._move(start), self._move(end)


def shift_range(
    rng: types.Range, change_range: types.Range, new_text: str, encoding: str = UTF16
) -> types.Range | None:
    """Move ``rng`` through one incremental edit, as an editor moves its markers.

    Args:
        rng: A range in the document before the edit.
        change_range: The replaced range (in the same units).
        new_text: The inserted text.
        encoding: The negotiated position encoding.

    Returns:
        The range after the edit (``rng`` itself when the edit is after it), or ``None`` when
        the edit touched it.
    """
    start = (rng.start.line, rng.start.character)
    end = (rng.end.line, rng.end.character)
    moved = EditShift(change_range, new_text, encoding).apply(start, end)
    if moved is None:
        return None
    if moved == (start, end):
        return rng
    (start_line, start_char), (end_line, end_char) = moved
    return types.Range(
        start=types.Position(line=start_line, character=start_char),
        end=types.Position(line=end_line, character=end_char),
    )
