"""Small ONNX models built in code for the graph converter's tests."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def conv_reshape_relu(opset: int = 13) -> onnx.ModelProto:
    """x[1,3,8,8] → Conv(8, 3x3, pad 1) → Reshape(1, -1) → Relu → y[1, 512]."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((8, 3, 3, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["x", "stem.conv.weight", "stem.conv.bias"], ["c"],
                         name="/stem/conv/Conv", pads=[1] * 4),
        helper.make_node("Reshape", ["c", "shape"], ["r"], name="/head/Reshape"),
        helper.make_node("Relu", ["r"], ["y"], name="/head/Relu"),
    ]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 512])],
        [numpy_helper.from_array(w, "stem.conv.weight"),
         numpy_helper.from_array(b, "stem.conv.bias"),
         numpy_helper.from_array(np.array([1, -1], np.int64), "shape")],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def custom_domain_model() -> onnx.ModelProto:
    """x → Relu → com.example::MyOp(alpha=0.5) → Sigmoid → y (MyOp has no converter)."""
    nodes = [
        helper.make_node("Relu", ["x"], ["a"], name="relu"),
        helper.make_node("MyOp", ["a"], ["m"], name="my_op", domain="com.example", alpha=0.5),
        helper.make_node("Sigmoid", ["m"], ["y"], name="sigmoid"),
    ]
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                   helper.make_opsetid("com.example", 1)])
