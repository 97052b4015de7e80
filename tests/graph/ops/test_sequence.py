"""Sequence values (tuples of tensors in construct) against onnxruntime, in both modes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
import pytest
from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.graph.backend import MindSporeBackend, UnconvertedModelError
from mindconverter.converter.graph.passes import select_inputs
from mindconverter.converter.graph.verify import compare, run_onnxruntime
from onnx import TensorProto, helper

pytestmark = pytest.mark.numerics
MODES = ("pynative", "graph")
F = TensorProto.FLOAT
I64 = TensorProto.INT64


def _seq(name: str, elem: int, shape: Sequence[int | None]) -> onnx.ValueInfoProto:
    """A sequence value (the checker wants a shape, ``None`` for unknown dimensions)."""
    return helper.make_tensor_sequence_value_info(name, elem, shape)


def _tensor(name: str, elem: int, shape: Sequence[int | None]) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, elem, shape)


def _model(nodes: list[onnx.NodeProto], inputs: list[onnx.ValueInfoProto],
           outputs: list[onnx.ValueInfoProto], inits: Sequence[tuple[str, Any]] = (),
           opset: int = 17) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              [onnx.numpy_helper.from_array(np.asarray(v), n) for n, v in inits])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def _same(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, list):
        assert isinstance(actual, list), f"{where}: {type(actual)} is not a sequence"
        assert len(actual) == len(expected), f"{where}: {len(actual)} != {len(expected)} items"
        for k, (a, e) in enumerate(zip(actual, expected)):
            _same(a, e, f"{where}[{k}]")
        return
    assert actual.dtype == expected.dtype, f"{where}: dtype {actual.dtype} != {expected.dtype}"
    check = compare(actual, expected, where, 1e-5, 1e-6)
    assert check.passed, f"{where}: {check}"


def _check(model: onnx.ModelProto, inputs: list[Any], modes: Sequence[str] = MODES) -> str:
    """Compare every output (a list of arrays for a sequence) with onnxruntime."""
    names = [i.name for i in model.graph.input]
    expected = run_onnxruntime(model, names, inputs)
    source = ""
    for mode in modes:
        rep = MindSporeBackend.prepare(model, "CPU", mode=mode)
        actual = rep.run(inputs)
        source = rep.script_source or ""
        assert len(actual) == len(expected), source
        for i, (a, e) in enumerate(zip(actual, expected)):
            _same(a, e, f"{mode} output {i}\n{source}")
    return source


def _floats(rng: np.random.Generator, *shapes: tuple[int, ...]) -> list[np.ndarray]:
    return [rng.standard_normal(s).astype(np.float32) for s in shapes]


def test_tuple_operations(rng: np.random.Generator) -> None:
    """Construct, At, Length, Insert, Erase and ConcatFromSequence in one network."""
    nodes = [
        helper.make_node("SequenceConstruct", ["a", "b", "c"], ["s"]),
        helper.make_node("SequenceAt", ["s", "minus_one"], ["last"]),
        helper.make_node("SequenceLength", ["s"], ["n"]),
        helper.make_node("SequenceInsert", ["s", "w", "one"], ["s2"]),
        helper.make_node("SequenceErase", ["s2", "two"], ["s3"]),
        helper.make_node("SequenceErase", ["s3"], ["s4"]),
        helper.make_node("ConcatFromSequence", ["s3"], ["cat"], axis=0),
        helper.make_node("ConcatFromSequence", ["s4"], ["stacked"], axis=-1, new_axis=1),
    ]
    inits = [("minus_one", np.array(-1, np.int64)), ("one", np.array(1, np.int64)),
             ("two", np.array([2], np.int64)),
             ("w", np.arange(6, dtype=np.float32).reshape(2, 3))]
    model = _model(nodes, [_tensor("a", F, [2, 3]), _tensor("b", F, [2, 3]),
                           _tensor("c", F, [4, 3])],
                   [_tensor("last", F, [4, 3]), _tensor("n", I64, []), _seq("s3", F, [None, 3]),
                    _tensor("cat", F, [4, 3]), _tensor("stacked", F, [2, 3, 2])], inits)
    source = _check(model, _floats(rng, (2, 3), (2, 3), (4, 3)))
    assert "ops.concat(" in source and "ops.stack(" in source


@pytest.mark.parametrize(("split", "attrs"), [
    (np.array([1, 3, 2], np.int64), {"axis": 1}),
    (np.array(4, np.int64), {"axis": -1}),  # the last chunk is shorter
    (None, {"axis": 0}),
    (None, {"axis": 1, "keepdims": 0}),
])
def test_split_to_sequence(rng: np.random.Generator, split: np.ndarray | None,
                           attrs: dict[str, int]) -> None:
    inputs = ["x", "split"] if split is not None else ["x"]
    nodes = [helper.make_node("SplitToSequence", inputs, ["s"], **attrs),
             helper.make_node("SequenceLength", ["s"], ["n"])]
    inits = [("split", split)] if split is not None else []
    model = _model(nodes, [_tensor("x", F, [3, 6])],
                   [_seq("s", F, [None, None]), _tensor("n", I64, [])], inits, opset=24)
    _check(model, _floats(rng, (3, 6)))


def test_split_sizes_given_at_run_time(rng: np.random.Generator) -> None:
    """A runtime ``split`` input: the network keeps the sample's sizes."""
    node = helper.make_node("SplitToSequence", ["x", "split"], ["s"], axis=0)
    model = _model([node], [_tensor("x", F, [5, 2]), _tensor("split", I64, [2])],
                   [_seq("s", F, [None, 2])])
    source = _check(model, [*_floats(rng, (5, 2)), np.array([2, 3], np.int64)], ("pynative",))
    assert "ops.split(x, (2, 3), 0)" in source


