"""``args`` agree with the installed torch (2.13) wherever torch exposes a real signature."""

from __future__ import annotations

import importlib
import inspect

import pytest

from tests.mappings.conftest import resolve

COMMON = {
    "torch.nn.Conv2d": [
        "in_channels",
        "out_channels",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "groups",
        "bias",
        "padding_mode",
        "device",
        "dtype",
    ],
    "torch.nn.Linear": ["in_features", "out_features", "bias", "device", "dtype"],
    "torch.cat": ["tensors", "dim", "*", "out"],
    "torch.Tensor.view": ["*shape"],
    "torch.Tensor.transpose": ["dim0", "dim1"],
    "torch.nn.functional.softmax": ["input", "dim", "_stacklevel", "dtype"],
}


@pytest.fixture(scope="module")
def torch_module():
    return importlib.import_module("torch")


def _expected(obj) -> list[str] | None:
    func = obj.__init__ if inspect.isclass(obj) else obj
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return None
    params = [p for p in params if p.name not in ("self", "cls")]
    if not params or all(p.kind.name in ("VAR_POSITIONAL", "VAR_KEYWORD") for p in params):
        return None
    out: list[str] = []
    for p in params:
        kind = p.kind.name
        if kind == "VAR_KEYWORD":
            continue
        if kind == "KEYWORD_ONLY" and "*" not in out and not any(a.startswith("*") for a in out):
            out.append("*")
        out.append("*" + p.name if kind == "VAR_POSITIONAL" else p.name)
    return out


def test_args_follow_the_torch_signatures(torch_module, raw_tables):
    checked, wrong = 0, []
    for tier, table in raw_tables.items():
        for source, entry in table.items():
            if not source.startswith("torch.") or entry["kind"] == "attribute":
                continue
            try:
                obj = resolve(source)
            except LookupError:
                wrong.append((tier, source, "does not resolve in torch"))
                continue
            expected = _expected(obj)
            if expected is None:
                continue
            checked += 1
            if entry["args"] != expected:
                wrong.append((tier, source, entry["args"], expected))
    assert wrong == []
    assert checked > 350  # 377 with torch 2.13; the rest are builtins without signatures


def test_common_signatures_spelled_out(raw_tables):
    for source, args in COMMON.items():
        assert raw_tables["nn_ops"][source]["args"] == args, source
