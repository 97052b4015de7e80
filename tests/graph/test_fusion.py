"""The fusion pass: exact LayerNorm/GELU patterns become one layer, near misses stay as they are,
and a Softmax behind a ``-inf`` mask that may block whole rows is guarded."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.folding import fold_constants
from mindconverter.converter.graph.fusion import FUSED_DOMAIN, fuse_graph
from mindconverter.converter.graph.registry import default_registry
from onnx import TensorProto, helper, numpy_helper

from mindconverter import convert_onnx

# -- graph level (no MindSpore) ---------------------------------------------------------------


def _layer_norm_graph(axes: tuple[int, int] = (-1, -1), eps: float = 1e-5, exponent: float = 2.0,
                      expose: str | None = None, opset: int = 14) -> onnx.ModelProto:
    """x[2,3,8] → the TorchScript exporter's decomposed LayerNorm → y."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(np.array(exponent, np.float32), "two"),
        numpy_helper.from_array(np.array(eps, np.float32), "eps"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "ln.weight"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32), "ln.bias"),
    ]
    nodes = [
        helper.make_node("ReduceMean", ["x"], ["m"], name="/ln/ReduceMean", axes=[axes[0]]),
        helper.make_node("Sub", ["x", "m"], ["d"], name="/ln/Sub"),
        helper.make_node("Pow", ["d", "two"], ["p"], name="/ln/Pow"),
        helper.make_node("ReduceMean", ["p"], ["v"], name="/ln/ReduceMean_1", axes=[axes[1]]),
        helper.make_node("Add", ["v", "eps"], ["e"], name="/ln/Add"),
        helper.make_node("Sqrt", ["e"], ["s"], name="/ln/Sqrt"),
        helper.make_node("Div", ["d", "s"], ["n"], name="/ln/Div"),
        helper.make_node("Mul", ["n", "ln.weight"], ["w"], name="/ln/Mul"),
        helper.make_node("Add", ["w", "ln.bias"], ["y"], name="/ln/Add_1"),
    ]
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    if expose:
        outputs.append(helper.make_tensor_value_info(expose, TensorProto.FLOAT, None))
    graph = helper.make_graph(
        nodes, "ln", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 8])],
        outputs, inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _fuse(model: onnx.ModelProto) -> tuple[list[str], dict[str, np.ndarray], list[str]]:
    constants: dict[str, np.ndarray] = {}
    work, values = fold_constants(model, constants)
    notes: list[str] = []
    fuse_graph(work, values, constants, notes, default_registry)
    return [n.op_type for n in work.graph.node], constants, notes


def test_decomposed_layer_norm_becomes_one_node() -> None:
    model = _layer_norm_graph(eps=1e-6)
    constants: dict[str, np.ndarray] = {}
    work, values = fold_constants(model, constants)
    notes: list[str] = []
    fuse_graph(work, values, constants, notes, default_registry)
    (node,) = work.graph.node
    assert (node.op_type, node.domain, node.name) == (
        "LayerNormalization", FUSED_DOMAIN, "/ln/LayerNormalization")
    assert node.input[0] == "x" and list(node.output) == ["y"]
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    assert attrs["axis"] == 2 and attrs["epsilon"] == pytest.approx(1e-6)
    np.testing.assert_array_equal(constants[node.input[1]], constants["ln.weight"])
    np.testing.assert_array_equal(constants[node.input[2]], constants["ln.bias"])
    assert notes == ["fused decomposed subgraphs into single layers: 1 LayerNormalization"]


@pytest.mark.parametrize("kwargs", [
    {"axes": (1, 1)},  # not the trailing axis
    {"axes": (-1, 1)},  # the variance over another axis
    {"exponent": 3.0},  # not a square
    {"expose": "d"},  # an intermediate value is also a graph output
])
def test_near_miss_layer_norm_is_left_alone(kwargs: dict) -> None:
    ops, _, notes = _fuse(_layer_norm_graph(**kwargs))
    assert "LayerNormalization" not in ops and ops.count("ReduceMean") == 2
    assert notes == []


def test_extra_consumer_of_an_intermediate_blocks_the_fusion() -> None:
    model = _layer_norm_graph()
    model.graph.node.append(helper.make_node("Relu", ["v"], ["r"], name="/other/Relu"))
    model.graph.output.append(helper.make_tensor_value_info("r", TensorProto.FLOAT, None))
    ops, _, _ = _fuse(model)
    assert "LayerNormalization" not in ops


