"""Layer constructors and functions: argument mapping through the tables and the matchers."""

from __future__ import annotations

import pytest

from tests.ast.ast_helpers import codes_of, convert

HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def one(expr: str, **kwargs: object) -> str:
    """Convert ``y = <expr>`` and return the converted right-hand side."""
    code = convert(HEADER + f"y = {expr}\n", **kwargs).code
    line = next(line for line in code.splitlines() if line.startswith("y = "))
    return line[len("y = ") :]


@pytest.mark.parametrize(
    ("flag", "usage"), [("False", "'test'"), ("True", "'train'"), ("t", "'train' if t else 'test'")]
)
def test_literal_flag_picks_a_branch_of_the_value_transform(flag: str, usage: str) -> None:
    code = convert(f"import torchvision\ny = torchvision.datasets.MNIST('d', train={flag})\n").code
    assert f"y = ds.MnistDataset('d', usage={usage})" in code.splitlines()


@pytest.mark.parametrize(
    ("torch_code", "mindspore_code"),
    [
        # Conv: padding -> pad_mode, bias default, tuples doubled, 'same'
        ("nn.Conv2d(3, 8, 3)", "nn.Conv2d(3, 8, 3, has_bias=True, pad_mode='valid')"),
        (
            "nn.Conv2d(3, 8, 3, 1, 1, bias=False)",
            "nn.Conv2d(3, 8, 3, 1, has_bias=False, pad_mode='pad', padding=1)",
        ),
        (
            "nn.Conv2d(3, 8, (3, 5), padding=(1, 2))",
            "nn.Conv2d(3, 8, (3, 5), has_bias=True, pad_mode='pad', padding=(1, 1, 2, 2))",
        ),
        (
            "nn.Conv2d(3, 8, 3, padding='same')",
            "nn.Conv2d(3, 8, 3, has_bias=True, pad_mode='same')",
        ),
        (
            "nn.Conv2d(8, 8, 3, groups=8, padding_mode='zeros')",
            "nn.Conv2d(8, 8, 3, group=8, has_bias=True, pad_mode='valid')",
        ),
        ("nn.Conv1d(1, 4, 5, stride=2)", "nn.Conv1d(1, 4, 5, 2, has_bias=True, pad_mode='valid')"),
        # BatchNorm: momentum 1 - m, folded or not
        ("nn.BatchNorm2d(8, momentum=0.1)", "nn.BatchNorm2d(8, momentum=0.9)"),
        ("nn.BatchNorm1d(8, eps=1e-3, momentum=m)", "nn.BatchNorm1d(8, 1e-3, 1-m)"),
        ("nn.BatchNorm1d(8, momentum=a + b)", "nn.BatchNorm1d(8, momentum=1-(a + b))"),
        ("nn.BatchNorm2d(1, 1, 2.5)", "nn.BatchNorm2d(1, 1, -1.5)"),  # no negative literal
        ("nn.BatchNorm2d(1, momentum=1e400)", "nn.BatchNorm2d(1, momentum=1-1e400)"),
        (
            "nn.BatchNorm2d(8, track_running_stats=False)",
            "nn.BatchNorm2d(8, use_batch_statistics=True)",
        ),
        # Linear -> Dense
        ("nn.Linear(4, 2, bias=False)", "nn.Dense(4, 2, has_bias=False)"),
        ("nn.Linear(in_features=4, out_features=2)", "nn.Dense(4, 2)"),
        # pooling: stride defaults to the kernel
        ("nn.MaxPool2d(2)", "nn.MaxPool2d(2, pad_mode='pad', stride=2)"),
        (
            "nn.MaxPool2d(3, 2, 1, ceil_mode=True)",
            "nn.MaxPool2d(3, padding=1, ceil_mode=True, pad_mode='pad', stride=2)",
        ),
        ("nn.AvgPool2d(kernel_size=2, stride=None)", "nn.AvgPool2d(2, pad_mode='pad', stride=2)"),
        ("F.avg_pool2d(x, 3)", "ops.avg_pool2d(x, 3, stride=3)"),
        ("F.max_pool2d(x, 2, 2, 0, 1, True)", "ops.max_pool2d(x, 2, 2, 0, 1, ceil_mode=True)"),
        # LayerNorm: tuple shape, epsilon default
        ("nn.LayerNorm(16)", "nn.LayerNorm((16,), epsilon=1e-05)"),
        ("nn.LayerNorm([16], eps=1e-6)", "nn.LayerNorm((16,), epsilon=1e-6)"),
        # Dropout: p by keyword; F.dropout
        ("nn.Dropout(0.3)", "nn.Dropout(p=0.3)"),
        ("F.dropout(x, 0.2, training=self.training)", "ops.dropout(x, 0.2, self.training)"),
        # activations
        ("nn.ReLU(inplace=True)", "nn.ReLU()"),
        ("nn.GELU()", "nn.GELU(approximate=False)"),
        ("nn.GELU(approximate='tanh')", "nn.GELU(True)"),
        ("nn.LeakyReLU(0.2)", "nn.LeakyReLU(0.2)"),
        ("nn.Softmax(dim=1)", "nn.Softmax(1)"),
        ("F.softmax(x, dim=-1)", "ops.softmax(x, -1)"),
        # embedding, recurrent
        ("nn.Embedding(10, 4, padding_idx=0)", "nn.Embedding(10, 4, padding_idx=0)"),
        (
            "nn.LSTM(8, 16, 2, batch_first=True, bidirectional=True)",
            "nn.LSTM(8, 16, 2, batch_first=True, bidirectional=True)",
        ),
        ("nn.GRU(8, 16, bias=False)", "nn.GRU(8, 16, has_bias=False)"),
        # resizing
        (
            "nn.Upsample(scale_factor=2, mode='nearest')",
            "nn.Upsample(scale_factor=2.0, mode='nearest', recompute_scale_factor=True)",
        ),
        (
            "F.interpolate(x, size=(4, 4), mode='bilinear', align_corners=False)",
            "ops.interpolate(x, (4, 4), mode='bilinear', align_corners=False)",
        ),
        # adaptive pooling (the original's documented gap)
        ("nn.AdaptiveAvgPool2d((1, 1))", "nn.AdaptiveAvgPool2d((1, 1))"),
        ("nn.AdaptiveMaxPool2d(1)", "nn.AdaptiveMaxPool2d(1)"),
        ("F.adaptive_avg_pool2d(x, 1)", "ops.adaptive_avg_pool2d(x, 1)"),
        ("F.adaptive_max_pool2d(x, (2, 2))", "ops.adaptive_max_pool2d(x, (2, 2))"),
        # torch functions
        ("torch.cat((a, b), dim=1)", "ops.cat((a, b), 1)"),
        ("torch.flatten(x, 1)", "ops.flatten(x, start_dim=1)"),
        ("torch.flatten(x)", "ops.flatten(x, start_dim=0)"),
        ("torch.unsqueeze(x, 0)", "ops.unsqueeze(x, 0)"),
        ("torch.chunk(x, 2, dim=1)", "ops.chunk(x, 2, 1)"),
        ("torch.transpose(x, 1, 2)", "ops.swapaxes(x, 1, 2)"),
        ("torch.zeros(2, 3, dtype=torch.float32)", "ops.zeros((2, 3), dtype=ms.float32)"),
        ("torch.zeros(shape)", "ops.zeros(shape)"),
        ("torch.randn(2, 3)", "ops.randn(2, 3)"),
        ("torch.matmul(a, b)", "ops.matmul(a, b)"),
        ("torch.tensor([1, 2], dtype=torch.long)", "ms.tensor([1, 2], dtype=ms.int64)"),
        # norms: torch computes numeric p (and 'fro') as a vector norm over dim
        ("torch.norm(x)", "ops.vector_norm(x)"),
        ("torch.norm(x, dim=1)", "ops.vector_norm(x, axis=1)"),
        (
            "torch.norm(x, p=2, dim=-1, keepdim=True)",
            "ops.vector_norm(x, 2, axis=-1, keepdims=True)",
        ),
        ("torch.norm(x, 'fro', [0, 1])", "ops.vector_norm(x, axis=(0, 1))"),
        ("torch.norm(x, float('inf'), 1)", "ops.vector_norm(x, float('inf'), axis=1)"),
        (
            "torch.norm(x, 2, 1, dtype=torch.float64)",
            "ops.vector_norm(x, 2, axis=1, dtype=ms.float64)",
        ),
        ("x.norm(2, dim=1)", "ops.vector_norm(x, 2, axis=1)"),
        ("x.norm(p=1, dim=[1])", "ops.vector_norm(x, 1, axis=(1,))"),
        ("torch.linalg.vector_norm(x, ord=3, dim=(0, 1))", "ops.vector_norm(x, 3, axis=(0, 1))"),
        ("F.normalize(x)", "ops.L2Normalize(axis=1, epsilon=1e-24)(x)"),
        ("F.normalize(x, p=2, dim=-1, eps=1e-6)", "ops.L2Normalize(axis=-1, epsilon=1e-12)(x)"),
        ("F.normalize(x, dim=(1,), eps=e)", "ops.L2Normalize(axis=1, epsilon=e ** 2)(x)"),
        # closeness: torch returns a Python bool
        ("torch.allclose(a, b)", "bool(ops.isclose(a, b).all())"),
        ("torch.allclose(a, b, atol=1e-5)", "bool(ops.isclose(a, b, atol=1e-5).all())"),
        ("a.allclose(b, 1e-3)", "bool(ops.isclose(a, b, 1e-3).all())"),
        ("torch.equal(a, self.b)", "a.shape == self.b.shape and bool(ops.equal(a, self.b).all())"),
        # variance: torch's unbiased default is passed (MindSpore's ddof defaults to 0)
        ("torch.var(x, 1)", "ops.var(x, 1, ddof=1)"),
        ("torch.std(x, dim=0, unbiased=False)", "ops.std(x, 0, ddof=False)"),
        ("torch.std(x, correction=0)", "ops.std(x, ddof=0)"),
        ("torch.tensordot(a, b)", "ops.tensor_dot(a, b, axes=2)"),
        ("torch.clamp_max(x, 1)", "ops.clamp(x, max=1)"),
        ("torch.empty(2, 3)", "ops.zeros((2, 3))"),
        # attention: torch's reference definition as one expression
        (
            "F.scaled_dot_product_attention(q, k, v)",
            "ops.matmul(ops.softmax(ops.matmul(q, k.swapaxes(-2, -1)) * q.shape[-1] ** -0.5, -1), "
            "v)",
        ),
        (
            "F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=s)",
            "ops.matmul(ops.softmax(ops.matmul(q, k.swapaxes(-2, -1)) * s + ops.triu(ops.full("
            "(q.shape[-2], k.shape[-2]), float('-inf'), dtype=q.dtype), 1), -1), v)",
        ),
        (
            "F.scaled_dot_product_attention(self.q(x), k, v, None, p, scale=0.1)",
            "ops.matmul(ops.dropout(ops.softmax(ops.matmul(self.q(x), k.swapaxes(-2, -1)) * 0.1, "
            "-1), p), v)",
        ),
        # alpha, new_* sizes, pad_sequence, 1-d max pooling
        ("torch.add(a, b, alpha=2)", "ops.add(a, 2 * b)"),
        ("torch.add(a, b + 1, alpha=-s)", "ops.add(a, (-s) * (b + 1))"),
        ("torch.add(a, b, alpha=1)", "ops.add(a, b)"),
        ("x.new_ones(2, 3)", "x.new_ones((2, 3))"),
        ("x.new_zeros(n, dtype=torch.int32)", "x.new_zeros(n, dtype=ms.int32)"),
        ("x.new_empty(2, 3, device=x.device)", "x.new_zeros((2, 3))"),
        ("x.new_full((2, 3), 1.5)", "ops.full((2, 3), 1.5, dtype=x.dtype)"),
        (
            "nn.utils.rnn.pad_sequence(seqs, batch_first=True)",
            "ops.stack([ops.pad(_seq, (0, 0) * (_seq.ndim - 1) + (0, _n - _seq.shape[0])) "
            "for _n in [max(_t.shape[0] for _t in seqs)] for _seq in seqs], 0)",
        ),
        (
            "F.max_pool1d(x, 3, 2, 1)",
            "ops.max_pool2d(x.unsqueeze(-2), (1, 3), (1, 2), (0, 1), 1).squeeze(-2)",
        ),
        ("torch.nanmean(x, dim=1)", "ops.nanmean(x, 1)"),
        ("torch.aminmax(x)", "ops.aminmax(x, axis=None)"),  # MindSpore's axis defaults to 0
        ("x.aminmax(dim=1)", "x.aminmax(axis=1)"),
        # instance norm without running statistics: over axes 2.., biased variance
        (
            "F.instance_norm(x)",
            "(x - ops.mean(x, tuple(range(2, x.ndim)), True)) / ops.sqrt(ops.var(x, tuple(range("
            "2, x.ndim)), keepdims=True) + 1e-05)",
        ),
        (
            "F.instance_norm(x, None, None, w * 2, self.b, True, 0.1, 1e-3)",
            "(x - ops.mean(x, tuple(range(2, x.ndim)), True)) / ops.sqrt(ops.var(x, tuple(range("
            "2, x.ndim)), keepdims=True) + 1e-3) * (w * 2).reshape((-1,) + (1,) * (x.ndim - 2)) "
            "+ (0 if self.b is None else self.b.reshape((-1,) + (1,) * (x.ndim - 2)))",
        ),
        # take_along_dim: numpy's take_along_axis broadcasts like torch
        ("torch.take_along_dim(x, i, 1)", "ms.numpy.take_along_axis(x, i, 1)"),
        ("x.take_along_dim(i)", "ms.numpy.take_along_axis(x, i.reshape(-1), None)"),
        # index_add: out of place, repeated indices accumulate
        (
            "x.index_add(0, i, s)",
            "ops.tensor_scatter_elements(x, i.reshape((-1,) + (1,) * (s.ndim - 1)).broadcast_to("
            "s.shape), s, axis=0, reduction='add')",
        ),
        (
            "torch.index_add(x, -2, i, self.s, alpha=a)",
            "ops.tensor_scatter_elements(x, i.reshape((1,) * (self.s.ndim - 2) + (-1, 1))"
            ".broadcast_to(self.s.shape), a * self.s, axis=-2, reduction='add')",
        ),
        # modules whose MindSpore namesakes are metrics; pairwise distance; ParameterList
        ("nn.CosineSimilarity()", "ops.cosine_similarity"),
        (
            "nn.CosineSimilarity(dim=-1, eps=1e-6)",
            "functools.partial(ops.cosine_similarity, dim=-1, eps=1e-6)",
        ),
        ("F.pairwise_distance(a, b, 1, keepdim=k)", "ops.vector_norm(a - b + 1e-06, 1, axis=-1, "
         "keepdims=k)"),
        ("nn.ParameterList(params)", "ms.ParameterTuple(params)"),
        # containers
        ("nn.Sequential(nn.ReLU(), nn.Identity())", "nn.SequentialCell(nn.ReLU(), nn.Identity())"),
        ("nn.ModuleList([nn.ReLU()])", "nn.CellList([nn.ReLU()])"),
    ],
)
def test_call_conversion(torch_code: str, mindspore_code: str) -> None:
    assert one(torch_code) == mindspore_code


