"""Element-wise arithmetic converters against onnxruntime (and NumPy where onnxruntime can't)."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.backend import MindSporeBackend
from onnx import helper

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics

INT_TYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]


def node_model(op_type: str, inputs: list[tuple[str, np.ndarray]], **kwargs: Any
               ) -> onnx.ModelProto:
    """A one-node model whose output types are inferred (onnxruntime needs them)."""
    return onnx.shape_inference.infer_shapes(single_node_model(op_type, inputs, **kwargs))


def run_ms(model: onnx.ModelProto, inputs: list[np.ndarray], mode: str = "pynative"
           ) -> list[np.ndarray]:
    """The converted network's outputs, for cases onnxruntime cannot run."""
    return list(MindSporeBackend.prepare(model, "CPU", mode=mode).run(inputs))


def chain_model(dtype: str, opset: int = 14) -> onnx.ModelProto:
    """(x, y) → Add, Sub, Mul, Div with each other and with a scalar constant 3."""
    elem = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    three = onnx.numpy_helper.from_array(np.array(3, dtype), "three")
    nodes = [
        helper.make_node("Add", ["x", "three"], ["a"]),
        helper.make_node("Sub", ["a", "y"], ["s"]),
        helper.make_node("Mul", ["s", "three"], ["m"]),
        helper.make_node("Div", ["m", "y"], ["d"]),
        helper.make_node("Sub", ["three", "y"], ["r"]),
    ]
    graph = helper.make_graph(
        nodes, "chain",
        [helper.make_tensor_value_info(n, elem, [2, 3]) for n in ("x", "y")],
        [helper.make_tensor_value_info(n, elem, [2, 3]) for n in ("a", "s", "m", "d", "r")],
        [three],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.mark.parametrize("dtype", [*INT_TYPES, "float16", "float64"])
def test_add_sub_mul_div_keep_every_dtype(dtype: str) -> None:
    x = np.array([[5, 7, 9], [11, 12, 20]], dtype)
    y = np.array([[1, 2, 3], [3, 2, 1]], dtype)  # x + 3 - y stays non-negative for unsigned
    # graph mode lacks uint32/uint64 Sub kernels: those go through int64
    modes = ("pynative", "graph") if dtype in ("uint32", "uint64") else ("pynative",)
    source = assert_matches_ort(chain_model(dtype), [x, y], modes=modes)
    if dtype.startswith("uint") and dtype != "uint8":
        assert f"ms.Tensor(3, ms.{dtype})" in source  # MindSpore rejects int scalars here
    else:
        assert " + 3" in source


def test_integer_division_truncates_toward_zero() -> None:
    a = np.array([7, -7, 7, -7, 0], np.int32)
    b = np.array([2, 2, -2, -2, 3], np.int32)
    source = assert_matches_ort(node_model("Div", [("a", a), ("b", b)]), [a, b],
                                modes=("pynative", "graph"))
    assert "rounding_mode='trunc'" in source


def test_float_binary_ops_broadcast_as_operators(rng: np.random.Generator) -> None:
    a = rng.standard_normal((2, 3, 4)).astype(np.float32)
    b = rng.standard_normal((3, 1)).astype(np.float32)
    source = assert_matches_ort(node_model("Div", [("a", a), ("b", b)]), [a, b])
    assert "= a / b" in source


@pytest.mark.parametrize("op_type", ["Sum", "Mean", "Max", "Min"])
def test_variadic_with_broadcasting(op_type: str, rng: np.random.Generator) -> None:
    inputs = [("a", rng.standard_normal((2, 3, 4)).astype(np.float32)),
              ("b", rng.standard_normal((3, 1)).astype(np.float32)),
              ("c", rng.standard_normal((4,)).astype(np.float32))]
    source = assert_matches_ort(node_model(op_type, inputs), [v for _, v in inputs],
                                modes=("pynative", "graph"))
    if op_type == "Sum":
        assert "(a + b) + c" in source
    if op_type == "Max":
        assert "ops.maximum(ops.maximum(a, b), c)" in source


@pytest.mark.parametrize("op_type", ["Sum", "Max"])
def test_variadic_single_input_is_an_alias(op_type: str) -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    source = assert_matches_ort(node_model(op_type, [("a", a)]), [a])
    assert "return a" in source


@pytest.mark.parametrize("dtype", ["int8", "int64", "uint8", "uint32", "uint64"])
def test_max_min_integers(dtype: str) -> None:
    a = np.array([[1, 9, 3], [4, 0, 6]], dtype)
    b = np.array([7, 2, 5], dtype)
    for op_type in ("Max", "Min"):
        assert_matches_ort(node_model(op_type, [("a", a), ("b", b)]), [a, b])


@pytest.mark.parametrize("dtype", ["int16", "uint16"])
def test_max_min_types_onnxruntime_lacks(dtype: str) -> None:
    info = np.iinfo(dtype)
    a = np.array([[1, info.max, 3]], dtype)
    b = np.array([[7, 2, info.max - 1]], dtype)
    for op_type, expected in (("Max", np.maximum(a, b)), ("Min", np.minimum(a, b))):
        (out,) = run_ms(node_model(op_type, [("a", a), ("b", b)]), [a, b])
        assert out.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("x_type, y_type", [
    ("float32", "float32"), ("float32", "int64"), ("float32", "int32"), ("int32", "int32"),
    ("int64", "int32"), ("int32", "float32"), ("float64", "float32"), ("float16", "float16"),
])
def test_pow_output_has_the_base_dtype(x_type: str, y_type: str) -> None:
    x = np.array([[1, 2, 3], [4, 0.5 if x_type[0] == "f" else 5, 2]], x_type)
    y = np.array([3, 2, 0.5 if y_type[0] == "f" else 4], y_type)
    assert_matches_ort(node_model("Pow", [("x", x), ("y", y)], opset=15), [x, y])


def test_pow_constant_exponent_is_a_literal(rng: np.random.Generator) -> None:
    x = np.abs(rng.standard_normal((2, 3))).astype(np.float32)
    model = node_model("Pow", [("x", x)], initializers=[("two", np.array(2.0, np.float32))])
    source = assert_matches_ort(model, [x], modes=("pynative", "graph"))
    assert "x ** 2" in source


def test_pow_constant_integer_base_with_float_exponent() -> None:
    y = np.array([[0.5, 2.0, 3.0]], np.float32)
    model = single_node_model("Pow", [("y", y)], initializers=[("two", np.array(2, np.int32))])
    model.graph.node[0].input[:] = ["two", "y"]  # the constant is the base
    source = assert_matches_ort(onnx.shape_inference.infer_shapes(model), [y])
    assert "(2 ** y.astype(ms.float64)).astype(ms.int32)" in source


UNARY_DOMAINS = {
    "Sqrt": (0.1, 4), "Exp": (-3, 3), "Log": (0.1, 5), "Erf": (-2, 2), "Neg": (-3, 3),
    "Abs": (-3, 3), "Reciprocal": (0.5, 3), "Floor": (-3, 3), "Ceil": (-3, 3),
    "Sign": (-3, 3), "Sin": (-3, 3), "Cos": (-3, 3), "Tan": (-1.2, 1.2), "Asin": (-0.9, 0.9),
    "Acos": (-0.9, 0.9), "Atan": (-3, 3), "Sinh": (-3, 3), "Cosh": (-3, 3), "Asinh": (-3, 3),
    "Acosh": (1.1, 4), "Atanh": (-0.9, 0.9),
}


@pytest.mark.parametrize("op_type", sorted(UNARY_DOMAINS))
def test_unary_math(op_type: str, rng: np.random.Generator) -> None:
    low, high = UNARY_DOMAINS[op_type]
    x = rng.uniform(low, high, (3, 4)).astype(np.float32)
    source = assert_matches_ort(node_model(op_type, [("x", x)], opset=13 if op_type < "S" else 22),
                                [x])
    assert f"ops.{op_type.lower()}(x)" in source


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_unary_math_other_float_types(dtype: str, rng: np.random.Generator) -> None:
    x = rng.uniform(0.1, 3, (2, 5)).astype(dtype)
    ops = ["Sqrt", "Exp", "Log", "Floor", "Ceil", "Round", "Sin"]
    if dtype == "float16":  # onnxruntime has no float64 Erf
        ops.append("Erf")
    for op_type in ops:
        assert_matches_ort(node_model(op_type, [("x", x)]), [x], rtol=2e-3, atol=1e-3)


def test_round_halves_to_even() -> None:
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.4999, 2.6], np.float32)
    assert_matches_ort(node_model("Round", [("x", x)]), [x], modes=("pynative", "graph"))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "uint8", "uint16", "uint64"])
