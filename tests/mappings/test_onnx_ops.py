"""ONNX op coverage: every default-domain operator is mapped or explicitly marked none."""

from __future__ import annotations

import onnx.defs
from mindconverter.mappings import ONNX_KINDS, OnnxOpMapping, load_onnx_ops
from mindconverter.mappings.docs import onnx_spec_url


def _default_domain_ops() -> set[str]:
    return {s.name for s in onnx.defs.get_all_schemas() if s.domain in ("", "ai.onnx")}


def test_every_default_domain_op_is_covered():
    table = load_onnx_ops()
    ops = _default_domain_ops()
    assert ops - set(table) == set()
    assert set(table) - ops == set()  # no stale or misspelled op types


def test_most_ops_have_a_counterpart():
    table = load_onnx_ops()
    mapped = [op for op in table.values() if op.supported]
    assert len(mapped) >= 150
    for op in table.values():
        assert op.kind in ONNX_KINDS
        assert (op.kind == "none") == (not op.targets), op.op_type
        if not op.supported:
            assert op.notes, op.op_type


def test_known_entries():
    table = load_onnx_ops()
    conv = table["Conv"]
    assert isinstance(conv, OnnxOpMapping)
    assert conv.targets[:3] == ("mindspore.nn.Conv1d", "mindspore.nn.Conv2d", "mindspore.nn.Conv3d")
    assert conv.kind == "layer" and conv.shape_dependent
    assert table["Relu"].targets == ("mindspore.nn.ReLU", "mindspore.ops.relu")
    assert (
        table["MatMul"].targets == ("mindspore.ops.matmul",) and not table["MatMul"].shape_dependent
    )
    assert table["Gemm"].targets[0] == "mindspore.nn.Dense"
    assert "LSTM" in table and "gate" in table["LSTM"].notes
    assert not table["QLinearConv"].supported and table["QLinearConv"].kind == "none"
    assert load_onnx_ops() is table


def test_spec_url():
    assert onnx_spec_url("Conv") == "https://onnx.ai/onnx/operators/onnx__Conv.html"
