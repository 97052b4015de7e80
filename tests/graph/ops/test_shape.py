"""Tensor-manipulation converters (ops/shape.py) against onnxruntime.

The ONNX conformance cases feed most shape-like inputs at run time; these tests cover the
constant forms (initializers), the attribute forms of old opsets and the readable code emitted.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.backend import MindSporeBackend
from mindconverter.converter.graph.verify import run_onnxruntime

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics

I64_MAX = np.iinfo(np.int64).max


def check(op: str, inputs: list[tuple[str, np.ndarray]],
          consts: list[tuple[str, np.ndarray]] = (), n_outputs: int = 1, opset: int = 17,
          modes: tuple[str, ...] = ("pynative",), out_rank: int | None = None,
          order: list[str] | None = None, **attrs: Any) -> str:
    """Convert a one-node model, compare with onnxruntime; returns the generated source.

    ``out_rank`` declares symbolic output dims where ONNX cannot infer them (run-time shapes);
    ``order`` reorders the node's inputs (runtime inputs and constants come first otherwise).
    """
    model = single_node_model(op, inputs, n_outputs, opset, consts, **attrs)
    if order is not None:
        model.graph.node[0].input[:] = order
    model = onnx.shape_inference.infer_shapes(model)
    for out in model.graph.output:
        tensor = out.type.tensor_type
        if out_rank is not None and not tensor.HasField("shape"):
            for d in range(out_rank):
                tensor.shape.dim.add().dim_param = f"d{d}"
    return assert_matches_ort(model, [a for _, a in inputs], modes=modes)


def check_bfloat16(op: str, inputs: list[tuple[str, np.ndarray]],
                   consts: list[tuple[str, np.ndarray]] = (), **attrs: Any) -> str:
    """Run a bfloat16 model (whose kernels MindSpore's CPU lacks) against onnxruntime's float32.

    Float32 inputs are rounded to bfloat16 first, so data movement must match exactly.
    """
    import ml_dtypes

    def bf16(pairs: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
        return [(n, a.astype(ml_dtypes.bfloat16) if a.dtype == np.float32 else a)
                for n, a in pairs]

    def f32(pairs: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
        return [(n, a.astype(np.float32) if a.dtype.kind == "V" or a.dtype.name == "bfloat16"
                 else a) for n, a in bf16(pairs)]

    reference = single_node_model(op, f32(inputs), 1, 17, f32(list(consts)), **attrs)
    reference = onnx.shape_inference.infer_shapes(reference)
    expected = run_onnxruntime(reference, [n for n, _ in inputs], [a for _, a in f32(inputs)])[0]
    model = single_node_model(op, bf16(inputs), 1, 17, bf16(list(consts)), **attrs)
    model = onnx.shape_inference.infer_shapes(model)
    rep = MindSporeBackend.prepare(model, "CPU")
    actual = rep.run([a for _, a in bf16(inputs)])[0]
    wanted = "bfloat16" if expected.dtype == np.float32 else expected.dtype.name
    assert actual.dtype.name == wanted
    np.testing.assert_array_equal(actual.astype(np.float32), expected.astype(np.float32))
    return rep.script_source or ""


def arange(*shape: int, dtype: str = "float32") -> np.ndarray:
    return np.arange(int(np.prod(shape))).reshape(shape).astype(dtype)


def i64(*values: int) -> np.ndarray:
    return np.array(values, np.int64)


# -- shapes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, -1), (0, 12), (-1,), (3, 2, 1, 4)])
def test_reshape_uses_the_static_output_shape(shape: tuple[int, ...]) -> None:
    source = check("Reshape", [("x", arange(2, 3, 4))], [("s", i64(*shape))], opset=14)
    assert "ops.reshape(x, (" in source


def test_reshape_with_runtime_shape_input() -> None:
    check("Reshape", [("x", arange(2, 3, 4)), ("s", i64(4, 6))])


@pytest.mark.parametrize("axis", [0, 1, 2, -1, 3])
def test_flatten(axis: int) -> None:
    source = check("Flatten", [("x", arange(2, 3, 2, 2))], axis=axis, opset=13)
    if axis == 1:
        assert "ops.flatten(x)" in source


@pytest.mark.parametrize("perm", [None, [0, 2, 1], [2, 0, 1]])
def test_transpose(perm: list[int] | None) -> None:
    attrs = {} if perm is None else {"perm": perm}
    check("Transpose", [("x", arange(2, 3, 4))], **attrs)


def test_identity_transpose_is_an_alias() -> None:
    source = check("Transpose", [("x", arange(2, 3))], perm=[0, 1])
    assert "ops.transpose" not in source


@pytest.mark.parametrize("opset", [11, 13])
@pytest.mark.parametrize("axes", [None, [1], [-1, 0]])
def test_squeeze_attribute_and_input_forms(opset: int, axes: list[int] | None) -> None:
    x = arange(2, 1, 3) if axes == [1] else arange(1, 3, 1)
    if axes is None:
        check("Squeeze", [("x", x)], opset=opset)
    elif opset < 13:
        check("Squeeze", [("x", x)], opset=opset, axes=axes)
    else:
        source = check("Squeeze", [("x", x)], [("axes", i64(*axes))], opset=opset)
        assert "ops.squeeze(x" in source


@pytest.mark.parametrize("opset", [11, 13])
@pytest.mark.parametrize("axes", [[0], [-1], [1, 3], [3, 0]])
def test_unsqueeze_attribute_and_input_forms(opset: int, axes: list[int]) -> None:
    x = arange(2, 3)
    if opset < 13:
        source = check("Unsqueeze", [("x", x)], opset=opset, axes=axes)
    else:
        source = check("Unsqueeze", [("x", x)], [("axes", i64(*axes))], opset=opset)
    if len(axes) == 1:
        assert "ops.expand_dims(x, " in source


def test_squeeze_and_unsqueeze_with_runtime_axes() -> None:
    check("Squeeze", [("x", arange(2, 1, 3)), ("axes", i64(1))], out_rank=2)
    check("Unsqueeze", [("x", arange(2, 3)), ("axes", i64(0, 3))], out_rank=4)


def test_expand_and_tile() -> None:
    source = check("Expand", [("x", arange(3, 1))], [("s", i64(2, 1, 4))])
    assert "ops.broadcast_to(x, (2, 3, 4))" in source
    source = check("Tile", [("x", arange(2, 3))], [("r", i64(2, 1))])
    assert "ops.tile(x, (2, 1))" in source
    check("Tile", [("x", arange(2, 3, dtype="int32")), ("r", i64(1, 3))])


# -- joining and splitting -------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8", "float16"])
def test_concat_dtypes_and_constant_operands(dtype: str) -> None:
    a, b = arange(2, 3, dtype=dtype), arange(2, 1, dtype=dtype)
    source = check("Concat", [("a", a), ("b", b)], [("c", arange(2, 2, dtype=dtype))], axis=-1)
    assert "ops.cat((a, b, self." in source


def test_concat_skips_empty_inputs() -> None:
    source = check("Concat", [("a", arange(2, 3)), ("b", arange(0, 3))], axis=0)
    assert "ops.cat" not in source


@pytest.mark.parametrize(("opset", "split", "n"), [
    (11, None, 3), (11, [1, 5], 2), (13, [2, 0, 4], 3), (18, None, 4), (18, [3, 3], 2),
])
def test_split_forms(opset: int, split: list[int] | None, n: int) -> None:
    x = arange(2, 6)
    if split is None:
        attrs = {"num_outputs": n} if opset >= 18 else {}
        source = check("Split", [("x", x)], n_outputs=n, opset=opset, axis=1, **attrs)
    elif opset < 13:
        source = check("Split", [("x", x)], n_outputs=n, opset=opset, axis=1, split=split)
    else:
        source = check("Split", [("x", x)], [("s", i64(*split))], n_outputs=n, opset=opset,
                       axis=1)
    assert "ops.split(x, " in source


# -- slicing ---------------------------------------------------------------------------------
SLICES = [
    ([1], [3], [1], None, "x[:, 1:]"),
    ([-1], [I64_MAX], [2], None, "x[..., -1:]"),
    ([0, 1], [-1, 1000], [0, 2], None, "x[:-1, :, 1:]"),
    ([-9, 2], [-2, -1], [0, 2], None, "x[:-2, :, 2:-1]"),
    ([I64_MAX], [-I64_MAX], [1], [-1], "x[:, ::-1]"),
    ([-2], [0], [2], [-2], "x[..., 3:0:-2]"),
    ([10], [-100], [0], [-1], "x[::-1]"),
    ([-100], [-200], [0], [-1], "x[0:0:-1]"),
    ([1, 0], [2, 5], [1, 2], [1, 3], "x[:, 1:2, ::3]"),
]


@pytest.mark.parametrize(("starts", "ends", "axes", "steps", "code"), SLICES)
def test_slice_with_constant_bounds(starts: list[int], ends: list[int], axes: list[int],
                                    steps: list[int] | None, code: str) -> None:
    consts = [("st", i64(*starts)), ("en", i64(*ends)), ("ax", i64(*axes))]
    if steps is not None:
        consts.append(("sp", i64(*steps)))
    source = check("Slice", [("x", arange(4, 3, 5))], consts, opset=13)
    if code != "x[0:0:-1]":
        assert code in source


def test_slice_opset1_attributes() -> None:
    source = check("Slice", [("x", arange(4, 3, 5))], opset=9, starts=[1, -2], ends=[3, 100],
                   axes=[0, 2])
    assert "x[1:3, :, -2:]" in source


def test_slice_with_runtime_bounds_and_negative_steps() -> None:
    x = arange(6, 10)
    inputs = [("x", x), ("st", i64(100, -1)), ("en", i64(-100, 0)), ("ax", i64(0, -1)),
              ("sp", i64(-2, -3))]
    check("Slice", inputs, opset=13, modes=("pynative", "graph"), out_rank=2)
    check("Slice", inputs[:3], opset=13, out_rank=2)


# -- padding ---------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["constant", "reflect", "edge", "wrap"])
def test_pad_modes_on_spatial_dims(mode: str) -> None:
    pads = i64(0, 0, 1, 2, 0, 0, 2, 1)
    consts = [("p", pads)] + ([("v", np.array(1.5, np.float32))] if mode == "constant" else [])
    source = check("Pad", [("x", arange(1, 2, 4, 5))], consts, opset=19, mode=mode)
    assert "ops.pad(x, (2, 1, 1, 2)" in source


@pytest.mark.parametrize("mode", ["reflect", "edge"])
def test_pad_every_dim_of_a_2d_tensor(mode: str) -> None:
    source = check("Pad", [("x", arange(3, 4))], [("p", i64(1, 2, 2, 1))], opset=13, mode=mode)
    assert "ops.expand_dims(x, 0)" in source


def test_pad_opset2_attributes_and_negative_crop() -> None:
    check("Pad", [("x", arange(3, 4))], opset=2, pads=[1, -1, 0, 2], value=-3.0)


def test_pad_axes_input_and_int_value() -> None:
    consts = [("p", i64(2, 1)), ("v", np.array(7, np.int32)), ("a", i64(-1))]
    source = check("Pad", [("x", arange(2, 3, dtype="int32"))], consts, opset=18)
    assert "value=7" in source


def test_pad_with_runtime_pads_and_axes() -> None:
    check("Pad", [("x", arange(1, 3, 4, 5)), ("p", i64(1, 0, 0, 2)), ("v", np.array(2, np.float32)),
                  ("a", i64(2, -1))], opset=18, modes=("pynative", "graph"), out_rank=4)


# -- constants and types ---------------------------------------------------------------------
@pytest.mark.parametrize("value", [None, np.array([1], np.int64), np.array([2.5], np.float16),
                                   np.array([True])])
def test_constant_of_shape(value: np.ndarray | None) -> None:
    attrs = {} if value is None else {"value": onnx.numpy_helper.from_array(value)}
    check("ConstantOfShape", [("s", i64(2, 3))], **attrs)


CASTS = [
    ("float32", "int32"), ("float32", "int8"), ("float32", "int64"), ("float32", "bool"),
    ("float32", "float16"), ("float64", "float32"), ("int64", "float32"), ("bool", "float32"),
    ("int32", "bool"), ("float16", "int16"), ("uint8", "int64"), ("int64", "uint8"),
]


@pytest.mark.parametrize(("src", "dst"), CASTS)
def test_cast_dtypes_truncate_like_onnx(src: str, dst: str) -> None:
    x = np.array([[-2.7, -0.5, 0.0], [0.4, 1.9, 3.5]]).astype(src)
    to = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dst))
    source = check("Cast", [("x", x)], to=to)
    assert f"ops.cast(x, ms.{'bool_' if dst == 'bool' else dst})" in source


def test_cast_to_the_same_type_is_an_alias_and_castlike_reads_the_second_input() -> None:
    source = check("Cast", [("x", arange(2, 2))], to=onnx.TensorProto.FLOAT)
    assert "ops.cast" not in source
    source = check("CastLike", [("x", arange(2, 2)), ("t", np.zeros(1, np.int32))])
    assert "ops.cast(x, ms.int32)" in source


def test_dropout_returns_the_input_and_a_true_mask() -> None:
    check("Dropout", [("x", arange(2, 3))], n_outputs=2, opset=13)
    check("Dropout", [("x", arange(2, 3))], opset=7)


@pytest.mark.parametrize(("start", "limit", "delta", "dtype"), [
    (1, 11, 3, "int32"), (10, 2, -2, "int64"), (0.5, 2.0, 0.25, "float32"),
])
def test_range_constant_and_runtime_bounds(start: Any, limit: Any, delta: Any, dtype: str
                                           ) -> None:
    values = [np.array(v, dtype) for v in (start, limit, delta)]
    check("Range", [("l", values[1])], [("s", values[0]), ("d", values[2])], opset=11)
    check("Range", list(zip("sld", values)), opset=11)


@pytest.mark.parametrize("k", [0, 2, -1])
def test_eye_like(k: int) -> None:
    check("EyeLike", [("x", arange(3, 4))], k=k)
    check("EyeLike", [("x", arange(4, 3, dtype="int32"))], k=k, dtype=onnx.TensorProto.INT64)


@pytest.mark.parametrize("upper", [0, 1])
@pytest.mark.parametrize("k", [None, 1, -2])
def test_trilu_constant_and_runtime_k(upper: int, k: int | None) -> None:
    x = arange(2, 4, 5)
    consts = [] if k is None else [("k", np.array(k, np.int64))]
    source = check("Trilu", [("x", x)], consts, opset=14, upper=upper)
    assert ("ops.triu" if upper else "ops.tril") in source
    if k is not None:
        check("Trilu", [("x", x), ("k", np.array(k, np.int64))], opset=14, upper=upper)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot_wraps_negative_indices(axis: int) -> None:
    indices = np.array([[0, -1, 3], [4, -5, 9]], np.int64)
    consts = [("d", np.array(5, np.float32)), ("v", np.array([-1, 2], np.int32))]
    check("OneHot", [("i", indices)], consts, opset=11, axis=axis)
    check("OneHot", [("i", indices.astype(np.float32)), ("d", np.array(5.0, np.float32)),
                     ("v", np.array([0.5, 3], np.float32))], opset=11, axis=axis)


def test_graph_mode_sample() -> None:
    x = arange(2, 3, 4)
    check("Transpose", [("x", x)], perm=[1, 0, 2], modes=("pynative", "graph"))
    check("Split", [("x", x)], [("s", i64(1, 3))], n_outputs=2, opset=13, axis=2,
          modes=("pynative", "graph"))
    check("Slice", [("x", x)], [("s", i64(-1)), ("e", i64(-I64_MAX)), ("a", i64(2)),
                                ("p", i64(-1))], opset=13, modes=("pynative", "graph"))
    check("Pad", [("x", arange(1, 2, 3, 4))], [("p", i64(0, 0, 1, 1, 0, 0, 1, 1))], opset=13,
          mode="reflect", modes=("pynative", "graph"))
    check("Cast", [("x", x)], to=onnx.TensorProto.INT32, modes=("pynative", "graph"))


BF16_CASES = [
    ("Slice", [("x", arange(3, 4))], [("s", i64(-1)), ("e", i64(-9)), ("a", i64(1)),
                                     ("p", i64(-1))], {}),
    ("Pad", [("x", arange(1, 3, 4))], [("p", i64(0, 0, 1, 0, 0, 2))], {"mode": "reflect"}),
    ("Pad", [("x", arange(3, 4))], [("p", i64(1, 0, 0, 2)), ("v", np.array(2, np.float32))], {}),
    ("Tile", [("x", arange(2, 3))], [("r", i64(2, 2))], {}),
    ("Flatten", [("x", arange(2, 3, 4))], [], {}),
    ("Trilu", [("x", arange(3, 4))], [], {"upper": 0}),
    ("EyeLike", [("x", arange(3, 4))], [], {"k": 1}),
]


@pytest.mark.parametrize(("op", "inputs", "consts", "attrs"), BF16_CASES,
                         ids=[c[0] + str(i) for i, c in enumerate(BF16_CASES)])
def test_bfloat16_through_float32_kernels(op: str, inputs: list, consts: list, attrs: dict
                                          ) -> None:
    check_bfloat16(op, inputs, consts, **attrs)


@pytest.mark.parametrize(("op", "attrs", "text", "expected"), [
    ("Shape", {}, "ms.Tensor(x.shape, ms.int64)", [2, 3, 4]),
    ("Shape", {"start": 1, "end": -1}, "ms.Tensor(x.shape[1:-1], ms.int64)", [3]),
    ("Size", {}, "ms.Tensor(x.size, ms.int64)", 24),
])
def test_shape_and_size_when_not_folded(op: str, attrs: dict, text: str, expected: Any) -> None:
    """Shape/Size of a value with a static shape are folded; converted, they read x.shape."""
    import mindspore as ms
    from mindconverter.converter.graph.context import ConstStore, ConvertContext, ValueInfo
    from mindconverter.converter.graph.ops.shape import convert_shape, convert_size
    from mindconverter.converter.graph.render import Renderer

    node = onnx.helper.make_node(op, ["x"], ["y"], **attrs)
    values = {"x": ValueInfo((2, 3, 4), np.dtype("float32"))}
    ctx = ConvertContext(node, 21, values, {}, ConstStore())
    spec = (convert_shape if op == "Shape" else convert_size)(ctx)
    source = Renderer(lambda i: "x", "", str).expr(spec.expr)
    assert source == text
    result = eval(source, {"ms": ms, "x": ms.Tensor(arange(2, 3, 4))})
    assert result.dtype == ms.int64
    np.testing.assert_array_equal(result.asnumpy(), expected)
