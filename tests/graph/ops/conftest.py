"""Shared helpers for per-op tests: build one-node models, compare with onnxruntime."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.backend import MindSporeBackend
from mindconverter.converter.graph.verify import compare, run_onnxruntime
from onnx import helper


def single_node_model(
    op_type: str,
    inputs: Sequence[tuple[str, np.ndarray]],
    n_outputs: int = 1,
    opset: int = 17,
    initializers: Sequence[tuple[str, np.ndarray]] = (),
    **attrs: Any,
) -> onnx.ModelProto:
    """A model with one node; ``inputs`` are runtime inputs, ``initializers`` constants."""
    in_names = [n for n, _ in inputs] + [n for n, _ in initializers]
    outs = [f"y{i}" for i in range(n_outputs)]
    node = helper.make_node(op_type, in_names, outs, **attrs)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in inputs],
        [helper.make_tensor_value_info(o, onnx.TensorProto.UNDEFINED, None) for o in outs],
        [onnx.numpy_helper.from_array(a, n) for n, a in initializers],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def assert_matches_ort(
    model: onnx.ModelProto, inputs: Sequence[np.ndarray],
    modes: Sequence[str] = ("pynative",), rtol: float = 1e-4, atol: float = 1e-5,
) -> str:
    """Run ``model`` through the generated MindSpore network and onnxruntime; compare.

    Returns the generated script source (for readability assertions).
    """
    names = [i.name for i in model.graph.input
             if i.name not in {t.name for t in model.graph.initializer}]
    expected = run_onnxruntime(model, names, list(inputs))
    source = ""
    for mode in modes:
        rep = MindSporeBackend.prepare(model, "CPU", mode=mode)
        actual = rep.run(list(inputs))
        source = rep.script_source or ""
        assert len(actual) == len(expected), source
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert a.dtype == e.dtype, f"output {i}: dtype {a.dtype} != {e.dtype}\n{source}"
            check = compare(a, e, f"y{i}", rtol, atol)
            assert check.passed, f"{mode} output {i}: {check}\n{source}"
    return source


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator."""
    return np.random.default_rng(0)
