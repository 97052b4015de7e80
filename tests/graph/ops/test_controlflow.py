"""If, Loop and Scan lowered to Python control flow, against onnxruntime (and PyTorch exports).

Also the emitter's multi-statement support (temporaries computed once) through TopK.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from tests.graph.ops.conftest import assert_matches_ort

pytestmark = pytest.mark.numerics

F, I64, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.BOOL
BOTH = ("pynative", "graph")


def tensor(name: str, elem: int, shape: list[int] | None) -> onnx.ValueInfoProto:
    """A typed value declaration."""
    return helper.make_tensor_value_info(name, elem, shape)


def const(name: str, value: np.ndarray | float | int | bool) -> onnx.NodeProto:
    """A Constant node."""
    return helper.make_node("Constant", [], [name],
                            value=onnx.numpy_helper.from_array(np.asarray(value), name))


def model(nodes: list[onnx.NodeProto], inputs: list[onnx.ValueInfoProto],
          outputs: list[onnx.ValueInfoProto], opset: int = 17,
          initializers: list[onnx.TensorProto] | None = None) -> onnx.ModelProto:
    """A checked model."""
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializers or [])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(m, full_check=True)
    return m


def branches() -> tuple[onnx.GraphProto, onnx.GraphProto]:
    """then: relu(x) * w (two nodes, reads outer x and an outer weight); else: x - y."""
    then = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["r", "w"], ["t_out"])],
        "then", [], [tensor("t_out", F, [2, 3])])
    orelse = helper.make_graph([helper.make_node("Sub", ["x", "y"], ["e_out"])], "else", [],
                               [tensor("e_out", F, [2, 3])])
    return then, orelse


def if_model(cond_from_data: bool) -> onnx.ModelProto:
    """``If`` on a condition computed from the input (or given as an input)."""
    then, orelse = branches()
    nodes = [helper.make_node("Neg", ["x0"], ["x"]), helper.make_node("Exp", ["x0"], ["y"])]
    inputs = [tensor("x0", F, [2, 3])]
    if cond_from_data:
        nodes += [helper.make_node("ReduceSum", ["x0"], ["s"], keepdims=0),
                  const("zero", np.float32(0)), helper.make_node("Greater", ["s", "zero"], ["c"])]
    else:
        inputs.append(tensor("c", B, []))
    nodes.append(helper.make_node("If", ["c"], ["out"], then_branch=then, else_branch=orelse))
    w = onnx.numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "w")
    return model(nodes, inputs, [tensor("out", F, [2, 3])], initializers=[w])


@pytest.mark.parametrize("positive", [True, False])
def test_if_on_a_computed_condition_both_modes(positive: bool) -> None:
    x = np.abs(np.random.default_rng(0).standard_normal((2, 3))).astype(np.float32)
    x = x if positive else -x
    source = assert_matches_ort(if_model(True), [x], modes=BOTH)
    assert "if " in source and "else:" in source
    assert "ops.relu(" in source and "self.w" in source  # branch nodes, outer weight


@pytest.mark.parametrize("cond", [True, False])
def test_if_on_an_input_condition(cond: bool) -> None:
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    assert_matches_ort(if_model(False), [x, np.array(cond)], modes=BOTH)


@pytest.mark.parametrize("cond", [True, False])
def test_if_on_a_constant_keeps_only_the_taken_branch(cond: bool) -> None:
    then, orelse = branches()
    nodes = [helper.make_node("Neg", ["x0"], ["x"]), helper.make_node("Exp", ["x0"], ["y"]),
             const("c", np.array(cond)),
             helper.make_node("If", ["c"], ["out"], then_branch=then, else_branch=orelse)]
    w = onnx.numpy_helper.from_array(np.ones((2, 3), np.float32) * 2, "w")
    m = model(nodes, [tensor("x0", F, [2, 3])], [tensor("out", F, [2, 3])], initializers=[w])
    x = np.random.default_rng(2).standard_normal((2, 3)).astype(np.float32)
    source = assert_matches_ort(m, [x], modes=BOTH)
    construct = source[source.index("def construct"):]
    assert "if " not in construct.split("def load_model")[0]
    assert ("ops.relu(" in source) == cond


def loop_body(scan: bool, stop_at: float | None = None) -> onnx.GraphProto:
    """acc += x * (i + 1); optionally a scan output acc and a condition ``sum(acc) < stop_at``."""
    nodes = [
        const("one", np.array(1, np.int64)),
        helper.make_node("Add", ["i", "one"], ["i1"]),
        helper.make_node("Cast", ["i1"], ["fi"], to=F),
        helper.make_node("Mul", ["x", "fi"], ["step"]),
        helper.make_node("Add", ["acc_in", "step"], ["acc_out"]),
    ]
    if stop_at is None:
        nodes.append(helper.make_node("Identity", ["cond_in"], ["cond_out"]))
    else:
        nodes += [helper.make_node("ReduceSum", ["acc_out"], ["total"], keepdims=0),
                  const("limit", np.array(stop_at, np.float32)),
                  helper.make_node("Less", ["total", "limit"], ["cond_out"])]
    outputs = [tensor("cond_out", B, []), tensor("acc_out", F, [3])]
    if scan:
        nodes.append(helper.make_node("Mul", ["acc_out", "acc_out"], ["sq"]))
        outputs.append(tensor("sq", F, [3]))
    return helper.make_graph(nodes, "body", [tensor("i", I64, []), tensor("cond_in", B, []),
                                             tensor("acc_in", F, [3])], outputs)


def loop_model(trip: int | None, scan: bool, stop_at: float | None = None,
               runtime_trip: bool = False) -> onnx.ModelProto:
    """A Loop reading outer ``x``; its trip count is constant, an input, or absent."""
    nodes, inputs = [], [tensor("x", F, [3]), tensor("acc0", F, [3])]
    if runtime_trip:
        inputs.append(tensor("m", I64, []))
        m_name = "m"
    elif trip is not None:
        nodes.append(const("m", np.array(trip, np.int64)))
        m_name = "m"
    else:
        m_name = ""
    cond_name = ""
    if stop_at is not None:
        nodes.append(const("c0", np.array(True)))
        cond_name = "c0"
    outputs = ["acc", "seq"] if scan else ["acc"]
    nodes.append(helper.make_node("Loop", [m_name, cond_name, "acc0"], outputs,
                                  body=loop_body(scan, stop_at)))
    outs = [tensor("acc", F, [3])] + ([tensor("seq", F, ["n", 3])] if scan else [])
    return model(nodes, inputs, outs)


def loop_inputs() -> list[np.ndarray]:
    """x and the initial accumulator."""
    return [np.array([1.0, 2.0, 0.5], np.float32), np.array([0.1, 0.2, 0.3], np.float32)]


def test_loop_with_a_constant_trip_count_and_scan_outputs_is_a_for_loop() -> None:
    source = assert_matches_ort(loop_model(4, scan=True), loop_inputs(), modes=BOTH)
    assert "for loop_i in range(4):" in source
    assert "ms.Tensor(loop_i, ms.int64)" in source and ".append(" in source
    assert "ops.stack(" in source


def test_loop_with_a_runtime_trip_count_is_a_while_loop_in_both_modes() -> None:
    inputs = [*loop_inputs(), np.array(5, np.int64)]
    source = assert_matches_ort(loop_model(None, scan=False, runtime_trip=True), inputs,
                                modes=BOTH)
    assert "while loop_i < m:" in source, source


@pytest.mark.parametrize("trip", [None, 50])
def test_loop_stopped_by_its_condition(trip: int | None) -> None:
    source = assert_matches_ort(loop_model(trip, scan=False, stop_at=30.0), loop_inputs(),
                                modes=BOTH)
    assert "while " in source and "loop_cond" in source


def test_loop_stopped_by_its_condition_with_scan_outputs_runs_in_pynative(
        tmp_path: Path) -> None:
    """Graph mode cannot grow a list in a while loop: the report says so, PyNative is right."""
    from mindconverter.converter.graph.pipeline import convert

    path = tmp_path / "loop.onnx"
    onnx.save(loop_model(50, scan=True, stop_at=30.0), str(path))
    np.save(tmp_path / "x.npy", loop_inputs()[0])
    np.save(tmp_path / "acc0.npy", loop_inputs()[1])
    result = convert(path, tmp_path / "out", input_data=[tmp_path / "x.npy",
                                                         tmp_path / "acc0.npy"])
    modes = {m.mode: m for m in result.verification.modes}
    assert modes["pynative"].passed, modes["pynative"]
    assert not modes["graph"].passed
    assert any(w.code == "MC-W010" and "PyNative" in w.message for w in result.warnings)


def scan_model(reverse_in: bool, reverse_out: bool, axis: int) -> onnx.ModelProto:
    """Scan over ``xs`` (axis ``axis``): state s = s + x_t, carried t-count, scan out s * x_t."""
    body = helper.make_graph(
        [helper.make_node("Add", ["s_in", "x_t"], ["s_out"]),
         const("one", np.array([1.0], np.float32)),
         helper.make_node("Add", ["n_in", "one"], ["n_out"]),
         helper.make_node("Mul", ["s_out", "x_t"], ["y_t"])],
        "body", [tensor("s_in", F, [2]), tensor("n_in", F, [1]), tensor("x_t", F, [2])],
        [tensor("s_out", F, [2]), tensor("n_out", F, [1]), tensor("y_t", F, [2])])
    shape = [4, 2] if axis == 0 else [2, 4]
    node = helper.make_node(
        "Scan", ["s0", "n0", "xs"], ["s", "n", "ys"], body=body, num_scan_inputs=1,
        scan_input_axes=[axis], scan_input_directions=[int(reverse_in)],
        scan_output_axes=[axis], scan_output_directions=[int(reverse_out)])
    return model([node], [tensor("s0", F, [2]), tensor("n0", F, [1]), tensor("xs", F, shape)],
                 [tensor("s", F, [2]), tensor("n", F, [1]), tensor("ys", F, shape)])


@pytest.mark.parametrize(("reverse_in", "reverse_out", "axis"),
                         [(False, False, 0), (True, False, 1), (False, True, 1)])
def test_scan(reverse_in: bool, reverse_out: bool, axis: int) -> None:
    rng = np.random.default_rng(3)
    xs = rng.standard_normal((4, 2) if axis == 0 else (2, 4)).astype(np.float32)
    inputs = [np.array([0.5, -1.0], np.float32), np.zeros(1, np.float32), xs]
    source = assert_matches_ort(scan_model(reverse_in, reverse_out, axis), inputs, modes=BOTH)
    assert "for scan_t in range(4):" in source


def test_if_inside_a_loop_body() -> None:
    then = helper.make_graph([helper.make_node("Add", ["acc_in", "x"], ["a"])], "t", [],
                             [tensor("a", F, [3])])
    orelse = helper.make_graph([helper.make_node("Sub", ["acc_in", "x"], ["b"])], "e", [],
                               [tensor("b", F, [3])])
    body = helper.make_graph(
        [const("two", np.array(2, np.int64)), helper.make_node("Mod", ["i", "two"], ["r"]),
         const("zero", np.array(0, np.int64)), helper.make_node("Equal", ["r", "zero"], ["even"]),
         helper.make_node("If", ["even"], ["acc_out"], then_branch=then, else_branch=orelse),
         helper.make_node("Identity", ["cond_in"], ["cond_out"])],
        "body", [tensor("i", I64, []), tensor("cond_in", B, []), tensor("acc_in", F, [3])],
        [tensor("cond_out", B, []), tensor("acc_out", F, [3])])
    nodes = [const("m", np.array(5, np.int64)),
             helper.make_node("Loop", ["m", "", "acc0"], ["acc"], body=body)]
    m = model(nodes, [tensor("x", F, [3]), tensor("acc0", F, [3])], [tensor("acc", F, [3])])
    source = assert_matches_ort(m, loop_inputs(), modes=BOTH)
    assert "    if " in source


def test_topk_calls_the_kernel_once_for_both_outputs() -> None:
    x = np.random.default_rng(4).standard_normal((3, 5)).astype(np.float32)
    node = helper.make_node("TopK", ["x", "k"], ["values", "indices"], axis=1)
    k = onnx.numpy_helper.from_array(np.array([2], np.int64), "k")
    m = model([node], [tensor("x", F, [3, 5])],
              [tensor("values", F, [3, 2]), tensor("indices", I64, [3, 2])], initializers=[k])
    source = assert_matches_ort(m, [x], modes=BOTH)
    assert source.count("ops.topk(") == 1


def test_pytorch_scripted_loop_and_if(tmp_path: Path) -> None:
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(4, 4)

        def forward(self, x: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
            h = x
            for _ in range(int(n)):
                h = torch.relu(self.fc(h)) + h
            if bool(h.sum() > 0):
                h = h * 2
            else:
                h = h - 1
            return h

    torch.manual_seed(0)
    net = torch.jit.script(Net().eval())
    path = tmp_path / "scripted.onnx"
    x, n = torch.randn(2, 4), torch.tensor(3)
    torch.onnx.export(net, (x, n), str(path), opset_version=17, dynamo=False,
                      input_names=["x", "n"])
    m = onnx.load(str(path))
    assert {"Loop", "If"} <= {node.op_type for node in m.graph.node}
    for sign in (1.0, -1.0):
        inputs = [(x * sign).numpy(), n.numpy()]
        source = assert_matches_ort(m, inputs, modes=BOTH)
        expected = net(torch.from_numpy(inputs[0]), n).detach().numpy()
        from mindconverter.converter.graph.backend import MindSporeBackend

        (actual,) = MindSporeBackend.prepare(m, "CPU").run(inputs)
        np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)
    assert "while " in source and "if " in source
