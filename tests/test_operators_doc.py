"""docs/operators.md is generated from the converter registry and kept in sync."""

from __future__ import annotations

from mindconverter.converter.graph.opdocs import markdown, rows

from tests.conftest import ROOT


def test_operators_doc_is_up_to_date() -> None:
    text = (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
    assert text == markdown(), "regenerate: python -m mindconverter.converter.graph.opdocs"


def test_every_operator_row_names_a_converter_and_a_target() -> None:
    table = rows()
    assert len(table) > 150
    for op, versions, target, func in table:
        assert func.startswith("convert_"), (op, func)
        assert versions, op
        assert target, f"{op}: the converter's docstring has no '→ target'"
