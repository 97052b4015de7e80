"""Recurrent layers: LSTM, GRU, RNN.

Constant weights become ``nn.LSTM``/``nn.GRU``/``nn.RNN`` with the gates reordered from ONNX's
layout (LSTM ``i o f c``, GRU ``z r h``) to MindSpore's (``i f g o``, ``r z n``). A reverse-only
layer runs forward on the time-reversed sequence. LSTM weights computed at run time feed the
``ops.LSTM`` primitive (flat weight vector). Outputs are reshaped to ONNX's layouts: Y is
``(seq, num_directions, batch, hidden)`` (layout 0) or ``(batch, seq, num_directions, hidden)``.

MindSpore's layers have no peepholes and its GRU resets after the recurrent matmul (ONNX
``linear_before_reset=1``): LSTM peepholes, GRU ``linear_before_reset=0`` and GRU/RNN weights
computed at run time are written out as a ``for`` loop over time with ONNX's equations (one
statement per gate). Clipping, the coupled input/forget gate and custom activations are not
converted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.render import ms_dtype_name
from mindconverter.converter.graph.spec import (
    Assign,
    BinOp,
    Call,
    CellDef,
    Do,
    DType,
    ForRange,
    Item,
    LayerCall,
    LayerSpec,
    Method,
    ParamDef,
    Ref,
    Slice,
    Temp,
    TupleOf,
)

# ONNX gate blocks in MindSpore's order: LSTM iofc → ifco (= i f g o), GRU zrh → rzh.
_GATE_ORDER = {"LSTM": (0, 2, 3, 1), "GRU": (1, 0, 2), "RNN": (0,)}
_DEFAULT_ACTIVATIONS = {
    "LSTM": ("sigmoid", "tanh", "tanh"), "GRU": ("sigmoid", "tanh"), "RNN": ("tanh",),
}
_LAYERS = {"LSTM": "nn.LSTM", "GRU": "nn.GRU", "RNN": "nn.RNN"}


@dataclass
class _Recurrence:
    """Static facts of one recurrent node."""

    op: str
    hidden: int
    input_size: int
    directions: int
    reverse: bool
    batch_first: bool
    seq: int
    batch: int
    nonlinearity: str


def _recurrence(ctx: ConvertContext) -> _Recurrence:
    op = ctx.node.op_type
    direction = str(ctx.attr("direction", "forward"))
    directions = 2 if direction == "bidirectional" else 1
    batch_first = int(ctx.attr("layout", 0)) == 1
    x_shape = ctx.shape(0)
    seq, batch = (x_shape[1], x_shape[0]) if batch_first else (x_shape[0], x_shape[1])
    hidden = int(ctx.attr("hidden_size", ctx.shape(2)[-1]))
    _check_supported(ctx, op, directions)
    acts = [a.lower() for a in ctx.attr("activations", [])]
    nonlinearity = "tanh"
    if op == "RNN" and acts and all(a == "relu" for a in acts):
        nonlinearity = "relu"
    return _Recurrence(op, hidden, int(x_shape[2]), directions, direction == "reverse",
                       batch_first, int(seq), int(batch), nonlinearity)


def _check_supported(ctx: ConvertContext, op: str, directions: int) -> None:
    acts = tuple(a.lower() for a in ctx.attr("activations", []))
    default = _DEFAULT_ACTIVATIONS[op]
    if acts and acts != default * directions and not (
            op == "RNN" and acts == ("relu",) * directions):
        raise ConversionNotPossible(f"{op} activations {list(acts)} are not supported")
    if ctx.attr("clip") is not None:
        raise ConversionNotPossible(f"{op} cell clipping is not supported")
    if op == "LSTM" and int(ctx.attr("input_forget", 0)):
        raise ConversionNotPossible("LSTM input_forget=1 is not supported")


def _full_lengths(ctx: ConvertContext, rec: _Recurrence) -> bool:
    """Whether sequence_lens is absent or a constant equal to the sequence length."""
    if not ctx.has_input(4):
        return True
    return ctx.is_const(4) and bool(np.all(ctx.const(4) == rec.seq))


def _reorder(matrix: np.ndarray, op: str, hidden: int) -> np.ndarray:
    blocks = [matrix[..., g * hidden:(g + 1) * hidden, :] if matrix.ndim > 1
              else matrix[g * hidden:(g + 1) * hidden] for g in _GATE_ORDER[op]]
    return np.ascontiguousarray(np.concatenate(blocks, axis=-2 if matrix.ndim > 1 else 0),
                                dtype=np.float32)


def _layer(ctx: ConvertContext, rec: _Recurrence) -> CellDef:
    w, r = ctx.const(1), ctx.const(2)
    gates = len(_GATE_ORDER[rec.op]) * rec.hidden
    bias = ctx.const(3) if ctx.has_input(3) else None
    params = []
    for d in range(rec.directions):
        suffix = "_reverse" if d == 1 else ""
        params.append(ParamDef(f"weight_ih_l0{suffix}", _reorder(w[d], rec.op, rec.hidden),
                               ctx.node.input[1]))
        params.append(ParamDef(f"weight_hh_l0{suffix}", _reorder(r[d], rec.op, rec.hidden),
                               ctx.node.input[2]))
        if bias is not None:
            params.append(ParamDef(f"bias_ih_l0{suffix}",
                                   _reorder(bias[d, :gates], rec.op, rec.hidden),
                                   ctx.node.input[3]))
            params.append(ParamDef(f"bias_hh_l0{suffix}",
                                   _reorder(bias[d, gates:], rec.op, rec.hidden),
                                   ctx.node.input[3]))
    kwargs: list[tuple[str, object]] = []
    if rec.op == "RNN" and rec.nonlinearity != "tanh":
        kwargs.append(("nonlinearity", rec.nonlinearity))
    if bias is None:
        kwargs.append(("has_bias", False))
    if rec.batch_first:
        kwargs.append(("batch_first", True))
    if rec.directions == 2:
        kwargs.append(("bidirectional", True))
    return CellDef(_LAYERS[rec.op], (rec.input_size, rec.hidden), tuple(kwargs), tuple(params))


def _state(ctx: ConvertContext, rec: _Recurrence, index: int) -> object:
    """Initial state input ``index`` as ``(num_directions, batch, hidden)``; None when absent
    or all zeros (the layers' default, and what PyTorch exports as a constant)."""
    if not ctx.has_input(index) or (ctx.is_const(index) and not np.any(ctx.const(index))):
        return None
    state = ctx.operand(index, inline=False)
    return Call("ops.transpose", (state, (1, 0, 2))) if rec.batch_first else state


def _zeros_state(ctx: ConvertContext, rec: _Recurrence) -> Call:
    dtype = DType(ms_dtype_name(ctx.dtype(0)))
    return Call("ops.zeros", ((rec.directions, rec.batch, rec.hidden), dtype))


def _time_axis(rec: _Recurrence) -> int:
    return 1 if rec.batch_first else 0


def _onnx_y(rec: _Recurrence, y: object) -> object:
    """MindSpore's ``(seq, batch, dirs * hidden)`` output in ONNX's Y layout."""
    if rec.reverse:
        y = Call("ops.flip", (y, (_time_axis(rec),)))
    if rec.batch_first:
        return Call("ops.reshape", (y, (rec.batch, rec.seq, rec.directions, rec.hidden)))
    if rec.directions == 1:
        return Call("ops.expand_dims", (y, 1))
    split = Call("ops.reshape", (y, (rec.seq, rec.batch, rec.directions, rec.hidden)))
    return Call("ops.transpose", (split, (0, 2, 1, 3)))


def _onnx_state(rec: _Recurrence, state: object) -> object:
    return Call("ops.transpose", (state, (1, 0, 2))) if rec.batch_first else state


def _outputs(ctx: ConvertContext, rec: _Recurrence, y: object, h: object,
             c: object | None = None) -> object:
    items = [_onnx_y(rec, y), _onnx_state(rec, h)]
    if c is not None:
        items.append(_onnx_state(rec, c))
    items = [item if i < len(ctx.node.output) and ctx.node.output[i] else None
             for i, item in enumerate(items[:ctx.n_outputs])]
    return items[0] if ctx.n_outputs == 1 else TupleOf(tuple(items))


def _layer_spec(ctx: ConvertContext, rec: _Recurrence) -> LayerSpec:
    x: object = Ref(0)
    if rec.reverse:
        x = Call("ops.flip", (x, (_time_axis(rec),)))
    h0 = _state(ctx, rec, 5)
    args: list[object] = [x]
    if rec.op == "LSTM":
        c0 = _state(ctx, rec, 6)
        if h0 is not None or c0 is not None:
            args.append(TupleOf((h0 if h0 is not None else _zeros_state(ctx, rec),
                                 c0 if c0 is not None else _zeros_state(ctx, rec))))
    elif h0 is not None:
        args.append(h0)
    if not _full_lengths(ctx, rec):
        if len(args) == 1:
            args.append(None)
        args.append(ctx.operand(4, inline=False))
    call = LayerCall(tuple(args))
    if rec.op == "LSTM":
        out = _outputs(ctx, rec, Item(call, 0), Item(Item(call, 1), 0), Item(Item(call, 1), 1))
    else:
        out = _outputs(ctx, rec, Item(call, 0), Item(call, 1))
    return LayerSpec(out, _layer(ctx, rec), comment=_comment(ctx))


def _comment(ctx: ConvertContext) -> str:
    used = sum(1 for name in ctx.node.output if name)
    if used < 2:
        return ""
    return "one expression per node: the layer runs once for each output taken from it"


def _flat_lstm_weights(ctx: ConvertContext, rec: _Recurrence) -> object:
    """The ``ops.LSTM`` weight vector: reordered W, R (all directions), then B = Wb + Rb."""
    h = rec.hidden

    def reorder(matrix: object) -> Call:  # ONNX i o f c → i f c o, along axis 1
        blocks = [Item(matrix, (Slice(), Slice(start, stop)))
                  for start, stop in ((0, h), (2 * h, 4 * h), (h, 2 * h))]
        return Call("ops.concat", (tuple(blocks), 1))

    def flat(value: object) -> Call:
        return Call("ops.reshape", (value, (-1,)))

    parts = [flat(reorder(ctx.operand(1, inline=False))),
             flat(reorder(ctx.operand(2, inline=False)))]
    if ctx.has_input(3):
        b = ctx.operand(3, inline=False)
        summed = BinOp("+", Item(b, (Slice(), Slice(0, 4 * h))),
                       Item(b, (Slice(), Slice(4 * h, 8 * h))))
        parts.append(flat(reorder(summed)))
    return Call("ops.reshape", (Call("ops.concat", (tuple(parts),)), (-1, 1, 1)))


def _primitive_lstm(ctx: ConvertContext, rec: _Recurrence) -> LayerSpec:
    x: object = Ref(0)
    if rec.batch_first:
        x = Call("ops.transpose", (x, (1, 0, 2)))
    if rec.reverse:
        x = Call("ops.flip", (x, (0,)))
    h0 = _state(ctx, rec, 5)
    c0 = _state(ctx, rec, 6)
    h0 = h0 if h0 is not None else _zeros_state(ctx, rec)
    c0 = c0 if c0 is not None else _zeros_state(ctx, rec)
    cell = CellDef("ops.LSTM", (rec.input_size, rec.hidden, 1, ctx.has_input(3),
                                rec.directions == 2, 0.0))
    call = LayerCall((x, h0, c0, _flat_lstm_weights(ctx, rec)))
    y: object = Item(call, 0)
    if rec.batch_first:  # the primitive is time-major; undo the flip there, then go batch-major
        if rec.reverse:
            y = Call("ops.flip", (y, (0,)))
        y = Call("ops.transpose", (y, (1, 0, 2)))
        rec = dataclasses.replace(rec, reverse=False)
    return LayerSpec(_outputs(ctx, rec, y, Item(call, 1), Item(call, 2)), cell,
                     comment=_comment(ctx))


def _convert(ctx: ConvertContext) -> LayerSpec:
    rec = _recurrence(ctx)
    full = _full_lengths(ctx, rec)
    if not full and rec.reverse:
        raise ConversionNotPossible(f"reverse {rec.op} with per-sequence lengths")
    weights_const = all(ctx.is_const(i) for i in (1, 2, 3) if ctx.has_input(i))
    if _needs_explicit(ctx, rec.op):
        return _explicit(ctx, rec)
    if weights_const and ctx.dtype(0) == np.float32:
        return _layer_spec(ctx, rec)
    if rec.op == "LSTM" and full and ctx.dtype(0) == np.float32:
        return _primitive_lstm(ctx, rec)
    return _explicit(ctx, rec)


@register("LSTM", since=(1, 7, 14, 22))
def convert_lstm(ctx: ConvertContext) -> LayerSpec:
    """LSTM(X, W, R, B?, seq_lens?, h0?, c0?, P?) → ``nn.LSTM`` / ``ops.LSTM``; peepholes: a
    for loop over time (since 1-22)."""
    return _convert(ctx)


@register("GRU", since=(1, 3, 7, 14, 22))
def convert_gru(ctx: ConvertContext) -> LayerSpec:
    """GRU(X, W, R, B?, seq_lens?, h0?) → ``nn.GRU`` (linear_before_reset=1, constant weights),
    otherwise a for loop over time (since 1-22)."""
    return _convert(ctx)


@register("RNN", since=(1, 7, 14, 22))
def convert_rnn(ctx: ConvertContext) -> LayerSpec:
    """RNN(X, W, R, B?, seq_lens?, h0?) → ``nn.RNN`` (tanh or relu); run-time weights: a for
    loop over time (since 1-22)."""
    return _convert(ctx)


# -- written-out recurrence ---------------------------------------------------------------------
# Settings the MindSpore layers lack (GRU linear_before_reset=0, LSTM peepholes, GRU/RNN weights
# computed at run time) become a ``for`` loop over time in ``construct`` with ONNX's equations.
_ACT = {"sigmoid": "ops.sigmoid", "tanh": "ops.tanh", "relu": "ops.relu"}


def _needs_explicit(ctx: ConvertContext, op: str) -> bool:
    if op == "GRU" and not int(ctx.attr("linear_before_reset", 0)):
        return True
    return op == "LSTM" and _peepholes(ctx)


def _peepholes(ctx: ConvertContext) -> bool:
    return ctx.has_input(7) and not (ctx.is_const(7) and not np.any(ctx.const(7)))


def _cols(value: object, start: int, stop: int) -> Item:
    return Item(value, (Slice(), Slice(start, stop)))


def _sum(*terms: object) -> object:
    total = terms[0]
    for term in terms[1:]:
        total = BinOp("+", total, term)
    return total


def _explicit(ctx: ConvertContext, rec: _Recurrence) -> LayerSpec:
    full = _full_lengths(ctx, rec)
    if not full and (rec.reverse or rec.directions == 2):
        raise ConversionNotPossible(f"reverse {rec.op} with per-sequence lengths")
    steps: list[object] = []
    x: object = Ref(0)
    if rec.batch_first:
        steps.append(Assign(Temp("x"), Call("ops.transpose", (x, (1, 0, 2)))))
        x = Temp("x")
    lens = None if full else ctx.operand(4, inline=False)
    h0, c0 = _state(ctx, rec, 5), _state(ctx, rec, 6) if rec.op == "LSTM" else None
    want_y = bool(ctx.node.output[0])
    ys, hs, cs = [], [], []
    for d in range(rec.directions):
        tag = "" if rec.directions == 1 else ("_fwd", "_bwd")[d]
        y, h, c = _direction(ctx, rec, d, tag, x, lens, h0, c0, want_y, steps)
        ys.append(y)
        hs.append(h)
        cs.append(c)
    items: list[object] = [_y_out(rec, ys) if want_y else None, _state_out(rec, hs)]
    if rec.op == "LSTM":
        items.append(_state_out(rec, cs))
    items = [item if i < ctx.n_outputs and ctx.node.output[i] else None
             for i, item in enumerate(items[:ctx.n_outputs])]
    expr = items[0] if ctx.n_outputs == 1 else TupleOf(tuple(items))
    return LayerSpec(expr, steps=tuple(steps),
                     comment=f"ONNX {rec.op} written out step by step ({_why(ctx, rec)})")


def _why(ctx: ConvertContext, rec: _Recurrence) -> str:
    if rec.op == "GRU" and not int(ctx.attr("linear_before_reset", 0)):
        return "linear_before_reset=0: the reset gate applies before the recurrent matmul"
    if rec.op == "LSTM" and _peepholes(ctx):
        return "peephole connections"
    return "weights computed at run time"


def _direction(ctx: ConvertContext, rec: _Recurrence, d: int, tag: str, x: object,
               lens: object, h0: object, c0: object, want_y: bool, steps: list[object]
               ) -> tuple[object, object, object]:
    gates = len(_GATE_ORDER[rec.op]) * rec.hidden
    w, r = ctx.operand(1, inline=False), ctx.operand(2, inline=False)
    b = ctx.operand(3, inline=False) if ctx.has_input(3) else None
    xw, rt = Temp(f"xw{tag}"), Temp(f"rt{tag}")
    h, c, ys, t = Temp(f"h{tag}"), Temp(f"c{tag}"), Temp(f"ys{tag}"), Temp("t")
    proj: object = Call("ops.matmul", (x, Call("ops.transpose", (Item(w, d), (1, 0)))))
    rb = None
    if b is not None:
        if rec.op == "GRU":
            proj, rb = _sum(proj, Item(b, (d, Slice(0, gates)))), Temp(f"rb{tag}")
            steps.append(Assign(rb, Item(b, (d, Slice(gates, 2 * gates)))))
        else:
            proj = _sum(proj, Item(b, (d, Slice(0, gates))), Item(b, (d, Slice(gates, None))))
    steps.append(Assign(xw, proj))
    steps.append(Assign(rt, Call("ops.transpose", (Item(r, d), (1, 0)))))
    zeros = Call("ops.zeros", ((rec.batch, rec.hidden), DType(ms_dtype_name(ctx.dtype(0)))))
    steps.append(Assign(h, Item(h0, d) if h0 is not None else zeros))
    if rec.op == "LSTM":
        steps.append(Assign(c, Item(c0, d) if c0 is not None else zeros))
    if want_y:
        steps.append(Assign(ys, []))
    reverse = rec.reverse or d == 1
    index: object = BinOp("-", rec.seq - 1, t) if reverse else t
    body: list[object] = [Assign(Temp(f"g{tag}"), Item(xw, index))]
    new_h, new_c = _cell(ctx, rec, d, tag, Temp(f"g{tag}"), h, c, rt, rb, body)
    if lens is not None:
        mask = Temp(f"mask{tag}")
        body.append(Assign(mask, Call("ops.expand_dims", (BinOp(">", lens, t), 1))))
        if want_y:
            body.append(Do(Method(ys, "append", (
                Call("ops.where", (mask, new_h, Call("ops.zeros_like", (new_h,)))),))))
        body.append(Assign(h, Call("ops.where", (mask, new_h, h))))
        if new_c is not None:
            body.append(Assign(c, Call("ops.where", (mask, new_c, c))))
    else:
        body.append(Assign(h, new_h))
        if new_c is not None:
            body.append(Assign(c, new_c))
        if want_y:
            body.append(Do(Method(ys, "append", (h,))))
    steps.append(ForRange(t, rec.seq, tuple(body)))
    y: object = Call("ops.stack", (ys,)) if want_y else None
    if y is not None and reverse:
        y = Call("ops.flip", (y, (0,)))
    return y, h, c if rec.op == "LSTM" else None


def _cell(ctx: ConvertContext, rec: _Recurrence, d: int, tag: str, g: Temp, h: Temp, c: Temp,
          rt: Temp, rb: object, body: list[object]) -> tuple[object, object]:
    """Append one time step's equations to ``body``; returns the new h (and c) expressions."""
    hidden = rec.hidden
    if rec.op == "RNN":
        act = _ACT[rec.nonlinearity]
        return Call(act, (_sum(g, Call("ops.matmul", (h, rt))),)), None
    if rec.op == "GRU":
        hr = Temp(f"hr{tag}")
        lbr = int(ctx.attr("linear_before_reset", 0))
        width = 3 * hidden if lbr else 2 * hidden
        rec_zr: object = Call("ops.matmul", (h, _cols(rt, 0, width) if not lbr else rt))
        if rb is not None:
            rec_zr = _sum(rec_zr, Item(rb, Slice(0, width)) if not lbr else rb)
        body.append(Assign(hr, rec_zr))
        z, rgate = Temp(f"z{tag}"), Temp(f"r{tag}")
        body.append(Assign(z, Call("ops.sigmoid", (_sum(_cols(g, 0, hidden),
                                                          _cols(hr, 0, hidden)),))))
        body.append(Assign(rgate, Call("ops.sigmoid", (_sum(_cols(g, hidden, 2 * hidden),
                                                              _cols(hr, hidden, 2 * hidden)),))))
        if lbr:
            cand = BinOp("*", rgate, _cols(hr, 2 * hidden, 3 * hidden))
        else:
            cand = Call("ops.matmul", (BinOp("*", rgate, h), _cols(rt, 2 * hidden, 3 * hidden)))
            if rb is not None:
                cand = _sum(cand, Item(rb, Slice(2 * hidden, 3 * hidden)))
        n = Temp(f"n{tag}")
        body.append(Assign(n, Call("ops.tanh", (_sum(_cols(g, 2 * hidden, 3 * hidden), cand),))))
        return _sum(BinOp("*", BinOp("-", 1, z), n), BinOp("*", z, h)), None
    # LSTM, ONNX gate order i o f c; peepholes P = (i, o, f)
    gates = Temp(f"gates{tag}")
    body.append(Assign(gates, _sum(g, Call("ops.matmul", (h, rt)))))
    p = ctx.operand(7, inline=False) if _peepholes(ctx) else None

    def peep(k: int, state: object) -> tuple[object, ...]:
        return () if p is None else (BinOp("*", Item(p, (d, Slice(k * hidden, (k + 1) * hidden))),
                                          state),)

    i, f, o, cell = Temp(f"i{tag}"), Temp(f"f{tag}"), Temp(f"o{tag}"), Temp(f"cell{tag}")
    body.append(Assign(i, Call("ops.sigmoid", (_sum(_cols(gates, 0, hidden), *peep(0, c)),))))
    body.append(Assign(f, Call("ops.sigmoid", (_sum(_cols(gates, 2 * hidden, 3 * hidden),
                                                     *peep(2, c)),))))
    body.append(Assign(cell, _sum(BinOp("*", f, c), BinOp("*", i, Call("ops.tanh", (
        _cols(gates, 3 * hidden, 4 * hidden),))))))
    body.append(Assign(o, Call("ops.sigmoid", (_sum(_cols(gates, hidden, 2 * hidden),
                                                     *peep(1, cell)),))))
    return BinOp("*", o, Call("ops.tanh", (cell,))), cell


def _y_out(rec: _Recurrence, ys: list[object]) -> object:
    y = Call("ops.expand_dims", (ys[0], 1)) if len(ys) == 1 else Call(
        "ops.stack", (TupleOf(tuple(ys)), 1))
    return Call("ops.transpose", (y, (2, 0, 1, 3))) if rec.batch_first else y


def _state_out(rec: _Recurrence, states: list[object]) -> object:
    s = Call("ops.expand_dims", (states[0], 0)) if len(states) == 1 else Call(
        "ops.stack", (TupleOf(tuple(states)),))
    return Call("ops.transpose", (s, (1, 0, 2))) if rec.batch_first else s
