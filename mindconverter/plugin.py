"""Everything a converter plugin needs, in one import.

Example (``my_ops.py``, loaded with ``mindconverter --plugin my_ops.py``)::

    from mindconverter.plugin import BinOp, Call, ConvertContext, LayerSpec, Ref, register

    @register("ScaledTanh", since=1, domain="com.example")
    def convert_scaled_tanh(ctx: ConvertContext) -> LayerSpec:
        \"\"\"com.example::ScaledTanh(X; alpha, beta) → alpha * tanh(beta * x).\"\"\"
        alpha, beta = float(ctx.attr("alpha", 1.0)), float(ctx.attr("beta", 1.0))
        return LayerSpec(BinOp("*", alpha, Call("ops.tanh", (BinOp("*", Ref(0), beta),))))

See ``docs/plugins.md``.
"""

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.registry import (
    ConversionNotPossible,
    ConverterRegistry,
    OpKey,
    UnsupportedOpError,
    register,
)
from mindconverter.converter.graph.spec import (
    Attr,
    BinOp,
    Call,
    CellDef,
    Const,
    DType,
    Item,
    LayerCall,
    LayerSpec,
    Method,
    ParamDef,
    Ref,
    Slice,
    TupleOf,
    UnaryOp,
    kw,
)

__all__ = [
    "Attr", "BinOp", "Call", "CellDef", "Const", "ConversionNotPossible", "ConvertContext",
    "ConverterRegistry", "DType", "Item", "LayerCall", "LayerSpec", "Method", "OpKey",
    "ParamDef", "Ref", "Slice", "TupleOf", "UnaryOp", "UnsupportedOpError", "kw", "register",
]
