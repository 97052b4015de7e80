"""Whole models: convert script + random weights, run in MindSpore, compare with PyTorch.

Each model of ``tests/data/ast/models`` is converted with its random-initialised state dict
(``weight_file``); the checkpoint must load strictly and the MindSpore network must reproduce
the PyTorch outputs (rtol 1e-3, atol 1e-4) in PyNative mode, and in graph mode where MindSpore
allows it (the manifest says where it does not, and why).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from mindconverter.converter.ast import convert_path
from mindconverter.converter.ast.report import summarize

from tests.ast.ast_helpers import MODELS, load_module

pytestmark = pytest.mark.numerics
MANIFEST: dict[str, dict[str, Any]] = json.loads((MODELS / "manifest.json").read_text())
CASES = [(name, "pynative") for name in MANIFEST] + [
    (name, "graph") for name, spec in MANIFEST.items() if spec.get("graph", True)
]


@dataclass
class Converted:
    """A model converted once, shared by the PyNative and graph-mode tests."""

    spec: dict[str, Any]
    inputs: list[np.ndarray]
    expected: list[np.ndarray]
    script: Path
    checkpoint: Path
    report: Path


def flatten(value: Any) -> Iterator[Any]:
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from flatten(item)
    else:
        yield value


def make_inputs(spec: dict[str, Any]) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = []
    for item in spec["inputs"]:
        if item.get("dtype") == "int64":
            arrays.append(rng.integers(1, item["high"], item["shape"]).astype(np.int64))
        else:
            arrays.append(rng.standard_normal(item["shape"]).astype(np.float32))
    return arrays


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Converted]:
    torch = pytest.importorskip("torch")
    cache: dict[str, Converted] = {}
    for name, spec in MANIFEST.items():
        torch.manual_seed(0)
        module = load_module(MODELS / f"{name}.py", f"torch_model_{name}")
        net = getattr(module, spec["class"])(**spec["kwargs"]).eval()
        with torch.no_grad():  # random running statistics, so BatchNorm mapping matters
            for key, value in net.state_dict().items():
                if key.endswith("running_mean"):
                    value.copy_(torch.randn_like(value) * 0.1)
                elif key.endswith("running_var"):
                    value.copy_(torch.rand_like(value) + 0.5)
        inputs = make_inputs(spec)
        with torch.no_grad():
            out = net(*[torch.from_numpy(a) for a in inputs])
        work = tmp_path_factory.mktemp(name)
        torch.save(net.state_dict(), work / "weights.pth")
        result = convert_path(
            str(MODELS / f"{name}.py"), str(work / "out"), weight_file=str(work / "weights.pth")
        )
        cache[name] = Converted(
            spec=spec,
            inputs=inputs,
            expected=[t.numpy() for t in flatten(out)],
            script=Path(result.files[0].script),
            checkpoint=Path(result.checkpoint or ""),
            report=Path(result.files[0].report_json),
        )
    return cache


@pytest.mark.parametrize(("name", "mode"), CASES)
def test_model_matches_pytorch(converted: dict[str, Converted], name: str, mode: str) -> None:
    ms = pytest.importorskip("mindspore")
    case = converted[name]
    ms.set_context(mode=ms.GRAPH_MODE if mode == "graph" else ms.PYNATIVE_MODE)
    try:
        module = load_module(case.script, f"ms_model_{name}_{mode}")
        net = getattr(module, case.spec["class"])(**case.spec["kwargs"])
        not_loaded, unused = ms.load_param_into_net(net, ms.load_checkpoint(str(case.checkpoint)))
        assert not not_loaded and not unused, (not_loaded, unused)
        net.set_train(False)
        got = [o.asnumpy() for o in flatten(net(*[ms.Tensor(a) for a in case.inputs]))]
    finally:
        ms.set_context(mode=ms.PYNATIVE_MODE)
    assert len(got) == len(case.expected)
    for actual, expected in zip(got, case.expected, strict=True):
        assert actual.shape == expected.shape
        np.testing.assert_allclose(actual, expected, rtol=1e-3, atol=1e-4)


def test_conversion_rate_over_the_models(converted: dict[str, Converted]) -> None:
    """The tool's own JSON reports: every torch call site of the test models is converted."""
    done, total = summarize([str(case.report) for case in converted.values()])
    assert total > 250
    assert done == total, f"{done}/{total}"
