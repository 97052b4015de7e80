"""Transformer-block converters: Attention, RMSNormalization, RotaryEmbedding, Swish, SwiGLU.

Compared with onnxruntime where it implements the op at that opset, else with
``onnx.reference.ReferenceEvaluator``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.backend import MindSporeBackend
from mindconverter.converter.graph.verify import compare
from onnx import helper
from onnx.reference import ReferenceEvaluator

from tests.graph.ops.conftest import assert_matches_ort

pytestmark = pytest.mark.numerics

_F = onnx.TensorProto.FLOAT


def node_model(op_type: str, inputs: list[tuple[str, np.ndarray | None]], opset: int,
               n_outputs: int = 1, **attrs: Any) -> onnx.ModelProto:
    """One node with runtime inputs (``None`` = absent optional input); output types and
    shapes are taken from the reference evaluator (shape inference misses some)."""
    outs = [f"y{i}" for i in range(n_outputs)]
    node = helper.make_node(op_type, [n if a is not None else "" for n, a in inputs], outs,
                            **attrs)
    present = [(n, a) for n, a in inputs if a is not None]
    values = ReferenceEvaluator(node).run(None, dict(present))
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in present],
        [helper.make_tensor_value_info(o, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape)
         for o, v in zip(outs, values)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def runtime(inputs: list[tuple[str, np.ndarray | None]]) -> list[np.ndarray]:
    return [a for _, a in inputs if a is not None]


def assert_matches_reference(model: onnx.ModelProto, inputs: list[np.ndarray],
                             modes: tuple[str, ...] = ("pynative",), rtol: float = 1e-4,
                             atol: float = 1e-5) -> str:
    """Like ``assert_matches_ort`` with ONNX's reference evaluator as the oracle."""
    names = [i.name for i in model.graph.input]
    expected = ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))
    source = ""
    for mode in modes:
        rep = MindSporeBackend.prepare(model, "CPU", mode=mode)
        actual = rep.run(list(inputs))
        source = rep.script_source or ""
        for i, (a, e) in enumerate(zip(actual, expected)):
            assert a.dtype == e.dtype, f"output {i}: dtype {a.dtype} != {e.dtype}\n{source}"
            check = compare(a, e, f"y{i}", rtol, atol)
            assert check.passed, f"{mode} output {i}: {check}\n{source}"
    return source


def normal(rng: np.random.Generator, *shape: int, dtype: Any = np.float32) -> np.ndarray:
    return rng.standard_normal(shape).astype(dtype)


# -- Attention --------------------------------------------------------------------------------


@pytest.mark.parametrize("opset", [23, 24])
def test_attention_4d_causal_with_cache_returns_present(opset: int,
                                                        rng: np.random.Generator) -> None:
    inputs = [("q", normal(rng, 2, 4, 3, 8)), ("k", normal(rng, 2, 4, 3, 8)),
              ("v", normal(rng, 2, 4, 3, 6)), ("mask", None),
              ("past_k", normal(rng, 2, 4, 5, 8)), ("past_v", normal(rng, 2, 4, 5, 6))]
    model = node_model("Attention", inputs, opset, n_outputs=3, is_causal=1)
    source = assert_matches_ort(model, runtime(inputs), modes=("pynative", "graph"))
    assert "ops.triu(ops.ones((3, 8), ms.bool_), 6)" in source
    assert "ops.concat((past_k, k), 2)" in source


def test_attention_3d_grouped_query_with_bool_mask(rng: np.random.Generator) -> None:
    mask = rng.random((3, 5)) > 0.3
    mask[:, 0] = True
    inputs = [("q", normal(rng, 2, 3, 32)), ("k", normal(rng, 2, 5, 16)),
              ("v", normal(rng, 2, 5, 16)), ("mask", mask)]
    model = node_model("Attention", inputs, 23, q_num_heads=4, kv_num_heads=2)
    source = assert_matches_ort(model, runtime(inputs), modes=("pynative", "graph"))
    assert "ops.repeat_interleave(" in source


