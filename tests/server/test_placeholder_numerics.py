"""The concrete code of a placeholder fix computes what the ONNX operator computes.

One-node ONNX models run in onnxruntime; the expression the quick fix writes (built from the
recorded shapes only) runs in MindSpore on the same input.
"""

from __future__ import annotations

import numpy as np
import pytest
from mindconverter.server.op_records import OpRecord
from mindconverter.server.placeholder_fixes import concrete_expression

pytestmark = pytest.mark.numerics

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
helper = onnx.helper

F32, I64 = onnx.TensorProto.FLOAT, onnx.TensorProto.INT64


def run_onnx(node, x: np.ndarray, initializers=(), opset: int = 13, out_type=F32) -> np.ndarray:
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("x", F32, list(x.shape))],
        [helper.make_tensor_value_info("y", out_type, None)],
        [onnx.numpy_helper.from_array(np.asarray(v), name) for name, v in initializers],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": x})[0]


def run_fix(op: str, x: np.ndarray, y: np.ndarray, attributes: dict, dtypes=()) -> np.ndarray:
    ms = pytest.importorskip("mindspore")
    from mindspore import ops

    record = OpRecord(
        op, None, (x.shape,), (y.shape,), (x.shape,), attributes, output_dtypes=dtypes
    )
    expression = concrete_expression(record, "x")
    assert expression is not None, op
    value = eval(expression, {"ms": ms, "ops": ops, "x": ms.Tensor(x)})  # the generated code
    return value.asnumpy()


CASES = [
    ("Reshape", {}, [("shape", np.array([4, 6], np.int64))], ["x", "shape"], {}),
    ("Flatten", {"axis": 2}, [], ["x"], {"axis": 2}),
    ("Squeeze", {}, [("axes", np.array([1], np.int64))], ["x", "axes"], {}),
    ("Unsqueeze", {}, [("axes", np.array([0, 3], np.int64))], ["x", "axes"], {}),
    ("Expand", {}, [("shape", np.array([2, 1, 3, 4], np.int64))], ["x", "shape"], {}),
    ("Tile", {}, [("repeats", np.array([1, 2, 1, 3], np.int64))], ["x", "repeats"], {}),
    ("Transpose", {"perm": [0, 2, 3, 1]}, [], ["x"], {}),  # recorded without perm: from shapes
    ("Transpose", {"perm": [3, 1, 0, 2]}, [], ["x"], {"perm": [3, 1, 0, 2]}),
]


@pytest.mark.parametrize(("op", "node_attrs", "inits", "inputs", "recorded"), CASES)
def test_shape_ops_match_onnxruntime(op, node_attrs, inits, inputs, recorded) -> None:
    x = (
        np.random.default_rng(0)
        .standard_normal((2, 1, 3, 4) if op != "Reshape" else (2, 3, 4))
        .astype(np.float32)
    )
    if op in ("Squeeze",):
        x = x.reshape(2, 1, 12)
    if op == "Expand":
        x = x[:, :, :1, :]
    node = helper.make_node(op, inputs, ["y"], **node_attrs)
    expected = run_onnx(node, x, inits)
    np.testing.assert_array_equal(run_fix(op, x, expected, recorded), expected)


@pytest.mark.parametrize(
    ("attributes", "size"),
    [
        ({"mode": "nearest"}, 8),
        ({"mode": "linear", "coordinate_transformation_mode": "align_corners"}, 7),
        ({"mode": "linear"}, 8),
        ({"mode": "linear"}, 6),
        (
            {
                "mode": "nearest",
                "coordinate_transformation_mode": "asymmetric",
                "nearest_mode": "floor",
            },
            6,
        ),
    ],
)
def test_resize_matches_onnxruntime(attributes: dict, size: int) -> None:
    x = np.random.default_rng(1).standard_normal((1, 2, 4, 4)).astype(np.float32)
    sizes = np.array([1, 2, size, size], np.int64)
    node = helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], **attributes)
    expected = run_onnx(node, x, [("sizes", sizes)])
    np.testing.assert_allclose(
        run_fix("Resize", x, expected, attributes), expected, rtol=1e-5, atol=1e-5
    )


def test_constant_of_shape_and_shape() -> None:
    x = np.zeros((2, 3, 4), np.float32)
    shape_node = helper.make_node("Shape", ["x"], ["y"])
    expected = run_onnx(shape_node, x, out_type=I64)
    np.testing.assert_array_equal(run_fix("Shape", x, expected, {}), expected)
    ms = pytest.importorskip("mindspore")
    from mindspore import ops

    record = OpRecord(
        "ConstantOfShape",
        None,
        ((3,),),
        ((2, 3, 4),),
        ((3,),),
        {"value": [1.5]},
        output_dtypes=("float32",),
    )
    value = eval(concrete_expression(record, None), {"ms": ms, "ops": ops})
    np.testing.assert_array_equal(value.asnumpy(), np.full((2, 3, 4), 1.5, np.float32))
