"""Hand-checked nn_ops entries for the common model-building APIs (MindSpore 2.10)."""

from __future__ import annotations

import pytest
from mindconverter.mappings import lookup


def entry(api: str):
    found = lookup(api)
    assert found is not None, api
    return found


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_conv_layers(dim):
    conv = entry(f"torch.nn.Conv{dim}d")
    assert conv.target == f"mindspore.nn.Conv{dim}d"
    assert conv.rename["bias"] == "has_bias" and conv.rename["groups"] == "group"
    assert conv.defaults == {"has_bias": True, "pad_mode": "pad"}
    assert conv.matcher == "ConvPadding" and "padding_mode" in conv.unsupported
    assert conv.positional == 4  # stride is the last shared position; MindSpore then has pad_mode
    assert conv.status == "inconsistent"


def test_linear_is_dense():
    dense = entry("torch.nn.Linear")
    assert dense.target == "mindspore.nn.Dense" and dense.status == "renamed_args"
    assert dict(dense.rename) == {
        "in_features": "in_channels",
        "out_features": "out_channels",
        "bias": "has_bias",
        "device": "",
    }
    assert dense.positional == 2 and dense.min_args == 2


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_batch_norm(dim):
    bn = entry(f"torch.nn.BatchNorm{dim}d")
    assert bn.target == f"mindspore.nn.BatchNorm{dim}d"
    assert bn.value_transforms == {"momentum": "1-x", "track_running_stats": "None if x else True"}
    assert bn.rename["track_running_stats"] == "use_batch_statistics"
    assert "eps" not in bn.rename and "affine" not in bn.rename
    assert bn.defaults == {}  # transformed torch defaults equal MindSpore's (0.9, None)
    assert bn.matcher == "BatchNormMomentum"


def test_layer_norm():
    ln = entry("torch.nn.LayerNorm")
    assert ln.target == "mindspore.nn.LayerNorm" and ln.matcher == "LayerNormShape"
    assert ln.rename["eps"] == "epsilon" and ln.defaults == {"epsilon": 1e-05}
    assert "elementwise_affine" in ln.unsupported
    functional = entry("torch.nn.functional.layer_norm")
    assert (functional.target, functional.matcher) == (
        "mindspore.ops.LayerNorm",
        "FunctionalLayerNorm",
    )


def test_dropout_takes_p_by_keyword():
    drop = entry("torch.nn.Dropout")
    assert drop.target == "mindspore.nn.Dropout"
    assert "p" not in drop.rename and drop.rename["inplace"] == ""
    assert drop.positional == 0  # MindSpore's first positional parameter is keep_prob
    f_drop = entry("torch.nn.functional.dropout")
    assert f_drop.target == "mindspore.ops.dropout" and f_drop.positional == 3


@pytest.mark.parametrize(
    ("api", "target"),
    [
        ("torch.nn.ReLU", "mindspore.nn.ReLU"),
        ("torch.nn.ReLU6", "mindspore.nn.ReLU6"),
        ("torch.nn.Sigmoid", "mindspore.nn.Sigmoid"),
        ("torch.nn.Tanh", "mindspore.nn.Tanh"),
        ("torch.nn.Flatten", "mindspore.nn.Flatten"),
        ("torch.nn.AdaptiveAvgPool2d", "mindspore.nn.AdaptiveAvgPool2d"),
        ("torch.nn.AdaptiveMaxPool2d", "mindspore.nn.AdaptiveMaxPool2d"),
        ("torch.nn.Sequential", "mindspore.nn.SequentialCell"),
        ("torch.nn.ModuleList", "mindspore.nn.CellList"),
        ("torch.nn.ModuleDict", "mindspore.nn.CellDict"),
        ("torch.nn.Module", "mindspore.nn.Cell"),
        ("torch.nn.Identity", "mindspore.nn.Identity"),
        ("torch.matmul", "mindspore.ops.matmul"),
        ("torch.reshape", "mindspore.ops.reshape"),
        ("torch.nn.functional.relu", "mindspore.ops.relu"),
        ("torch.nn.functional.gelu", "mindspore.ops.gelu"),
        ("torch.nn.functional.adaptive_avg_pool2d", "mindspore.ops.adaptive_avg_pool2d"),
        ("torch.Tensor.view", "mindspore.Tensor.view"),
        ("torch.Tensor.reshape", "mindspore.Tensor.reshape"),
        ("torch.Tensor.permute", "mindspore.Tensor.permute"),
        ("torch.Tensor.flatten", "mindspore.Tensor.flatten"),
        ("torch.Tensor.unsqueeze", "mindspore.Tensor.unsqueeze"),
        ("torch.Tensor.chunk", "mindspore.Tensor.chunk"),
        ("torch.Tensor.masked_fill", "mindspore.Tensor.masked_fill"),
        ("torch.Tensor.mean", "mindspore.Tensor.mean"),
        ("torch.Tensor.sum", "mindspore.Tensor.sum"),
    ],
)
def test_consistent_or_drop_only(api, target):
    found = entry(api)
    assert found.target == target
    assert all(v == "" for v in found.rename.values()), found.rename
    assert found.status in ("consistent", "renamed_args")


