"""NonMaxSuppression (ops/detection.py) against onnxruntime, in PyNative and graph mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from tests.graph.ops.conftest import assert_matches_ort

pytestmark = pytest.mark.numerics

BOTH = ("pynative", "graph")
INPUT_NAMES = ("boxes", "scores", "max_output", "iou_threshold", "score_threshold")


def nms_model(runtime: dict[str, np.ndarray], consts: dict[str, np.ndarray],
              center: int = 0, opset: int = 11) -> onnx.ModelProto:
    """One NonMaxSuppression node; inputs in ``runtime`` are fed, ``consts`` initializers, the
    others absent (trailing absent inputs are dropped, inner ones left empty)."""
    names = [n if n in runtime or n in consts else "" for n in INPUT_NAMES]
    while names[-1] == "":
        names.pop()
    node = helper.make_node("NonMaxSuppression", names, ["selected"], center_point_box=center)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in runtime.items()],
        [helper.make_tensor_value_info("selected", TensorProto.INT64, [None, 3])],
        [onnx.numpy_helper.from_array(a, n) for n, a in consts.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    onnx.checker.check_model(model, full_check=True)
    return model


def random_boxes(rng: np.random.Generator, batches: int, boxes: int, center: int,
                 flipped: bool = False) -> np.ndarray:
    """Overlapping boxes in an 11x11 field: corners (y1, x1, y2, x2) or centre boxes."""
    start = rng.uniform(0, 6, (batches, boxes, 2))
    size = rng.uniform(1, 5, (batches, boxes, 2))
    if center:
        return np.concatenate([start[..., ::-1], size[..., ::-1]], -1).astype(np.float32)
    corners = np.concatenate([start, start + size], -1)
    if flipped:  # either corner first, independently for y and x
        swap = rng.random((batches, boxes, 2)) < 0.5
        first, second = corners[..., :2].copy(), corners[..., 2:].copy()
        corners[..., :2] = np.where(swap, second, first)
        corners[..., 2:] = np.where(swap, first, second)
    return corners.astype(np.float32)


def check(rng: np.random.Generator, shape: tuple[int, int, int], runtime: tuple[str, ...],
          consts: dict[str, np.ndarray], center: int = 0, flipped: bool = False,
          ties: bool = False, opset: int = 11) -> str:
    """Random boxes/scores of ``shape`` (B, C, N); ``runtime`` names the thresholds fed."""
    b, c, n = shape
    scores = rng.uniform(0, 1, (b, c, n)).astype(np.float32)
    if ties:  # repeated scores: the lower box index must come first
        scores = np.round(scores * 4).astype(np.float32) / 4
    feeds = {"boxes": random_boxes(rng, b, n, center, flipped), "scores": scores}
    defaults: dict[str, np.ndarray] = {"max_output": np.array([10], np.int64),
                "iou_threshold": np.array([0.4], np.float32),
                "score_threshold": np.array([0.3], np.float32)}
    feeds.update({name: defaults[name] for name in runtime})
    model = nms_model(feeds, consts, center, opset)
    return assert_matches_ort(model, list(feeds.values()), modes=BOTH)


F32, I64 = np.float32, np.int64
ALL = ("max_output", "iou_threshold", "score_threshold")
CASES = [  # shape (B, C, N), thresholds fed at run time, constant ones, options
    pytest.param((2, 3, 24), ALL, {}, {}, id="all_runtime"),  # as ONNX's own test cases
    pytest.param((2, 2, 24), (), {"max_output": np.array([3], I64),
                                  "iou_threshold": np.array([0.3], F32),
                                  "score_threshold": np.array([0.2], F32)},
                 {"center": 1}, id="center_point_box"),
    pytest.param((1, 2, 24), ("iou_threshold",), {"max_output": np.array([100], I64)},
                 {"flipped": True}, id="flipped_corners"),
    pytest.param((2, 2, 16), (), {"max_output": np.array([5], I64),
                                  "iou_threshold": np.array([0.5], F32)},
                 {"ties": True}, id="ties_no_score_threshold"),
    pytest.param((1, 3, 20), (), {"max_output": np.array(6, I64),
                                  "iou_threshold": np.array(0.0, F32)},
                 {"opset": 10}, id="scalar_limit_opset10"),
    pytest.param((3, 1, 12), ("max_output",), {"iou_threshold": np.array([0.0], F32)}, {},
                 id="runtime_limit_zero_iou"),
]


@pytest.mark.parametrize(("shape", "runtime", "consts", "options"), CASES)
def test_non_max_suppression_matches_onnxruntime(
        shape: tuple[int, int, int], runtime: tuple[str, ...], consts: dict[str, np.ndarray],
        options: dict[str, Any], rng: np.random.Generator) -> None:
    source = check(rng, shape, runtime, consts, **options)
    assert "while " in source and "ops.topk(scores" in source


def test_non_max_suppression_limit_zero_or_absent_selects_nothing(
        rng: np.random.Generator) -> None:
    for consts in ({}, {"max_output": np.array([0], I64)}):
        source = check(rng, (1, 2, 8), (), consts)
        assert "ops.zeros((0, 3), ms.int64)" in source and "while" not in source


def test_non_max_suppression_runtime_limit_zero_and_high_threshold_select_nothing(
        rng: np.random.Generator) -> None:
    scores = rng.uniform(0, 0.5, (2, 2, 10)).astype(np.float32)
    boxes = random_boxes(rng, 2, 10, 0)
    for limit, threshold in ((0, 0.1), (5, 0.9)):
        feeds = {"boxes": boxes, "scores": scores, "max_output": np.array([limit], I64),
                 "iou_threshold": np.array([0.5], F32),
                 "score_threshold": np.array([threshold], F32)}
        assert_matches_ort(nms_model(feeds, {}), list(feeds.values()), modes=BOTH)


def detector_model() -> onnx.ModelProto:
    """A convolutional head on a 1x3x8x8 image: 4 box channels and 2 class logits per cell,
    then NonMaxSuppression over the 64 cells."""
    rng = np.random.default_rng(1)
    inits = [
        onnx.numpy_helper.from_array(rng.normal(0, 0.5, (4, 3, 3, 3)).astype(F32), "box_w"),
        onnx.numpy_helper.from_array(np.array([2, 2, 6, 6], F32), "box_b"),
        onnx.numpy_helper.from_array(rng.normal(0, 0.5, (2, 3, 3, 3)).astype(F32), "cls_w"),
        onnx.numpy_helper.from_array(np.array([1, 2, 64], I64), "cls_shape"),
        onnx.numpy_helper.from_array(np.array([1, 64, 4], I64), "box_shape"),
        onnx.numpy_helper.from_array(np.array([100], I64), "max_output"),
        onnx.numpy_helper.from_array(np.array([0.45], F32), "iou"),
        onnx.numpy_helper.from_array(np.array([0.25], F32), "score"),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "box_w", "box_b"], ["box_map"], pads=[1, 1, 1, 1]),
        helper.make_node("Transpose", ["box_map"], ["box_cells"], perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["box_cells", "box_shape"], ["boxes"]),
        helper.make_node("Conv", ["image", "cls_w"], ["cls_map"], pads=[1, 1, 1, 1]),
        helper.make_node("Sigmoid", ["cls_map"], ["cls_prob"]),
        helper.make_node("Reshape", ["cls_prob", "cls_shape"], ["scores"]),
        helper.make_node("NonMaxSuppression",
                         ["boxes", "scores", "max_output", "iou", "score"], ["selected"]),
    ]
    graph = helper.make_graph(
        nodes, "detector",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("selected", TensorProto.INT64, [None, 3])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model, full_check=True)
    return model


def test_detector_head_converts_and_verifies_in_both_modes(tmp_path: Path) -> None:
    from mindconverter.converter.graph.pipeline import convert

    path = tmp_path / "detector.onnx"
    onnx.save(detector_model(), str(path))
    image = np.random.default_rng(2).normal(0, 1, (1, 3, 8, 8)).astype(F32)
    result = convert(path, tmp_path / "out", input_data=[image])
    modes = {m.mode: m for m in result.verification.modes}
    assert modes["pynative"].passed, modes["pynative"]
    assert modes["graph"].passed, modes["graph"]
    assert not result.warnings
    source = assert_matches_ort(detector_model(), [image], modes=("pynative",))
    assert "nn.Conv2d" in source and "ops.masked_select" in source
