"""Normalisation converters against onnxruntime: BatchNormalization, InstanceNormalization,
LayerNormalization, GroupNormalization, LRN, MeanVarianceNormalization, LpNormalization."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from onnx import helper

from tests.graph.ops.conftest import assert_matches_ort

pytestmark = pytest.mark.numerics


def node_model(op_type: str, runtime: list[tuple[str, np.ndarray]],
               consts: list[tuple[str, np.ndarray]] = (), n_outputs: int = 1, opset: int = 17,
               order: list[str] | None = None, **attrs: Any) -> onnx.ModelProto:
    """One node; ``order`` lists its input names ('' = absent), default runtime then consts."""
    names = order or [n for n, _ in runtime] + [n for n, _ in consts]
    outs = [f"y{i}" for i in range(n_outputs)]
    x = runtime[0][1]  # output 0 has X's shape and type (function ops are not always inferred)
    out_info = [helper.make_tensor_value_info(
        o, helper.np_dtype_to_tensor_dtype(x.dtype) if i == 0 else onnx.TensorProto.UNDEFINED,
        x.shape if i == 0 else None) for i, o in enumerate(outs)]
    graph = helper.make_graph(
        [helper.make_node(op_type, names, outs, **attrs)], "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in runtime],
        out_info,
        [onnx.numpy_helper.from_array(a, n) for n, a in consts])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model)


def normal(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def bn_stats(rng: np.random.Generator, c: int) -> list[tuple[str, np.ndarray]]:
    return [("scale", normal(rng, c)), ("bias", normal(rng, c)), ("mean", normal(rng, c)),
            ("var", rng.uniform(0.5, 2.0, c).astype(np.float32))]


@pytest.mark.parametrize(("shape", "layer"), [((4, 3), "nn.BatchNorm1d"),
                                              ((2, 3, 5), "nn.BatchNorm1d"),
                                              ((2, 3, 5, 4), "nn.BatchNorm2d"),
                                              ((2, 3, 4, 3, 2), "nn.BatchNorm3d")])
def test_batch_norm_with_constant_statistics_is_a_layer(shape: tuple[int, ...], layer: str,
                                                        rng: np.random.Generator) -> None:
    x = normal(rng, *shape)
    model = node_model("BatchNormalization", [("x", x)], bn_stats(rng, 3), opset=15,
                       epsilon=1e-3, momentum=0.8)
    source = assert_matches_ort(model, [x], modes=("pynative", "graph"))
    assert f"{layer}(3, eps=0.001, momentum=0.8)" in source


@pytest.mark.parametrize("shape", [(2, 3, 5, 4), (2, 3, 4, 3, 2)])
def test_batch_norm_with_runtime_statistics(shape: tuple[int, ...],
                                            rng: np.random.Generator) -> None:
    x = normal(rng, *shape)
    stats = bn_stats(rng, 3)
    model = node_model("BatchNormalization", [("x", x), *stats], opset=9)
    source = assert_matches_ort(model, [x] + [a for _, a in stats])
    assert "ops.batch_norm(" in source


def test_batch_norm_training_mode_uses_batch_statistics(rng: np.random.Generator) -> None:
    x = normal(rng, 2, 3, 4, 5)
    stats = bn_stats(rng, 3)
    model = node_model("BatchNormalization", [("x", x)], stats, n_outputs=3, opset=15,
                       training_mode=1, momentum=0.7)
    from mindconverter.converter.graph.backend import MindSporeBackend

    y, mean, var = MindSporeBackend.prepare(model, "CPU").run([x])
    axes = (0, 2, 3)
    values = dict(stats)
    batch_mean, batch_var = x.mean(axis=axes), x.var(axis=axes)
    shape = (1, 3, 1, 1)
    expected = ((x - batch_mean.reshape(shape)) / np.sqrt(batch_var.reshape(shape) + 1e-5)
                * values["scale"].reshape(shape) + values["bias"].reshape(shape))
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mean, values["mean"] * 0.7 + batch_mean * 0.3, rtol=1e-5)
    np.testing.assert_allclose(var, values["var"] * 0.7 + batch_var * 0.3, rtol=1e-5)


@pytest.mark.parametrize("const", [True, False])
@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 5, 4)])
def test_instance_norm(const: bool, shape: tuple[int, ...], rng: np.random.Generator) -> None:
    x = normal(rng, *shape)
    params = [("scale", normal(rng, 3)), ("bias", normal(rng, 3))]
    model = node_model("InstanceNormalization", [("x", x)] + ([] if const else params),
                       params if const else [], epsilon=1e-4)
    source = assert_matches_ort(model, [x] + ([] if const else [a for _, a in params]))
    assert ("nn.GroupNorm(3, 3, eps=0.0001)" if const else "ops.group_norm(") in source


@pytest.mark.parametrize("const", [True, False])
def test_group_norm(const: bool, rng: np.random.Generator) -> None:
    x = normal(rng, 2, 6, 4, 3)
    params = [("scale", normal(rng, 6)), ("bias", normal(rng, 6))]
    model = node_model("GroupNormalization", [("x", x)] + ([] if const else params),
                       params if const else [], opset=21, num_groups=3, epsilon=1e-3)
    source = assert_matches_ort(model, [x] + ([] if const else [a for _, a in params]))
    assert ("nn.GroupNorm(3, 6, eps=0.001)" if const else "ops.group_norm(") in source


@pytest.mark.parametrize(("axis", "n_outputs", "scale_shape", "bias"), [
    (-1, 1, (5,), True),
    (1, 1, (4, 5), False),
    (1, 1, (5,), True),  # broadcast to the normalised shape
    (-1, 3, (5,), True),
    (0, 3, (3, 4, 5), False),
])
def test_layer_norm_with_constant_scale(axis: int, n_outputs: int, scale_shape: tuple[int, ...],
                                        bias: bool, rng: np.random.Generator) -> None:
    x = normal(rng, 3, 4, 5)
    params = [("scale", normal(rng, *scale_shape))]
    if bias:
        params.append(("bias", normal(rng, *scale_shape)))
    model = node_model("LayerNormalization", [("x", x)], params, n_outputs=n_outputs,
                       axis=axis, epsilon=1e-3)
    source = assert_matches_ort(model, [x], modes=("pynative", "graph"))
    assert ("nn.LayerNorm(" if n_outputs == 1 else "ops.LayerNorm(") in source


def test_layer_norm_with_runtime_scale(rng: np.random.Generator) -> None:
    x = normal(rng, 3, 4, 5)
    scale, bias = normal(rng, 5), normal(rng, 5)
    model = node_model("LayerNormalization", [("x", x), ("scale", scale), ("bias", bias)],
                       n_outputs=2)
    assert "ops.LayerNorm(-1, -1, 1e-05)" in assert_matches_ort(model, [x, scale, bias])


def test_lrn_odd_size(rng: np.random.Generator) -> None:
    x = normal(rng, 2, 6, 4, 5)
    model = node_model("LRN", [("x", x)], size=3, alpha=1e-2, beta=0.6, bias=1.5)
    assert "ops.lrn(x, 1, 1.5, 0.0033333334140479565" not in assert_matches_ort(model, [x])


def test_lrn_even_size_against_numpy(rng: np.random.Generator) -> None:
    from mindconverter.converter.graph.backend import MindSporeBackend

    x = normal(rng, 2, 6, 4, 5)
    model = node_model("LRN", [("x", x)], size=4, alpha=1e-2, beta=0.6, bias=1.5)
    rep = MindSporeBackend.prepare(model, "CPU")
    (y,) = rep.run([x])  # onnxruntime only takes odd sizes; the window is c-1 .. c+2
    padded = np.pad(x * x, ((0, 0), (1, 2), (0, 0), (0, 0)))
    square_sum = sum(padded[:, i:i + 6] for i in range(4))
    np.testing.assert_allclose(y, x / (1.5 + 1e-2 / 4 * square_sum) ** 0.6, rtol=1e-5)
    assert "ops.avg_pool3d(" in (rep.script_source or "")


@pytest.mark.parametrize("axes", [None, [1, 2]])
def test_mean_variance_normalization(axes: list[int] | None, rng: np.random.Generator) -> None:
    x = normal(rng, 2, 3, 4, 5)
    attrs = {} if axes is None else {"axes": axes}
    assert_matches_ort(node_model("MeanVarianceNormalization", [("x", x)], **attrs), [x])


@pytest.mark.parametrize(("p", "axis"), [(1, 1), (2, -1)])
def test_lp_normalization(p: int, axis: int, rng: np.random.Generator) -> None:
    x = normal(rng, 2, 3, 4)
    assert_matches_ort(node_model("LpNormalization", [("x", x)], p=p, axis=axis), [x])