def test_attention_float_mask_scale_softcap_and_qk_output(rng: np.random.Generator) -> None:
    inputs = [("q", normal(rng, 1, 2, 4, 8)), ("k", normal(rng, 1, 2, 6, 8)),
              ("v", normal(rng, 1, 2, 6, 8)), ("mask", normal(rng, 4, 6))]
    model = node_model("Attention", inputs, 23, n_outputs=4, scale=0.3, softcap=2.0,
                       qk_matmul_output_mode=2)
    source = assert_matches_reference(model, runtime(inputs))
    assert "ops.tanh(" in source


def test_attention_fully_masked_rows_are_zero(rng: np.random.Generator) -> None:
    mask = np.array([[False, False, False], [True, False, True]])
    inputs = [("q", normal(rng, 1, 2, 2, 4)), ("k", normal(rng, 1, 2, 3, 4)),
              ("v", normal(rng, 1, 2, 3, 4)), ("mask", mask)]
    model = node_model("Attention", inputs, 23, n_outputs=4, qk_matmul_output_mode=3)
    assert_matches_reference(model, runtime(inputs))


def test_attention_float16_with_float32_softmax(rng: np.random.Generator) -> None:
    inputs = [("q", normal(rng, 1, 2, 4, 8, dtype=np.float16)),
              ("k", normal(rng, 1, 2, 4, 8, dtype=np.float16)),
              ("v", normal(rng, 1, 2, 4, 8, dtype=np.float16))]
    model = node_model("Attention", inputs, 23, is_causal=1, softmax_precision=_F)
    source = assert_matches_reference(model, runtime(inputs), rtol=3e-3, atol=3e-3)
    assert ".astype(ms.float32)" in source


def test_attention_external_cache_and_sliding_window(rng: np.random.Generator) -> None:
    inputs = [("q", normal(rng, 2, 2, 3, 4)), ("k", normal(rng, 2, 2, 6, 4)),
              ("v", normal(rng, 2, 2, 6, 4)), ("mask", None), ("past_k", None),
              ("past_v", None), ("lengths", np.array([5, 2], np.int64))]
    model = node_model("Attention", inputs, 25, is_causal=1, left_window_size=2)
    assert_matches_reference(model, runtime(inputs), modes=("pynative", "graph"))


# -- RMSNormalization, Swish, SwiGLU ----------------------------------------------------------


@pytest.mark.parametrize(("shape", "axis"), [((2, 3, 8), -1), ((2, 3, 4, 5), 1)])
def test_rms_normalization(shape: tuple[int, ...], axis: int, rng: np.random.Generator) -> None:
    inputs = [("x", normal(rng, *shape)), ("scale", normal(rng, *shape[axis:]))]
    model = node_model("RMSNormalization", inputs, 23, axis=axis, epsilon=1e-3)
    source = assert_matches_ort(model, runtime(inputs), modes=("pynative", "graph"))
    assert "ops.rsqrt(" in source


