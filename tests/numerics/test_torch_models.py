"""torch.nn models exported with torch.onnx.export at opsets 11, 13, 17 match PyTorch."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import torch

from mindconverter import convert_onnx
from tests.numerics.helpers import assert_network_matches
from tests.numerics.torch_models import MODELS, build

pytestmark = pytest.mark.numerics


def export(model: object, inputs: list, path: Path, opset: int) -> None:
    names = [f"in{i}" for i in range(len(inputs))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, tuple(inputs), str(path), opset_version=opset,
                          input_names=names, dynamo=False)


@pytest.mark.parametrize("opset", [11, 13, 17])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_matches_pytorch(name: str, opset: int, tmp_path: Path) -> None:
    model, inputs = build(name)
    with torch.no_grad():
        expected = model(*inputs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    path = tmp_path / f"{name}.onnx"
    export(model, inputs, path, opset)
    feeds = [t.numpy() for t in inputs]
    result = convert_onnx(str(path), str(tmp_path / "out"), verify=True, input_data=feeds)
    assert result.verification.status == "passed", result.verification
    assert_network_matches(result, feeds, [e.numpy() for e in expected], rtol=1e-3, atol=1e-4)
