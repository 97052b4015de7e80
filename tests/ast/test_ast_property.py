"""Property tests: arbitrary sources never make the converter raise, and output always parses.

The only exception allowed is ``ConverterError(PYTHON_SYNTAX)`` for input that is not valid
Python; any other exception, or converted code that does not parse, fails.
"""

from __future__ import annotations

import ast
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mindconverter.converter.ast import convert_source
from mindconverter.converter.errors import ConverterError, ErrorCode

from tests.ast.ast_helpers import MODELS

SETTINGS = settings(
    print_blob=True,
    max_examples=int(os.environ.get("AST_FUZZ_EXAMPLES", "150")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

IMPORTS = [
    "import torch",
    "import torch.nn as nn",
    "import torch.nn.functional as F",
    "from torch import nn",
    "from torch.nn import Conv2d, Linear as L",
    "import torch as T",
    "from torch.nn import *",
    "import numpy as np",
    "import os",
    "from . import sibling",
]
NAMES = ["x", "y", "self", "nn", "F", "torch", "T", "ops", "ms", "L", "Conv2d", "np", "model"]
CALLEES = [
    "torch.cat",
    "torch.zeros",
    "torch.flatten",
    "nn.Conv2d",
    "nn.Linear",
    "nn.BatchNorm2d",
    "nn.LayerNorm",
    "nn.MaxPool2d",
    "F.relu",
    "F.interpolate",
    "F.dropout",
    "torch.no_grad",
    "nn.init.normal_",
    "torch.save",
    "torch.nn.Sequential",
    "T.randn",
    "L",
    "Conv2d",
    "x.view",
    "x.size",
    "x.transpose",
    "x.to",
    "x.repeat",
    "model.eval",
    "model.parameters",
    "self.register_buffer",
    "self.forward",
    "super().__init__",
    "torch.optim.Adam",
    "torch.frobnicate",
    "np.zeros",
    "print",
]
ARG_VALUES = [
    "1",
    "-1",
    "2.5",
    "'same'",
    "'zeros'",
    "None",
    "True",
    "x",
    "(1, 2)",
    "[1, 2]",
    "x.shape[0]",
    "*args",
    "**kw",
    "lambda: 0",
    "f'{x}'",
    "torch.float32",
    "(3,)",
]
KEYWORDS = [
    "dim",
    "padding",
    "bias",
    "momentum",
    "eps",
    "inplace",
    "p",
    "training",
    "scale_factor",
    "out",
    "dtype",
    "device",
    "betas",
    "padding_mode",
    "stride",
]


@st.composite
def calls(draw: st.DrawFn) -> str:
    callee = draw(st.sampled_from(CALLEES))
    args = draw(st.lists(st.sampled_from(ARG_VALUES), max_size=4))
    args = [a for a in args if not a.startswith("*")] + [a for a in args if a.startswith("*")]
    if any(a.startswith("**") for a in args):
        args = [a for a in args if not a.startswith("*") or a.startswith("**")]
    keywords = draw(st.lists(st.sampled_from(KEYWORDS), max_size=3, unique=True))
    kw = [f"{k}={draw(st.sampled_from(ARG_VALUES[:11]))}" for k in keywords]
    positional = [a for a in args if not a.startswith("**")]
    stars = [a for a in args if a.startswith("**")]
    return f"{callee}({', '.join(positional + kw + stars)})"


BASES = ["nn.Module", "object", "nn.Sequential", "T.nn.ModuleList"]
METHODS = ["view", "size", "shape", "cuda", "forward"]


@st.composite
def statements(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 8))
    call, other, last = draw(calls()), draw(calls()), draw(calls())
    name = draw(st.sampled_from([*NAMES[:2], "z", "out", "layer"]))
    number = draw(st.integers(0, 9))
    templates = [
        f"{name} = {call}",
        f"with {call}:\n    {name} = {other}",
        f"@{call}\ndef fn_{number}(x, *args, **kw):\n    return {other}",
        f"class C{number}({draw(st.sampled_from(BASES))}):\n"
        f"    def forward(self, x, *args, **kw):\n        {name} = {call}\n        return {name}",
        f"{name} = [{call} for x in range(2) if {other}]",
        f"if {call}:\n    pass\nelif {other}:\n    {name} = 1\nelse:\n    {name} = {last}",
        f"{name} = {call}.{draw(st.sampled_from(METHODS))}(1)",
        f"try:\n    {name} = {call}\nexcept Exception:\n    {name} = None",
        f"{call}; {name} = {other}  # comment",
    ]
    return templates[kind]


@st.composite
def programs(draw: st.DrawFn) -> str:
    imports = draw(st.lists(st.sampled_from(IMPORTS), max_size=4))
    body = draw(st.lists(statements(), min_size=1, max_size=6))
    return "\n".join(imports + body) + "\n"


def check(source: str) -> None:
    try:
        result = convert_source(source)
    except ConverterError as exc:
        assert exc.code is ErrorCode.PYTHON_SYNTAX
        try:
            ast.parse(source)
        except (SyntaxError, ValueError):
            return
        raise AssertionError("valid Python was rejected") from exc
    ast.parse(result.code)
    assert not [i for i in result.issues if i.code == "MC-A015"], result.issues


@SETTINGS
@given(programs())
def test_generated_torch_programs(source: str) -> None:
    try:
        ast.parse(source)
    except SyntaxError:
        return  # the generator's rare invalid combinations are covered by the text test
    check(source)


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text(source: str) -> None:
    check(source)


MODEL_SOURCES = [path.read_text() for path in sorted(MODELS.glob("*.py"))]


@SETTINGS
@given(st.sampled_from(MODEL_SOURCES), st.data())
def test_mutated_model_scripts(source: str, data: st.DataObject) -> None:
    lines = source.splitlines(keepends=True)
    cut = data.draw(st.integers(0, len(lines)))
    drop = data.draw(st.integers(0, 3))
    mutated = "".join(lines[:cut] + lines[cut + drop :])
    position = data.draw(st.integers(0, len(mutated)))
    insert = data.draw(st.sampled_from(["", "(", ")", ":", " ", "\n", "x.", "torch.", "#"]))
    check(mutated[:position] + insert + mutated[position:])