@pytest.mark.parametrize(
    ("torch_code", "code", "reason"),
    [
        ("nn.Conv2d(3, 8, 3, padding_mode='reflect')", "MC-A003", "padding_mode='zeros'"),
        ("nn.BatchNorm2d(8, momentum=None)", "MC-A003", "momentum=None"),
        ("nn.LayerNorm((4, 4))", "MC-A003", "several axes"),
        ("nn.LayerNorm(4, elementwise_affine=False)", "MC-A003", "elementwise_affine"),
        ("torch.cat([a, b], out=c)", "MC-A003", "'out'"),
        ("nn.Linear(2, 3, 4, 5, 6, 7)", "MC-A003", "more positional"),
        ("torch.frobnicate(x)", "MC-A002", ""),
        ("torch.norm(x, 'nuc')", "MC-A003", "matrix norm"),
        ("torch.norm(x, p)", "MC-A003", "number literal"),
        ("torch.norm(x, out=y)", "MC-A003", "'out'"),
        ("F.normalize(x, p=1)", "MC-A003", "Only p=2"),
        ("F.normalize(x, dim=(0, 1))", "MC-A003", "one axis"),
        ("torch.equal(a + 1, b)", "MC-A003", "used twice"),
        ("torch.var(x, 0, True)", "MC-A003", "more positional"),
        ("F.scaled_dot_product_attention(self.q(x), k, v)", "MC-A003", "query is used more"),
        ("F.scaled_dot_product_attention(q, k, v, m, is_causal=True)", "MC-A003", "torch raises"),
        ("F.scaled_dot_product_attention(q, k, v, is_causal=c)", "MC-A003", "literal"),
        ("F.scaled_dot_product_attention(q, k, v, enable_gqa=True)", "MC-A003", "enable_gqa"),
        ("F.scaled_dot_product_attention(q, k, v, mask + 1)", "MC-A003", "attn_mask is used"),
        ("x.new_ones(2, requires_grad=True)", "MC-A003", "requires_grad"),
        ("nn.utils.rnn.pad_sequence(f(x))", "MC-A003", "read twice"),
        ("nn.utils.rnn.pad_sequence(s, padding_side=side)", "MC-A003", "padding_side"),
        ("F.max_pool1d(x, 2, return_indices=True)", "MC-A003", "return_indices"),
        ("torch.add(a, b, alpha=2, out=c)", "MC-A003", "'out'"),
        ("F.instance_norm(x, rm, rv)", "MC-A003", "Running statistics"),
        ("F.instance_norm(x, use_input_stats=False)", "MC-A003", "use_input_stats"),
        ("F.instance_norm(self.f(x))", "MC-A003", "read several times"),
        ("torch.take_along_dim(x, i, 0, out=y)", "MC-A003", "'out'"),
        ("x.index_add(d, i, s)", "MC-A003", "integer literal"),
        ("x.index_add(0, i, s + 1)", "MC-A003", "source is read twice"),
        ("x.index_add_(0, i, s)", "MC-A003", "x = x.index_add"),
        ("nn.ParameterList()", "MC-A003", "cannot grow"),
        ("nn.ParameterDict({'a': p})", "MC-A003", "setattr(self, key"),
        ("nn.PairwiseDistance()", "MC-A003", "ops.vector_norm(x1 - x2 + eps"),
    ],
)
def test_unconvertible_calls_are_kept_and_reported(torch_code: str, code: str, reason: str) -> None:
    result = convert(HEADER + f"y = {torch_code}\n")
    assert f"y = {torch_code}" in result.code
    site = next(i for i in result.issues if i.code == code)
    assert reason in site.message
    assert site.kind == "unconvert"
    marker = next(line for line in result.code.splitlines() if line.startswith("# TODO"))
    assert "didn't convert" in marker


