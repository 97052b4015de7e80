"""Imports and the dotted name under the cursor (stdlib ast)."""

from __future__ import annotations

import ast

from mindconverter.server.names import import_map, name_at, qualify

SOURCE = """import torch
import torch.nn as nn
from torch.nn import functional as F
from . import local
import os.path

def f(x):
    from mindspore import ops
    return F.relu(nn.Linear(2, 2)(x)) + ops.abs(x)
"""


def test_import_map_binds_like_python() -> None:
    names = import_map(ast.parse(SOURCE))
    assert names == {
        "torch": "torch",
        "nn": "torch.nn",
        "F": "torch.nn.functional",
        "os": "os",
        "ops": "mindspore.ops",
    }


def test_name_at_cursor_segments() -> None:
    tree = ast.parse(SOURCE)
    line = SOURCE.splitlines()[8]
    on_linear = name_at(tree, 9, line.index("Linear") + 2)
    assert on_linear.parts == ["nn", "Linear"] and on_linear.full == ["nn", "Linear"]
    on_nn = name_at(tree, 9, line.index("nn."))
    assert on_nn.parts == ["nn"] and on_nn.full == ["nn", "Linear"]
    imports = import_map(tree)
    assert qualify(on_linear.parts, imports) == "torch.nn.Linear"
    assert qualify(["x"], imports) is None
    assert name_at(tree, 9, line.index("(2, 2)") + 1) is None
