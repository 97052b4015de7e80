"""NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss converters against onnxruntime."""

from __future__ import annotations

import numpy as np
import onnx
import pytest

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def _case(rng: np.random.Generator, shape: tuple[int, ...], ignore: int | None
          ) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal(shape).astype(np.float32)
    target = rng.integers(0, shape[1], (shape[0], *shape[2:])).astype(np.int64)
    if ignore is not None:
        target.reshape(-1)[::3] = ignore
    return x, target


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [None, -1])
def test_nll_loss(rng: np.random.Generator, reduction: str, weighted: bool, ignore: int | None
                  ) -> None:
    x, target = _case(rng, (4, 5, 3), ignore)
    attrs = {"reduction": reduction}
    if ignore is not None:
        attrs["ignore_index"] = ignore
    weights = [("w", rng.random(5).astype(np.float32))] if weighted else []
    model = single_node_model("NegativeLogLikelihoodLoss", [("x", x), ("t", target)],
                              opset=13, initializers=weights, **attrs)
    assert_matches_ort(onnx.shape_inference.infer_shapes(model), [x, target])


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_nll_loss_graph_mode_with_runtime_weight(rng: np.random.Generator, reduction: str
                                                 ) -> None:
    x, target = _case(rng, (3, 4), 2)
    weight = rng.random(4).astype(np.float32)
    model = single_node_model("NegativeLogLikelihoodLoss",
                              [("x", x), ("t", target), ("w", weight)], opset=22,
                              reduction=reduction, ignore_index=2)
    source = assert_matches_ort(onnx.shape_inference.infer_shapes(model), [x, target, weight],
                                modes=("pynative", "graph"))
    assert "ops.nll_loss" in source


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("log_prob", [False, True])
def test_softmax_cross_entropy(rng: np.random.Generator, reduction: str, log_prob: bool) -> None:
    x, target = _case(rng, (2, 4, 3, 2), 1)
    model = single_node_model("SoftmaxCrossEntropyLoss", [("x", x), ("t", target)],
                              n_outputs=2 if log_prob else 1, opset=13,
                              initializers=[("w", np.linspace(0.5, 2, 4, dtype=np.float32))],
                              reduction=reduction, ignore_index=1)
    source = assert_matches_ort(onnx.shape_inference.infer_shapes(model), [x, target])
    assert "ops.log_softmax" in source


def test_softmax_cross_entropy_float64_int32_labels(rng: np.random.Generator) -> None:
    x = rng.standard_normal((5, 3)).astype(np.float64)
    target = rng.integers(0, 3, 5).astype(np.int32)
    model = single_node_model("SoftmaxCrossEntropyLoss", [("x", x), ("t", target)], opset=13)
    assert_matches_ort(onnx.shape_inference.infer_shapes(model), [x, target])