def test_star_arguments_pass_through_only_when_nothing_is_renamed() -> None:
    assert one("nn.Sequential(*layers)") == "nn.SequentialCell(*layers)"
    assert one("torch.cat(*args)") == "ops.cat(*args)"
    result = convert(HEADER + "y = nn.Conv2d(*args, **kwargs)\n")
    assert ("MC-A003", "torch.nn.Conv2d") in codes_of(result)


def test_mint_tier_targets() -> None:
    assert one("nn.Linear(4, 2)", target="mint") == "mint.nn.Linear(4, 2)"
    assert one("torch.norm(x, 2)", target="mint") == "mint.norm(x, 2)"  # the mint entry wins
    assert one("torch.cat([a, b], dim=1)", target="mint") == "mint.cat([a, b], 1)"
    # names the mint table lacks fall back to nn/ops
    assert one("nn.LSTM(4, 2)", target="mint") == "nn.LSTM(4, 2)"


def test_unknown_target_tier_is_an_argument_error() -> None:
    from mindconverter.converter.ast import convert_source
    from mindconverter.converter.errors import ConverterError, ErrorCode

    with pytest.raises(ConverterError) as info:
        convert_source("x = 1\n", target="tf")
    assert info.value.code is ErrorCode.BAD_ARGUMENT