def test_sign_and_abs_integers(dtype: str) -> None:
    x = np.array([[3, 0, 1], [2, 0, 9]], dtype)
    if dtype.startswith("int"):
        x[0, 0] = -3
    for op_type in ("Sign", "Abs"):
        source = assert_matches_ort(node_model(op_type, [("x", x)]), [x])
        if op_type == "Abs" and dtype.startswith("uint"):
            assert "return x" in source


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_neg_integers(dtype: str) -> None:
    x = np.array([[3, -7, 0]], dtype)
    assert_matches_ort(node_model("Neg", [("x", x)]), [x])


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint8", "uint16", "uint32",
                                   "uint64", "float32"])
@pytest.mark.parametrize("fmod", [0, 1])
def test_mod_signs(dtype: str, fmod: int) -> None:
    a = np.array([-4, 7, 5, 4, -7, 8], np.int64)
    b = np.array([2, -3, 8, -2, 3, 5], np.int64)
    if dtype.startswith("uint"):
        a, b = np.abs(a), np.abs(b)
    a, b = a.astype(dtype), b.astype(dtype)
    if dtype.startswith("float"):
        a = a * 1.25
    modes = ("pynative",) if dtype == "uint64" else ("pynative", "graph")  # no uint64 graph kernel
    assert_matches_ort(node_model("Mod", [("a", a), ("b", b)], opset=28, fmod=fmod), [a, b],
                       modes=modes)


