"""Re-parsing only the edited statements gives exactly the full parse's tree."""

from __future__ import annotations

import ast

from hypothesis import given, settings
from hypothesis import strategies as st
from mindconverter.server.positions import split_lines
from mindconverter.server.reparse import changed_lines, reparse

from tests.server.lsp_fixtures import SCRIPT
from tests.server.torch_samples import MODEL

BASE = MODEL + "\n\n@decorated\ndef g(a,\n      b):\n    return '''multi\nline'''\n" + SCRIPT
TOKENS = ["x", " ", "(", ")", ":", "'", '"', "#", "é", "😀", "torch.", "    ", "=", "\\\\", "'''"]


def dump(tree: ast.AST) -> str:
    return ast.dump(tree, include_attributes=True)


@settings(max_examples=300, deadline=None)
@given(
    row=st.floats(0, 1),
    start=st.floats(0, 1),
    length=st.integers(0, 6),
    inserted=st.lists(st.sampled_from(TOKENS), max_size=4),
)
def test_reparse_equals_a_full_parse(
    row: float, start: float, length: int, inserted: list[str]
) -> None:
    lines = split_lines(BASE)
    index = min(int(row * len(lines)), len(lines) - 1)
    line = lines[index]
    column = int(start * (len(line) + 1))
    edited = [*lines]
    edited[index] = line[:column] + "".join(inserted) + line[column + length :]
    new_text = "\n".join(edited)
    old_tree = ast.parse(BASE)
    try:
        expected = dump(ast.parse(new_text))
    except SyntaxError:
        expected = None
    got = reparse(old_tree, lines, edited)
    if expected is None:
        assert got is None
    elif got is not None:
        assert dump(got) == expected


def test_an_edit_inside_a_class_reuses_the_other_statements() -> None:
    lines = split_lines(MODEL)
    edited = [row.replace("10, 20", "11, 20") for row in lines]
    old = ast.parse(MODEL)
    new = reparse(old, lines, edited)
    assert new is not None
    assert new.body[:3] == old.body[:3]  # the imports: the same objects
    assert new.body[3] is not old.body[3]  # the class: parsed again
    assert new.body[4] is old.body[4]  # make(): untouched


def test_line_count_changes_and_unchanged_text() -> None:
    lines = split_lines(MODEL)
    old = ast.parse(MODEL)
    assert reparse(old, lines, [*lines, ""]) is None
    assert reparse(old, lines, list(lines)) is old
    assert changed_lines(["a", "b", "c"], ["a", "x", "c"]) == (2, 2)
