"""convert_torch (PyTorch module in, MindSpore out) and the MindIR deployment export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from mindconverter import convert_onnx, convert_torch
from tests.numerics.helpers import assert_network_matches
from tests.numerics.torch_models import build

pytestmark = pytest.mark.numerics


class Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.flatten(torch.relu(self.conv(x)), 1))


@pytest.mark.parametrize("factory", [Tiny, lambda: build("two_in_two_out")[0]])
def test_convert_torch_matches_pytorch(tmp_path: Path, factory: object) -> None:
    torch.manual_seed(0)
    module = factory().eval()
    inputs = ([torch.randn(2, 3, 8, 8)] if isinstance(module, Tiny)
              else [torch.randn(2, 3, 8, 8), torch.randn(2, 6)])
    with torch.no_grad():
        expected = module(*inputs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    result = convert_torch(module, inputs, str(tmp_path))
    assert result.source["format"] == "torch"
    assert result.verification.status == "passed"
    assert Path(result.script).name in {"tiny.py", "two_in_two_out.py"}
    assert_network_matches(result, [t.numpy() for t in inputs], [e.numpy() for e in expected])


def test_mindir_export_loads_back_and_matches(tmp_path: Path) -> None:
    import mindspore as ms
    from mindspore import nn as msnn

    module = Tiny().eval()
    x = torch.randn(1, 3, 8, 8)
    onnx_path = tmp_path / "tiny.onnx"
    torch.onnx.export(module, (x,), str(onnx_path), opset_version=13, dynamo=False)
    result = convert_onnx(str(onnx_path), str(tmp_path / "out"), export="mindir",
                          input_data=[x.numpy()])
    mindir = Path(result.exports["mindir"])
    assert mindir.is_file() and mindir.parent == tmp_path / "out"
    graph = ms.load(str(mindir))
    out = msnn.GraphCell(graph)(ms.Tensor(x.numpy())).asnumpy()
    with torch.no_grad():
        np.testing.assert_allclose(out, module(x).numpy(), rtol=1e-3, atol=1e-4)
