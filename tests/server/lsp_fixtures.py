"""Hand-written scripts in the graph converter's output format, with matching reports."""

# ruff: noqa: E501  (the scripts reproduce generated code, whose lines are long)

from __future__ import annotations

import json
from pathlib import Path

from mindconverter.converter.report import (
    ConversionResult,
    NodeTrace,
    TensorInfo,
    UnconvertedNode,
)

STEM = "tinynet"

SCRIPT = '''"""MindSpore network converted from tinynet.onnx (opset 13) by MindConverter."""
import mindspore as ms
from mindspore import nn, ops


class UnconvertedOp(nn.Cell):
    """Stands for an ONNX operator that MindConverter could not convert."""

    def __init__(self, op_type, name="", input_shape=None, output_shape=None,
                 input_shapes=None, output_shapes=None, attributes=None):
        super().__init__()
        self.op_type = op_type

    def construct(self, *inputs):
        raise NotImplementedError("ONNX operator not converted: " + self.op_type)


class Tinynet(nn.Cell):
    """MindSpore network converted from tinynet.onnx (opset 13) by MindConverter."""

    def __init__(self):
        super().__init__()
        self.features_0_0 = nn.Conv2d(3, 8, 3, stride=1, pad_mode="pad", padding=1, has_bias=True)
        self.transpose_1 = UnconvertedOp("Transpose", name="/Transpose_1", input_shape=(1, 8, 4, 6), output_shape=(1, 4, 6, 8), attributes={})
        self.resize_2 = UnconvertedOp("Resize", name="/Resize_2", input_shape=(1, 8, 4, 6), output_shape=(1, 8, 8, 12), attributes={"mode": "linear", "coordinate_transformation_mode": "align_corners"})
        self.tile_3 = UnconvertedOp("Tile", name="/Tile_3", input_shape=(1, 8, 8, 12), output_shape=(2, 8, 16, 12), attributes={})
        self.reshape_4 = UnconvertedOp("Reshape", name="/Reshape_4", input_shape=(2, 8, 16, 12), output_shape=(2, 1536), attributes={"allowzero": 0})
        self.nms_5 = UnconvertedOp("NonMaxSuppression", name="/NonMaxSuppression_5", input_shape=(1, 100, 4), output_shape=(5, 3), input_shapes=((1, 100, 4), (1, 1, 100)), attributes={"center_point_box": 0})
        self.fc = nn.Dense(1536, 10, has_bias=True)

    def construct(self, input_, boxes, scores):
        features_0_0 = self.features_0_0(input_)
        transpose_1 = self.transpose_1(features_0_0)
        resize_2 = self.resize_2(features_0_0)
        tile_3 = self.tile_3(resize_2)
        reshape_4 = self.reshape_4(tile_3)
        nms_5 = self.nms_5(boxes, scores)
        fc = self.fc(reshape_4)
        return fc, transpose_1, nms_5


def load_model(checkpoint=None):
    """Build Tinynet and load its weights (default: the .ckpt beside this file)."""
    net = Tinynet()
    return net
'''

LEGACY_SCRIPT = """import mindspore.ops as P
from mindspore import nn


class Model(nn.Cell):
    def __init__(self):
        super(Model, self).__init__()
        self.conv = nn.Conv2d(3, 1280, 1)
        self.reshape = onnx.Reshape(input_shape=(1, 1280, 1, 1), output_shape=(1, 1280))

    def construct(self, x):
        x = self.conv(x)
        x = self.reshape(x)
        return x
"""


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise ValueError(needle)


def _unconverted(attr: str, op: str, name: str, ins, outs, attributes=None, consts=None):
    return UnconvertedNode(
        op_type=op,
        domain="",
        name=name,
        attr_name=attr,
        line=line_of(SCRIPT, f"self.{attr} = "),
        column=9,
        construct_line=line_of(SCRIPT, f"= self.{attr}("),
        input_shapes=ins,
        output_shapes=outs,
        input_dtypes=["float32"] * len(ins),
        output_dtypes=["int64" if op == "NonMaxSuppression" else "float32"] * len(outs),
        attributes=attributes or {},
        constant_inputs=consts or {},
        reason="no converter",
    )


