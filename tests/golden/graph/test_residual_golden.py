"""The generated script of a small residual net is pinned (readability is a feature)."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest

from mindconverter import convert_onnx
from tests.golden.graph.build_residual import build

GOLDEN = Path(__file__).with_name("residual_expected.py")


@pytest.mark.numerics
def test_residual_script_matches_golden(tmp_path: Path, update_goldens: bool) -> None:
    path = tmp_path / "residual.onnx"
    onnx.save(build(), path)
    result = convert_onnx(str(path), str(tmp_path / "out"))
    assert result.verification.status == "passed", result.verification
    source = Path(result.script).read_text()
    if update_goldens:
        GOLDEN.write_text(source)
    assert source == GOLDEN.read_text(), "generated script changed; review, then --update-goldens"
    # The two identical basic blocks are one class instantiated twice, and the weight map
    # follows the nested names.
    assert source.count("= Layer1Block()") == 2
    names = {e["converted_weight"]["name"]: e["source_weight"]["name"]
             for e in json.loads(Path(result.weight_map).read_text())["residual"]}
    assert names["layer1_0.conv1_conv.weight"] == "layer1.layer1.0.conv1.conv.weight"
    assert names["layer1_1.conv2_bn.moving_variance"] == "layer1.layer1.1.conv2.bn.running_var"


@pytest.mark.numerics
def test_flat_script_when_blocks_are_off(tmp_path: Path) -> None:
    path = tmp_path / "residual.onnx"
    onnx.save(build(), path)
    result = convert_onnx(str(path), str(tmp_path / "out"), blocks=False)
    assert result.verification.status == "passed", result.verification
    assert "Block(nn.Cell)" not in Path(result.script).read_text()


@pytest.mark.numerics
def test_weight_map_records_the_onnx_nodes_of_every_line(tmp_path: Path) -> None:
    path = tmp_path / "residual.onnx"
    onnx.save(build(), path)
    result = convert_onnx(str(path), str(tmp_path / "out"), verify=False)
    lines = json.loads(Path(result.weight_map).read_text())["lines"]
    script = Path(result.script).read_text().splitlines()
    by_line = {row["line"]: row for row in lines}
    fc_line = next(i + 1 for i, text in enumerate(script) if "self.fc = nn.Dense" in text)
    assert by_line[fc_line]["onnx_nodes"] == [{"name": "/fc/Gemm", "op_type": "Gemm"}]
    assert set(by_line[fc_line]["parameters"]) == {"fc.weight", "fc.bias"}
    # A line inside the shared block class stands for the node of each instance.
    conv_line = next(i + 1 for i, text in enumerate(script)
                     if "conv1_conv = self.conv1_conv(" in text)
    assert {n["name"] for n in by_line[conv_line]["onnx_nodes"]} == {
        "/layer1/layer1.0/conv1/conv/Conv", "/layer1/layer1.1/conv1/conv/Conv"}
