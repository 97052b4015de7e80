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


@pytest.mark.parametrize("exporter", ["dynamo", "torchscript"])
@pytest.mark.parametrize("factory", [Tiny, lambda: build("two_in_two_out")[0]])
def test_convert_torch_matches_pytorch(tmp_path: Path, factory: object, exporter: str) -> None:
    torch.manual_seed(0)
    module = factory().eval()
    inputs = ([torch.randn(2, 3, 8, 8)] if isinstance(module, Tiny)
              else [torch.randn(2, 3, 8, 8), torch.randn(2, 6)])
    with torch.no_grad():
        expected = module(*inputs)
    expected = expected if isinstance(expected, tuple) else (expected,)
    result = convert_torch(module, inputs, str(tmp_path), exporter=exporter)
    assert result.source["format"] == "torch" and result.source["exporter"] == exporter
    assert result.verification.status == "passed"
    assert Path(result.script).name in {"tiny.py", "two_in_two_out.py"}
    assert_network_matches(result, [t.numpy() for t in inputs], [e.numpy() for e in expected])


class DataDependent(nn.Module):
    """A Python branch on a tensor's value: torch.export refuses it, tracing records one path."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            return x * 2
        return x - 1


def test_auto_falls_back_to_torchscript_when_dynamo_cannot_export(tmp_path: Path) -> None:
    x = torch.ones(2, 3)
    result = convert_torch(DataDependent(), [x], str(tmp_path / "auto"))
    assert result.source["exporter"] == "torchscript"
    assert [w.code for w in result.warnings] == ["MC-W005"]
    assert "dynamo export failed" in result.warnings[0].message
    assert result.verification.status == "passed"
    assert_network_matches(result, [x.numpy()], [(x * 2).numpy()])


def test_dynamo_export_failure_is_a_clean_error(tmp_path: Path) -> None:
    from mindconverter.converter.errors import ConverterError

    with pytest.raises(ConverterError) as info:
        convert_torch(DataDependent(), [torch.ones(2, 3)], str(tmp_path / "d"), exporter="dynamo")
    assert info.value.code.code == "MC109" and "dynamo export failed" in info.value.message
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())
    with pytest.raises(ConverterError) as bad:
        convert_torch(Tiny(), [torch.ones(1, 3, 8, 8)], str(tmp_path / "b"), exporter="jit")
    assert bad.value.code.code == "MC206"


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