def test_rms_normalization_float16_stashes_float32(rng: np.random.Generator) -> None:
    inputs = [("x", normal(rng, 2, 3, 8, dtype=np.float16)),
              ("scale", normal(rng, 8, dtype=np.float16))]
    model = node_model("RMSNormalization", inputs, 23)
    assert_matches_ort(model, runtime(inputs), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize(("alpha", "func"), [(1.0, "ops.silu("), (1.5, "ops.sigmoid(")])
def test_swish(alpha: float, func: str, rng: np.random.Generator) -> None:
    x = normal(rng, 3, 7)
    source = assert_matches_ort(node_model("Swish", [("x", x)], 24, alpha=alpha), [x])
    assert func in source


def test_swiglu(rng: np.random.Generator) -> None:
    inputs = [("a", normal(rng, 3, 7)), ("b", normal(rng, 3, 7))]
    assert_matches_reference(node_model("SwiGLU", inputs, 28, alpha=1.702), runtime(inputs))


# -- RotaryEmbedding --------------------------------------------------------------------------


def rotary_caches(rng: np.random.Generator, rows: int, half: int) -> list[tuple[str, Any]]:
    angles = rng.uniform(0, 6, (rows, half)).astype(np.float32)
    return [("cos", np.cos(angles)), ("sin", np.sin(angles))]


@pytest.mark.parametrize("interleaved", [0, 1])
@pytest.mark.parametrize("rotary_dim", [0, 4])
def test_rotary_embedding_4d_with_position_ids(interleaved: int, rotary_dim: int,
                                               rng: np.random.Generator) -> None:
    half = (rotary_dim or 8) // 2
    inputs = [("x", normal(rng, 2, 3, 5, 8)), *rotary_caches(rng, 10, half),
              ("pos", rng.integers(0, 10, (2, 5)).astype(np.int64))]
    model = node_model("RotaryEmbedding", inputs, 23, interleaved=interleaved,
                       rotary_embedding_dim=rotary_dim)
    assert_matches_ort(model, runtime(inputs))


def test_rotary_embedding_3d_without_position_ids(rng: np.random.Generator) -> None:
    angles = rng.uniform(0, 6, (2, 5, 4)).astype(np.float32)
    inputs = [("x", normal(rng, 2, 5, 16)), ("cos", np.cos(angles)), ("sin", np.sin(angles))]
    model = node_model("RotaryEmbedding", inputs, 23, num_heads=2, interleaved=1)
    assert_matches_ort(model, runtime(inputs), modes=("pynative", "graph"))


# -- CausalConvWithState, LinearAttention, FlexAttention --------------------------------------


@pytest.mark.parametrize("with_state", [False, True])
def test_causal_conv_with_state(with_state: bool, rng: np.random.Generator) -> None:
    inputs = [("x", normal(rng, 2, 4, 6)), ("w", normal(rng, 4, 1, 3)), ("b", normal(rng, 4)),
              ("past", normal(rng, 2, 4, 2) if with_state else None)]
    model = node_model("CausalConvWithState", inputs, 27, n_outputs=2, activation="silu")
    source = assert_matches_reference(model, runtime(inputs), modes=("pynative", "graph"))
    assert "ops.conv1d(" in source


@pytest.mark.parametrize("rule", ["linear", "gated", "delta", "gated_delta"])
def test_linear_attention_update_rules(rule: str, rng: np.random.Generator) -> None:
    gated, delta = "gated" in rule, "delta" in rule
    inputs = [("q", normal(rng, 2, 5, 16)), ("k", 0.3 * normal(rng, 2, 5, 8)),
              ("v", normal(rng, 2, 5, 8)), ("past", normal(rng, 2, 2, 4, 4)),
              ("decay", -rng.uniform(0.01, 0.5, (2, 5, 8)).astype(np.float32) if gated else None),
              ("beta", rng.uniform(0.1, 0.9, (2, 5, 2)).astype(np.float32) if delta else None)]
    model = node_model("LinearAttention", inputs, 27, n_outputs=2, update_rule=rule,
                       q_num_heads=4, kv_num_heads=2)
    source = assert_matches_reference(model, runtime(inputs), rtol=1e-3, atol=1e-4)
    assert ("ops.inverse(" in source) == delta


def test_flex_attention_grouped_heads_without_modifiers(rng: np.random.Generator) -> None:
    q, k, v = normal(rng, 1, 4, 3, 8), normal(rng, 1, 2, 5, 8), normal(rng, 1, 2, 5, 6)
    node = helper.make_node("FlexAttention", ["q", "k", "v"], ["y"], domain="ai.onnx.preview",
                            scale=0.2)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info(n, _F, a.shape)
                      for n, a in (("q", q), ("k", k), ("v", v))],
        [helper.make_tensor_value_info("y", _F, (1, 4, 3, 6))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 26),
                                                    helper.make_opsetid("ai.onnx.preview", 1)])
    scores = np.matmul(q, np.repeat(k, 2, axis=1).swapaxes(-1, -2)) * 0.2
    probs = np.exp(scores - scores.max(-1, keepdims=True))
    expected = np.matmul(probs / probs.sum(-1, keepdims=True), np.repeat(v, 2, axis=1))
    (actual,) = MindSporeBackend.prepare(model, "CPU").run([q, k, v])
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("empty_row", [False, True])
def test_attention_constant_mask_and_cache(empty_row: bool, rng: np.random.Generator) -> None:
    q, k, v = normal(rng, 1, 2, 3, 4), normal(rng, 1, 2, 5, 4), normal(rng, 1, 2, 5, 4)
    mask = rng.random((3, 5)) > 0.3
    mask[:, 0] = not empty_row
    mask[1] = mask[1] & (not empty_row)
    consts = {"mask": mask, "pk": normal(rng, 1, 2, 2, 4), "pv": normal(rng, 1, 2, 2, 4)}
    node = helper.make_node("Attention", ["q", "k", "v", "mask", "pk", "pv"], ["y", "k2", "v2"])
    values = ReferenceEvaluator(node).run(None, {"q": q, "k": k, "v": v, **consts})
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info(n, _F, a.shape)
                      for n, a in (("q", q), ("k", k), ("v", v))],
        [helper.make_tensor_value_info(n, _F, a.shape) for n, a in zip(("y", "k2", "v2"), values)],
        [onnx.numpy_helper.from_array(a, n) for n, a in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)])
    source = assert_matches_reference(model, [q, k, v])
    assert ("ops.all(" in source) == empty_row  # the empty-row guard only when needed


