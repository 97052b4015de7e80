"""Source ↔ LSP position conversion (the server's one position helper)."""

from __future__ import annotations

import ast

import pytest
from lsprotocol import types
from mindconverter.converter.issues import SourceRange
from mindconverter.server.positions import (
    UTF8,
    UTF16,
    UTF32,
    ast_range,
    codepoint_to_units,
    from_lsp_position,
    shift_range,
    split_lines,
    text_in,
    to_lsp_position,
    to_lsp_range,
    units_len,
    units_to_codepoint,
)

LINE = 'x = "é😀z"'  # é is 1 UTF-16 unit / 2 UTF-8 bytes; 😀 is 2 UTF-16 units / 4 bytes


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def rng(a: int, b: int, c: int, d: int) -> types.Range:
    return types.Range(start=pos(a, b), end=pos(c, d))


def test_split_lines_follows_the_lsp() -> None:
    assert split_lines("a\r\nb\rc\nd") == ["a", "b", "c", "d"]
    assert split_lines("a\n") == ["a", ""]
    assert split_lines("a\u2028b") == ["a\u2028b"]  # not a line break for the LSP


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [(UTF16, [0, 5, 6, 8, 9]), (UTF8, [0, 5, 7, 11, 12]), (UTF32, [0, 5, 6, 7, 8])],
)
def test_codepoint_columns_become_code_units(encoding: str, expected: list[int]) -> None:
    columns = [0, 5, 6, 7, 8]  # before x, before é, before 😀, before z, before "
    assert [codepoint_to_units(LINE, c, encoding) for c in columns] == expected
    assert [units_to_codepoint(LINE, u, encoding) for u in expected] == columns


def test_units_inside_a_character_snap_to_its_end() -> None:
    assert units_to_codepoint(LINE, 7, UTF16) == 7  # between the surrogates of 😀
    assert units_to_codepoint(LINE, 9, UTF8) == 7  # inside the 4 bytes of 😀
    assert units_to_codepoint(LINE, 99, UTF16) == len(LINE)
    assert units_len(LINE, UTF16) == 10


def test_source_positions_round_trip_and_clamp() -> None:
    lines = ["import torch", LINE]
    assert to_lsp_position(lines, 2, 7, UTF16) == pos(1, 8)
    assert from_lsp_position(lines, pos(1, 8), UTF16) == (2, 7)
    assert to_lsp_position(lines, 9, 99, UTF16) == pos(1, 10)  # past the end: clamped
    assert from_lsp_position(lines, pos(7, 3), UTF16) == (2, 3)


def test_ast_columns_are_converted_from_utf8_bytes() -> None:
    text = 'y = "é😀" + torch.ones(2)'
    node = ast.parse(text).body[0].value.right  # the call
    lines = split_lines(text)
    source = ast_range(lines, node)
    assert text_in(lines, source) == "torch.ones(2)"
    assert to_lsp_range(lines, source, UTF16) == rng(0, 12, 0, 25)


def test_text_in_spans_lines() -> None:
    lines = ["ab", "cd", "ef"]
    assert text_in(lines, SourceRange(1, 1, 3, 1)) == "b\ncd\ne"


def test_shift_range_moves_markers_like_an_editor() -> None:
    marker = rng(2, 4, 2, 10)
    assert shift_range(marker, rng(3, 0, 3, 0), "new line\n") == marker  # edit after
    assert shift_range(marker, rng(0, 0, 0, 0), "a\nb\n") == rng(4, 4, 4, 10)  # lines before
    assert shift_range(marker, rng(2, 0, 2, 2), "😀") == rng(2, 4, 2, 10)  # 2 units for 2
    assert shift_range(marker, rng(2, 0, 2, 0), "xyz") == rng(2, 7, 2, 13)  # same line, before
    assert shift_range(marker, rng(1, 3, 2, 1), "") == rng(1, 6, 1, 12)  # join lines
    assert shift_range(marker, rng(2, 5, 2, 6), "Q") is None  # edit inside
    assert shift_range(marker, rng(2, 10, 2, 10), "!") == marker  # typing right after