def test_layer_norm_without_affine_gets_unit_scale() -> None:
    model = _layer_norm_graph()
    del model.graph.node[-2:]
    model.graph.output[0].name = "n"
    constants: dict[str, np.ndarray] = {}
    work, values = fold_constants(model, constants)
    fuse_graph(work, values, constants, [], default_registry)
    (node,) = work.graph.node
    assert len(node.input) == 2 and list(node.output) == ["n"]
    np.testing.assert_array_equal(constants[node.input[1]], np.ones(8, np.float32))


def _gelu_graph(root: float = math.sqrt(2.0), order: str = "x_first", half: float = 0.5
                ) -> onnx.ModelProto:
    """Erf GELU in one of the exporters' orders: TorchScript ``(x * c) * 0.5`` / ``(0.5 * x) *
    c``, dynamo ``x * (0.5 * c)`` where ``c = 1 + erf(x / root)``."""
    inits = [numpy_helper.from_array(np.array(v, np.float32), n)
             for n, v in (("root", root), ("one", 1.0), ("half", half))]
    nodes = [
        helper.make_node("Div", ["x", "root"], ["a"], name="/mlp/Div"),
        helper.make_node("Erf", ["a"], ["b"], name="/mlp/Erf"),
        helper.make_node("Add", ["b", "one"], ["c"], name="/mlp/Add"),
    ]
    first, second = {
        "x_first": (["x", "c"], ["h", "half"]),
        "half_first": (["half", "x"], ["h", "c"]),
        "half_inner": (["half", "c"], ["x", "h"]),
    }[order]
    nodes += [helper.make_node("Mul", first, ["h"], name="/mlp/Mul"),
              helper.make_node("Mul", second, ["y"], name="/mlp/Mul_1")]
    graph = helper.make_graph(
        nodes, "gelu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("order", ["x_first", "half_first", "half_inner"])
def test_erf_gelu_becomes_gelu(order: str) -> None:
    model = _gelu_graph(order=order)
    x = np.random.default_rng(0).standard_normal((2, 16)).astype(np.float32)
    expected = _run_reference(model, x)[0]
    ops, _, notes = _fuse(model)
    assert ops == ["Gelu"] and notes == ["fused decomposed subgraphs into single layers: 1 Gelu"]
    exact = 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2.0)))
    np.testing.assert_allclose(expected, exact, rtol=1e-5, atol=1e-6)  # the graph is a GELU


@pytest.mark.parametrize(("root", "order", "half"),
                         [(1.41, "x_first", 0.5), (math.sqrt(2.0), "half_inner", 0.6)])
def test_gelu_with_another_constant_is_left_alone(root: float, order: str, half: float) -> None:
    ops, _, _ = _fuse(_gelu_graph(root=root, order=order, half=half))
    assert ops == ["Div", "Erf", "Add", "Mul", "Mul"]


def test_one_op_models_are_untouched() -> None:
    node = helper.make_node("Softmax", ["x"], ["y"], axis=-1)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, [2, 4])], [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                                                          None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    constants: dict[str, np.ndarray] = {}
    work, values = fold_constants(model, constants)
    before = work.SerializeToString()
    fuse_graph(work, values, constants, [], default_registry)
    assert work.SerializeToString() == before


# -- generated scripts, against PyTorch and onnxruntime ---------------------------------------


def _export(model: object, example: tuple, path: Path, opset: int = 14) -> None:
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, example, str(path), opset_version=opset, dynamo=False,
                          input_names=[f"in{i}" for i in range(len(example))])


def _hand_models() -> dict[str, object]:
    import torch
    from torch import nn

    class HandLayerNorm(nn.Module):
        """LayerNorm written by hand (exports as ReduceMean/Sub/Pow/Sqrt/Div), then GELU by hand."""

        def __init__(self, variance_axis: int = -1, leak: bool = False) -> None:
            super().__init__()
            torch.manual_seed(0)
            self.weight = nn.Parameter(torch.randn(16))
            self.bias = nn.Parameter(torch.randn(16))
            self.variance_axis, self.leak = variance_axis, leak

        def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
            centred = x - x.mean(-1, keepdim=True)
            var = centred.pow(2).mean(self.variance_axis, keepdim=True)
            y = centred / torch.sqrt(var + 1e-6) * self.weight + self.bias
            y = y * 0.5 * (1.0 + torch.erf(y / math.sqrt(2.0)))
            return (y, centred) if self.leak else y

    return {"exact": HandLayerNorm(), "wrong_axis": HandLayerNorm(variance_axis=1),
            "extra_consumer": HandLayerNorm(leak=True)}