def test_flex_attention_inlines_modifier_subgraphs(rng: np.random.Generator) -> None:
    q, k, v = normal(rng, 1, 2, 3, 4), normal(rng, 1, 2, 5, 4), normal(rng, 1, 2, 5, 4)
    bias = normal(rng, 3, 5)
    score_mod = helper.make_graph(
        [helper.make_node("Div", ["s", "cap"], ["d"]), helper.make_node("Tanh", ["d"], ["t"]),
         helper.make_node("Mul", ["t", "cap"], ["c"]), helper.make_node("Add", ["c", "mask"],
                                                                         ["out"])],
        "score_mod", [helper.make_tensor_value_info("s", _F, None)],
        [helper.make_tensor_value_info("out", _F, None)],
        [onnx.numpy_helper.from_array(np.array(2.0, np.float32), "cap"),
         onnx.numpy_helper.from_array(bias, "mask")])
    prob_mod = helper.make_graph(
        [helper.make_node("Mul", ["p", "half"], ["out"])], "prob_mod",
        [helper.make_tensor_value_info("p", _F, None)],
        [helper.make_tensor_value_info("out", _F, None)],
        [onnx.numpy_helper.from_array(np.array(0.5, np.float32), "half")])
    node = helper.make_node("FlexAttention", ["q", "k", "mask"], ["y"], domain="ai.onnx.preview",
                            score_mod=score_mod, prob_mod=prob_mod)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info(n, _F, a.shape)
                      for n, a in (("q", q), ("k", k), ("mask", v))],
        [helper.make_tensor_value_info("y", _F, (1, 2, 3, 4))])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 26),
                                                    helper.make_opsetid("ai.onnx.preview", 1)])
    scores = np.tanh(np.matmul(q, k.swapaxes(-1, -2)) * 0.5 / 2.0) * 2.0 + bias
    probs = np.exp(scores - scores.max(-1, keepdims=True))
    expected = np.matmul(0.5 * probs / probs.sum(-1, keepdims=True), v)
    rep = MindSporeBackend.prepare(model, "CPU", mode="graph")
    (actual,) = rep.run([q, k, v])
    np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)
    assert "ops.tanh(" in (rep.script_source or "")
