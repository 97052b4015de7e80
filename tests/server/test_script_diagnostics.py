"""Diagnostics on migrated scripts: one warning per placeholder, with shapes in message and data."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from mindconverter.server.analysis import analyse, diagnostics_for
from mindconverter.server.reports import ReportCache
from mindconverter.server.settings import Settings, merge

from tests.server.lsp_fixtures import LEGACY_SCRIPT, SCRIPT, line_of, write_converted


def test_each_placeholder_is_a_warning_at_its_line(tmp_path: Path) -> None:
    path = write_converted(tmp_path)
    analysis = analyse(SCRIPT, str(path), Settings(), ReportCache())
    diagnostics = diagnostics_for(analysis, Settings(), path.as_uri())
    assert [d.code for d in diagnostics] == ["MC-G001"] * 5
    assert all(d.severity == types.DiagnosticSeverity.Warning for d in diagnostics)
    assert all(d.source == "mindconverter" for d in diagnostics)
    reshape = diagnostics[3]
    assert reshape.range.start.line == line_of(SCRIPT, "self.reshape_4 = ") - 1
    assert reshape.range.start.character == 8
    assert "Reshape" in reshape.message and "(2, 8, 16, 12)" in reshape.message
    assert "(2, 1536)" in reshape.message
    assert reshape.data["opType"] == "Reshape"
    assert reshape.data["attr"] == "reshape_4"
    assert reshape.data["inputShapes"] == [[2, 8, 16, 12], [2]]  # from the report
    assert reshape.data["outputShapes"] == [[2, 1536]]
    assert reshape.data["constantInputs"] == {"1": [2, -1]}
    (related,) = reshape.related_information
    assert related.location.range.start.line == line_of(SCRIPT, "= self.reshape_4(") - 1
    assert "skeleton" in diagnostics[4].message


def test_without_report_the_script_record_is_used() -> None:
    analysis = analyse(SCRIPT, None, Settings())
    diagnostics = diagnostics_for(analysis, Settings())
    assert diagnostics[3].data["inputShapes"] == [[2, 8, 16, 12]]


def test_legacy_placeholders_have_their_own_code() -> None:
    (diagnostic,) = diagnostics_for(analyse(LEGACY_SCRIPT, None, Settings()), Settings())
    assert diagnostic.code == "MC-G002"
    assert (
        "(1, 1280, 1, 1)" in diagnostic.message and "original MindConverter" in diagnostic.message
    )


def test_severity_setting() -> None:
    error, _ = merge(Settings(), {"severity": {"placeholder": "error"}})
    off, _ = merge(Settings(), {"severity": {"placeholder": "off"}})
    analysis = analyse(SCRIPT, None, Settings())
    assert {d.severity for d in diagnostics_for(analysis, error)} == {
        types.DiagnosticSeverity.Error
    }
    assert diagnostics_for(analysis, off) == []


def test_positions_are_utf16_after_non_ascii_text() -> None:
    text = SCRIPT.replace("        self.reshape_4 = ", "        ü = '😀'; self.reshape_4 = ")
    (diagnostic,) = [
        d
        for d in diagnostics_for(analyse(text, None, Settings()), Settings())
        if "Reshape" in d.message
    ]
    assert diagnostic.range.start.character == len("        ü = '😀'; ") + 1  # 😀 is 2 UTF-16 units
