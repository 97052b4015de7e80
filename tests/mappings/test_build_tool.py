"""Pure helpers of tools/build_mappings.py (the tool itself needs /work/shared, CI does not)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "tools" / "build_mappings.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("build_mappings_under_test", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def sig(tool, text):
    return tool.Signature(tool.parse_param_list(text), "inspect")


def test_parse_param_list_handles_markers_defaults_and_annotations(tool):
    params = tool.parse_param_list("input, dim: int = 0, *, out=None, dtype=(1, 2), **kw")
    assert [(p.name, p.default, p.keyword_only) for p in params] == [
        ("input", None, False),
        ("dim", "0", False),
        ("out", "None", True),
        ("dtype", "(1, 2)", True),
        ("**kw", None, False),
    ]
    varargs = tool.parse_param_list("*size, out=None")
    assert varargs[0].var_positional and varargs[1].keyword_only


def test_args_list_and_min_args(tool):
    s = sig(tool, "input, dim=0, *, out=None")
    assert tool.args_list(s) == ["input", "dim", "*", "out"]
    assert tool.min_args(s) == 1
    assert tool.args_list(sig(tool, "*size, dtype=None")) == ["*size", "dtype"]


def test_docstring_signature_picks_the_richest_overload(tool):
    class Fake:
        __doc__ = (
            "max(input) -> Tensor\n\n.. function:: max(input, dim, keepdim=False, *, out=None)"
            " -> (Tensor, LongTensor)\n   :noindex:\n"
        )

    found = tool.docstring_signature(Fake, "max")
    assert [p.name for p in found.params] == ["input", "dim", "keepdim", "out"]


def test_positional_count_stops_at_the_first_mismatch(tool):
    torch_sig = sig(tool, "in_channels, out_channels, kernel_size, stride=1, padding=0")
    ms_sig = sig(
        tool, "in_channels, out_channels, kernel_size, stride=1, pad_mode='same', padding=0"
    )
    entry = {"target": "x", "rename": {}, "unsupported": [], "matcher": None}
    assert tool.positional_count(torch_sig, ms_sig, entry, None, "class") == 4
    renamed = {
        "target": "x",
        "rename": {"dim0": "axis0", "dim1": "axis1"},
        "unsupported": [],
        "matcher": None,
    }
    assert (
        tool.positional_count(
            sig(tool, "input, dim0, dim1"),
            sig(tool, "input, axis0, axis1"),
            renamed,
            None,
            "function",
        )
        == 3
    )


def test_varargs_against_a_sequence_parameter_needs_packing(tool):
    torch_sig, ms_sig = sig(tool, "*size, dtype=None"), sig(tool, "size, dtype=None")
    assert tool.pack_varargs_matcher(torch_sig, ms_sig) == "PackVarargs"
    assert tool.pack_varargs_matcher(torch_sig, sig(tool, "*shape")) is None


def test_auto_defaults_add_only_real_differences(tool):
    torch_sig = sig(tool, "bias=True, momentum=0.1, dim=None, eps=1e-05")
    ms_sig = sig(tool, "has_bias=False, momentum=0.9, axis=-1, eps=1e-05")
    rename = {"bias": "has_bias", "dim": "axis"}
    out = tool.auto_defaults(torch_sig, ms_sig, rename, [], {"momentum": "1-x"})
    assert out == {"has_bias": True}  # 1-0.1 == 0.9; torch None defaults are skipped


def test_status_rules(tool):
    base = {
        "target": "m.x",
        "matcher": None,
        "value_transforms": {},
        "defaults": {},
        "rename": {},
        "verified": True,
    }
    assert tool.status_of(base, None) == "consistent"
    assert tool.status_of({**base, "rename": {"dim": "axis"}}, None) == "renamed_args"
    assert tool.status_of({**base, "defaults": {"a": 1}}, None) == "inconsistent"
    assert tool.status_of({**base, "target": None}, None) == "unsupported"
    assert tool.status_of({**base, "target": None, "matcher": "NoGrad"}, None) == "inconsistent"
