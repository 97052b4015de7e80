"""docs/errors.md is generated from the code and kept in sync."""

from __future__ import annotations

from mindconverter.converter.errors import ErrorCode, markdown_table

from tests.conftest import ROOT


def test_errors_doc_is_up_to_date() -> None:
    text = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert text == markdown_table(), "regenerate: python -m mindconverter.converter.errors"


def test_codes_are_unique_and_well_formed() -> None:
    codes = [e.code for e in ErrorCode]
    assert len(codes) == len(set(codes))
    assert all(c.startswith("MC") and c[2:].isdigit() for c in codes)
