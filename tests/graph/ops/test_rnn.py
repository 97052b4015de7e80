"""LSTM, GRU and RNN converters against onnxruntime (and a PyTorch export)."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.verify import compare
from onnx import helper

from tests.graph.ops.conftest import assert_matches_ort

pytestmark = pytest.mark.numerics

GATES = {"LSTM": 4, "GRU": 3, "RNN": 1}
SEQ, BATCH, INPUT, HIDDEN = 5, 3, 4, 6


def rnn_model(op_type: str, rng: np.random.Generator, direction: str = "forward",
              layout: int = 0, bias: bool = True, initial: bool = False,
              const_weights: bool = True, n_outputs: int = 3,
              **attrs: Any) -> tuple[onnx.ModelProto, list[np.ndarray]]:
    """A one-node recurrent model and its runtime inputs."""
    dirs = 2 if direction == "bidirectional" else 1
    gates = GATES[op_type] * HIDDEN
    x_shape = (BATCH, SEQ, INPUT) if layout else (SEQ, BATCH, INPUT)
    state_shape = (BATCH, dirs, HIDDEN) if layout else (dirs, BATCH, HIDDEN)
    arrays = {
        "x": rng.standard_normal(x_shape),
        "w": rng.standard_normal((dirs, gates, INPUT)) * 0.5,
        "r": rng.standard_normal((dirs, gates, HIDDEN)) * 0.5,
        "b": rng.standard_normal((dirs, 2 * gates)) * 0.5,
        "h0": rng.standard_normal(state_shape),
        "c0": rng.standard_normal(state_shape),
    }
    arrays = {k: v.astype(np.float32) for k, v in arrays.items()}
    names = ["x", "w", "r", "b" if bias else "", "", "h0" if initial else ""]
    if op_type == "LSTM":
        names.append("c0" if initial else "")
    while names[-1] == "":
        names.pop()
    weights = {"w", "r", "b"}
    runtime = [n for n in names if n and (n not in weights or not const_weights)]
    consts = [n for n in names if n in weights and const_weights]
    outputs = ["y", "y_h", "y_c"][:n_outputs if op_type == "LSTM" else min(n_outputs, 2)]
    node = helper.make_node(op_type, names, outputs, hidden_size=HIDDEN, direction=direction,
                            layout=layout, **attrs)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, arrays[n].shape)
         for n in runtime],
        [helper.make_tensor_value_info(o, onnx.TensorProto.UNDEFINED, None) for o in outputs],
        [onnx.numpy_helper.from_array(arrays[n], n) for n in consts])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    return onnx.shape_inference.infer_shapes(model), [arrays[n] for n in runtime]


def assert_matches(model: onnx.ModelProto, inputs: list[np.ndarray], layout: int) -> str:
    """Compare with onnxruntime, or with ONNX's reference for layout 1 (onnxruntime lacks it)."""
    if not layout:
        return assert_matches_ort(model, inputs)
    from mindconverter.converter.graph.backend import MindSporeBackend
    from onnx.reference import ReferenceEvaluator

    names = [i.name for i in model.graph.input]
    expected = ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))
    rep = MindSporeBackend.prepare(model, "CPU")
    actual = rep.run(inputs)
    for i, (a, e) in enumerate(zip(actual, expected)):
        check = compare(a, e, f"y{i}", 1e-4, 1e-5)
        assert check.passed, f"output {i}: {check}\n{rep.script_source}"
    return rep.script_source or ""


@pytest.mark.parametrize(("direction", "layout", "bias", "initial"), [
    ("forward", 0, True, False),
    ("reverse", 0, True, True),
    ("bidirectional", 0, False, True),
    ("bidirectional", 1, True, True),
    ("reverse", 1, True, False),
])
def test_lstm_with_constant_weights_is_nn_lstm(direction: str, layout: int, bias: bool,
                                               initial: bool, rng: np.random.Generator) -> None:
    model, inputs = rnn_model("LSTM", rng, direction, layout, bias, initial)
    source = assert_matches(model, inputs, layout)
    assert "nn.LSTM(4, 6" in source


@pytest.mark.parametrize(("direction", "layout"), [("bidirectional", 1), ("reverse", 0)])
def test_lstm_with_runtime_weights_uses_the_primitive(direction: str, layout: int,
                                                      rng: np.random.Generator) -> None:
    model, inputs = rnn_model("LSTM", rng, direction, layout, initial=True, const_weights=False)
    source = assert_matches(model, inputs, layout)
    assert "ops.LSTM(4, 6, 1, True" in source


@pytest.mark.parametrize(("direction", "layout", "initial"), [
    ("forward", 0, True), ("reverse", 1, False), ("bidirectional", 0, True),
])
def test_gru_linear_before_reset(direction: str, layout: int, initial: bool,
                                 rng: np.random.Generator) -> None:
    model, inputs = rnn_model("GRU", rng, direction, layout, initial=initial,
                              linear_before_reset=1)
    assert "nn.GRU(4, 6" in assert_matches(model, inputs, layout)


@pytest.mark.parametrize(("direction", "activation"), [("forward", "Tanh"),
                                                       ("bidirectional", "Relu")])
def test_rnn(direction: str, activation: str, rng: np.random.Generator) -> None:
    dirs = 2 if direction == "bidirectional" else 1
    model, inputs = rnn_model("RNN", rng, direction, initial=True,
                              activations=[activation] * dirs)
    source = assert_matches_ort(model, inputs)
    assert "nn.RNN(4, 6" in source
    assert ("nonlinearity='relu'" in source) == (activation == "Relu")


def test_only_the_used_output_is_computed_and_graph_mode(rng: np.random.Generator) -> None:
    model, inputs = rnn_model("LSTM", rng, "bidirectional", n_outputs=1)
    source = assert_matches_ort(model, inputs, modes=("pynative", "graph"))
    assert source.count("self.lstm(") == 1


