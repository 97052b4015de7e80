"""The conversion report: one typed object, written as JSON and as the original's text format.

:class:`ConversionResult` is what ``mindconverter.convert_onnx`` returns and what
``report_of_<stem>.json`` contains (``ConversionResult.to_dict``). The language server, CI
scripts and the tests read the JSON back with :meth:`ConversionResult.from_dict`.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1


@dataclass
class TensorInfo:
    """A graph input or output.

    Attributes:
        name: The ONNX value name.
        py_name: The identifier used for it in the generated script.
        shape: Concrete shape used for conversion and verification (``None`` for unknown dims).
        dtype: NumPy dtype name, e.g. ``float32``.
        symbolic_shape: The shape as declared in the model (strings for symbolic dims).
    """

    name: str
    py_name: str
    shape: list[int | None]
    dtype: str
    symbolic_shape: list[int | str | None] | None = None


@dataclass
class UnconvertedNode:
    """An ONNX node that became an ``UnconvertedOp`` placeholder.

    Attributes:
        op_type: ONNX operator type, e.g. ``Reshape``.
        domain: ONNX domain (``""`` for the default domain).
        name: The ONNX node name.
        attr_name: The placeholder's attribute name in the script (``self.<attr_name>``).
        line: 1-based script line of the placeholder in ``__init__``.
        column: 1-based column of ``self.<attr_name>`` on that line.
        construct_line: 1-based script line where ``construct`` calls it.
        input_shapes: Shapes of the node's inputs (``None`` for an absent optional input).
        output_shapes: Shapes of the node's outputs.
        input_dtypes: NumPy dtype names of the inputs.
        output_dtypes: NumPy dtype names of the outputs.
        attributes: The node's attributes as JSON values.
        constant_inputs: Values of inputs that are small constants, by input index.
        reason: Why it was not converted.
    """

    op_type: str
    domain: str
    name: str
    attr_name: str
    line: int
    column: int
    construct_line: int
    input_shapes: list[list[int] | None]
    output_shapes: list[list[int] | None]
    input_dtypes: list[str | None] = field(default_factory=list)
    output_dtypes: list[str | None] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    constant_inputs: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


@dataclass
class ConversionWarning:
    """A conversion note: lossy or surprising behaviour the user should know about."""

    code: str
    message: str
    nodes: list[str] = field(default_factory=list)


@dataclass
class OutputCheck:
    """Comparison of one output against the reference."""

    name: str
    max_abs_error: float
    max_rel_error: float
    passed: bool
    shape_match: bool = True


@dataclass
class ModeCheck:
    """Verification in one MindSpore execution mode (``pynative`` or ``graph``)."""

    mode: str
    passed: bool
    outputs: list[OutputCheck] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


@dataclass
class NodeDivergence:
    """An intermediate value whose MindSpore result differs from onnxruntime's."""

    node: str
    op_type: str
    output: str
    max_abs_error: float
    max_rel_error: float
    lines: list[int] = field(default_factory=list)
    shape_match: bool = True


@dataclass
class NodeVerification:
    """Per-node comparison (``--verify nodes``): every intermediate value, in graph order."""

    checked: int = 0
    diverged: int = 0
    first_divergence: NodeDivergence | None = None
    divergences: list[NodeDivergence] = field(default_factory=list)
    error: str | None = None


@dataclass
class Verification:
    """Numerical verification of the generated network against onnxruntime."""

    status: str = "skipped"  # passed | failed | skipped | error
    rtol: float = 1e-3
    atol: float = 1e-4
    input_source: str = ""
    reference: str = "onnxruntime"
    params_not_loaded: list[str] = field(default_factory=list)
    ckpt_params_unused: list[str] = field(default_factory=list)
    modes: list[ModeCheck] = field(default_factory=list)
    error: str | None = None
    nodes: NodeVerification | None = None

    @property
    def passed(self) -> bool:
        """True when every mode matched and the checkpoint loaded cleanly."""
        return self.status == "passed"


@dataclass
class NodeTrace:
    """Where one ONNX node went: its lines in the script and its parameters."""

    name: str
    op_type: str
    lines: list[int]
    params: list[str] = field(default_factory=list)


@dataclass
class ConversionResult:
    """Everything one graph conversion produced (the JSON report's content).

    Attributes:
        script: Path of the generated ``<stem>.py``.
        checkpoint: Path of the generated ``<stem>.ckpt`` (the first part when split).
        weight_map: Path of ``weight_map_of_<stem>.json``.
        report_text: Path of ``report_of_<stem>.txt``.
        report_json: Path of ``report_of_<stem>.json``.
        class_name: Name of the generated ``nn.Cell`` class.
        source: Facts about the input model (path, format, opset, producer).
        inputs: Graph inputs as the generated ``construct`` takes them.
        outputs: Graph outputs as ``construct`` returns them.
        ops_total: Number of ONNX nodes converted or replaced by placeholders.
        ops_converted: Number of those that became real MindSpore code.
        op_histogram: Node count per op type (after optimisation and folding).
        unconverted: One entry per placeholder.
        warnings: Lossy or notable conversions.
        verification: The numerical check's result.
        nodes: ONNX node → script lines and parameters (for hover and traceability).
        target: API tier generated (``nn_ops``; ``mint`` is an option).
        checkpoints: Every checkpoint file (``<stem>_<i>.ckpt`` parts above ~1.9 GB).
        exports: Deployment exports by format (``mindir``).
    """

    script: str
    checkpoint: str
    weight_map: str
    report_text: str
    report_json: str
    class_name: str
    source: dict[str, Any]
    inputs: list[TensorInfo]
    outputs: list[TensorInfo]
    ops_total: int
    ops_converted: int
    op_histogram: dict[str, int] = field(default_factory=dict)
    unconverted: list[UnconvertedNode] = field(default_factory=list)
    warnings: list[ConversionWarning] = field(default_factory=list)
    verification: Verification = field(default_factory=Verification)
    nodes: list[NodeTrace] = field(default_factory=list)
    target: str = "nn_ops"
    checkpoints: list[str] = field(default_factory=list)
    exports: dict[str, str] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The JSON report's content."""
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """The JSON report as text (stable key order)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, default=_json_default)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversionResult:
        """Rebuild a result from :meth:`to_dict` output (e.g. a ``report_of_*.json`` file)."""
        data = dict(data)
        data["inputs"] = [TensorInfo(**t) for t in data.get("inputs", [])]
        data["outputs"] = [TensorInfo(**t) for t in data.get("outputs", [])]
        data["unconverted"] = [UnconvertedNode(**u) for u in data.get("unconverted", [])]
        data["warnings"] = [ConversionWarning(**w) for w in data.get("warnings", [])]
        data["nodes"] = [NodeTrace(**n) for n in data.get("nodes", [])]
        ver = dict(data.get("verification") or {})
        modes = []
        for m in ver.pop("modes", []):
            m = dict(m)
            m["outputs"] = [OutputCheck(**o) for o in m.get("outputs", [])]
            modes.append(ModeCheck(**m))
        nodes = ver.pop("nodes", None)
        if nodes is not None:
            nodes = dict(nodes)
            first = nodes.pop("first_divergence", None)
            divs = [NodeDivergence(**d) for d in nodes.pop("divergences", [])]
            nodes = NodeVerification(**nodes, divergences=divs,
                                     first_divergence=NodeDivergence(**first) if first else None)
        data["verification"] = Verification(**ver, modes=modes, nodes=nodes)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def load(cls, path: str | Path) -> ConversionResult:
        """Read a ``report_of_<stem>.json`` file."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
