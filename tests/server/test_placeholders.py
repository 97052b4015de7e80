"""Finding placeholders in migrated scripts, and their records merged with the report."""

from __future__ import annotations

from pathlib import Path

from mindconverter.server.op_records import describe_shapes
from mindconverter.server.positions import text_in
from mindconverter.server.reports import ReportCache
from mindconverter.server.script_analysis import analyse_script

from tests.server.lsp_fixtures import LEGACY_SCRIPT, SCRIPT, line_of, write_converted


def test_every_placeholder_is_found_with_its_calls() -> None:
    analysis = analyse_script(SCRIPT)
    found = [(p.attr_name, p.op_type) for p in analysis.placeholders]
    assert found == [
        ("transpose_1", "Transpose"),
        ("resize_2", "Resize"),
        ("tile_3", "Tile"),
        ("reshape_4", "Reshape"),
        ("nms_5", "NonMaxSuppression"),
    ]
    reshape = analysis.placeholder("reshape_4")
    assert reshape is not None
    assert reshape.node_name == "/Reshape_4"
    assert reshape.input_shapes == ((2, 8, 16, 12),)
    assert reshape.output_shapes == ((2, 1536),)
    assert reshape.attributes == {"allowzero": 0}
    assert reshape.statement.start_line == line_of(SCRIPT, "self.reshape_4 = ")
    assert reshape.alone and not reshape.legacy and reshape.class_name == "Tinynet"
    (call,) = reshape.calls
    assert text_in(analysis.lines, call.range) == "self.reshape_4(tile_3)"
    assert call.args == ("tile_3",) and call.method == "construct"
    nms = analysis.placeholder("nms_5")
    assert nms is not None and nms.input_shapes == ((1, 100, 4), (1, 1, 100))
    assert nms.calls[0].args == ("boxes", "scores")


def test_the_original_mindconverter_form_is_recognised() -> None:
    analysis = analyse_script(LEGACY_SCRIPT)
    (placeholder,) = analysis.placeholders
    assert (placeholder.attr_name, placeholder.op_type, placeholder.legacy) == (
        "reshape",
        "Reshape",
        True,
    )
    assert placeholder.input_shapes == ((1, 1280, 1, 1),)
    assert placeholder.output_shapes == ((1, 1280),)
    assert placeholder.node_name is None
    assert placeholder.calls[0].args == ("x",)


def test_domains_and_non_placeholders() -> None:
    text = SCRIPT.replace('UnconvertedOp("Transpose"', 'UnconvertedOp("com.example::MyOp"')
    first = analyse_script(text).placeholders[0]
    assert (first.op_type, first.domain) == ("MyOp", "com.example")
    plain = (
        "import torch\nclass A:\n    def __init__(self):\n        self.x = torch.nn.Linear(2, 2)\n"
    )
    assert analyse_script(plain).placeholders == []


def test_broken_or_odd_values_do_not_raise() -> None:
    text = SCRIPT.replace("input_shape=(2, 8, 16, 12)", "input_shape=compute()")
    analysis = analyse_script(text)
    assert analysis.placeholder("reshape_4").input_shapes == ()
    assert analyse_script("def f(:\n").tree is None


def test_records_merge_the_report(tmp_path: Path) -> None:
    script = write_converted(tmp_path)
    report = ReportCache().for_script(script)
    assert report is not None
    analysis = analyse_script(SCRIPT, report)
    record = analysis.record(analysis.placeholder("resize_2"))
    assert record.from_report
    assert record.input_shapes == ((1, 8, 4, 6), None, (4,))
    assert record.runtime_shapes == ((1, 8, 4, 6),)  # the constant scales input is not passed
    assert record.constant_inputs == {"2": [1.0, 1.0, 2.0, 2.0]}
    assert record.output_dtypes == ("float32",)
    assert describe_shapes(record) == "input (1, 8, 4, 6) → output (1, 8, 8, 12)"
    without = analyse_script(SCRIPT).record(analysis.placeholder("resize_2"))
    assert not without.from_report and without.runtime_shapes == ((1, 8, 4, 6),)
