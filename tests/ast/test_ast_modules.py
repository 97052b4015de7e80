"""nn.Module structure: base classes, forward → construct, containers and their subclasses."""

from __future__ import annotations

from pathlib import Path

from tests.ast.ast_helpers import assert_converts, convert, load_module


def test_module_forward_and_super_init() -> None:
    assert_converts(
        """\
        import torch.nn as nn


        class Net(nn.Module):
            \"\"\"Docstring kept.\"\"\"

            def __init__(self):
                super(Net, self).__init__()
                self.fc = nn.Linear(4, 2, bias=False)  # a layer

            def forward(self, x):
                return self.fc(x)

            def helper(self, x):
                return self.forward(x) + super().forward(x)
        """,
        """\
        from mindspore import nn


        class Net(nn.Cell):
            \"\"\"Docstring kept.\"\"\"

            def __init__(self):
                super(Net, self).__init__()
                self.fc = nn.Dense(4, 2, has_bias=False)  # a layer

            def construct(self, x):
                return self.fc(x)

            def helper(self, x):
                return self.construct(x) + super().construct(x)
        """,
    )


def test_forward_of_non_module_class_is_untouched() -> None:
    source = "class Plain:\n    def forward(self, x):\n        return x\n"
    assert convert(source).code == source


def test_subclass_of_file_local_module_is_a_module() -> None:
    result = convert(
        """\
        from torch import nn

        class Base(nn.Module):
            pass

        class Child(Base):
            def forward(self, x):
                return x
        """
    )
    assert "def construct(self, x):" in result.code


def test_sequential_modulelist_moduledict_subclasses() -> None:
    assert_converts(
        """\
        import torch.nn as nn

        class ConvBNReLU(nn.Sequential):
            def __init__(self, a, b):
                super().__init__(nn.Conv2d(a, b, 1), nn.ReLU(inplace=True))

        class Branches(nn.ModuleList):
            pass

        class Heads(nn.ModuleDict):
            pass
        """,
        """\
        from mindspore import nn

        class ConvBNReLU(nn.SequentialCell):
            def __init__(self, a, b):
                super().__init__(nn.Conv2d(a, b, 1, has_bias=True, pad_mode='valid'), nn.ReLU())

        class Branches(nn.CellList):
            pass

        class Heads(nn.CellDict):
            pass
        """,
    )


def test_add_module_in_sequential_subclass_refreshes_cell_list() -> None:
    result = convert(
        """\
        import torch.nn as nn

        class Transition(nn.Sequential):
            def __init__(self, c):
                super().__init__()
                self.add_module("norm", nn.BatchNorm2d(c))
        """
    )
    assert 'self.insert_child_to_cell("norm", nn.BatchNorm2d(c))\n' in result.code
    assert "self.cell_list = list(self.name_cells().values())" in result.code


def test_module_methods() -> None:
    result = convert(
        """\
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 2)
                self.register_buffer("scale", torch_scale)

        model = Net()
        model.eval()
        model.train()
        params = model.parameters()
        model = model.to(device)
        for m in model.modules():
            pass
        """
    )
    code = result.code
    assert "model.set_train(mode=False)" in code
    assert "model.set_train()" in code
    assert "params = model.trainable_params()" in code
    assert "model = model\n" in code
    assert "for m in [cell for _, cell in model.cells_and_names()]:" in code
    assert 'setattr(self, "scale", ms.Parameter(torch_scale, requires_grad=False))' in code


def test_register_parameter_and_buffer_by_position_and_keyword(tmp_path: Path) -> None:
    """torch names the arguments (name, param) and (name, tensor, persistent)."""
    result = convert(
        """\
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.register_parameter("w", nn.Parameter(torch.ones(3)))
                self.register_parameter(name="v", param=nn.Parameter(torch.ones(2)))
                self.register_buffer(name="b", tensor=torch.zeros(2), persistent=True)
        """
    )
    assert not [i for i in result.issues if i.kind == "unconvert"], result.report_lines
    path = tmp_path / "net_params.py"
    path.write_text(result.code, encoding="utf-8")
    net = load_module(path, "net_params").Net()
    trainable = {p.name: tuple(p.shape) for p in net.trainable_params()}
    assert trainable == {"w": (3,), "v": (2,)}
    assert {p.name for p in net.get_parameters()} == {"w", "v", "b"}


def test_user_defined_method_with_module_method_name_is_kept() -> None:
    result = convert(
        """\
        import torch.nn as nn

        class Net(nn.Module):
            def train(self, flag):
                return flag

            def go(self):
                return self.train(1)
        """
    )
    assert "return self.train(1)" in result.code


def test_parameter_attributes_renamed_by_isinstance_and_layer_attributes() -> None:
    result = convert(
        """\
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.bn = nn.BatchNorm2d(3)
                self.emb = nn.Embedding(4, 2)
                self.bn.weight.data.fill_(1)
                print(self.emb.weight.shape)
                for m in self.modules():
                    if isinstance(m, nn.BatchNorm2d):
                        nn.init.constant_(m.weight, 1)
                        nn.init.zeros_(m.bias)
                    elif isinstance(m, nn.Linear):
                        nn.init.xavier_uniform_(m.weight)
        """
    )
    code = result.code
    assert "self.bn.gamma.data.fill_(1)" in code
    assert "print(self.emb.embedding_table.shape)" in code
    assert (
        "m.gamma.set_data(init.initializer(init.Constant(value=1), m.gamma.shape, m.gamma.dtype))"
        in code
    )
    assert "m.beta.set_data(init.initializer(init.Zero(), m.beta.shape, m.beta.dtype))" in code
    assert (
        "m.weight.set_data(init.initializer(init.XavierUniform(), m.weight.shape, m.weight.dtype))"
        in code
    )
    assert "from mindspore.common import initializer as init" in code