def test_inplace_and_device_arguments_are_dropped_with_a_note() -> None:
    result = convert(HEADER + "y = F.relu(x, inplace=True)\n")
    assert "y = ops.relu(x)" in result.code
    site = next(i for i in result.issues if i.source_api == "torch.nn.functional.relu")
    assert site.code == "MC-A004"
    assert site.data["dropped"] == ["inplace"]


def test_quick_fix_data_rebuilds_the_call() -> None:
    result = convert(HEADER + "y = nn.Linear(4, 2, bias=False)\n")
    site = next(i for i in result.issues if i.source_api == "torch.nn.Linear")
    assert site.data["replacement"] == "nn.Dense(4, 2, has_bias=False)"
    assert site.data["imports"] == ["from mindspore import nn"]
    assert site.data["rename"]["bias"] == "has_bias"
    assert site.range.start_line == 4 and site.range.start_col == 4
    assert site.range.end_col == len("y = nn.Linear(4, 2, bias=False)")


def test_torch_init_functions() -> None:
    assert one("nn.init.kaiming_normal_(w, mode='fan_out', nonlinearity='relu')") == (
        "w.set_data(init.initializer(init.HeNormal(mode='fan_out', nonlinearity='relu'), "
        "w.shape, w.dtype))"
    )
    assert one("nn.init.normal_(w, std=0.02)") == (
        "w.set_data(init.initializer(init.Normal(sigma=0.02, mean=0.0), w.shape, w.dtype))"
    )
    assert one("nn.init.uniform_(w, -0.1, 0.1)") == (
        "w.set_data(init.initializer(init.Uniform(scale=0.1), w.shape, w.dtype))"
    )
    result = convert(HEADER + "y = nn.init.uniform_(w, 0, 1)\n")
    assert ("MC-A003", "torch.nn.init.uniform_") in codes_of(result)


