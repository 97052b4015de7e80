"""Real PyTorch exports (torchvision CNNs, 1-D conv, BERT-like, LSTM, GRU) with recorded outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from mindconverter import convert_onnx
from tests.conftest import MODELS
from tests.numerics.helpers import assert_network_matches

pytestmark = pytest.mark.numerics

RECORDED = ["squeezenet1_1_op11", "mobilenet_v3_small_keepbn_op17", "conv1d_audio_op11",
            "bert_like_op14", "lstm_tagger_op13", "gru_text_op17"]


def _arrays(folder: Path, prefix: str) -> list[np.ndarray]:
    return [np.load(p) for p in sorted(folder.glob(f"{prefix}_*.npy"))]


@pytest.mark.parametrize("name", RECORDED)
def test_matches_recorded_output(name: str, tmp_path: Path) -> None:
    folder = MODELS / name
    feeds, expected = _arrays(folder, "input"), _arrays(folder, "output")
    result = convert_onnx(str(folder / "model.onnx"), str(tmp_path), verify=False,
                          input_data=feeds)
    assert_network_matches(result, feeds, expected, rtol=1e-3, atol=1e-4)


def test_mobilenet_v2_structure_with_seeded_weights(tmp_path: Path) -> None:
    """torchvision mobilenet_v2 (BatchNorm folded): the real graph, weights regenerated.

    The original file is 14 MB; the repository keeps its graph and refills the weights with
    seeded values of the same shapes, then compares with onnxruntime on the same model.
    """
    model = onnx.load(MODELS / "mobilenet_v2_op13_structure" / "model_no_weights.onnx")
    rng = np.random.default_rng(0)
    for init in model.graph.initializer:
        if init.data_type == onnx.TensorProto.FLOAT and not init.raw_data and not init.float_data:
            fan_in = int(np.prod(init.dims[1:])) if len(init.dims) > 1 else 1
            scale = np.sqrt(2.0 / fan_in) if len(init.dims) > 1 else 0.1
            value = (rng.standard_normal(tuple(init.dims)) * scale).astype(np.float32)
            init.CopyFrom(numpy_helper.from_array(value, init.name))
    path = tmp_path / "mobilenet_v2.onnx"
    onnx.save(model, path)
    result = convert_onnx(str(path), str(tmp_path / "out"), verify=True)
    assert result.ops_converted == result.ops_total
    assert result.verification.status == "passed", result.verification
    assert [m.mode for m in result.verification.modes] == ["pynative", "graph"]
    assert set(result.op_histogram) >= {"Conv", "Clip", "Add", "GlobalAveragePool", "Gemm"}
