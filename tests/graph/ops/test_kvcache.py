"""TensorScatter (KV cache update) against onnxruntime, PyNative and graph mode."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def scatter_model(cache: np.ndarray, update: np.ndarray, indices: np.ndarray | None,
                  **attrs: Any) -> onnx.ModelProto:
    inputs = [("cache", cache), ("update", update)]
    if indices is not None:
        inputs.append(("write_indices", indices))
    model = single_node_model("TensorScatter", inputs, opset=24, **attrs)
    return onnx.shape_inference.infer_shapes(model)


@pytest.mark.parametrize(("mode", "axis", "starts"), [
    ("linear", -2, [0, 3, 2]), ("circular", -2, [4, 0, 5]), ("circular", 1, [3, 4, 1]),
    ("linear", 3, [1, 0, 2])])
def test_tensor_scatter_write_indices(rng: np.random.Generator, mode: str, axis: int,
                                      starts: list[int]) -> None:
    cache_shape = [3, 5, 6, 4]
    update_shape = list(cache_shape)
    update_shape[axis] = 3 if mode == "circular" else 2
    cache = rng.standard_normal(cache_shape).astype(np.float32)
    update = rng.standard_normal(update_shape).astype(np.float32)
    indices = np.array(starts, np.int64)
    model = scatter_model(cache, update, indices, mode=mode, axis=axis)
    source = assert_matches_ort(model, [cache, update, indices], modes=("pynative", "graph"),
                                atol=0)
    assert "ops.tensor_scatter_elements(" in source


@pytest.mark.parametrize("seq", [2, 5])
def test_tensor_scatter_without_write_indices(rng: np.random.Generator, seq: int) -> None:
    cache = rng.standard_normal((2, 5, 3)).astype(np.float16)
    update = rng.standard_normal((2, seq, 3)).astype(np.float16)
    source = assert_matches_ort(scatter_model(cache, update, None), [cache, update], atol=0)
    assert "ops.tensor_scatter_elements(" not in source