@pytest.mark.parametrize(
    ("api", "target", "rename"),
    [
        ("torch.nn.Softmax", "mindspore.nn.Softmax", {"dim": "axis"}),
        ("torch.cat", "mindspore.ops.cat", {"dim": "axis"}),
        ("torch.concat", "mindspore.ops.cat", {"dim": "axis"}),
        ("torch.softmax", "mindspore.ops.softmax", {"dim": "axis"}),
        (
            "torch.nn.functional.softmax",
            "mindspore.ops.softmax",
            {"dim": "axis", "_stacklevel": ""},
        ),
        ("torch.transpose", "mindspore.ops.swapaxes", {"dim0": "axis0", "dim1": "axis1"}),
        ("torch.Tensor.transpose", "mindspore.Tensor.swapaxes", {"dim0": "axis0", "dim1": "axis1"}),
        ("torch.nn.functional.max_pool2d", "mindspore.ops.max_pool2d", {"input": "x"}),
        (
            "torch.nn.Embedding",
            "mindspore.nn.Embedding",
            {"num_embeddings": "vocab_size", "embedding_dim": "embedding_size", "device": ""},
        ),
        ("torch.Tensor.type_as", "mindspore.Tensor.type_as", {"tensor": "other"}),
    ],
)
def test_renamed_arguments(api, target, rename):
    found = entry(api)
    assert found.target == target
    assert dict(found.rename) == rename


@pytest.mark.parametrize("name", ["LSTM", "GRU", "RNN"])
def test_recurrent_layers(name):
    rnn = entry(f"torch.nn.{name}")
    assert rnn.target == f"mindspore.nn.{name}"
    assert rnn.rename["bias"] == "has_bias"
    assert rnn.args[:2] == ("input_size", "hidden_size")
    assert rnn.positional >= 7


def test_pooling_needs_stride_and_pad_mode():
    for api in ("torch.nn.MaxPool2d", "torch.nn.AvgPool2d"):
        pool = entry(api)
        assert pool.matcher == "Pooling" and pool.defaults == {"pad_mode": "pad"}
    assert entry("torch.nn.functional.avg_pool2d").matcher == "Pooling"


def test_flatten_keeps_torch_start_dim():
    flat = entry("torch.flatten")
    assert flat.target == "mindspore.ops.flatten"
    assert flat.defaults == {"start_dim": 0}  # MindSpore defaults to 1
    assert flat.positional == 1  # start_dim is keyword-only in MindSpore


def test_gelu_layer_approximate():
    gelu = entry("torch.nn.GELU")
    assert gelu.value_transforms == {"approximate": "x == 'tanh'"}
    assert gelu.defaults == {"approximate": False}


def test_interpolation_and_upsample():
    for api in ("torch.nn.Upsample", "torch.nn.functional.interpolate"):
        assert entry(api).matcher == "InterpolateScale"
    assert "antialias" in entry("torch.nn.functional.interpolate").unsupported


def test_tensor_methods_with_special_handling():
    size = entry("torch.Tensor.size")
    assert (size.target, size.matcher, size.kind) == (
        "mindspore.Tensor.shape",
        "TensorSize",
        "tensor_method",
    )
    squeeze = entry("torch.Tensor.squeeze")
    assert squeeze.positional == 1 and not squeeze.rename  # MindSpore: squeeze(*axis)
    assert entry("torch.Tensor.contiguous").rename == {"memory_format": ""}
    assert entry("torch.Tensor.float").target == "mindspore.Tensor.float"
    assert entry("torch.Tensor.long").target == "mindspore.Tensor.long"
    assert entry("torch.Tensor.to").matcher == "TensorTo"
    assert (
        entry("torch.Tensor.cuda").matcher == "DeviceNoOp"
        and entry("torch.Tensor.cuda").target is None
    )
    detach = entry("torch.Tensor.detach")
    assert detach.target == "mindspore.ops.stop_gradient"  # receiver becomes the argument


def test_varargs_and_attributes():
    zeros = entry("torch.zeros")
    assert zeros.args[0] == "*size" and zeros.matcher == "PackVarargs"
    assert zeros.rename["device"] == "" and "out" in zeros.unsupported
    shape = entry("torch.Tensor.shape")
    assert (shape.kind, shape.target, shape.args) == ("attribute", "mindspore.Tensor.shape", ())
    assert entry("torch.float32").target == "mindspore.float32"
    assert entry("torch.long").target == "mindspore.int64"


def test_training_pieces():
    sgd = entry("torch.optim.SGD")
    assert sgd.rename["lr"] == "learning_rate" and sgd.defaults == {"learning_rate": 0.001}
    assert entry("torch.optim.Adam").matcher == "OptimizerBetas"
    assert entry("torch.nn.Module.eval").defaults == {"mode": False}
    assert entry("torch.nn.Module.parameters").target == "mindspore.nn.Cell.trainable_params"
    assert entry("torch.Tensor.backward").matcher == "TrainingLoop"
    assert entry("torch.no_grad").matcher == "NoGrad"
    loader = entry("torch.utils.data.DataLoader")
    assert (loader.target, loader.matcher) == ("mindspore.dataset.GeneratorDataset", "DataLoader")
    assert (
        entry("torch.optim.lr_scheduler.ExponentialLR").target == "mindspore.nn.ExponentialDecayLR"
    )


def test_unsupported_entries_say_why():
    multilabel = entry("torch.nn.MultiLabelMarginLoss")
    assert multilabel.status == "unsupported" and multilabel.target is None
    assert "mindspore.ops.multilabel_margin_loss" in multilabel.notes
    assert "MindSpore 2.10 does not provide" in multilabel.notes
