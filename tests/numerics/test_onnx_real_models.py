"""The real-architecture models shipped in the onnx package (constant weights, nodes n0, n1...).

Inputs are what onnx's own backend runner generates; outputs are the recorded ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx.backend.test.runner import Runner

from mindconverter import convert_onnx
from tests.numerics.helpers import assert_network_matches

DATA = Path(onnx.__file__).parent / "backend" / "test" / "data"
REAL = sorted(p.name for p in (DATA / "real").iterdir() if (p / "data.json").is_file())

pytestmark = pytest.mark.numerics


def _load(name: str) -> tuple[Path, list[np.ndarray], list[np.ndarray]]:
    info = json.loads((DATA / "real" / name / "data.json").read_text())
    model_path = DATA.parent.parent.parent.parent / info["url"]
    model = onnx.load(model_path)
    inits = {t.name for t in model.graph.initializer}
    feeds = [Runner.generate_dummy_data(vi, seed=0, random=False)
             for vi in model.graph.input if vi.name not in inits]
    stem = model_path.with_suffix("")
    expected = []
    for i in range(len(model.graph.output)):
        tensor = onnx.TensorProto()
        tensor.ParseFromString(Path(f"{stem}_output_{i}.pb").read_bytes())
        expected.append(onnx.numpy_helper.to_array(tensor))
    return model_path, feeds, expected


def test_all_nine_real_models_are_present() -> None:
    assert len(REAL) == 9, REAL


@pytest.mark.parametrize("name", REAL)
def test_real_model_matches_recorded_output(name: str, tmp_path: Path) -> None:
    model_path, feeds, expected = _load(name)
    result = convert_onnx(str(model_path), str(tmp_path), verify=False,
                          input_data=feeds)
    assert result.ops_converted == result.ops_total
    assert_network_matches(result, feeds, expected, rtol=1e-3, atol=1e-4)
