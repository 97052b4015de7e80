"""Mutated ONNX models give a clean error or a conversion, never another exception.

Bounded budget here; ``make fuzz`` runs the same properties with many more examples.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import onnx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mindconverter.converter.errors import ConverterError

from mindconverter import convert_onnx
from tests.graph.builders import conv_reshape_relu

EXAMPLES = int(os.environ.get("MINDCONVERTER_FUZZ_EXAMPLES", "25"))
SEED_MODEL = conv_reshape_relu().SerializeToString()
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])


def convert_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.onnx"
        path.write_bytes(data)
        try:
            convert_onnx(str(path), str(Path(tmp) / "out"), verify=False)
        except ConverterError as err:
            assert err.code.code.startswith("MC") and err.message
            assert not (Path(tmp) / "out").exists() or not any((Path(tmp) / "out").iterdir())


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(SEED_MODEL) - 1), st.integers(0, 7)),
                min_size=1, max_size=8))
def test_bit_flips(flips: list[tuple[int, int]]) -> None:
    data = bytearray(SEED_MODEL)
    for pos, bit in flips:
        data[pos] ^= 1 << bit
    convert_bytes(bytes(data))


@FUZZ
@given(st.integers(1, len(SEED_MODEL) - 1))
def test_truncation(length: int) -> None:
    convert_bytes(SEED_MODEL[:length])


ATTRS = st.sampled_from(["pads", "strides", "dilations", "group", "kernel_shape", "auto_pad"])
VALUES = st.one_of(st.integers(-3, 9), st.lists(st.integers(-3, 9), max_size=5),
                   st.sampled_from(["SAME_UPPER", "VALID", "bogus", ""]))


@FUZZ
@given(ATTRS, VALUES, st.sampled_from(["Conv", "Reshape", "Relu", "MaxPool", "Nope"]))
def test_attribute_and_op_changes(name: str, value: object, op_type: str) -> None:
    model = conv_reshape_relu()
    node = model.graph.node[0]
    del node.attribute[:]
    node.attribute.append(onnx.helper.make_attribute(name, value) if value != [] else
                          onnx.helper.make_attribute(name, [], attr_type=onnx.AttributeProto.INTS))
    model.graph.node[1].op_type = op_type
    convert_bytes(model.SerializeToString())
