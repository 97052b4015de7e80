"""Resize/Upsample, DepthToSpace/SpaceToDepth, GridSample and RoiAlign against onnxruntime."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import pytest
from onnx import helper

from tests.graph.ops.conftest import assert_matches_ort

pytestmark = pytest.mark.numerics


def node_model(op_type: str, x: np.ndarray, inputs: list[str] = (),
               consts: list[tuple[str, np.ndarray]] = (), opset: int = 19,
               runtime: list[tuple[str, np.ndarray]] = (), **attrs: Any) -> onnx.ModelProto:
    """``op_type(x, *inputs)``; names in ``inputs`` are constants, runtime inputs or ''."""
    graph = helper.make_graph(
        [helper.make_node(op_type, ["x", *inputs], ["y"], **attrs)], "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in [("x", x), *runtime]],
        [helper.make_tensor_value_info("y", onnx.TensorProto.UNDEFINED, None)],
        [onnx.numpy_helper.from_array(a, n) for n, a in consts])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(model)


def resize(x: np.ndarray, scales: list[float] | None = None, sizes: list[int] | None = None,
           roi: list[float] | None = None, opset: int = 19, **attrs: Any) -> onnx.ModelProto:
    consts = [("roi", np.array(roi or [], np.float32))]
    consts.append(("scales", np.array(scales or [], np.float32)))
    names = ["roi" if roi or opset < 13 else "", "scales" if scales or opset < 13 else ""]
    if sizes is not None:
        consts.append(("sizes", np.array(sizes, np.int64)))
        names.append("sizes")
    consts = [(n, a) for n, a in consts if n in names]
    return node_model("Resize", x, names, consts, opset=opset, **attrs)


@pytest.fixture
def x(rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((1, 2, 5, 7)).astype(np.float32)


NEAREST = [
    ({"scales": [1, 1, 2, 2]}, "asymmetric", "floor", "ops.interpolate("),
    ({"scales": [1, 1, 3, 2]}, "half_pixel", "round_prefer_floor", "ops.interpolate("),
    ({"scales": [1, 2, 1, 1]}, "half_pixel", "round_prefer_floor", "ops.repeat_interleave("),
    ({"sizes": [1, 2, 8, 11]}, "half_pixel", "round_prefer_ceil", "ops.gather("),
    ({"sizes": [1, 2, 3, 4]}, "align_corners", "floor", "ops.gather("),
    ({"scales": [1, 1, 0.6, 1.7]}, "asymmetric", "ceil", "ops.gather("),
    ({"sizes": [1, 2, 9, 10]}, "pytorch_half_pixel", "round_prefer_floor", "ops.gather("),
    ({"sizes": [1, 2, 9, 10]}, "asymmetric", "floor", "ops.interpolate("),
]


@pytest.mark.parametrize(("size", "ctm", "nearest_mode", "target"), NEAREST)
def test_resize_nearest(size: dict[str, Any], ctm: str, nearest_mode: str, target: str,
                        x: np.ndarray) -> None:
    model = resize(x, **size, mode="nearest", coordinate_transformation_mode=ctm,
                   nearest_mode=nearest_mode)
    assert target in assert_matches_ort(model, [x])


LINEAR = [
    ({"scales": [1, 1, 2, 2]}, "half_pixel", {}, "ops.interpolate("),
    ({"sizes": [1, 2, 3, 4]}, "align_corners", {}, "ops.interpolate("),
    ({"sizes": [1, 2, 9, 10]}, "pytorch_half_pixel", {}, "ops.interpolate("),
    ({"sizes": [1, 2, 1, 3]}, "pytorch_half_pixel", {}, "ops.matmul("),
    ({"scales": [1, 1, 0.6, 1.7]}, "asymmetric", {}, "ops.matmul("),
    ({"scales": [1, 1, 0.6, 0.6]}, "half_pixel", {"antialias": 1}, "ops.matmul("),
    ({"scales": [1, 1, 1.5, 1.5]}, "half_pixel_symmetric", {}, "align_corners=True"),
    ({"scales": [1, 1, 0.6, 0.6]}, "half_pixel_symmetric", {}, "ops.matmul("),
]


@pytest.mark.parametrize(("size", "ctm", "extra", "target"), LINEAR)
def test_resize_linear(size: dict[str, Any], ctm: str, extra: dict[str, Any], target: str,
                       x: np.ndarray) -> None:
    model = resize(x, **size, mode="linear", coordinate_transformation_mode=ctm, **extra)
    assert target in assert_matches_ort(model, [x])


@pytest.mark.parametrize("attrs", [
    {},
    {"coordinate_transformation_mode": "align_corners"},
    {"cubic_coeff_a": -0.5, "exclude_outside": 1},
    {"coordinate_transformation_mode": "asymmetric"},
    {"antialias": 1},
])
def test_resize_cubic_uses_exact_interpolation_matrices(attrs: dict[str, Any],
                                                        x: np.ndarray) -> None:
    scales = [1, 1, 0.8, 0.6] if attrs.get("antialias") else [1, 1, 2, 1.5]
    if attrs.get("coordinate_transformation_mode") == "align_corners":
        scales = [1, 1, 2, 2]  # onnxruntime departs from ONNX when scale * size is fractional
    model = resize(x, scales=scales, mode="cubic", **attrs)
    source = assert_matches_ort(model, [x])
    assert "ops.matmul(self.resize_weights_axis2, x)" in source


def test_resize_tf_crop_and_resize_with_extrapolation(x: np.ndarray) -> None:
    model = resize(x, sizes=[1, 2, 4, 6], roi=[0, 0, -0.2, 0.1, 1, 1, 0.9, 1.3], mode="linear",
                   coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=10.0)
    assert_matches_ort(model, [x])


@pytest.mark.parametrize("policy", ["not_larger", "not_smaller"])
def test_resize_keep_aspect_ratio(policy: str, x: np.ndarray) -> None:
    model = resize(x, sizes=[8, 8], mode="nearest", axes=[2, 3], keep_aspect_ratio_policy=policy)
    assert_matches_ort(model, [x])


def test_resize_axes_subset(x: np.ndarray) -> None:
    model = resize(x, scales=[1.5, 2.0], axes=[3, 2], mode="linear")
    assert_matches_ort(model, [x])


def test_resize_1d_and_3d_linear(rng: np.random.Generator) -> None:
    signal = rng.standard_normal((2, 3, 9)).astype(np.float32)
    source = assert_matches_ort(resize(signal, sizes=[2, 3, 14], mode="linear"), [signal])
    assert "mode='linear'" in source
    volume = rng.standard_normal((1, 2, 3, 4, 5)).astype(np.float32)
    model = resize(volume, scales=[1, 1, 2, 2, 2], mode="linear")
    assert "mode='trilinear'" in assert_matches_ort(model, [volume])


def test_resize_nearest_keeps_integers(rng: np.random.Generator) -> None:
    image = rng.integers(0, 255, (1, 3, 4, 5)).astype(np.uint8)
    model = resize(image, sizes=[1, 3, 7, 9], mode="nearest")
    assert_matches_ort(model, [image])


def test_resize_graph_mode(x: np.ndarray) -> None:
    model = resize(x, scales=[1, 1, 2, 1.5], mode="cubic")
    assert_matches_ort(model, [x], modes=("pynative", "graph"))
    model = resize(x, scales=[1, 1, 2, 2], mode="nearest", opset=11,
                   coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    assert_matches_ort(model, [x], modes=("pynative", "graph"))


@pytest.mark.parametrize(("opset", "mode"), [(7, "nearest"), (9, "nearest"), (9, "linear"),
                                             (10, "nearest"), (10, "linear")])
def test_upsample_and_resize_10(opset: int, mode: str, x: np.ndarray) -> None:
    scales = np.array([1, 1, 2, 3], np.float32)
    op_type = "Upsample" if opset < 10 else "Resize"
    if opset == 7:  # scales were an attribute
        model = node_model(op_type, x, opset=opset, mode=mode, scales=scales.tolist())
    else:
        model = node_model(op_type, x, ["scales"], [("scales", scales)], opset=opset, mode=mode)
    assert_matches_ort(model, [x])


@pytest.mark.parametrize("mode", ["DCR", "CRD"])
def test_depth_to_space(mode: str, rng: np.random.Generator) -> None:
    data = rng.standard_normal((2, 8, 3, 4)).astype(np.float32)
    model = node_model("DepthToSpace", data, opset=13, blocksize=2, mode=mode)
    assert_matches_ort(model, [data], modes=("pynative", "graph"))


def test_space_to_depth(rng: np.random.Generator) -> None:
    data = rng.standard_normal((2, 3, 4, 6)).astype(np.float32)
    assert_matches_ort(node_model("SpaceToDepth", data, opset=13, blocksize=2), [data])


@pytest.mark.parametrize(("mode", "padding", "align"), [
    ("linear", "zeros", 0), ("linear", "border", 1), ("linear", "reflection", 0),
    ("nearest", "zeros", 1),
])
def test_grid_sample(mode: str, padding: str, align: int, rng: np.random.Generator) -> None:
    data = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    grid = rng.uniform(-1.2, 1.2, (2, 4, 3, 2)).astype(np.float32)
    grid = np.round(grid, 3)  # keeps nearest sampling away from exact ties
    model = node_model("GridSample", data, ["grid"], runtime=[("grid", grid)], opset=20,
                       mode=mode, padding_mode=padding, align_corners=align)
    assert "ops.grid_sample(" in assert_matches_ort(model, [data, grid])


@pytest.mark.parametrize("align", [0, 1])
def test_grid_sample_nearest_rounds_ties_to_even(align: int, rng: np.random.Generator) -> None:
    data = rng.standard_normal((1, 2, 4, 6)).astype(np.float32)
    steps = np.arange(-1.0, 1.01, 0.25 if align else 1 / 6, dtype=np.float32)
    gx, gy = np.meshgrid(steps, steps[::2])  # many points fall exactly between two pixels
    grid = np.stack([gx, gy], axis=-1)[None].astype(np.float32)
    model = node_model("GridSample", data, ["grid"], runtime=[("grid", grid)], opset=20,
                       mode="nearest", align_corners=align)
    assert "ops.round(" in assert_matches_ort(model, [data, grid], modes=("pynative", "graph"))


def test_grid_sample_volumetric(rng: np.random.Generator) -> None:
    data = rng.standard_normal((1, 2, 3, 4, 5)).astype(np.float32)
    grid = rng.uniform(-1, 1, (1, 2, 3, 2, 3)).astype(np.float32)
    model = node_model("GridSample", data, ["grid"], runtime=[("grid", grid)], opset=20)
    assert_matches_ort(model, [data, grid])


@pytest.mark.parametrize("ctm", ["output_half_pixel", "half_pixel"])
def test_roi_align(ctm: str, rng: np.random.Generator) -> None:
    data = rng.standard_normal((2, 3, 10, 12)).astype(np.float32)
    rois = np.array([[0, 0, 9, 9], [1.5, 2.5, 8, 6], [2, 1, 11, 8]], np.float32)
    index = np.array([0, 1, 1], np.int64)
    model = node_model("RoiAlign", data, ["rois", "index"], runtime=[("rois", rois),
                       ("index", index)], opset=16, output_height=3, output_width=4,
                       sampling_ratio=2, spatial_scale=1.0, coordinate_transformation_mode=ctm)
    assert "ops.ROIAlign(" in assert_matches_ort(model, [data, rois, index])
