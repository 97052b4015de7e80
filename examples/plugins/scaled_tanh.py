"""Example converter plugin: ``mindconverter --model_file m.onnx --plugin scaled_tanh.py``.

Adds a converter for the custom operator ``com.example::ScaledTanh(X; alpha, beta)``, which
computes ``alpha * tanh(beta * X)``. Without this plugin the node becomes a placeholder.
"""

from mindconverter.plugin import (
    BinOp,
    Call,
    ConversionNotPossible,
    ConvertContext,
    LayerSpec,
    Ref,
    register,
)


@register("ScaledTanh", since=1, domain="com.example")
def convert_scaled_tanh(ctx: ConvertContext) -> LayerSpec:
    """com.example::ScaledTanh(X; alpha=1.0, beta=1.0) → ``alpha * ops.tanh(x * beta)``."""
    if ctx.dtype(0).kind != "f":
        raise ConversionNotPossible("ScaledTanh needs a floating-point input")
    alpha = float(ctx.attr("alpha", 1.0))
    beta = float(ctx.attr("beta", 1.0))
    return LayerSpec(BinOp("*", alpha, Call("ops.tanh", (BinOp("*", Ref(0), beta),))))
