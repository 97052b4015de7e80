"""Resampling: Resize, Upsample, DepthToSpace, SpaceToDepth, GridSample, RoiAlign.

Resize is separable: along each resized axis the output is a fixed linear map of the input,
computed here from the ONNX formulas (coordinate transformation, nearest rounding, linear/cubic
kernels, antialias, exclude_outside, tf_crop_and_resize extrapolation). When that map equals
what ``ops.interpolate`` computes (PyTorch-style nearest, (bi/tri)linear with or without
``align_corners``) the call is ``ops.interpolate``; otherwise nearest modes gather rows
(``ops.repeat_interleave``/``ops.gather``) and linear/cubic modes multiply by the per-axis
interpolation matrices (``ops.matmul``), which reproduces ONNX exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import float_attr, norm_axis
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.render import ms_dtype_name
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    CellDef,
    DType,
    LayerCall,
    LayerSpec,
    Method,
    Ref,
    kw,
)


@dataclass
class _Resize:
    """Attributes of one Resize/Upsample node, normalised across opsets."""

    mode: str
    ctm: str
    nearest_mode: str
    cubic_a: float
    exclude_outside: bool
    antialias: bool
    extrapolation: float


@dataclass
class _AxisPlan:
    """The linear map of one resized axis: ``weights`` (out, in) and out-of-ROI rows."""

    axis: int
    weights: np.ndarray
    extrapolated: np.ndarray | None


# -- per-axis interpolation weights (ONNX Resize formulas) -------------------------------------


def _source_coords(ctm: str, out_int: int, in_size: int, scale: float,
                   roi: tuple[float, float]) -> tuple[np.ndarray, np.ndarray | None]:
    y = np.arange(out_int, dtype=np.float64)
    out_f = scale * in_size
    if ctm == "align_corners":
        x = np.zeros(out_int) if out_f == 1 else y * (in_size - 1) / (out_f - 1)
    elif ctm == "asymmetric":
        x = y / scale
    elif ctm == "pytorch_half_pixel":
        x = np.full(out_int, -0.5) if out_f == 1 else (y + 0.5) / scale - 0.5
    elif ctm == "half_pixel":
        x = (y + 0.5) / scale - 0.5
    elif ctm == "half_pixel_symmetric":
        offset = in_size / 2 * (1 - out_int / out_f)
        x = offset + (y + 0.5) / scale - 0.5
    elif ctm == "tf_crop_and_resize":
        start, end = roi
        if out_f == 1:
            x = np.full(out_int, (end - start) * (in_size - 1) / 2)
        else:
            x = y * (end - start) * (in_size - 1) / (out_f - 1)
        x = x + start * (in_size - 1)
        return x, (x < 0) | (x > in_size - 1)
    else:
        raise ConversionNotPossible(f"coordinate_transformation_mode {ctm!r} is not supported")
    return x, None


def _nearest_index(x: np.ndarray, mode: str) -> np.ndarray:
    floor = np.floor(x)
    frac = x - floor
    if mode == "round_prefer_floor":
        up = frac > 0.5
    elif mode == "round_prefer_ceil":
        up = frac >= 0.5
    elif mode == "floor":
        up = np.zeros_like(frac, dtype=bool)
    elif mode == "ceil":
        up = frac > 0
    else:
        raise ConversionNotPossible(f"nearest_mode {mode!r} is not supported")
    return (floor + up).astype(np.int64)


def _cubic_kernel(t: np.ndarray, a: float) -> np.ndarray:
    t = np.abs(t)
    inner = ((a + 2) * t - (a + 3)) * t * t + 1
    outer = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return np.where(t <= 1, inner, np.where(t < 2, outer, 0.0))


def _taps(attrs: _Resize, ratio: np.ndarray, scale: float) -> tuple[np.ndarray, int]:
    """Kernel weights (out, n) for taps ``floor(x) + first + j`` and the offset ``first``."""
    shrink = min(scale, 1.0) if attrs.antialias else 1.0
    if attrs.mode == "linear":
        first = int(np.floor(-1 / shrink) + 1)
        offsets = np.arange(first, 2 - first)
        weights = np.clip(1 - np.abs((offsets[None, :] - ratio[:, None]) * shrink), 0, 1)
    else:
        first = int(np.floor(-2 / shrink) + 1)
        offsets = np.arange(first, 2 - first)
        weights = _cubic_kernel((offsets[None, :] - ratio[:, None]) * shrink, attrs.cubic_a)
    if attrs.antialias:
        weights = weights / weights.sum(axis=1, keepdims=True)
    return weights, first


def _axis_weights(attrs: _Resize, in_size: int, out_size: int, scale: float,
                  roi: tuple[float, float]) -> tuple[np.ndarray, np.ndarray | None]:
    """The (out, in) interpolation matrix of one axis and its extrapolated rows."""
    x, extrapolated = _source_coords(attrs.ctm, out_size, in_size, scale, roi)
    matrix = np.zeros((out_size, in_size), dtype=np.float64)
    rows = np.arange(out_size)
    if attrs.mode == "nearest":
        index = np.clip(_nearest_index(x, attrs.nearest_mode), 0, in_size - 1)
        matrix[rows, index] = 1.0
    else:
        base = np.floor(x)
        whole = x == base
        base = np.where(whole, base - 1, base)  # taps lean left: ratio is in (0, 1]
        ratio = x - base
        weights, first = _taps(attrs, ratio, scale)
        index = base[:, None].astype(np.int64) + first + np.arange(weights.shape[1])[None, :]
        if attrs.exclude_outside:
            weights = np.where((index < 0) | (index >= in_size), 0.0, weights)
            total = weights.sum(axis=1, keepdims=True)
            weights = weights / np.where(total == 0, 1.0, total)
        np.add.at(matrix, (np.repeat(rows, weights.shape[1]),
                           np.clip(index, 0, in_size - 1).reshape(-1)), weights.reshape(-1))
    if extrapolated is not None:
        matrix[extrapolated] = 0.0
        if not extrapolated.any():
            extrapolated = None
    return matrix, extrapolated


# -- node attributes, scales and sizes -----------------------------------------------------------


def _attributes(ctx: ConvertContext) -> _Resize:
    mode = str(ctx.attr("mode", "nearest"))
    mode = {"bilinear": "linear", "trilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    legacy = ctx.node.op_type == "Upsample" or ctx.opset < 11
    return _Resize(
        mode=mode,
        ctm="asymmetric" if legacy else str(ctx.attr("coordinate_transformation_mode",
                                                      "half_pixel")),
        nearest_mode="floor" if legacy else str(ctx.attr("nearest_mode", "round_prefer_floor")),
        cubic_a=float_attr(ctx, "cubic_coeff_a", -0.75),
        exclude_outside=bool(ctx.attr("exclude_outside", 0)),
        antialias=bool(ctx.attr("antialias", 0)),
        extrapolation=float_attr(ctx, "extrapolation_value", 0.0),
    )


def _scales(ctx: ConvertContext, axes: list[int]) -> list[float]:
    """Per-axis scales (for every axis of X) as ONNX computes them."""
    rank = ctx.rank(0)
    in_shape, out_shape = ctx.shape(0), ctx.out_shape(0)
    if ctx.node.op_type == "Upsample" and ctx.opset < 9:
        return [float(s) for s in ctx.attr("scales")]
    scales_index = 1 if ctx.node.op_type == "Upsample" or ctx.opset < 11 else 2
    sizes_given = ctx.node.op_type == "Resize" and ctx.opset >= 11 and ctx.has_input(3)
    ratio = [out_shape[i] / in_shape[i] if in_shape[i] else 1.0 for i in range(rank)]
    if not sizes_given and ctx.has_input(scales_index) and ctx.shape(scales_index) != (0,):
        if not ctx.is_const(scales_index):
            ctx.warn("MC-W010", "Resize scales computed at run time: the converter assumes "
                                "scale = output size / input size")
            return ratio
        given = [float(s) for s in ctx.const(scales_index).reshape(-1)]
        full = [1.0] * rank
        for axis, scale in zip(axes, given):
            full[axis] = scale
        return full
    policy = str(ctx.attr("keep_aspect_ratio_policy", "stretch"))
    if policy == "stretch":
        return ratio
    if ctx.is_const(3):
        wanted = [float(s) for s in ctx.const(3).reshape(-1)]
        picks = [w / in_shape[a] for a, w in zip(axes, wanted)]
        scale = min(picks) if policy == "not_larger" else max(picks)
    else:
        scale = _aspect_scale(in_shape, out_shape, axes)
    return [scale if i in axes else 1.0 for i in range(rank)]


def _aspect_scale(in_shape: tuple[int, ...], out_shape: tuple[int, ...], axes: list[int]) -> float:
    """The common scale of a keep-aspect-ratio Resize with run-time sizes, from its output shape.

    ONNX takes the scale from the axis that limits it, where ``out == sizes``, so it is one of
    the ``out / in`` ratios; it must also give every other axis its size (round half up).
    """
    candidates = {out_shape[a] / in_shape[a] for a in axes if in_shape[a]}
    fitting = {s for s in candidates
               if all(int(s * in_shape[a] + 0.5) == out_shape[a] for a in axes)}
    if len(fitting) != 1:
        raise ConversionNotPossible("keep_aspect_ratio_policy with run-time sizes is ambiguous")
    return fitting.pop()


def _roi(ctx: ConvertContext, axes: list[int], ctm: str) -> list[tuple[float, float]]:
    rank = ctx.rank(0)
    pairs = [(0.0, 1.0)] * rank
    if ctm != "tf_crop_and_resize" or not ctx.has_input(1):
        return pairs
    values = [float(v) for v in ctx.const(1).reshape(-1)]
    half = len(values) // 2
    for i, axis in enumerate(axes[:half]):
        pairs[axis] = (values[i], values[half + i])
    return pairs


def _plans(ctx: ConvertContext, attrs: _Resize) -> list[_AxisPlan]:
    rank = ctx.rank(0)
    axes_attr = ctx.attr("axes")
    axes = ([norm_axis(int(a), rank) for a in axes_attr] if axes_attr is not None
            else list(range(rank)))
    scales = _scales(ctx, axes)
    rois = _roi(ctx, axes, attrs.ctm)
    in_shape, out_shape = ctx.shape(0), ctx.out_shape(0)
    plans = []
    for axis in range(rank):
        matrix, extrapolated = _axis_weights(
            attrs, int(in_shape[axis]), int(out_shape[axis]), scales[axis], rois[axis])
        if extrapolated is None and matrix.shape[0] == matrix.shape[1] and np.array_equal(
                matrix, np.eye(matrix.shape[0])):
            continue
        plans.append(_AxisPlan(axis, matrix, extrapolated))
    return plans


# -- emission ------------------------------------------------------------------------------------


_INTERPOLATE_LINEAR = {3: "linear", 4: "bilinear", 5: "trilinear"}


def _interpolate_call(ctx: ConvertContext, attrs: _Resize, plans: list[_AxisPlan]) -> Call | None:
    """``ops.interpolate`` when it computes exactly the same per-axis maps, else None."""
    rank = ctx.rank(0)
    if rank not in _INTERPOLATE_LINEAR or any(p.axis < 2 for p in plans):
        return None
    if any(p.extrapolated is not None for p in plans) or attrs.mode == "cubic":
        return None
    size = tuple(int(d) for d in ctx.out_shape(0)[2:])
    in_shape = ctx.shape(0)
    if attrs.mode == "nearest":
        torch_like = _Resize("nearest", "asymmetric", "floor", -0.75, False, False, 0.0)
        candidates = [(torch_like, kw(size=size, mode="nearest"))]
    else:
        mode = _INTERPOLATE_LINEAR[rank]
        candidates = [
            (_Resize("linear", "half_pixel", "", -0.75, False, False, 0.0),
             kw(size=size, mode=mode, align_corners=False)),
            (_Resize("linear", "align_corners", "", -0.75, False, False, 0.0),
             kw(size=size, mode=mode, align_corners=True)),
        ]
    by_axis = {p.axis: p.weights for p in plans}
    for reference, kwargs in candidates:
        if all(np.allclose(by_axis.get(a, np.eye(in_shape[a])),
                           _axis_weights(reference, int(in_shape[a]), size[a - 2],
                                         size[a - 2] / in_shape[a], (0.0, 1.0))[0], atol=1e-6)
               for a in range(2, rank)):
            return Call("ops.interpolate", (Ref(0),), kwargs)
    return None


def _nearest_expr(ctx: ConvertContext, plans: list[_AxisPlan]) -> object:
    x: object = Ref(0)
    for plan in plans:
        index = plan.weights.argmax(axis=1)
        in_size = plan.weights.shape[1]
        factor = len(index) // in_size if in_size else 0
        if factor >= 1 and len(index) == factor * in_size and np.array_equal(
                index, np.repeat(np.arange(in_size), factor)):
            x = Call("ops.repeat_interleave", (x, factor, plan.axis))
        else:
            param = ctx.array_param(f"{ctx.name_hint}_index_axis{plan.axis}",
                                    index.astype(np.int64))
            x = Call("ops.gather", (x, param, plan.axis))
    return x


def _matrix_expr(ctx: ConvertContext, attrs: _Resize, plans: list[_AxisPlan]) -> object:
    rank = ctx.rank(0)
    dtype = ctx.dtype(0)
    x: object = Ref(0)
    for plan in plans:
        axis = plan.axis
        if axis == rank - 1:
            weights = ctx.array_param(f"{ctx.name_hint}_weights_axis{axis}",
                                      np.ascontiguousarray(plan.weights.T, dtype=dtype))
            x = Call("ops.matmul", (x, weights))
            continue
        weights = ctx.array_param(f"{ctx.name_hint}_weights_axis{axis}",
                                  plan.weights.astype(dtype))
        if axis == rank - 2:
            x = Call("ops.matmul", (weights, x))
        else:
            moved = Call("ops.swapaxes", (x, axis, -2))
            x = Call("ops.swapaxes", (Call("ops.matmul", (weights, moved)), axis, -2))
    masks = [(p.axis, p.extrapolated) for p in plans if p.extrapolated is not None]
    if masks and attrs.extrapolation != 0.0:
        inside = np.ones([1] * rank)
        for axis, outside in masks:
            shape = [1] * rank
            shape[axis] = -1
            inside = inside * (~outside).reshape(shape)
        fill = ctx.array_param(f"{ctx.name_hint}_extrapolation",
                               ((1 - inside) * attrs.extrapolation).astype(dtype))
        x = BinOp("+", x, fill)
    return x


def _resize(ctx: ConvertContext) -> LayerSpec:
    attrs = _attributes(ctx)
    if attrs.mode not in ("nearest", "linear", "cubic"):
        raise ConversionNotPossible(f"Resize mode {attrs.mode!r} is not supported")
    plans = _plans(ctx, attrs)
    if not plans:
        return LayerSpec(Ref(0))
    call = _interpolate_call(ctx, attrs, plans)
    if call is not None:
        return LayerSpec(call)
    if attrs.mode == "nearest" and all(p.extrapolated is None for p in plans):
        return LayerSpec(_nearest_expr(ctx, plans))
    if ctx.dtype(0).kind != "f":
        raise ConversionNotPossible(f"{attrs.mode} Resize of {ctx.dtype(0)} tensors")
    return LayerSpec(_matrix_expr(ctx, attrs, plans),
                     comment="separable ONNX interpolation: one matrix per resized axis")


@register("Resize", since=(10, 11, 13, 18, 19))
def convert_resize(ctx: ConvertContext) -> LayerSpec:
    """Resize(X, roi?, scales?, sizes?) → ``ops.interpolate`` or exact per-axis maps (10-19)."""
    return _resize(ctx)


@register("Upsample", since=(7, 9))
def convert_upsample(ctx: ConvertContext) -> LayerSpec:
    """Upsample(X, scales) → like Resize with asymmetric coordinates (since 7, 9)."""
    return _resize(ctx)


# -- DepthToSpace / SpaceToDepth -------------------------------------------------------------


def _block_layout(ctx: ConvertContext) -> tuple[int, int, int, int, int, str]:
    if ctx.rank(0) != 4:
        raise ConversionNotPossible("DepthToSpace/SpaceToDepth need a 4-D input")
    n, c, h, w = (int(d) for d in ctx.shape(0))
    return n, c, h, w, int(ctx.attr("blocksize")), str(ctx.attr("mode", "DCR"))


@register("DepthToSpace", since=(1, 11, 13, 28))
def convert_depth_to_space(ctx: ConvertContext) -> LayerSpec:
    """DepthToSpace(X; blocksize, mode) → ``ops.pixel_shuffle`` (CRD) or reshapes (DCR) (1-28)."""
    n, c, h, w, b, mode = _block_layout(ctx)
    if mode == "CRD":
        return LayerSpec(Call("ops.pixel_shuffle", (Ref(0), b)))
    split = Call("ops.reshape", (Ref(0), (n, b, b, c // (b * b), h, w)))
    moved = Call("ops.transpose", (split, (0, 3, 4, 1, 5, 2)))
    return LayerSpec(Call("ops.reshape", (moved, (n, c // (b * b), h * b, w * b))))


@register("SpaceToDepth", since=(1, 13, 28))
def convert_space_to_depth(ctx: ConvertContext) -> LayerSpec:
    """SpaceToDepth(X; blocksize, mode) → reshapes (DCR) or ``ops.pixel_unshuffle`` (CRD) (1-28)."""
    n, c, h, w, b, mode = _block_layout(ctx)
    if mode == "CRD":
        return LayerSpec(Call("ops.pixel_unshuffle", (Ref(0), b)))
    split = Call("ops.reshape", (Ref(0), (n, c, h // b, b, w // b, b)))
    moved = Call("ops.transpose", (split, (0, 3, 5, 1, 2, 4)))
    return LayerSpec(Call("ops.reshape", (moved, (n, c * b * b, h // b, w // b))))


# -- GridSample / RoiAlign --------------------------------------------------------------------

_GRID_MODES = {"bilinear": "bilinear", "linear": "bilinear", "nearest": "nearest"}


@register("GridSample", since=(16, 20, 22))
def convert_grid_sample(ctx: ConvertContext) -> LayerSpec:
    """GridSample(X, grid; mode, padding_mode, align_corners) → ``ops.grid_sample`` (16-22).

    MindSpore has no bicubic grid sampling on CPU.
    """
    mode = str(ctx.attr("mode", "linear" if ctx.opset >= 20 else "bilinear"))
    if mode not in _GRID_MODES:
        raise ConversionNotPossible(f"GridSample mode {mode!r} has no MindSpore CPU kernel")
    padding = str(ctx.attr("padding_mode", "zeros"))
    align = bool(ctx.attr("align_corners", 0))
    grid: object = Ref(1)
    comment = ""
    if mode == "nearest" and ctx.dtype(1) == np.float32:
        grid = _nearest_ties_to_even(ctx, align)
        comment = "grid nudged off exact ties: ONNX rounds them to even, MindSpore away from zero"
    return LayerSpec(Call("ops.grid_sample", (Ref(0), grid),
                          kw(mode=_GRID_MODES[mode], padding_mode=padding, align_corners=align)),
                     comment=comment)


def _nearest_ties_to_even(ctx: ConvertContext, align: bool) -> object:
    """The grid moved 1/1000 pixel towards ``round(pixel)`` (half to even, like ONNX).

    Away from ties this keeps the nearest pixel; on an exact tie it picks the even one, which
    MindSpore's own rounding would not.
    """
    sizes = [float(d) for d in reversed(ctx.shape(0)[2:])]  # grid order: x (W), y (H), z (D)
    if align:
        scale = np.array([(d - 1) / 2 if d > 1 else 1.0 for d in sizes], np.float32)
        pixel = BinOp("*", BinOp("+", Ref(1), 1), ctx.array_param(
            f"{ctx.name_hint}_pixels_per_unit", scale))
    else:
        scale = np.array([d / 2 for d in sizes], np.float32)
        pixel = BinOp("-", BinOp("*", BinOp("+", Ref(1), 1), ctx.array_param(
            f"{ctx.name_hint}_pixels_per_unit", scale)), 0.5)
    step = BinOp("-", Call("ops.round", (pixel,)), pixel)
    return BinOp("+", Ref(1), BinOp("*", step, ctx.array_param(
        f"{ctx.name_hint}_tie_break", (1e-3 / scale).astype(np.float32))))


@register("RoiAlign", since=(10, 16, 22))
def convert_roi_align(ctx: ConvertContext) -> LayerSpec:
    """RoiAlign(X, rois, batch_indices) → ``ops.ROIAlign`` (average mode) (since 10, 16, 22).

    ``half_pixel`` (aligned) boxes are shifted by half a pixel before MindSpore's ROIAlign.
    """
    if str(ctx.attr("mode", "avg")) != "avg":
        raise ConversionNotPossible("RoiAlign max mode: MindSpore's ROIAlign only averages")
    ctm = str(ctx.attr("coordinate_transformation_mode",
                       "half_pixel" if ctx.opset >= 16 else "output_half_pixel"))
    spatial_scale = float_attr(ctx, "spatial_scale", 1.0)
    cell = CellDef("ops.ROIAlign", (
        int(ctx.attr("output_height", 1)), int(ctx.attr("output_width", 1)),
        spatial_scale, int(ctx.attr("sampling_ratio", 0)), 0,
    ))
    boxes: object = ctx.operand(1, inline=False)
    if ctm == "half_pixel":
        boxes = BinOp("-", boxes, 0.5 / spatial_scale)
    index = Method(Call("ops.reshape", (ctx.operand(2, inline=False), (-1, 1))), "astype",
                   (DType(ms_dtype_name(ctx.dtype(1))),))
    rois = Call("ops.concat", ((index, boxes), 1))
    return LayerSpec(LayerCall((Ref(0), rois)), cell)