def test_mod_by_infinity_keeps_the_dividend() -> None:
    a = np.array([-3, 3, 1.5, 0, -1, 2], np.float32)
    b = np.array([np.inf, -np.inf, 0.5, -np.inf, -np.inf, 0.75], np.float32)
    source = assert_matches_ort(node_model("Mod", [("a", a), ("b", b)], opset=13, fmod=1),
                                [a, b], modes=("pynative", "graph"))
    assert "ops.isinf(b)" in source
    # fmod=0 on floats (opset 28): Python's % rule, also at an infinite divisor
    assert_matches_ort(node_model("Mod", [("a", a), ("b", b)], opset=28, fmod=0), [a, b])


def test_mod_by_finite_constant_has_no_guard(rng: np.random.Generator) -> None:
    a = rng.standard_normal((2, 3)).astype(np.float32)
    model = node_model("Mod", [("a", a)], opset=13, fmod=1,
                       initializers=[("b", np.array([0.5, 2, 3], np.float32))])
    source = assert_matches_ort(model, [a])
    assert "ops.isinf" not in source and "ops.fmod(a, self." in source


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "uint32", "uint64"])
@pytest.mark.parametrize("direction", ["LEFT", "RIGHT"])
def test_bit_shift_unsigned(dtype: str, direction: str) -> None:
    x = np.array([16, 4, 1, 255], dtype)
    y = np.array([1, 2, 3, 4], dtype)
    assert_matches_ort(node_model("BitShift", [("x", x), ("y", y)], opset=11,
                                  direction=direction), [x, y])


def test_bit_shift_constant_in_range_is_a_plain_call() -> None:
    x = np.array([[16, 4, 1]], np.uint32)
    model = node_model("BitShift", [("x", x)], opset=11, direction="LEFT",
                       initializers=[("y", np.array([2], np.uint32))])
    source = assert_matches_ort(model, [x])
    assert "ops.bitwise_left_shift(x, ms.Tensor(2, ms.uint32))" in source


@pytest.mark.parametrize("dtype", ["int8", "int32", "int64", "uint16"])
@pytest.mark.parametrize("direction", ["LEFT", "RIGHT"])
def test_bit_shift_out_of_range_amounts_follow_onnx_28(dtype: str, direction: str) -> None:
    info = np.iinfo(dtype)
    x = np.array([-8, 4, -1, 5, 6, -128], np.int64)
    y = np.array([1, -3, info.bits, info.bits + 5, 0, 2], np.int64)
    if dtype.startswith("uint"):
        x, y = np.abs(x), np.abs(y)
    x, y = x.astype(dtype), y.astype(dtype)
    assert_matches_ort(node_model("BitShift", [("x", x), ("y", y)], opset=28,
                                  direction=direction), [x, y], modes=("pynative", "graph"))


@pytest.mark.parametrize("dtype", ["int8", "int32", "uint16", "uint64"])
def test_bitwise(dtype: str) -> None:
    a = np.array([[5, 12, 127], [0, 7, 9]], dtype)
    b = np.array([3, 10, 15], dtype)
    for op_type, symbol in (("BitwiseAnd", "&"), ("BitwiseOr", "|"), ("BitwiseXor", "^")):
        source = assert_matches_ort(node_model(op_type, [("a", a), ("b", b)], opset=18), [a, b])
        assert f"a {symbol} b" in source
    assert_matches_ort(node_model("BitwiseNot", [("a", a)], opset=18), [a])


def test_legacy_broadcast_axis_attribute() -> None:
    """Opset 6 ``broadcast=1, axis=1``: B aligns with A's axis 1 (no onnxruntime kernel)."""
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    b = np.array([10, 20, 30], np.float32)
    model = node_model("Add", [("a", a), ("b", b)], opset=6, broadcast=1, axis=1)
    (out,) = run_ms(model, [a, b])
    np.testing.assert_array_equal(out, a + b[:, None])