def test_full_constant_sequence_lengths_are_accepted(rng: np.random.Generator) -> None:
    model, inputs = rnn_model("GRU", rng, linear_before_reset=1)
    lens = onnx.numpy_helper.from_array(np.full(BATCH, SEQ, np.int32), "lens")
    model.graph.initializer.append(lens)
    model.graph.node[0].input.extend(["lens"])
    assert_matches_ort(model, inputs)


@pytest.mark.parametrize(("op_type", "direction"), [("LSTM", "forward"),
                                                     ("GRU", "bidirectional")])
def test_per_sequence_lengths(op_type: str, direction: str, rng: np.random.Generator) -> None:
    attrs = {"linear_before_reset": 1} if op_type == "GRU" else {}
    model, inputs = rnn_model(op_type, rng, direction, initial=True, **attrs)
    lens = np.array([5, 2, 4], np.int32)
    model.graph.node[0].input[4] = "lens"
    model.graph.input.append(helper.make_tensor_value_info("lens", onnx.TensorProto.INT32, [3]))
    source = assert_matches_ort(model, [*inputs, lens])
    assert ", lens)" in source


@pytest.mark.parametrize(("direction", "layout", "initial", "bias"), [
    ("forward", 0, True, True), ("reverse", 1, False, True), ("bidirectional", 0, True, False),
])
def test_gru_reset_before_the_recurrent_matmul_is_written_out(
        direction: str, layout: int, initial: bool, bias: bool,
        rng: np.random.Generator) -> None:
    """linear_before_reset=0 (ONNX's default): a for loop with ONNX's equations."""
    model, inputs = rnn_model("GRU", rng, direction, layout, bias, initial)
    source = assert_matches(model, inputs, layout)
    assert "nn.GRU" not in source and "for gru_t in range(5):" in source
    assert source.count("ops.matmul(") == 3 * (2 if direction == "bidirectional" else 1)


def test_written_out_recurrences_run_in_graph_mode(rng: np.random.Generator) -> None:
    model, inputs = rnn_model("GRU", rng, "bidirectional", initial=True, const_weights=False)
    assert_matches_ort(model, inputs, modes=("pynative", "graph"))


@pytest.mark.parametrize(("op_type", "direction"), [("GRU", "reverse"), ("RNN", "bidirectional")])
def test_gru_and_rnn_weights_computed_at_run_time(op_type: str, direction: str,
                                                  rng: np.random.Generator) -> None:
    attrs = {"linear_before_reset": 1} if op_type == "GRU" else {}
    model, inputs = rnn_model(op_type, rng, direction, initial=True, const_weights=False, **attrs)
    source = assert_matches_ort(model, inputs)
    assert "weights computed at run time" in source


@pytest.mark.parametrize(("direction", "lengths"), [("forward", True), ("bidirectional", False)])
def test_lstm_peepholes(direction: str, lengths: bool, rng: np.random.Generator) -> None:
    dirs = 2 if direction == "bidirectional" else 1
    model, inputs = rnn_model("LSTM", rng, direction, initial=True)
    p = (rng.standard_normal((dirs, 3 * HIDDEN)) * 0.5).astype(np.float32)
    model.graph.initializer.append(onnx.numpy_helper.from_array(p, "p"))
    node = model.graph.node[0]
    node.input.extend(["p"])
    if lengths:
        node.input[4] = "lens"
        model.graph.input.append(
            helper.make_tensor_value_info("lens", onnx.TensorProto.INT32, [BATCH]))
        inputs = [*inputs, np.array([5, 2, 4], np.int32)]
    source = assert_matches_ort(model, inputs)
    assert "peephole" in source and "self.p" in source
    assert ("ops.where(" in source) == lengths


@pytest.mark.parametrize(("op_type", "attrs", "reason"), [
    ("LSTM", {"clip": 1.0}, "clipping"),
    ("LSTM", {"input_forget": 1}, "input_forget"),
    ("RNN", {"activations": ["Sigmoid"]}, "activations"),
])
def test_settings_mindspore_lacks_become_placeholders(op_type: str, attrs: dict[str, Any],
                                                      reason: str,
                                                      rng: np.random.Generator) -> None:
    from mindconverter.converter.graph.backend import MindSporeBackend, UnconvertedModelError

    model, inputs = rnn_model(op_type, rng, **attrs)
    with pytest.raises(UnconvertedModelError, match=reason):
        MindSporeBackend.prepare(model, "CPU").run(inputs)


def test_pytorch_gru_and_lstm_export(tmp_path: Any) -> None:
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gru = torch.nn.GRU(4, 6, batch_first=True, bidirectional=True)
            self.lstm = torch.nn.LSTM(12, 5, batch_first=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y, _ = self.gru(x)
            z, (h, _) = self.lstm(y)
            return z + h.transpose(0, 1)

    torch.manual_seed(0)
    net = Net().eval()
    x = torch.randn(2, 7, 4)
    path = tmp_path / "rnn.onnx"
    torch.onnx.export(net, (x,), str(path), opset_version=14, dynamo=False)
    from mindconverter.converter.graph.backend import MindSporeBackend

    rep = MindSporeBackend.prepare(onnx.load(str(path)), "CPU")
    (y,) = rep.run([x.numpy()])
    np.testing.assert_allclose(y, net(x).detach().numpy(), rtol=1e-4, atol=1e-5)
    source = rep.script_source or ""
    assert "nn.GRU(4, 6, bidirectional=True)" in source and "nn.LSTM(12, 5)" in source
    assert "Expand" not in source  # PyTorch's all-zero initial states are the layers' default
