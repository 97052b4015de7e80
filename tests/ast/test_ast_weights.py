"""Checkpoint naming from the converted script's layer structure."""

from __future__ import annotations

from mindconverter.converter.ast.weights import plan_weights

from tests.ast.ast_helpers import convert

SOURCE = """\
import torch.nn as nn
from collections import OrderedDict


class ConvBN(nn.Sequential):
    def __init__(self, c):
        super().__init__(nn.Conv2d(c, c, 3), nn.BatchNorm2d(c))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvBN(3)
        self.norm = nn.LayerNorm(8)
        self.emb = nn.Embedding(10, 8)
        self.blocks = nn.ModuleList([nn.GroupNorm(2, 8) for _ in range(2)])
        self.named = nn.Sequential(OrderedDict([("ln", nn.LayerNorm(8)), ("fc", nn.Linear(8, 8))]))
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 1)
        self.conv1d = nn.Conv1d(2, 4, 3)
        self.act = nn.PReLU(4)
        self.head = make_head()
"""


def names(shapes: dict[str, tuple[int, ...]]) -> dict[str, str]:
    layers = convert(SOURCE).layers
    entries = plan_weights({k: (v, "float32") for k, v in shapes.items()}, layers)
    return {e.source: e.target for e in entries}


def test_names_follow_layer_types() -> None:
    got = names(
        {
            "stem.0.weight": (3, 3, 3, 3),
            "stem.1.weight": (3,),
            "stem.1.bias": (3,),
            "stem.1.running_mean": (3,),
            "stem.1.running_var": (3,),
            "stem.1.num_batches_tracked": (),
            "norm.weight": (8,),
            "norm.bias": (8,),
            "emb.weight": (10, 8),
            "blocks.1.weight": (8,),
            "blocks.1.bias": (8,),
            "named.ln.weight": (8,),
            "named.fc.weight": (8, 8),
            "enc.layers.0.linear1.weight": (2048, 8),
            "enc.layers.0.norm2.bias": (8,),
            "enc.layers.0.self_attn.in_proj_weight": (24, 8),
            "act.weight": (4,),
        }
    )
    assert got == {
        "stem.0.weight": "stem.0.weight",
        "stem.1.weight": "stem.1.gamma",
        "stem.1.bias": "stem.1.beta",
        "stem.1.running_mean": "stem.1.moving_mean",
        "stem.1.running_var": "stem.1.moving_variance",
        "norm.weight": "norm.gamma",
        "norm.bias": "norm.beta",
        "emb.weight": "emb.embedding_table",
        "blocks.1.weight": "blocks.1.gamma",
        "blocks.1.bias": "blocks.1.beta",
        "named.ln.weight": "named.ln.gamma",
        "named.fc.weight": "named.fc.weight",
        "enc.layers.0.linear1.weight": "enc.layers.0.dense1.weight",
        "enc.layers.0.norm2.bias": "enc.layers.0.norm2.beta",
        "enc.layers.0.self_attn.in_proj_weight": "enc.layers.0.self_attn.in_proj_weight",
        "act.weight": "act.w",
    }


def test_conv1d_weights_gain_a_unit_axis() -> None:
    layers = convert(SOURCE).layers
    (entry,) = plan_weights({"conv1d.weight": ((4, 2, 3), "float32")}, layers)
    assert entry.target_shape == (4, 2, 1, 3)


def test_unknown_structure_falls_back_to_siblings() -> None:
    got = names(
        {
            "head.3.weight": (5,),
            "head.3.bias": (5,),
            "head.3.running_var": (5,),
            "head.4.weight": (5,),
            "head.4.bias": (5,),
            "head.5.weight": (5, 5),
            "head.5.bias": (5,),
        }
    )
    assert got["head.3.weight"] == "head.3.gamma"
    assert got["head.3.running_var"] == "head.3.moving_variance"
    assert got["head.4.weight"] == "head.4.gamma"  # a 1-D weight with a bias: a norm layer
    assert got["head.5.weight"] == "head.5.weight"