def test_sequence_inputs_and_map(rng: np.random.Generator) -> None:
    """A sequence input (a tuple in construct), SequenceMap and a sequence output."""
    body = helper.make_graph(
        [helper.make_node("Mul", ["e", "t"], ["m"]), helper.make_node("Shape", ["e"], ["sh"])],
        "body", [_tensor("e", F, [None, 3]), _tensor("t", F, [3])],
        [_tensor("m", F, [None, 3]), _tensor("sh", I64, [2])])
    nodes = [helper.make_node("SequenceMap", ["xs", "t"], ["ys", "shapes"], body=body),
             helper.make_node("SequenceAt", ["ys", "zero"], ["first"])]
    model = _model(nodes, [_seq("xs", F, [None, 3]), _tensor("t", F, [3])],
                   [_seq("ys", F, [None, 3]), _seq("shapes", I64, [2]),
                    _tensor("first", F, [None, 3])],
                   [("zero", np.array(0, np.int64))])
    xs = _floats(rng, (1, 3), (2, 3), (4, 3))
    source = _check(model, [xs, *_floats(rng, (3,))])
    assert "def construct(self, xs, t):" in source


def test_empty_sequence_grows(rng: np.random.Generator) -> None:
    nodes = [helper.make_node("SequenceEmpty", [], ["s0"], dtype=TensorProto.INT64),
             helper.make_node("SequenceInsert", ["s0", "x"], ["s1"]),
             helper.make_node("SequenceInsert", ["s1", "x", "zero"], ["s2"]),
             helper.make_node("ConcatFromSequence", ["s2"], ["y"], axis=0)]
    model = _model(nodes, [_tensor("x", I64, [2])], [_tensor("y", I64, [4])],
                   [("zero", np.array(0, np.int64))])
    _check(model, [np.array([3, 4], np.int64)])


def test_position_at_run_time_indexes_a_stack(rng: np.random.Generator) -> None:
    """SequenceAt with a runtime position on same-shaped elements (negative counts back)."""
    nodes = [helper.make_node("SplitToSequence", ["x"], ["s"], axis=0),
             helper.make_node("SequenceAt", ["s", "pos"], ["y"])]
    model = _model(nodes, [_tensor("x", F, [4, 3]), _tensor("pos", I64, [])],
                   [_tensor("y", F, [1, 3])])
    _check(model, [*_floats(rng, (4, 3)), np.array(-3, np.int64)])


def test_position_at_run_time_is_refused(rng: np.random.Generator) -> None:
    node = helper.make_node("SequenceInsert", ["s", "x", "pos"], ["y"])
    model = _model([node], [_seq("s", F, [None]), _tensor("x", F, [2]),
                            _tensor("pos", I64, [])], [_seq("y", F, [None])])
    rep = MindSporeBackend.prepare(model, "CPU")
    with pytest.raises(UnconvertedModelError, match="position of SequenceInsert is computed"):
        rep.run([_floats(rng, (2,), (3,)), *_floats(rng, (2,)), np.array(0, np.int64)])


def test_sequence_input_needs_data() -> None:
    model = _model([helper.make_node("SequenceLength", ["s"], ["n"])], [_seq("s", F, [])],
                   [_tensor("n", I64, [])])
    with pytest.raises(ConverterError) as info:
        select_inputs(model, None, None)
    assert info.value.code == ErrorCode.BAD_INPUT_DATA
    (gi,) = select_inputs(model, None, None, [[(2, 3), (4,)]])
    assert gi.elements == ((2, 3), (4,)) and gi.dtype == np.float32


def test_cli_path_verifies_sequence_outputs(rng: np.random.Generator, tmp_path: Any) -> None:
    """convert_onnx's own verification compares a sequence output element by element."""
    from mindconverter import convert_onnx

    node = helper.make_node("SplitToSequence", ["x"], ["s"], axis=1, keepdims=0)
    relu = helper.make_node("Relu", ["x"], ["r"])
    model = _model([node, relu], [_tensor("x", F, [2, 3])],
                   [_seq("s", F, [2]), _tensor("r", F, [2, 3])], opset=17)
    path = tmp_path / "seq.onnx"
    onnx.save(model, str(path))
    result = convert_onnx(str(path), str(tmp_path / "out"), input_data=_floats(rng, (2, 3)))
    assert result.verification.status == "passed", result.verification
    names = [c.name for c in result.verification.modes[0].outputs]
    assert names == ["s[0]", "s[1]", "s[2]", "r"]
    assert {m.mode for m in result.verification.modes} == {"pynative", "graph"}