@pytest.mark.numerics
@pytest.mark.parametrize("name", ["exact", "wrong_axis", "extra_consumer"])
def test_hand_written_layer_norm(name: str, tmp_path: Path) -> None:
    import torch

    from tests.numerics.helpers import assert_network_matches

    model = _hand_models()[name].eval()
    example = torch.randn(2, 4, 16)
    with torch.no_grad():
        expected = model(example)
    expected = expected if isinstance(expected, tuple) else (expected,)
    path = tmp_path / f"{name}.onnx"
    _export(model, (example,), path)
    feeds = [example.numpy()]
    result = convert_onnx(str(path), str(tmp_path / "out"), input_data=feeds)
    assert result.verification.status == "passed", result.verification
    assert_network_matches(result, feeds, [e.numpy() for e in expected])
    script = Path(result.script).read_text(encoding="utf-8")
    if name == "exact":
        assert script.count("nn.LayerNorm(") == 1 and "epsilon=1e-06" in script
        assert "mean(" not in script and "ops.sqrt" not in script
        assert "ops.gelu(" in script and "ops.erf" not in script
    else:
        assert "nn.LayerNorm(" not in script and script.count("mint.mean(") == 2
        assert "ops.gelu(" in script  # the GELU that follows is still exact


@pytest.mark.numerics
def test_fully_masked_rows_match_onnxruntime(tmp_path: Path) -> None:
    """A padding mask that blocks every key of one sample: NaN rows for that sample (as in
    PyTorch and onnxruntime), exact rows for the others (MindSpore's CPU softmax alone zeroes
    every row after a row that is all -inf)."""
    import torch
    from torch import nn

    class Padded(nn.Module):
        def forward(self, x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
            scores = x @ x.transpose(1, 2) + pad.unsqueeze(1)
            return torch.softmax(scores, -1) @ x

    model = Padded().eval()
    x = torch.randn(3, 5, 16)
    pad = torch.zeros(3, 5)
    pad[0] = float("-inf")  # first sample: every key blocked
    pad[1, 3:] = float("-inf")
    with torch.no_grad():
        expected = model(x, pad).numpy()
    assert np.isnan(expected[0]).all() and np.isfinite(expected[1:]).all()
    path = tmp_path / "padded.onnx"
    _export(model, (x, pad), path, opset=17)
    feeds = [x.numpy(), pad.numpy()]
    result = convert_onnx(str(path), str(tmp_path / "out"), input_data=feeds)
    assert result.verification.status == "passed", result.verification
    assert "ops.amax" in Path(result.script).read_text(encoding="utf-8")
    from mindconverter.converter.graph.verify import run_mindspore

    from tests.numerics.helpers import load_generated

    net = load_generated(result)
    for mode in ("pynative", "graph"):
        (actual,) = run_mindspore(net, feeds, mode)
        assert np.isnan(actual[0]).all(), mode
        np.testing.assert_allclose(actual[1:], expected[1:], rtol=1e-4, atol=1e-5, err_msg=mode)


def _gather_chain(head: list[onnx.NodeProto], source: list[int], axis: int, picks: int
                  ) -> onnx.ModelProto:
    nodes = list(head) + [
        helper.make_node("Gather", ["t", f"i{k}"], [f"y{k}"], name=f"/attn/Gather_{k}",
                         axis=axis) for k in range(picks)]
    inits = [numpy_helper.from_array(np.array(k, np.int64), f"i{k}") for k in range(picks)]
    inits += [numpy_helper.from_array(np.array(s, np.int64), n) for n, s in
              (("shape5", [4, 1, 3, 8]), ("shape3", [4, 3, 2]), ("zero", [0]), ("three", [3]))]
    graph = helper.make_graph(
        nodes, "qkv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, source)],
        [helper.make_tensor_value_info(f"y{k}", TensorProto.FLOAT, None) for k in range(picks)],
        inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


def _run_reference(model: onnx.ModelProto, x: np.ndarray) -> list[np.ndarray]:
    from onnx.reference import ReferenceEvaluator

    return list(ReferenceEvaluator(model).run(None, {"x": x}))


def test_packed_qkv_gathers_become_one_split() -> None:
    """nn.MultiheadAttention's export: Reshape → Unsqueeze → Transpose → Squeeze → Gather×3."""
    head = [
        helper.make_node("Reshape", ["x", "shape5"], ["r"], name="/attn/Reshape"),
        helper.make_node("Unsqueeze", ["r", "zero"], ["u"], name="/attn/Unsqueeze"),
        helper.make_node("Transpose", ["u"], ["p"], name="/attn/Transpose", perm=[3, 1, 2, 0, 4]),
        helper.make_node("Squeeze", ["p", "three"], ["t"], name="/attn/Squeeze"),
    ]
    model = _gather_chain(head, [4, 1, 24], 0, 3)
    x = np.random.default_rng(0).standard_normal((4, 1, 24)).astype(np.float32)
    expected = _run_reference(model, x)
    constants: dict[str, np.ndarray] = {}
    work, values = fold_constants(model, constants)
    notes: list[str] = []
    fuse_graph(work, values, constants, notes, default_registry)
    (split,) = work.graph.node
    assert split.op_type == "Split" and list(split.output) == ["y0", "y1", "y2"]
    assert helper.get_attribute_value(split.attribute[0]) == 2
    assert notes == ["fused decomposed subgraphs into single layers: 1 Split"]
    for actual, want in zip(_run_reference(work, x), expected):
        np.testing.assert_array_equal(actual, want)


def test_strided_gathers_are_left_alone() -> None:
    """x[4,6] → Reshape[4,3,2] → Gather(axis 2): every other column, not a contiguous range."""
    head = [helper.make_node("Reshape", ["x", "shape3"], ["t"], name="/attn/Reshape")]
    ops, _, notes = _fuse(_gather_chain(head, [4, 6], 2, 2))
    assert ops == ["Reshape", "Gather", "Gather"] and notes == []


def _tanh_gelu_graph(coefficient: float = 0.044715) -> onnx.ModelProto:
    """The TorchScript exporter's ``nn.GELU(approximate="tanh")`` before opset 20."""
    inits = [numpy_helper.from_array(np.array(v, np.float32), n) for n, v in (
        ("c", coefficient), ("root", math.sqrt(2 / math.pi)), ("one", 1.0), ("half", 0.5))]
    nodes = [
        helper.make_node("Mul", ["x", "x"], ["sq"], name="/act/Mul"),
        helper.make_node("Mul", ["x", "sq"], ["cube"], name="/act/Mul_1"),
        helper.make_node("Mul", ["c", "cube"], ["k"], name="/act/Mul_2"),
        helper.make_node("Add", ["x", "k"], ["a"], name="/act/Add"),
        helper.make_node("Mul", ["root", "a"], ["t"], name="/act/Mul_3"),
        helper.make_node("Tanh", ["t"], ["h"], name="/act/Tanh"),
        helper.make_node("Add", ["one", "h"], ["o"], name="/act/Add_1"),
        helper.make_node("Mul", ["x", "o"], ["m"], name="/act/Mul_4"),
        helper.make_node("Mul", ["half", "m"], ["y"], name="/act/Mul_5"),
    ]
    graph = helper.make_graph(
        nodes, "tanh_gelu", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


def test_tanh_gelu_becomes_approximate_gelu() -> None:
    constants: dict[str, np.ndarray] = {}
    work, values = fold_constants(_tanh_gelu_graph(), constants)
    fuse_graph(work, values, constants, [], default_registry)
    (node,) = work.graph.node
    assert node.op_type == "Gelu" and list(node.input) == ["x"] and list(node.output) == ["y"]
    assert helper.get_attribute_value(node.attribute[0]) == b"tanh"


def test_tanh_gelu_with_another_coefficient_is_left_alone() -> None:
    ops, _, _ = _fuse(_tanh_gelu_graph(coefficient=0.05))
    assert "Gelu" not in ops and "Tanh" in ops
