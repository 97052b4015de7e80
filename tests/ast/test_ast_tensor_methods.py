"""Tensor methods and attributes, and the receiver-kind guess that gates them."""

from __future__ import annotations

import pytest

from tests.ast.ast_helpers import assert_converts, convert

FORWARD = """\
import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x, mask=None):
        y = {expr}
        return y
"""


def in_forward(expr: str) -> str:
    code = convert(FORWARD.format(expr=expr)).code
    line = next(line for line in code.splitlines() if line.strip().startswith("y = "))
    return line.strip()[len("y = ") :]


@pytest.mark.parametrize(
    ("torch_code", "mindspore_code"),
    [
        ("x.size()", "x.shape"),
        ("x.size(1)", "x.shape[1]"),
        ("x.size(dim=-1)", "x.shape[-1]"),
        ("x.view(x.size(0), -1)", "x.view(x.shape[0], -1)"),
        ("x.transpose(1, 2)", "x.swapaxes(1, 2)"),
        ("x.permute(0, 2, 1)", "x.permute(0, 2, 1)"),
        ("x.unsqueeze(1)", "x.unsqueeze(1)"),
        ("x.chunk(2, dim=1)", "x.chunk(2, 1)"),
        ("x.contiguous()", "x.contiguous()"),
        ("x.flatten(1)", "x.flatten(start_dim=1)"),
        ("x.repeat(1, 2)", "x.tile((1, 2))"),
        ("x.expand(2, -1)", "x.broadcast_to(2, -1)"),
        ("x.detach()", "ops.stop_gradient(x)"),
        ("x.clone()", "x.copy()"),
        ("x.cuda()", "x"),
        ("x.to(device)", "x"),
        ("x.to(torch.float16)", "x.astype(ms.float16)"),
        ("x.softmax(dim=-1)", "x.softmax(-1)"),
        ("x.masked_fill(mask == 0, -1e9)", "x.masked_fill(mask == 0, -1e9)"),
        ("x.type_as(mask)", "x.type_as(mask)"),
        ("x.shape[0] + x.ndim", "x.shape[0] + x.ndim"),
        ("x.dtype == torch.float32", "x.dtype == ms.float32"),
        ("x.mean(dim=1, keepdim=True)", "x.mean(1, True)"),
    ],
)
def test_tensor_method(torch_code: str, mindspore_code: str) -> None:
    assert in_forward(torch_code) == mindspore_code


def test_string_and_list_receivers_are_not_tensors() -> None:
    source = """\
        import torch

        def f(path, items):
            parts = "a,b".split(",")
            name = path.split("/")
            items.append(torch.cat([a, b]))
            d = {}
            d.update(x=1)
            return parts, name
        """
    result = convert(source)
    assert '"a,b".split(",")' in result.code
    assert 'path.split("/")' in result.code
    assert "items.append(ops.cat([a, b]))" in result.code
    assert all(not i.source_api.startswith("torch.Tensor.") for i in result.issues)


def test_split_is_converted_on_known_tensors() -> None:
    assert in_forward("x.split(2, dim=1)") == "x.split(2, 1)"


def test_loop_variables_over_module_lists_are_modules() -> None:
    result = convert(
        """\
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

            def forward(self, x):
                outs = [layer(x).transpose(0, 1) for layer in self.layers]
                return outs
        """
    )
    assert "outs = [layer(x).swapaxes(0, 1) for layer in self.layers]" in result.code


def test_chained_methods_convert_inside_out() -> None:
    assert_converts(
        """\
        import torch.nn as nn

        class Net(nn.Module):
            def forward(self, x):
                b, c, h, w = x.size()
                return x.view(b, 2, c // 2, h, w).transpose(1, 2).contiguous().view(b, -1, h, w)
        """,
        """\
        from mindspore import nn

        class Net(nn.Cell):
            def construct(self, x):
                b, c, h, w = x.shape
                return x.view(b, 2, c // 2, h, w).swapaxes(1, 2).contiguous().view(b, -1, h, w)
        """,
    )


def test_method_sites_are_counted() -> None:
    result = convert(FORWARD.format(expr="x.view(-1).size(0)"))
    sites = [i for i in result.issues if i.source_api.startswith("torch.Tensor.")]
    assert {i.code for i in sites} == {"MC-A008"}
    assert result.total == result.converted == len(sites) + 0


def test_comparisons_of_tensors_are_tensors() -> None:
    assert in_forward("(x == 1).transpose(0, 1)") == "(x == 1).swapaxes(0, 1)"


def test_module_methods_on_unknown_receivers() -> None:
    result = convert(
        """\
        import torch

        def run(model, batch):
            model.train()
            model.eval()
            return batch.to("cuda")
        """
    )
    assert "    model.set_train()\n    model.set_train(mode=False)\n    return batch\n" in (
        result.code
    )
