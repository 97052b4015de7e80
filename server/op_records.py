"""What is known about one placeholder: the script's own record merged with the JSON report's.

The script records the first runtime input's and first output's shapes (all of them when there
are several) and the attributes; the report adds every input (constants included), dtypes and
constant input values. The report wins where both know something.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mindconverter.server.placeholders import Placeholder, Shape
from mindconverter.server.reports import ReportIndex


@dataclass(frozen=True)
class OpRecord:
    """Everything recorded about one unconverted operator.

    Attributes:
        op_type: ONNX operator type.
        node_name: ONNX node name (``None`` when unknown).
        input_shapes: Shapes of all inputs, constants included when the report is known.
        output_shapes: Shapes of the outputs.
        runtime_shapes: Shapes of the inputs passed at call time (constants excluded).
        attributes: ONNX attributes.
        constant_inputs: Constant input values by input index (as strings).
        input_dtypes: NumPy dtype names of the inputs (may be empty).
        output_dtypes: NumPy dtype names of the outputs (may be empty).
        from_report: Whether the report contributed.
    """

    op_type: str
    node_name: str | None
    input_shapes: tuple[Shape | None, ...]
    output_shapes: tuple[Shape | None, ...]
    runtime_shapes: tuple[Shape | None, ...]
    attributes: dict[str, Any] = field(default_factory=dict)
    constant_inputs: dict[str, Any] = field(default_factory=dict)
    input_dtypes: tuple[str | None, ...] = ()
    output_dtypes: tuple[str | None, ...] = ()
    from_report: bool = False

    @property
    def first_input(self) -> Shape | None:
        """Shape of the first runtime input."""
        return self.runtime_shapes[0] if self.runtime_shapes else None

    @property
    def first_output(self) -> Shape | None:
        """Shape of the first output."""
        return self.output_shapes[0] if self.output_shapes else None

    def to_data(self) -> dict[str, Any]:
        """JSON-friendly form (diagnostic ``data``)."""
        return {
            "opType": self.op_type,
            "node": self.node_name,
            "inputShapes": [_listed(s) for s in self.input_shapes],
            "outputShapes": [_listed(s) for s in self.output_shapes],
            "inputDtypes": list(self.input_dtypes),
            "outputDtypes": list(self.output_dtypes),
            "attributes": self.attributes,
            "constantInputs": self.constant_inputs,
        }


def _listed(shape: Shape | None) -> list[int | None] | None:
    return list(shape) if shape is not None else None


def _tupled(shape: Any) -> Shape | None:
    return tuple(shape) if isinstance(shape, (list, tuple)) else None


def record_for(placeholder: Placeholder, report: ReportIndex | None) -> OpRecord:
    """Merge a placeholder's script record with its report entry (if any)."""
    entry = report.unconverted(placeholder.attr_name, placeholder.node_name) if report else None
    if entry is None or entry.op_type != placeholder.op_type:
        return OpRecord(
            op_type=placeholder.op_type,
            node_name=placeholder.node_name,
            input_shapes=placeholder.input_shapes,
            output_shapes=placeholder.output_shapes,
            runtime_shapes=placeholder.input_shapes,
            attributes=placeholder.attributes,
        )
    inputs = tuple(_tupled(s) for s in entry.input_shapes)
    constants = {str(k): v for k, v in entry.constant_inputs.items()}
    runtime = tuple(s for i, s in enumerate(inputs) if str(i) not in constants and s is not None)
    outputs = tuple(_tupled(s) for s in entry.output_shapes) or placeholder.output_shapes
    return OpRecord(
        op_type=entry.op_type,
        node_name=entry.name or placeholder.node_name,
        input_shapes=inputs or placeholder.input_shapes,
        output_shapes=outputs,
        runtime_shapes=runtime or placeholder.input_shapes,
        attributes={**placeholder.attributes, **entry.attributes},
        constant_inputs=constants,
        input_dtypes=tuple(entry.input_dtypes),
        output_dtypes=tuple(entry.output_dtypes),
        from_report=True,
    )


def describe_shapes(record: OpRecord) -> str:
    """``input (1, 1280, 1, 1) → output (1, 1280)`` for messages."""
    ins = ", ".join(_fmt(s) for s in record.runtime_shapes) or "?"
    outs = ", ".join(_fmt(s) for s in record.output_shapes) or "?"
    return f"input {ins} → output {outs}"


def _fmt(shape: Shape | None) -> str:
    if shape is None:
        return "?"
    inner = ", ".join("?" if d is None else str(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"
