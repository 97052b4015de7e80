"""GPT-style causal transformers exported from PyTorch match PyTorch and onnxruntime (issue 3).

Two small decoders built with ``torch.nn``: a hand-written GPT block (masked ``-inf`` causal
attention on a triangular buffer, GELU MLP, LayerNorm, residuals) and a pre-norm
``nn.TransformerEncoder`` run with a causal float mask. Both are exported with the TorchScript
exporter at opsets 14 (LayerNorm decomposed) and 17 (LayerNormalization), converted, and run
in PyNative and graph mode.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from mindconverter import convert_onnx
from tests.numerics.helpers import assert_network_matches

pytestmark = pytest.mark.numerics

VOCAB, WIDTH, HEADS, SEQ = 50, 32, 4, 8


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention with a triangular ``-inf`` mask (nanoGPT style)."""

    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.proj = nn.Linear(WIDTH, WIDTH)
        self.register_buffer("bias", torch.tril(torch.ones(SEQ, SEQ)).view(1, 1, SEQ, SEQ))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, steps, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=2)
        q, k, v = (t.view(batch, steps, HEADS, width // HEADS).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(width // HEADS))
        scores = scores.masked_fill(self.bias[:, :, :steps, :steps] == 0, float("-inf"))
        out = torch.softmax(scores, dim=-1) @ v
        return self.proj(out.transpose(1, 2).contiguous().view(batch, steps, width))


class Block(nn.Module):
    """Pre-norm block: ``x + attn(ln(x))``, ``x + mlp(ln(x))`` with a GELU MLP (exact or
    GPT-2's tanh approximation)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(WIDTH), nn.LayerNorm(WIDTH)
        self.attn = CausalSelfAttention()
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(approximate=approximate),
                                 nn.Linear(4 * WIDTH, WIDTH))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class TinyGPT(nn.Module):
    """Token and position embeddings, two blocks (exact and tanh GELU), final LayerNorm,
    language-model head."""

    def __init__(self) -> None:
        super().__init__()
        self.wte, self.wpe = nn.Embedding(VOCAB, WIDTH), nn.Embedding(SEQ, WIDTH)
        self.blocks = nn.Sequential(Block(), Block(approximate="tanh"))
        self.ln_f = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, VOCAB, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(ids.shape[1]).unsqueeze(0)
        return self.head(self.ln_f(self.blocks(self.wte(ids) + self.wpe(pos))))


class CausalEncoder(nn.Module):
    """``nn.TransformerEncoder`` (pre-norm, GELU) with a causal float mask."""

    def __init__(self) -> None:
        super().__init__()
        layer = nn.TransformerEncoderLayer(WIDTH, HEADS, 2 * WIDTH, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(SEQ))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x, mask=self.mask)


def _model(name: str) -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    if name == "gpt":
        return TinyGPT().eval(), torch.randint(0, VOCAB, (2, SEQ))
    return CausalEncoder().eval(), torch.randn(2, SEQ, WIDTH)


@pytest.mark.parametrize("opset", [14, 17])
@pytest.mark.parametrize("name", ["gpt", "causal_encoder"])
def test_causal_transformer_matches_torch_and_onnxruntime(name: str, opset: int,
                                                          tmp_path: Path) -> None:
    model, example = _model(name)
    with torch.no_grad():
        expected = model(example).numpy()
    path = tmp_path / f"{name}.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), str(path), opset_version=opset, dynamo=False,
                          input_names=["x"])
    feeds = [example.numpy()]
    result = convert_onnx(str(path), str(tmp_path / "out"), input_data=feeds)
    # onnxruntime on the same input, both MindSpore modes (the converter's own check)
    assert result.verification.status == "passed", result.verification
    assert [m.mode for m in result.verification.modes] == ["pynative", "graph"]
    assert_network_matches(result, feeds, [expected], rtol=1e-3, atol=1e-4)
    histogram = result.op_histogram
    assert histogram.get("LayerNormalization") == (5 if name == "gpt" else 4), histogram
    assert histogram.get("Gelu") == 2, histogram
    decomposed = {"ReduceMean", "Erf", "Tanh", "Sqrt", "Pow"}
    if name == "causal_encoder":  # nn.MultiheadAttention's q/k/v gathers become one Split
        decomposed.add("Gather")
        assert histogram.get("Split") == 2, histogram
    assert not decomposed & set(histogram), histogram
    script = Path(result.script).read_text(encoding="utf-8")
    assert "nn.LayerNorm(" in script and "ops.gelu(" in script
    assert ("approximate='tanh'" in script) == (name == "gpt")
    # a causal mask never blocks a whole row: the plain softmax is kept
    assert "ops.amax" not in script
    assert np.isfinite(expected).all()
