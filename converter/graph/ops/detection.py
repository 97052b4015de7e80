"""Detection post-processing: NonMaxSuppression as a greedy loop over tensors.

Every (batch, class) pair is processed at once. The scores are sorted once (``ops.topk``: ties
keep the lower box index first, as ONNX requires) and the boxes gathered in that order as
normalised corners. Each turn of a ``while`` loop takes, in every pair, the best box still
alive (the first alive position in sorted order), marks it selected and kills the boxes whose
IoU with it exceeds the threshold. The loop stops after the per-class limit or when no box is
left, so it turns once per selected box, not once per box. Selected positions read in
row-major order are ONNX's ``(batch, class, box)`` rows in the required order (batch, class,
then descending score).

The IoU is computed with ONNX's float32 arithmetic (corners from min/max or from the centre
and half sizes; no ``+1`` in areas; disjoint or empty boxes never suppress), so thresholds on
the boundary decide as in onnxruntime. The output's length depends on the data; the loop and
``ops.masked_select`` run in PyNative and graph mode.
"""

from __future__ import annotations

from typing import Any

from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.spec import (
    Assign,
    BinOp,
    Call,
    DType,
    LayerSpec,
    Method,
    Ref,
    Temp,
    TupleOf,
    While,
    kw,
)


def _call(func: str, *args: Any, **kwargs: Any) -> Call:
    return Call(func, tuple(args), kw(**kwargs))


def _bin(op: str, left: Any, right: Any) -> BinOp:
    return BinOp(op, left, right)


@register("NonMaxSuppression", since=(10, 11))
def convert_non_max_suppression(ctx: ConvertContext) -> LayerSpec:
    """NonMaxSuppression(boxes, scores, max_output?, iou?, score?; center_point_box) →
    ``ops.topk``, a greedy ``while`` loop, ``ops.masked_select`` (since 10, 11)."""
    batches, boxes, four = _dims(ctx, 0, 3)
    _, classes, n_scores = _dims(ctx, 1, 3)
    if four != 4 or n_scores != boxes or ctx.shape(1)[0] != batches:
        raise ConversionNotPossible(
            f"boxes {ctx.shape(0)} and scores {ctx.shape(1)} do not fit [B, N, 4], [B, C, N]")
    center = int(ctx.attr("center_point_box", 0))
    if center not in (0, 1):
        raise ConversionNotPossible(f"center_point_box={center} (ONNX allows 0 or 1)")
    limit = _limit(ctx, boxes)
    if limit == 0 or boxes == 0:
        return LayerSpec(_call("ops.zeros", (0, 3), DType("int64")),
                         comment="NonMaxSuppression: no box can be selected")
    dims = (batches, classes, boxes)
    steps = (*_sorted_corners(ctx, center, dims), *_selection(ctx, dims, limit), _rows(dims))
    return LayerSpec(_result(), steps=steps,
                     comment="NonMaxSuppression: greedy selection in descending score order")


def _dims(ctx: ConvertContext, index: int, rank: int) -> tuple[int, ...]:
    shape = ctx.shape(index)
    if len(shape) != rank:
        raise ConversionNotPossible(f"input {index} has rank {len(shape)}, expected {rank}")
    return tuple(int(d) for d in shape)


def _limit(ctx: ConvertContext, boxes: int) -> Any:
    """The per-class limit: 0 (nothing selected), an int below ``boxes``, a run-time scalar,
    or ``None`` when it is at least ``boxes`` (it never stops the loop)."""
    if not ctx.has_input(2):
        return 0
    if ctx.is_const(2):
        value = ctx.const(2)
        if value.size != 1:
            raise ConversionNotPossible("max_output_boxes_per_class must be a scalar")
        limit = max(int(value.reshape(-1)[0]), 0)
        return limit if limit < boxes else None
    return _call("ops.reshape", Ref(2), ()) if ctx.shape(2) else Ref(2)


