"""Public API: loading, lookup with aliases, reverse lookup, doc URLs."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from mindconverter.mappings import (
    TIERS,
    ApiMapping,
    canonical_mindspore_name,
    doc_url,
    load_api_table,
    lookup,
    reverse_lookup,
)


def test_tables_load_once_and_are_read_only():
    table = load_api_table()
    assert table is load_api_table("nn_ops")
    assert set(TIERS) == {"nn_ops", "mint"}
    with pytest.raises(TypeError):
        table["torch.x"] = table["torch.cat"]  # type: ignore[index]
    entry = table["torch.cat"]
    assert isinstance(entry, ApiMapping) and entry.tier == "nn_ops"
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.target = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        entry.rename["dim"] = "x"  # type: ignore[index]
    assert hash(entry) == hash(lookup("torch.cat"))


def test_unknown_tier_is_an_error():
    with pytest.raises(ValueError, match="tier"):
        load_api_table("ops")
    with pytest.raises(ValueError):
        lookup("torch.cat", tier="mindspore")


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("torch.nn.Conv2d", "torch.nn.Conv2d"),
        ("torch.nn.modules.conv.Conv2d", "torch.nn.Conv2d"),
        ("torch.nn.modules.linear.Linear", "torch.nn.Linear"),
        ("torch.nn.modules.module.Module", "torch.nn.Module"),
        ("torch.nn.modules.module.Module.eval", "torch.nn.Module.eval"),
        ("torch.nn.Conv2d.train", "torch.nn.Module.train"),
        ("torch._tensor.Tensor.view", "torch.Tensor.view"),
        ("torch._C.TensorBase.permute", "torch.Tensor.permute"),
        ("torch.FloatTensor.size", "torch.Tensor.size"),
        ("torch.nn.Parameter.view", "torch.Tensor.view"),
        ("torch.nn.parameter.Parameter", "torch.nn.Parameter"),
        ("torch._C._nn.gelu", "torch.nn.functional.gelu"),
        ("torch.functional.split", "torch.split"),
        ("torch.concatenate", "torch.concat"),
        ("torch.autograd.grad_mode.no_grad", "torch.no_grad"),
        ("torch.optim.adam.Adam", "torch.optim.Adam"),
        ("torch.optim.SGD.zero_grad", "torch.optim.Optimizer.zero_grad"),
    ],
)
def test_lookup_resolves_other_spellings(spelling, canonical):
    entry = lookup(spelling)
    assert entry is not None, spelling
    assert entry.source == canonical


def test_lookup_misses_return_none():
    assert lookup("numpy.concatenate") is None
    assert lookup("torch.nn.NoSuchLayer") is None
    assert lookup("") is None


def test_mint_tier_prefers_mint_and_falls_back_to_nn_ops():
    conv = lookup("torch.nn.Conv2d", tier="mint")
    assert (conv.target, conv.tier, conv.status) == (
        "mindspore.mint.nn.Conv2d",
        "mint",
        "renamed_args",
    )
    assert conv.rename == {"device": ""}
    conv1d = lookup("torch.nn.Conv1d", tier="mint")  # not in the 2.5+ table
    assert (conv1d.target, conv1d.tier) == ("mindspore.nn.Conv1d", "nn_ops")
    assert lookup("torch.cat", tier="mint").target == "mindspore.mint.cat"
    assert "mint" in {e.tier for e in load_api_table("mint").values()}


def test_reverse_lookup_finds_torch_counterparts():
    assert [e.source for e in reverse_lookup("mindspore.nn.Dense")] == ["torch.nn.Linear"]
    assert [e.source for e in reverse_lookup("mindspore.nn.layer.basic.Dense")] == [
        "torch.nn.Linear"
    ]
    cats = reverse_lookup("mindspore.ops.function.array_func.cat")
    assert {"torch.cat", "torch.concat"} <= {e.source for e in cats}
    assert [e.source for e in reverse_lookup("mindspore.common.tensor.Tensor.view")] == [
        "torch.Tensor.view"
    ]
    assert reverse_lookup("mindspore.nn.NoSuchCell") == []
    assert [e.source for e in reverse_lookup("mindspore.mint.nn.Linear", "mint")] == [
        "torch.nn.Linear"
    ]
    assert reverse_lookup("mindspore.mint.nn.Linear") == []


def test_reverse_lookup_orders_by_compatibility():
    entries = reverse_lookup("mindspore.nn.Cell.set_train")
    assert [e.source for e in entries] == ["torch.nn.Module.train", "torch.nn.Module.eval"]
    assert [e.status for e in entries] == ["consistent", "inconsistent"]


def test_canonical_mindspore_names():
    assert canonical_mindspore_name("mindspore.nn.layer.conv.Conv2d") == "mindspore.nn.Conv2d"
    assert canonical_mindspore_name("mindspore.nn.cell.Cell") == "mindspore.nn.Cell"
    assert canonical_mindspore_name("mindspore.common.parameter.Parameter") == "mindspore.Parameter"
    assert canonical_mindspore_name("mindspore.common.dtype.float32") == "mindspore.float32"
    assert canonical_mindspore_name("mindspore.ops.cat") == "mindspore.ops.cat"


def test_doc_urls():
    base = "https://www.mindspore.cn/docs/en/"
    assert doc_url(lookup("torch.nn.Conv2d")) == (
        base + "r2.4.10/note/api_mapping/pytorch_diff/Conv2d.html"
    )
    assert doc_url(lookup("torch.Tensor.view")) == (
        base + "r2.10.0/api_python/mindspore/Tensor/mindspore.Tensor.view.html"
    )
    assert (
        doc_url(lookup("torch.nn.ReLU6")) == base + "r2.10.0/api_python/nn/mindspore.nn.ReLU6.html"
    )
    assert doc_url(lookup("torch.cat", "mint")) == (
        base + "r2.10.0/api_python/mint/mindspore.mint.cat.html"
    )
    assert doc_url(lookup("torch.nn.Module.train")) == (
        base + "r2.10.0/api_python/nn/mindspore.nn.Cell.html#mindspore.nn.Cell.set_train"
    )
    assert doc_url(lookup("torch.float32")).endswith("/api_python/mindspore/mindspore.dtype.html")
    assert doc_url(lookup("torch.Tensor.cuda")) is None  # no target, no page


def test_importing_the_package_stays_light():
    code = (
        "import sys, mindconverter.mappings as m; m.lookup('torch.cat'); m.load_onnx_ops(); "
        "heavy = [k for k in ('mindspore', 'torch', 'onnx', 'numpy') if k in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
