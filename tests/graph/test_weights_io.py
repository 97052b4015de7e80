"""Large weights bypass the protobuf passes; the checkpoint is streamed from NumPy (issue 8).

The lean path must give exactly the files the plain path gives (the model kept whole, the
checkpoint written by ``mindspore.save_checkpoint``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from mindconverter.converter.errors import ConverterError
from mindconverter.converter.graph import loader, pipeline, writers
from mindconverter.converter.graph.emitter import WeightEntry
from mindconverter.converter.graph.weights import Weights, split_weights, with_weights
from onnx import TensorProto, helper, numpy_helper

from mindconverter import convert_onnx


def _dense_model(ir_version: int = 8, declare_weights: bool = False) -> onnx.ModelProto:
    """x[2,64] → MatMul(w1) → Add(b) → Identity(w2)-MatMul → Relu → MatMul(w3 == w1) → y.

    ``w3`` duplicates ``w1``, ``unused`` feeds nothing, ``b`` is small (stays in the model).
    """
    rng = np.random.default_rng(0)
    w1 = rng.standard_normal((64, 96)).astype(np.float32)
    w2 = rng.standard_normal((96, 64)).astype(np.float32)
    inits = {"w1": w1, "b": rng.standard_normal(96).astype(np.float32), "w2": w2,
             "w3": w1.copy(), "unused": rng.standard_normal((80, 80)).astype(np.float32)}
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["m1"], name="fc1"),
        helper.make_node("Add", ["m1", "b"], ["a1"], name="bias"),
        helper.make_node("Identity", ["w2"], ["w2_alias"], name="alias"),
        helper.make_node("MatMul", ["a1", "w2_alias"], ["m2"], name="fc2"),
        helper.make_node("Relu", ["m2"], ["r"], name="relu"),
        helper.make_node("MatMul", ["r", "w3"], ["y"], name="fc3"),
    ]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 64])]
    if declare_weights:
        inputs += [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape)
                   for n, a in inits.items()]
    graph = helper.make_graph(
        nodes, "g", inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 96])],
        [numpy_helper.from_array(a, n) for n, a in inits.items()])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                             ir_version=ir_version)


def _convert_both(model: onnx.ModelProto, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                  ) -> tuple[Path, Path]:
    path = tmp_path / "dense.onnx"
    onnx.save(model, path)
    convert_onnx(str(path), str(tmp_path / "lean"), verify=False)
    with monkeypatch.context() as m:
        m.setattr(pipeline, "load_split", lambda f: (loader.load_onnx(f), Weights()))
        m.setattr(writers, "save_checkpoint", writers._save_with_mindspore)
        convert_onnx(str(path), str(tmp_path / "plain"), verify=False)
    return tmp_path / "lean", tmp_path / "plain"


@pytest.mark.parametrize("ir_version, declared", [(8, False), (3, True)], ids=["ir8", "ir3"])
def test_lean_conversion_writes_the_same_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ir_version: int, declared: bool,
) -> None:
    lean, plain = _convert_both(_dense_model(ir_version, declared), tmp_path, monkeypatch)
    names = sorted(p.name for p in plain.iterdir())
    assert names == sorted(p.name for p in lean.iterdir())
    for name in names:
        a, b = (lean / name).read_bytes(), (plain / name).read_bytes()
        assert a.replace(bytes(lean), b"OUT") == b.replace(bytes(plain), b"OUT"), name
    script = (lean / "dense.py").read_text()
    assert "unused" not in script
    # w3 == w1: one parameter serves both MatMuls, unless IR 3 declares them as inputs
    assert ("w3" in script) == declared


def test_lean_model_verifies_with_weights_fed_to_onnxruntime(tmp_path: Path) -> None:
    path = tmp_path / "dense.onnx"
    onnx.save(_dense_model(), path)
    result = convert_onnx(str(path), str(tmp_path / "out"), verify="nodes", modes=("pynative",))
    assert result.verification.status == "passed"
    assert result.verification.nodes.error is None
    assert result.verification.nodes.checked > 0 and result.verification.nodes.diverged == 0


def test_split_and_rejoin_keep_every_weight() -> None:
    model = _dense_model()
    original = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    lean, weights = split_weights(model)
    assert sorted(weights.arrays) == ["unused", "w1", "w2", "w3"]
    assert [t.name for t in lean.graph.initializer] == ["b"]
    assert {vi.name for vi in lean.graph.input} == {"x", "unused", "w1", "w2", "w3"}
    assert lean.ByteSize() < 2000
    full = with_weights(lean, weights)
    assert [vi.name for vi in full.graph.input] == ["x"]
    onnx.checker.check_model(full)
    for t in full.graph.initializer:
        np.testing.assert_array_equal(numpy_helper.to_array(t), original[t.name])


def _saved(model: onnx.ModelProto, tmp_path: Path) -> str:
    path = tmp_path / "bad.onnx"
    onnx.save(model, path)
    return str(path)


def test_weight_data_that_does_not_fill_its_shape_is_refused(tmp_path: Path) -> None:
    model = _dense_model()
    model.graph.initializer[0].raw_data = model.graph.initializer[0].raw_data[:-4]
    with pytest.raises(ConverterError) as info:
        convert_onnx(_saved(model, tmp_path), str(tmp_path / "out"), verify=False)
    assert info.value.code.code == "MC105"
    assert "'w1'" in info.value.message


@pytest.mark.parametrize("breakage", ["duplicate", "two-fields", "ir3-undeclared"])
def test_checker_rules_for_moved_weights(tmp_path: Path, breakage: str) -> None:
    model = _dense_model(ir_version=3 if breakage == "ir3-undeclared" else 8)
    if breakage == "duplicate":
        model.graph.initializer.append(model.graph.initializer[0])
    elif breakage == "two-fields":
        model.graph.initializer[0].float_data.append(1.0)
    with pytest.raises(ConverterError) as info:
        loader.load_split(_saved(model, tmp_path))
    assert info.value.code.code == "MC105"
    with pytest.raises(ConverterError):  # the checker agrees on the whole model
        loader.load_onnx(_saved(model, tmp_path))


def _entries() -> list[WeightEntry]:
    rng = np.random.default_rng(0)
    entries = [WeightEntry(f"w.{name}", (rng.standard_normal((3, 5)) * 9).astype(name), "s")
               for name in writers.MS_TENSOR_TYPES if name != "bool"]
    return [
        *entries,
        WeightEntry("mask", rng.integers(0, 2, (7,)).astype(bool), "s"),
        WeightEntry("scalar", np.array(2.5, np.float32), "s"),
        WeightEntry("empty", np.zeros((0, 4), np.float32), "s"),
        WeightEntry("transposed", np.arange(12, dtype=np.float32).reshape(3, 4).T, "s"),
        WeightEntry("long", rng.standard_normal((40, 100)).astype(np.float32), "s"),
    ]


def test_streamed_checkpoint_is_what_mindspore_writes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mindspore.train import serialization

    # small slices, so that "long" is written as several records by both writers
    monkeypatch.setattr(writers, "CKPT_SLICE_BYTES", 4 * 1024)
    monkeypatch.setattr(serialization, "SLICE_SIZE", 4)
    entries = _entries()
    writers.save_checkpoint(entries, tmp_path / "ours.ckpt")
    writers._save_with_mindspore(entries, tmp_path / "theirs.ckpt")
    ours = (tmp_path / "ours.ckpt").read_bytes()
    assert ours == (tmp_path / "theirs.ckpt").read_bytes()
    loaded = serialization.load_checkpoint(str(tmp_path / "ours.ckpt"))
    for entry in entries:
        if entry.value.size:  # same shape (0-d stays 0-d) and values
            assert loaded[entry.name].shape == entry.value.shape, entry.name
            np.testing.assert_array_equal(loaded[entry.name].asnumpy(), entry.value)


@pytest.mark.parametrize("attrs", [
    {"value": numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3))},
    {"value": numpy_helper.from_array(np.array([1, -2], np.int64))},
    {"value": numpy_helper.from_array(np.array(True))},
    {"value": numpy_helper.from_array(np.array([0.5, 2], np.float16))},
    {"value": helper.make_tensor("t", TensorProto.BFLOAT16, [2], [1.5, -3.0])},
    {"value": numpy_helper.from_array(np.array([b"a", b"bc"], dtype=object))},
    {"value_float": 0.25}, {"value_floats": [1.0, 2.5]},
    {"value_int": 7}, {"value_ints": [3, 4, 5]},
], ids=lambda a: next(iter(a)) + (f"-{a['value'].data_type}" if "value" in a else ""))
def test_constant_fast_path_matches_the_reference_evaluator(attrs: dict) -> None:
    from mindconverter.converter.graph import folding

    node = helper.make_node("Constant", [], ["c"], **attrs)
    fast = folding._constant(node)
    assert fast is not None
    slow = folding._evaluate(node, {}, [helper.make_opsetid("", 13)])
    assert fast[0].dtype == slow[0].dtype and fast[0].shape == slow[0].shape
    np.testing.assert_array_equal(fast[0], slow[0])


def test_peak_memory_of_a_conversion_stays_near_the_file_size(tmp_path: Path) -> None:
    """Issue 8: the weights are held about twice at most (file bytes + one array copy)."""
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    layers, width = 24, 1024
    nodes = [helper.make_node("MatMul", [f"h{i}", f"w{i}"], [f"h{i + 1}"], name=f"fc{i}")
             for i in range(layers)]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("h0", TensorProto.FLOAT, [1, width])],
        [helper.make_tensor_value_info(f"h{layers}", TensorProto.FLOAT, [1, width])],
        [numpy_helper.from_array(rng.standard_normal((width, width)).astype(np.float32), f"w{i}")
         for i in range(layers)])
    path = tmp_path / "deep.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    del graph, nodes
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec (it would start at pytest's size)
    code = f"""
import re
import onnx, onnxoptimizer, numpy
from mindconverter import convert_onnx
from mindconverter.converter.graph import pipeline
def peak():
    with open("/proc/self/status") as status:
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status.read()).group(1)) * 1024
before = peak()
convert_onnx({str(path)!r}, {str(tmp_path / "out")!r}, verify=False)
print(peak() - before)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    growth = int(proc.stdout.split()[-1])
    size = path.stat().st_size
    assert growth < 2.5 * size, f"peak RSS grew by {growth / size:.1f}x the file size"
    assert (tmp_path / "out" / "deep.ckpt").stat().st_size > size * 0.99