def make_result(folder: Path) -> ConversionResult:
    """The report the graph converter would have written for :data:`SCRIPT`."""
    conv_lines = [line_of(SCRIPT, "self.features_0_0 = "), line_of(SCRIPT, "= self.features_0_0(")]
    return ConversionResult(
        script=str(folder / f"{STEM}.py"),
        checkpoint=str(folder / f"{STEM}.ckpt"),
        weight_map=str(folder / f"weight_map_of_{STEM}.json"),
        report_text=str(folder / f"report_of_{STEM}.txt"),
        report_json=str(folder / f"report_of_{STEM}.json"),
        class_name="Tinynet",
        source={"path": "tinynet.onnx", "format": "onnx", "opset": 13},
        inputs=[TensorInfo("input", "input_", [1, 3, 4, 6], "float32")],
        outputs=[TensorInfo("out", "fc", [2, 10], "float32")],
        ops_total=8,
        ops_converted=2,
        unconverted=[
            _unconverted(
                "transpose_1", "Transpose", "/Transpose_1", [[1, 8, 4, 6]], [[1, 4, 6, 8]]
            ),
            _unconverted(
                "resize_2",
                "Resize",
                "/Resize_2",
                [[1, 8, 4, 6], None, [4]],
                [[1, 8, 8, 12]],
                {"mode": "linear", "coordinate_transformation_mode": "align_corners"},
                {"2": [1.0, 1.0, 2.0, 2.0]},
            ),
            _unconverted(
                "tile_3",
                "Tile",
                "/Tile_3",
                [[1, 8, 8, 12], [4]],
                [[2, 8, 16, 12]],
                consts={"1": [2, 1, 2, 1]},
            ),
            _unconverted(
                "reshape_4",
                "Reshape",
                "/Reshape_4",
                [[2, 8, 16, 12], [2]],
                [[2, 1536]],
                {"allowzero": 0},
                {"1": [2, -1]},
            ),
            _unconverted(
                "nms_5",
                "NonMaxSuppression",
                "/NonMaxSuppression_5",
                [[1, 100, 4], [1, 1, 100], [1]],
                [[5, 3]],
                {"center_point_box": 0},
                {"2": [10]},
            ),
        ],
        nodes=[
            NodeTrace(
                "/features/features.0/Conv",
                "Conv",
                conv_lines,
                ["features_0_0.weight", "features_0_0.bias"],
            ),
            NodeTrace(
                "/fc/Gemm",
                "Gemm",
                [line_of(SCRIPT, "self.fc = "), line_of(SCRIPT, "fc = self.fc(")],
                ["fc.weight", "fc.bias"],
            ),
        ],
    )


WEIGHT_MAP = {
    STEM: [
        {
            "converted_weight": {
                "name": "features_0_0.weight",
                "shape": [8, 3, 3, 3],
                "data_type": "Float32",
            },
            "source_weight": {
                "name": "features.0.0.weight",
                "shape": [8, 3, 3, 3],
                "data_type": "float32",
            },
        },
        {
            "converted_weight": {"name": "features_0_0.bias", "shape": [8], "data_type": "Float32"},
            "source_weight": {"name": "features.0.0.bias", "shape": [8], "data_type": "float32"},
        },
        {
            "converted_weight": {"name": "fc.weight", "shape": [10, 1536], "data_type": "Float32"},
            "source_weight": {
                "name": "classifier.weight",
                "shape": [10, 1536],
                "data_type": "float32",
            },
        },
    ]
}


def write_converted(folder: Path, script: str = SCRIPT) -> Path:
    """Write the script, its JSON report and weight map into ``folder``; return the script."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{STEM}.py"
    path.write_text(script, encoding="utf-8")
    result = make_result(folder)
    (folder / f"report_of_{STEM}.json").write_text(result.to_json(), encoding="utf-8")
    (folder / f"weight_map_of_{STEM}.json").write_text(json.dumps(WEIGHT_MAP), encoding="utf-8")
    return path
