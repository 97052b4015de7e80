"""Hover: torch mappings, MindSpore counterparts, placeholder records, ONNX provenance."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from mindconverter.server.analysis import analyse
from mindconverter.server.hovers import hover_at
from mindconverter.server.reports import ReportCache
from mindconverter.server.settings import Settings

from tests.server.lsp_fixtures import SCRIPT, line_of, write_converted

TORCH = (
    "import torch\nimport torch.nn as nn\n\n"
    "layer = nn.Linear(4, 2)\ny = torch.nn.functional.relu(x)\n"
)


def hover(text: str, line: int, character: int, **kwargs) -> str | None:
    analysis = analyse(text, kwargs.pop("path", None), Settings(), kwargs.pop("reports", None))
    found = hover_at(analysis, types.Position(line=line, character=character), **kwargs)
    return found.contents.value if found else None


def test_torch_api_shows_its_mapping() -> None:
    text = hover(TORCH, 3, 12)  # on "Linear"
    assert text is not None
    assert "**torch.nn.Linear** → `mindspore.nn.Dense`" in text
    assert "renamed_args" in text
    assert "`in_features`→`in_channels`" in text and "`bias`→`has_bias`" in text
    assert "pytorch_diff/Dense.html" in text


def test_the_tier_setting_changes_the_target() -> None:
    text = hover(TORCH, 4, 27, tier="mint")  # on "relu"
    assert text is not None and "mindspore.mint.nn.functional.relu" in text


def test_hover_range_covers_the_name() -> None:
    analysis = analyse(TORCH, None, Settings())
    found = hover_at(analysis, types.Position(line=3, character=12))
    assert found.range == types.Range(
        start=types.Position(line=3, character=8), end=types.Position(line=3, character=17)
    )


def test_mindspore_api_shows_the_torch_counterpart() -> None:
    text = hover("from mindspore import nn\nfc = nn.Dense(4, 2)\n", 1, 9)
    assert text is not None and "torch.nn.Linear" in text


def test_plain_text_for_clients_without_markdown() -> None:
    text = hover(TORCH, 3, 12, markdown=False)
    assert text is not None and "`" not in text and "**" not in text


def test_tensor_methods_use_the_converters_typing() -> None:
    from tests.server.torch_samples import MODEL

    line = MODEL.splitlines()[13]  # x = x.view(x.size(0), -1)
    assert ".view(" in line
    text = hover(MODEL, 13, line.index("view") + 1)
    assert text is not None and "**torch.Tensor.view** → `mindspore.Tensor.view`" in text


def test_nothing_to_say() -> None:
    assert hover(TORCH, 2, 0) is None
    assert hover("x = (", 0, 1) is None
    assert hover("import os\nos.path.join('a')\n", 1, 4) is None


def test_placeholder_hover_shows_the_record(tmp_path: Path) -> None:
    path = write_converted(tmp_path)
    line = line_of(SCRIPT, "self.resize_2 = ") - 1
    text = hover(SCRIPT, line, 20, path=str(path), reports=ReportCache())
    assert text is not None
    assert "Unconverted ONNX Resize" in text and "(1, 8, 4, 6)" in text and "(1, 8, 8, 12)" in text
    assert "align_corners" in text and "[1.0, 1.0, 2.0, 2.0]" in text


def test_generated_line_shows_onnx_node_and_weights(tmp_path: Path) -> None:
    path = write_converted(tmp_path)
    line = line_of(SCRIPT, "self.fc = ") - 1
    column = SCRIPT.splitlines()[line].index("Dense")
    text = hover(SCRIPT, line, column, path=str(path), reports=ReportCache())
    assert text is not None
    assert "from ONNX Gemm `/fc/Gemm`" in text
    assert "`fc.weight` ← `classifier.weight` [10, 1536] float32" in text
    assert "torch.nn.Linear" in text  # nn.Dense's counterpart: the cursor is on it


def test_edited_script_still_matches_by_attribute(tmp_path: Path) -> None:
    path = write_converted(tmp_path)
    edited = "# a comment pushes every line down\n" + SCRIPT
    line = line_of(edited, "features_0_0 = self.features_0_0(input_)") - 1
    reports = ReportCache()
    text = hover(edited, line, 10, path=str(path), reports=reports)
    assert text is not None and "/features/features.0/Conv" in text
    # the line numbers of the report no longer apply: the blank line after __init__'s end
    stale_line = line_of(SCRIPT, "fc = self.fc(") - 1
    assert hover(edited, stale_line, 0, path=str(path), reports=reports) is None