def _sorted_corners(ctx: ConvertContext, center: int, dims: tuple[int, int, int]) -> tuple:
    """Steps binding the sorted scores/order and the corners of the boxes in that order."""
    b, c, n = dims
    parts = tuple(Temp(p) for p in (("xc", "yc", "w", "h") if center else ("ya", "xa", "yb", "xb")))
    unpack = Assign(parts, _call("ops.unstack", ctx.operand(0), 2))
    if center:
        xc, yc, w, h = parts
        half_w, half_h = Temp("half_w"), Temp("half_h")
        halves: tuple[Any, ...] = (
            Assign((half_w, half_h), TupleOf((_bin("/", w, 2), _bin("/", h, 2)))),)
        corners: tuple[Any, ...] = (_bin("-", yc, half_h), _bin("-", xc, half_w),
                                    _bin("+", yc, half_h), _bin("+", xc, half_w))
    else:
        ya, xa, yb, xb = parts
        halves = ()
        corners = (_call("ops.minimum", ya, yb), _call("ops.minimum", xa, xb),
                   _call("ops.maximum", ya, yb), _call("ops.maximum", xa, xb))
    stacked, sorted_boxes = Temp("corners"), Temp("sorted_corners")
    spread = (b, c, 4, n)
    gather = _call("ops.gather_elements",
                   _call("ops.broadcast_to", _call("ops.expand_dims", stacked, 1), spread), 3,
                   _call("ops.broadcast_to", _call("ops.expand_dims", Temp("order"), 2), spread))
    y1, x1, y2, x2 = (Temp(p) for p in ("y1", "x1", "y2", "x2"))
    return (
        unpack,
        *halves,
        Assign(stacked, _call("ops.stack", TupleOf(corners), 1)),
        Assign((Temp("scores"), Temp("order")), _call("ops.topk", ctx.operand(1), n)),
        Assign(sorted_boxes, gather),
        Assign((y1, x1, y2, x2), _call("ops.unstack", sorted_boxes, 2)),
        Assign(Temp("area"), _bin("*", _bin("-", x2, x1), _bin("-", y2, y1))),
    )


def _selection(ctx: ConvertContext, dims: tuple[int, int, int], limit: Any) -> tuple:
    """Steps of the greedy loop marking ``selected`` boxes in sorted order ([B, C, N] bool).

    ``limit`` is the per-class limit (an expression), ``None`` when it cannot stop the loop.
    """
    b, c, n = dims
    alive, rank, selected, k = Temp("alive"), Temp("rank"), Temp("selected"), Temp("k")
    top, pos, iou = Temp("top"), Temp("pos"), Temp("iou")
    if ctx.has_input(4):
        start: Any = _bin(">", Temp("scores"), ctx.operand(4))
    else:
        start = _call("ops.ones", (b, c, n), DType("bool_"))
    iou_threshold = ctx.operand(3) if ctx.has_input(3) else 0.0

    def at_pos(value: Any) -> Call:
        return _call("ops.gather_elements", value, 2, pos)

    def overlap(low: str, high: str) -> Call:
        lo, hi = Temp(low), Temp(high)
        return _call("ops.relu", _bin("-", _call("ops.minimum", hi, at_pos(hi)),
                                      _call("ops.maximum", lo, at_pos(lo))))

    inter, width, height = Temp("inter"), Temp("iw"), Temp("ih")
    union = _bin("-", _bin("+", Temp("area"), at_pos(Temp("area"))), inter)
    dead = _call("ops.logical_or", selected, _bin(">", iou, iou_threshold))
    body: tuple[Any, ...] = (
        # the best box still alive in every (batch, class): the highest rank (0: none)
        Assign((top, pos), _call("ops.max", _call("ops.where", alive, rank, 0), 2,
                                 keepdims=True)),
        Assign(width, overlap("x1", "x2")),
        Assign(height, overlap("y1", "y2")),
        Assign(inter, _bin("*", width, height)),
        Assign(iou, _bin("/", inter, union)),
        Assign(selected, _call("ops.logical_or", selected, _bin("==", rank, top))),
        Assign(alive, _call("ops.logical_and", alive, _call("ops.logical_not", dead))),
    )
    init: tuple[Any, ...] = (
        Assign(alive, start),
        Assign(rank, _call("ops.arange", n, 0, -1, dtype=DType("int32"))),
        Assign(selected, _call("ops.zeros", (b, c, n), DType("bool_"))),
    )
    test: Any = Method(alive, "any")
    if limit is not None:
        init += (Assign(k, _call("ms.Tensor", 0, DType("int64"))),)
        body += (Assign(k, _bin("+", k, 1)),)
        test = _call("ops.logical_and", _bin("<", k, limit), test)
    return (*init, While(test, body))


def _rows(dims: tuple[int, int, int]) -> Assign:
    """Binds ``rows``: the ``(batch, class, box)`` int64 triple of every sorted position."""
    b, c, _ = dims

    def index(count: int, shape: tuple[int, int, int]) -> Call:
        values = Method(_call("ops.arange", count, dtype=DType("int64")), "reshape", shape)
        return _call("ops.broadcast_to", values, dims)

    rows = _call("ops.stack", TupleOf((index(b, (b, 1, 1)), index(c, (1, c, 1)),
                                       Method(Temp("order"), "astype", (DType("int64"),)))), 3)
    return Assign(Temp("rows"), rows)


def _result() -> Method:
    """The rows of the selected boxes, in row-major order (batch, class, descending score)."""
    valid = _call("ops.expand_dims", Temp("selected"), 3)
    return Method(_call("ops.masked_select", Temp("rows"), valid), "reshape", (-1, 3))
