"""Symbolic dimensions stay symbolic: one generated network runs at several sizes."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from mindconverter.converter.graph.verify import run_mindspore, run_onnxruntime
from torch import nn

from mindconverter import convert_onnx
from tests.numerics.helpers import load_generated

pytestmark = pytest.mark.numerics


class ConvFlatten(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.conv(x))
        return self.fc(y.view(y.size(0), -1))


class Attention(nn.Module):
    """Multi-head self-attention whose reshapes follow the input's runtime shape.

    (``nn.MultiheadAttention`` exported with the TorchScript exporter bakes the example
    sequence length into its reshapes, so its ONNX graph only runs at that length.)
    """

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, s, d = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.reshape(b, s, self.heads, self.head_dim).transpose(1, 2) for t in (q, k, v))
        weights = torch.softmax(q @ k.transpose(-1, -2) / self.head_dim ** 0.5, dim=-1)
        return self.out((weights @ v).transpose(1, 2).reshape(b, s, d))


class EncoderLayer(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.attn, self.norm1 = Attention(dim, 4), nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.norm2 = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.attn(x))
        return self.norm2(x + self.ff(x))


class TinyEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(50, 32)
        self.pos = nn.Embedding(64, 32)
        self.layers = nn.Sequential(EncoderLayer(32), EncoderLayer(32))
        self.head = nn.Linear(32, 3)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1]).unsqueeze(0)
        return self.head(self.layers(self.embed(ids) + self.pos(positions)))


def export(model: nn.Module, example: torch.Tensor, path: Path, axes: dict[int, str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (example,), str(path), opset_version=14, dynamo=False,
                          input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": axes, "y": axes})


def run_at(result: object, model_path: Path, array: np.ndarray) -> None:
    net = load_generated(result)
    expected = run_onnxruntime(onnx.load(model_path), ["x"], [array])
    for mode in ("pynative", "graph"):
        (actual,) = run_mindspore(net, [array], mode)
        np.testing.assert_allclose(actual, expected[0], rtol=1e-3, atol=1e-4,
                                   err_msg=f"{mode} at shape {array.shape}")


def test_batch_dimension_is_not_frozen(tmp_path: Path) -> None:
    torch.manual_seed(0)
    path = tmp_path / "cnn.onnx"
    export(ConvFlatten(), torch.randn(2, 3, 8, 8), path, {0: "batch"})
    result = convert_onnx(str(path), str(tmp_path / "out"))
    assert result.verification.status == "passed", result.verification
    assert result.inputs[0].symbolic_shape == ["batch", 3, 8, 8]
    assert any(w.code == "MC-W003" for w in result.warnings)
    source = Path(result.script).read_text()
    assert ".shape[0]" in source
    rng = np.random.default_rng(0)
    for batch in (1, 5):
        run_at(result, path, rng.standard_normal((batch, 3, 8, 8)).astype(np.float32))


def test_shape_flag_freezes_the_dimension(tmp_path: Path) -> None:
    path = tmp_path / "cnn.onnx"
    export(ConvFlatten(), torch.randn(2, 3, 8, 8), path, {0: "batch"})
    result = convert_onnx(str(path), str(tmp_path / "out"), shapes=[[3, 3, 8, 8]])
    assert result.verification.status == "passed"
    assert ".shape[0]" not in Path(result.script).read_text()
    assert not any(w.code == "MC-W003" for w in result.warnings)


def test_transformer_runs_at_two_sequence_lengths(tmp_path: Path) -> None:
    torch.manual_seed(0)
    path = tmp_path / "encoder.onnx"
    export(TinyEncoder(), torch.randint(0, 50, (1, 12)), path, {1: "seq"})
    result = convert_onnx(str(path), str(tmp_path / "out"))
    assert result.verification.status == "passed", result.verification
    frozen = [w for w in result.warnings if w.code == "MC-W004"]
    assert not frozen, frozen
    rng = np.random.default_rng(1)
    for seq in (7, 20):
        run_at(result, path, rng.integers(0, 50, (1, seq)).astype(np.int64))


def test_a_size_fixed_by_the_exporter_gets_a_hint(tmp_path: Path) -> None:
    """A symbolic dimension the graph cannot actually vary (a Reshape to constant sizes):
    onnxruntime fails at the sample size, and the report says which sizes were used and how to
    give others."""
    from onnx import TensorProto, helper, numpy_helper

    shape = numpy_helper.from_array(np.array([3, 3], np.int64), "target")
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "target"], ["y"], name="/Reshape")], "fixed",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 3])], [shape])
    path = tmp_path / "fixed.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    result = convert_onnx(str(path), str(tmp_path / "out"))
    error = result.verification.error or ""
    assert result.verification.status == "error" and "onnxruntime could not run" in error
    assert "sample sizes n=" in error and "--shape" in error
    fixed = convert_onnx(str(path), str(tmp_path / "out9"), shapes=[(9,)])
    assert fixed.verification.status == "passed", fixed.verification
