"""Reports and weight maps found beside a script, cached until they change."""

from __future__ import annotations

import os
from pathlib import Path

from mindconverter.server.reports import ReportCache, lines_match, read_weight_map

from tests.server.lsp_fixtures import SCRIPT, STEM, write_converted


def test_report_and_weights_are_indexed(tmp_path: Path) -> None:
    index = ReportCache().for_script(write_converted(tmp_path))
    assert index is not None
    assert index.unconverted("reshape_4").op_type == "Reshape"
    assert index.unconverted("renamed", "/Tile_3").attr_name == "tile_3"
    assert [t.op_type for t in index.traces_of_attr("features_0_0")] == ["Conv"]
    weight = index.weights["fc.weight"]
    assert (weight.source_name, weight.source_shape) == ("classifier.weight", (10, 1536))


def test_report_in_the_output_folder_is_found(tmp_path: Path) -> None:
    write_converted(tmp_path / "reports")
    script = tmp_path / "elsewhere" / f"{STEM}.py"
    cache = ReportCache()
    assert cache.for_script(script) is None
    assert cache.for_script(script, [tmp_path / "reports"]) is not None


def test_cache_reloads_changed_and_survives_broken_reports(tmp_path: Path) -> None:
    script = write_converted(tmp_path)
    cache = ReportCache()
    first = cache.for_script(script)
    assert cache.for_script(script) is first
    report = tmp_path / f"report_of_{STEM}.json"
    report.write_text("{not json", encoding="utf-8")
    os.utime(report, ns=(1, 10**18))
    assert cache.for_script(script) is None
    assert read_weight_map(tmp_path / "missing.json") == {}


def test_lines_match_only_the_unchanged_script(tmp_path: Path) -> None:
    script = write_converted(tmp_path)
    index = ReportCache().for_script(script)
    assert lines_match(script, SCRIPT, index)
    assert not lines_match(script, "# edited\n" + SCRIPT, index)
    os.utime(script, ns=(1, index.path.stat().st_mtime_ns + 60 * 10**9))  # saved after the report
    assert not lines_match(script, SCRIPT, index)
