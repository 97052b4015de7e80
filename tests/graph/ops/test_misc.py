"""CumProd, window functions, Det, ReverseSequence, CenterCropPad, AffineGrid, BitCast and DFT
converters against onnxruntime (or NumPy where onnxruntime lacks the opset)."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from mindconverter.converter.graph.backend import MindSporeBackend

from tests.graph.ops.conftest import assert_matches_ort, single_node_model

pytestmark = pytest.mark.numerics


def _model(op_type: str, inputs: list, initializers: list = (), opset: int = 18,
           **attrs: Any) -> onnx.ModelProto:
    model = single_node_model(op_type, inputs, opset=opset, initializers=initializers, **attrs)
    return onnx.shape_inference.infer_shapes(model)


def _run(model: onnx.ModelProto, inputs: list, mode: str = "pynative") -> list[np.ndarray]:
    return list(MindSporeBackend.prepare(model, "CPU", mode=mode).run(inputs))


@pytest.mark.parametrize(("exclusive", "reverse"), [(0, 0), (1, 0), (0, 1), (1, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_cumprod(rng: np.random.Generator, exclusive: int, reverse: int, dtype: type) -> None:
    x = rng.integers(1, 4, (3, 4)).astype(dtype)
    model = _model("CumProd", [("x", x)], [("axis", np.array(1, np.int64))], opset=26,
                   exclusive=exclusive, reverse=reverse)
    (actual,) = _run(model, [x], mode="graph")
    work = x[:, ::-1] if reverse else x
    expected = np.cumprod(work, axis=1)
    if exclusive:
        expected = np.concatenate([np.ones((3, 1), dtype), expected[:, :-1]], axis=1)
    expected = expected[:, ::-1] if reverse else expected
    assert actual.dtype == dtype
    np.testing.assert_allclose(actual, expected)


def test_cumprod_runtime_axis(rng: np.random.Generator) -> None:
    x = rng.random((2, 3)).astype(np.float32)
    model = _model("CumProd", [("x", x), ("axis", np.array(0, np.int64))], opset=26)
    for axis in (0, 1):
        (actual,) = _run(model, [x, np.array(axis, np.int64)])
        np.testing.assert_allclose(actual, np.cumprod(x, axis=axis), rtol=1e-6)


@pytest.mark.parametrize("op_type", ["HannWindow", "HammingWindow", "BlackmanWindow"])
@pytest.mark.parametrize("periodic", [0, 1])
def test_windows(op_type: str, periodic: int) -> None:
    size = np.array(10, np.int64)
    node = onnx.helper.make_node(op_type, ["n"], ["y0"], periodic=periodic,
                                 output_datatype=onnx.TensorProto.DOUBLE)
    graph = onnx.helper.make_graph(
        [node], "g", [onnx.helper.make_tensor_value_info("n", onnx.TensorProto.INT64, [])],
        [onnx.helper.make_tensor_value_info("y0", onnx.TensorProto.DOUBLE, [10])])
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)])
    source = assert_matches_ort(model, [size], modes=("pynative", "graph"))
    assert "ops.cos" in source


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_det(rng: np.random.Generator, shape: tuple[int, ...]) -> None:
    x = rng.standard_normal(shape).astype(np.float32)
    assert_matches_ort(_model("Det", [("x", x)]), [x], atol=1e-4)


@pytest.mark.parametrize(("time_axis", "batch_axis"), [(0, 1), (1, 0)])
def test_reverse_sequence(rng: np.random.Generator, time_axis: int, batch_axis: int) -> None:
    x = rng.standard_normal((4, 3, 2)).astype(np.float32)
    lens = np.array([4, 1, 3] if time_axis == 0 else [1, 2, 3, 0], np.int64)
    if batch_axis == 1:
        lens = lens[:3]
    model = _model("ReverseSequence", [("x", x), ("lens", lens)],
                   time_axis=time_axis, batch_axis=batch_axis)
    assert_matches_ort(model, [x, lens], modes=("pynative", "graph"))


@pytest.mark.parametrize(("target", "axes"), [([5, 3, 2], None), ([9, 1], [0, 1]),
                                               ([2, 7], [-1, 0])])
def test_center_crop_pad(rng: np.random.Generator, target: list[int], axes: Any) -> None:
    x = rng.standard_normal((6, 4, 2)).astype(np.float32)
    attrs = {"axes": axes} if axes else {}
    model = _model("CenterCropPad", [("x", x)], [("shape", np.array(target, np.int64))],
                   **attrs)
    assert_matches_ort(model, [x])


@pytest.mark.parametrize("align", [0, 1])
@pytest.mark.parametrize("size", [[2, 3, 4, 5], [1, 2, 3, 4, 2]])
def test_affine_grid(rng: np.random.Generator, align: int, size: list[int]) -> None:
    spatial = len(size) - 2
    theta = rng.standard_normal((size[0], spatial, spatial + 1)).astype(np.float32)
    model = _model("AffineGrid", [("theta", theta)], [("size", np.array(size, np.int64))],
                   opset=20, align_corners=align)
    assert_matches_ort(model, [theta])


@pytest.mark.parametrize(("source", "target", "mode"), [
    (np.int8, np.uint8, "graph"), (np.uint32, np.int32, "graph"), (np.bool_, np.uint8, "graph"),
    (np.float32, np.int32, "pynative"), (np.int64, np.float64, "pynative")])
def test_bitcast(rng: np.random.Generator, source: type, target: type, mode: str) -> None:
    x = (rng.standard_normal(6) * 100).astype(source)
    to = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(target))
    (actual,) = _run(_model("BitCast", [("x", x)], opset=26, to=to), [x], mode)
    assert actual.dtype == target
    np.testing.assert_array_equal(actual, x.view(target))


@pytest.mark.parametrize(("inverse", "onesided", "channels"),
                         [(0, 1, 1), (1, 0, 2), (0, 0, 2)])
def test_dft(rng: np.random.Generator, inverse: int, onesided: int, channels: int) -> None:
    x = rng.standard_normal((2, 8, 3, channels)).astype(np.float32)
    model = _model("DFT", [("x", x)], opset=17, axis=1, inverse=inverse, onesided=onesided)
    assert_matches_ort(model, [x], atol=1e-4)


@pytest.mark.parametrize("windowed", [False, True])
def test_stft(rng: np.random.Generator, windowed: bool) -> None:
    signal = rng.standard_normal((2, 40, 1)).astype(np.float32)
    consts = [("step", np.array(6, np.int64))]
    if windowed:
        consts.append(("window", np.hanning(10).astype(np.float32)))
    else:
        consts += [("", np.zeros(0, np.float32)), ("length", np.array(10, np.int64))]
    model = single_node_model("STFT", [("signal", signal)], opset=17,
                              initializers=[c for c in consts if c[0]])
    model.graph.node[0].ClearField("input")
    model.graph.node[0].input.extend(["signal"] + [name for name, _ in consts])
    source = assert_matches_ort(onnx.shape_inference.infer_shapes(model), [signal],
                                modes=("pynative", "graph"), atol=1e-4)
    assert "ops.rfft" in source


@pytest.mark.parametrize(("block", "attrs"), [
    ([2, 2], {}), ([2, 3], {"strides": [2, 1], "pads": [1, 0, 1, 2]}),
    ([2, 2], {"dilations": [2, 1]})])
def test_col2im(rng: np.random.Generator, block: list[int], attrs: dict) -> None:
    image = [5, 6]
    pads = attrs.get("pads", [0, 0, 0, 0])
    strides, dilations = attrs.get("strides", [1, 1]), attrs.get("dilations", [1, 1])
    count = np.prod([(image[i] + pads[i] + pads[i + 2] - dilations[i] * (block[i] - 1) - 1)
                     // strides[i] + 1 for i in range(2)])
    x = rng.standard_normal((2, 3 * int(np.prod(block)), int(count))).astype(np.float32)
    model = _model("Col2Im", [("x", x)], [("image", np.array(image, np.int64)),
                                          ("block", np.array(block, np.int64))], **attrs)
    assert_matches_ort(model, [x], modes=("pynative", "graph"), atol=1e-5)