def test_save_checkpoint() -> None:
    assert one("torch.save(model.state_dict(), 'm.ckpt')") == (
        "ms.save_checkpoint(model, 'm.ckpt')"
    )
    result = convert(HEADER + "y = torch.save({'epoch': 1}, 'x.pt')\n")
    assert ("MC-A003", "torch.save") in codes_of(result)


def test_optimizer_betas_split() -> None:
    assert one("torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.98))") == (
        "nn.Adam(params, 1e-3, beta1=0.9, beta2=0.98)"
    )
    assert one("torch.optim.Adam(params, betas=b)") == ("nn.Adam(params, beta1=b[0], beta2=b[1])")


def test_functional_layer_norm_uses_the_primitive() -> None:
    assert one("F.layer_norm(x, (8,), w, b, 1e-6)") == (
        "ops.LayerNorm(begin_norm_axis=-1, begin_params_axis=-1, epsilon=1e-6)(x, w, b)[0]"
    )


def test_cosine_similarity_module_imports_functools_and_parameter_list_has_a_note() -> None:
    result = convert(HEADER + "cos = nn.CosineSimilarity(0)\nps = nn.ParameterList(p)\n")
    assert "import functools" in result.code.splitlines()
    assert "cos = functools.partial(ops.cosine_similarity, dim=0)" in result.code
    site = next(i for i in result.issues if i.source_api == "torch.nn.ParameterList")
    assert site.code == "MC-A004" and "Parameter$<n>" in site.data["notes"][0]
