"""A small residual network built with onnx.helper, named like a PyTorch export."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def build() -> onnx.ModelProto:
    """stem conv+bn+relu, layer1 = 2 identical basic blocks, pool, flatten, fc."""
    rng = np.random.default_rng(42)
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def weight(name: str, *shape: int, scale: float = 0.2) -> str:
        inits.append(numpy_helper.from_array(
            (rng.standard_normal(shape) * scale).astype(np.float32), name))
        return name

    def conv_bn(scope: str, x: str, cin: int, cout: int, stride: int = 1) -> str:
        path = "/".join(scope.split("/"))
        dotted = scope.replace("/", ".")
        w = weight(f"{dotted}.conv.weight", cout, cin, 3, 3)
        nodes.append(helper.make_node("Conv", [x, w], [f"{dotted}.c"], name=f"/{path}/conv/Conv",
                                      pads=[1, 1, 1, 1], strides=[stride, stride]))
        bn = [weight(f"{dotted}.bn.{n}", cout, scale=s) for n, s in
              (("weight", 0.1), ("bias", 0.1), ("running_mean", 0.1))]
        var = f"{dotted}.bn.running_var"
        inits.append(numpy_helper.from_array(
            rng.uniform(0.5, 1.5, cout).astype(np.float32), var))
        nodes.append(helper.make_node("BatchNormalization", [f"{dotted}.c", *bn, var],
                                      [f"{dotted}.b"], name=f"/{path}/bn/BatchNormalization"))
        return f"{dotted}.b"

    x = conv_bn("stem", "image", 3, 8, 2)
    nodes.append(helper.make_node("Relu", [x], ["stem.r"], name="/stem/Relu"))
    x = "stem.r"
    for i in range(2):
        scope = f"layer1/layer1.{i}"
        h = conv_bn(f"{scope}/conv1", x, 8, 8)
        nodes.append(helper.make_node("Relu", [h], [f"l{i}.r1"], name=f"/{scope}/Relu"))
        h = conv_bn(f"{scope}/conv2", f"l{i}.r1", 8, 8)
        nodes.append(helper.make_node("Add", [h, x], [f"l{i}.add"], name=f"/{scope}/Add"))
        nodes.append(helper.make_node("Relu", [f"l{i}.add"], [f"l{i}.out"],
                                      name=f"/{scope}/Relu_1"))
        x = f"l{i}.out"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pool"],
                                  name="/pool/GlobalAveragePool"))
    nodes.append(helper.make_node("Flatten", ["pool"], ["flat"], name="/Flatten"))
    nodes.append(helper.make_node("Gemm", ["flat", weight("fc.weight", 4, 8), weight("fc.bias", 4)],
                                  ["logits"], name="/fc/Gemm", transB=1))
    graph = helper.make_graph(
        nodes, "residual",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 16, 16])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 4])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             producer_name="mindconverter-tests")
