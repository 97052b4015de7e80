"""Deformable convolution: DeformConv → ``ops.deformable_conv2d``.

ONNX interleaves the offsets per kernel position, ``(offset_group, kH*kW, [dy, dx])``, and
takes the mask as a separate input; MindSpore wants one tensor with all x offsets, then all y
offsets, then the mask, each in ``(offset_group, kH*kW)`` order. Sampling is the same
(bilinear, zero outside the padded input). ``ops.deformable_conv2d`` is deprecated in
MindSpore 2.9 but still the only deformable convolution with a CPU kernel.
"""

from __future__ import annotations

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import int_tuple
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import (
    Assign,
    Call,
    LayerSpec,
    Temp,
    TupleOf,
    kw,
)


@register("DeformConv", since=(19, 22))
def convert_deform_conv(ctx: ConvertContext) -> LayerSpec:
    """DeformConv(X, W, offset, B?, mask?; strides, pads, dilations, group, offset_group) →
    ``ops.deformable_conv2d`` with MindSpore's offset layout (since 19, 22)."""
    if ctx.rank(0) != 4:
        raise ConversionNotPossible("only 2-D DeformConv is supported")
    if ctx.dtype(0).name not in ("float16", "float32"):
        raise ConversionNotPossible(f"MindSpore's deformable convolution has no "
                                    f"{ctx.dtype(0).name} kernel")
    kernel = tuple(int(k) for k in ctx.shape(1)[2:])
    batch, _, out_h, out_w = (int(d) for d in ctx.shape(2))
    groups = int(ctx.attr("offset_group", 1))
    points = groups * kernel[0] * kernel[1]
    if ctx.shape(2)[1] != 2 * points:
        raise ConversionNotPossible(f"offset of shape {list(ctx.shape(2))} does not fit "
                                    f"{groups} offset group(s) of a {kernel} kernel")
    pads = int_tuple(ctx.attr("pads", [0, 0, 0, 0]))
    dy, dx = Temp("dy"), Temp("dx")
    split = Call("ops.unstack", (Call("ops.reshape", (ctx.operand(2), (
        batch, points, 2, out_h, out_w))), 2))
    mask = ctx.operand(4) if ctx.has_input(4) else Call("ops.ones_like", (dy,))
    options = kw(bias=ctx.operand(3, inline=False)) if ctx.has_input(3) else ()
    options += kw(dilations=(1, 1, *int_tuple(ctx.attr("dilations", [1, 1]))),
                  groups=int(ctx.attr("group", 1)), deformable_groups=groups)
    conv = Call("ops.deformable_conv2d", (
        ctx.operand(0), ctx.operand(1, inline=False), Temp("offsets"), kernel,
        (1, 1, *int_tuple(ctx.attr("strides", [1, 1]))), (pads[0], pads[2], pads[1], pads[3])),
        options)
    steps = (Assign((dy, dx), split),
             Assign(Temp("offsets"), Call("ops.cat", (TupleOf((dx, dy, mask)), 1))))
    return LayerSpec(conv, steps=steps, comment="DeformConv: offsets as (all x, all y, mask)")
