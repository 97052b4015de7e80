"""Gemm, MatMul and Einsum converters against onnxruntime."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def node_model(op_type: str, runtime: list[tuple[str, np.ndarray]],
               consts: list[tuple[str, np.ndarray]] = (), opset: int = 13,
               **attrs: Any) -> onnx.ModelProto:
    model = onnx.shape_inference.infer_shapes(
        single_node_model(op_type, runtime, opset=opset, initializers=consts, **attrs))
    out = model.graph.output[0].type.tensor_type
    if not out.elem_type:  # some broadcasting Einsum equations are not inferred
        out.elem_type = onnx.helper.np_dtype_to_tensor_dtype(runtime[0][1].dtype)
    return model


def normal(rng: np.random.Generator, *shape: int, dtype: str = "float32") -> np.ndarray:
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize(("trans_b", "alpha", "beta", "c_shape"), [
    (0, 1.0, 1.0, (4,)),
    (1, 1.0, 1.0, (1, 4)),
    (1, 0.5, 2.0, (4,)),
    (0, 1.0, 1.0, ()),
    (0, 2.0, 0.5, (3, 4)),
    (1, 1.0, 1.0, None),
])
def test_gemm_with_constant_weight_is_dense(trans_b: int, alpha: float, beta: float,
                                           c_shape: tuple[int, ...] | None,
                                           rng: np.random.Generator) -> None:
    a = normal(rng, 3, 5)
    b = normal(rng, *((4, 5) if trans_b else (5, 4)))
    consts = [("b", b)] + ([("c", normal(rng, *c_shape))] if c_shape is not None else [])
    model = node_model("Gemm", [("a", a)], consts, transB=trans_b, alpha=alpha, beta=beta)
    source = assert_matches_ort(model, [a])
    has_bias = c_shape is not None and (len(c_shape) < 2 or c_shape[0] == 1)
    assert f"nn.Dense(5, 4{'' if has_bias else ', has_bias=False'})" in source


def test_gemm_trans_a_graph_mode(rng: np.random.Generator) -> None:
    a, b, c = normal(rng, 5, 3), normal(rng, 4, 5), normal(rng, 4)
    model = node_model("Gemm", [("a", a)], [("b", b), ("c", c)], opset=11, transA=1, transB=1)
    source = assert_matches_ort(model, [a], modes=("pynative", "graph"))
    assert "ops.transpose(a, (1, 0))" in source


@pytest.mark.parametrize(("trans_a", "trans_b"), [(0, 0), (1, 1)])
def test_gemm_with_runtime_operands(trans_a: int, trans_b: int, rng: np.random.Generator) -> None:
    a = normal(rng, *((5, 3) if trans_a else (3, 5)))
    b = normal(rng, *((4, 5) if trans_b else (5, 4)))
    c = normal(rng, 1, 4)
    model = node_model("Gemm", [("a", a), ("b", b), ("c", c)], transA=trans_a, transB=trans_b,
                       alpha=0.25, beta=0.35)
    assert "ops.matmul(" in assert_matches_ort(model, [a, b, c])


@pytest.mark.parametrize(("a_shape", "b_shape"), [
    ((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((3, 1, 3, 4), (1, 2, 4, 2)), ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)), ((4,), (4,)),
])
def test_matmul_broadcasting(a_shape: tuple[int, ...], b_shape: tuple[int, ...],
                             rng: np.random.Generator) -> None:
    a, b = normal(rng, *a_shape), normal(rng, *b_shape)
    assert_matches_ort(node_model("MatMul", [("a", a), ("b", b)]), [a, b])


def test_matmul_constant_weight_is_a_parameter(rng: np.random.Generator) -> None:
    a, w = normal(rng, 3, 4), normal(rng, 4, 5)
    source = assert_matches_ort(node_model("MatMul", [("a", a)], [("w", w)]), [a],
                                modes=("pynative", "graph"))
    assert "ops.matmul(a, self.w)" in source


@pytest.mark.parametrize(("a_shape", "b_shape", "flat_a", "out_shape"), [
    ((64, 1, 8), (8, 6), (-1, 8), (64, 1, 6)),
    ((2, 3, 5, 4), (1, 4, 5), (-1, 4), (2, 3, 5, 5)),
    ((3, 4), (1, 1, 4, 5), None, (1, 1, 3, 5)),
])
def test_batched_matmul_by_a_matrix_is_one_2d_product(
        a_shape: tuple[int, ...], b_shape: tuple[int, ...], flat_a: tuple[int, ...] | None,
        out_shape: tuple[int, ...], rng: np.random.Generator) -> None:
    """Graph mode would broadcast B to every batch row (BroadcastTo + BatchMatMul): slow."""
    a, w = normal(rng, *a_shape), normal(rng, *b_shape)
    source = assert_matches_ort(node_model("MatMul", [("a", a)], [("w", w)]), [a],
                                modes=("pynative", "graph"))
    flat_w = "self.w" if len(b_shape) == 2 else f"ops.reshape(self.w, {b_shape[-2:]})"
    flat = "a" if flat_a is None else f"ops.reshape(a, {flat_a})"
    assert f"ops.reshape(ops.matmul({flat}, {flat_w}), {out_shape})" in source


def test_matmul_integers() -> None:
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    b = np.arange(8, dtype=np.int32).reshape(4, 2) - 3
    assert_matches_ort(node_model("MatMul", [("a", a), ("b", b)]), [a, b])


EINSUM_CASES = [
    ("bij,bjk->bik", [(5, 2, 3), (5, 3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ij->i", [(3, 4)]),
    ("i,i", [(5,)] * 2),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("...ii->...i", [(3, 5, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (2, 5, 4, 2)]),
    ("abc,cd->abd", [(2, 3, 4), (4, 5)]),
    ("bij,bkj->bik", [(2, 3, 4), (2, 5, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize(("equation", "shapes"), EINSUM_CASES)
def test_einsum(equation: str, shapes: list[tuple[int, ...]], rng: np.random.Generator) -> None:
    inputs = [(f"x{i}", normal(rng, *s, dtype="float64")) for i, s in enumerate(shapes)]
    model = node_model("Einsum", inputs, opset=12, equation=equation)
    source = assert_matches_ort(model, [a for _, a in inputs])
    assert "ops.einsum" not in source  # no CPU kernel: lowered to matmul, sum, transpose...


def test_einsum_integer_sum_keeps_dtype() -> None:
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    assert_matches_ort(node_model("Einsum", [("a", a)], opset=12, equation="ij->i"), [a])


def test_einsum_graph_mode(rng: np.random.Generator) -> None:
    q, k = normal(rng, 2, 3, 4, 5), normal(rng, 2, 3, 6, 5)
    model = node_model("Einsum", [("q", q), ("k", k)], opset=12, equation="bhqd,bhkd->bhqk")
    assert_matches_ort(model, [q, k], modes=("pynative", "graph"))


def test_matmul_with_an_unknown_shape_stays_one_matmul() -> None:
    """Inside a Loop body an outer weight's shape can be unknown: no flattening, no failure."""
    from mindconverter.converter.graph.context import ConstStore, ConvertContext, ValueInfo
    from mindconverter.converter.graph.ops.linear import convert_matmul
    from mindconverter.converter.graph.render import Renderer

    node = onnx.helper.make_node("MatMul", ["a", "w"], ["y"])
    values = {"a": ValueInfo((7, 1, 5), np.dtype("float32")), "w": ValueInfo(None, None)}
    spec = convert_matmul(ConvertContext(node, 13, values, {}, ConstStore()))
    names = {0: "a", 1: "w"}
    assert Renderer(lambda i: names[i], "", str).expr(spec.expr) == "ops.matmul(a, w)"
