"""What a converter sees of the graph: one node, its attributes, shapes, dtypes and constants."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from mindconverter.converter.graph.registry import ConversionNotPossible, ConverterRegistry
from mindconverter.converter.graph.spec import Const, Ref
from onnx import helper

# Constants up to this many elements may be inlined in ``construct`` as literals.
INLINE_LIMIT = 1


@dataclass
class ValueInfo:
    """Static facts about one ONNX value.

    A sequence value (``seq(tensor)``) has no shape of its own: ``dtype`` is its elements'
    dtype and ``elements`` the facts of each element, in order, once a sample run counted them
    (``None`` while unknown, and for every tensor value).
    """

    shape: tuple[int, ...] | None
    dtype: np.dtype | None
    elements: tuple[ValueInfo, ...] | None = None


@dataclass
class ConstStore:
    """Constant tensors that become network parameters, shared across nodes."""

    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    trainable: dict[str, bool] = field(default_factory=dict)

    def add(self, source: str, value: np.ndarray, hint: str) -> str:
        """Register ``value`` (from ONNX value ``source``) and return its key."""
        key = source
        if key not in self.arrays:
            self.arrays[key] = value
            self.sources[key] = source
            self.hints[key] = hint
            self.trainable[key] = value.dtype.kind == "f"
        return key


class ConvertContext:
    """Per-node view of the graph handed to a converter.

    Args:
        node: The ONNX node.
        opset: The model's opset for the node's domain.
        values: Static shape/dtype of every value.
        constants: Values known at conversion time (initializers and folded results).
        consts: Store for constants that must become parameters.
        name_hint: Readable base name of the node (used for constant parameter names).
    """

    def __init__(
        self,
        node: onnx.NodeProto,
        opset: int,
        values: dict[str, ValueInfo],
        constants: dict[str, np.ndarray],
        consts: ConstStore,
        name_hint: str = "",
    ) -> None:
        self.node = node
        self.opset = opset
        self._values = values
        self._constants = constants
        self._consts = consts
        self.name_hint = name_hint
        #: The registry converting this graph (subgraph converters reuse it); set by the pipeline.
        self.registry: ConverterRegistry | None = None
        self.attrs: dict[str, Any] = {
            a.name: _attr_value(a) for a in node.attribute
        }
        self.warnings: list[tuple[str, str]] = []

    # -- attributes -------------------------------------------------------------------------
    def attr(self, name: str, default: Any = None) -> Any:
        """The attribute ``name`` (strings decoded, tensors as arrays), or ``default``."""
        return self.attrs.get(name, default)

    # -- inputs and outputs -----------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        """Number of declared inputs (including empty optional ones)."""
        return len(self.node.input)

    @property
    def n_outputs(self) -> int:
        """Number of declared outputs."""
        return len(self.node.output)

    def has_input(self, index: int) -> bool:
        """Whether optional input ``index`` is present."""
        return index < len(self.node.input) and self.node.input[index] != ""

    def is_const(self, index: int) -> bool:
        """Whether input ``index`` is known at conversion time."""
        return self.has_input(index) and self.node.input[index] in self._constants

    def const(self, index: int) -> np.ndarray:
        """The value of constant input ``index``.

        Raises:
            ConversionNotPossible: When the input is computed at run time.
        """
        if not self.is_const(index):
            raise ConversionNotPossible(
                f"input {index} of {self.node.op_type} must be a constant for this conversion"
            )
        return self._constants[self.node.input[index]]

    def const_or(self, index: int, default: Any) -> Any:
        """Constant input ``index``, or ``default`` when the optional input is absent."""
        return self.const(index) if self.has_input(index) else default

    def shape(self, index: int) -> tuple[int, ...]:
        """Static shape of input ``index``."""
        return self._shape_of(self.node.input[index])

    def out_shape(self, index: int = 0) -> tuple[int, ...]:
        """Static shape of output ``index``."""
        return self._shape_of(self.node.output[index])

    def rank(self, index: int) -> int:
        """Rank of input ``index``."""
        return len(self.shape(index))

    def dtype(self, index: int) -> np.dtype:
        """NumPy dtype of input ``index``."""
        return self._dtype_of(self.node.input[index])

    def out_dtype(self, index: int = 0) -> np.dtype:
        """NumPy dtype of output ``index``."""
        return self._dtype_of(self.node.output[index])

    def _shape_of(self, name: str) -> tuple[int, ...]:
        if name in self._constants:
            return tuple(self._constants[name].shape)
        info = self._values.get(name)
        if info is None or info.shape is None:
            raise ConversionNotPossible(f"shape of '{name}' is unknown")
        return info.shape

    def _dtype_of(self, name: str) -> np.dtype:
        if name in self._constants:
            return self._constants[name].dtype
        info = self._values.get(name)
        if info is None or info.dtype is None:
            raise ConversionNotPossible(f"dtype of '{name}' is unknown")
        return info.dtype

    # -- operands ---------------------------------------------------------------------------
    def operand(self, index: int, inline: bool = True) -> Any:
        """Input ``index`` as an expression.

        Runtime values become :class:`Ref`; a one-element constant becomes a Python literal when
        ``inline`` and its rank does not exceed the other inputs'; other constants become
        network parameters (:class:`Const`).
        """
        if not self.is_const(index):
            return Ref(index)
        value = self.const(index)
        if inline and value.size <= INLINE_LIMIT and value.ndim <= self._max_runtime_rank():
            return _literal(value)
        return self.const_param(index)

    def const_param(self, index: int) -> Const:
        """Constant input ``index`` stored as a parameter of the network."""
        name = self.node.input[index]
        return Const(self._consts.add(name, self._constants[name], self.name_hint))

    def array_param(self, source: str, value: np.ndarray) -> Const:
        """An array computed by the converter (e.g. a transposed weight) stored as a parameter."""
        return Const(self._consts.add(source, value, self.name_hint))

    def _max_runtime_rank(self) -> int:
        ranks = [
            len(self._values[n].shape or ())
            for n in self.node.input
            if n and n not in self._constants and n in self._values
        ]
        return max(ranks, default=0)

    # -- notes ------------------------------------------------------------------------------
    def warn(self, code: str, message: str) -> None:
        """Record a conversion note for the report (lossy or surprising behaviour)."""
        self.warnings.append((code, message))


def _literal(value: np.ndarray) -> Any:
    item = value.reshape(()).item() if value.size == 1 else value.tolist()
    if value.dtype == np.float32 and isinstance(item, float):
        item = _short_float(item)  # 2.8284270763397217 → 2.828427
    if isinstance(item, float) and not np.isfinite(item):
        return float(item)
    return item


def _short_float(value: float) -> float:
    """ONNX stores float attributes as float32: ``1e-3`` reads back as 0.0010000000474974513.
    Return the shortest decimal that is the same float32 (``0.001``)."""
    return float(str(np.float32(value)))


def _attr_value(attr: onnx.AttributeProto) -> Any:
    value = helper.get_attribute_value(attr)
    if attr.type == onnx.AttributeProto.FLOAT:
        return _short_float(value)
    if attr.type == onnx.AttributeProto.FLOATS:
        return [_short_float(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list) and value and isinstance(value[0], bytes):
        return [v.decode("utf-8", "replace") for v in value]
    if isinstance(value, onnx.TensorProto):
        return onnx.numpy_helper.to_array(value)
    return value
