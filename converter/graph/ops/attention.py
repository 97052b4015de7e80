"""Transformer blocks: Attention, RMSNormalization, RotaryEmbedding, Swish, SwiGLU,
CausalConvWithState, LinearAttention and (ai.onnx.preview) FlexAttention.

Everything is written with portable ``mindspore.ops`` functions (``ops.matmul``,
``ops.softmax``, ``ops.masked_fill``...), so it runs on CPU in float16 and float32 (bfloat16
attention is computed in float32). Attention uses the static shapes: head splitting, the
key/value cache concatenation and the causal and sliding-window masks (``ops.triu``/``ops.tril``
of a boolean block) are decided at conversion time; only a ``nonpad_kv_seqlen`` input makes the
masks depend on run-time values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from mindconverter.converter.graph.context import ConvertContext
from mindconverter.converter.graph.ops.common import float_attr, norm_axis
from mindconverter.converter.graph.registry import ConversionNotPossible, register
from mindconverter.converter.graph.render import ms_dtype_name
from mindconverter.converter.graph.spec import (
    BinOp,
    Call,
    Const,
    DType,
    Item,
    LayerSpec,
    Method,
    Ref,
    Slice,
    TupleOf,
    UnaryOp,
    kw,
)

_NEG_INF = float("-inf")
_Q, _K, _V, _MASK, _PAST_K, _PAST_V, _NONPAD = range(7)


def _short(value: float) -> float:
    return float(str(np.float32(value)))


def _cast(expr: Any, dtype: np.dtype | str) -> Method:
    return Method(expr, "astype", (DType(ms_dtype_name(dtype)),))


# -- Attention --------------------------------------------------------------------------------


@dataclass
class _Heads:
    """Static facts of one Attention node (after the cache concatenation)."""

    batch: int
    q_heads: int
    kv_heads: int
    q_len: int
    kv_len: int
    past_len: int
    rank: int


def _heads(ctx: ConvertContext) -> _Heads:
    rank = ctx.rank(_Q)
    if rank not in (3, 4) or ctx.rank(_K) != rank or ctx.rank(_V) != rank:
        raise ConversionNotPossible("Attention needs Q, K and V all 3-D or all 4-D")
    if ctx.has_input(_PAST_K) != ctx.has_input(_PAST_V):
        raise ConversionNotPossible("Attention needs past_key and past_value together")
    q_shape, k_shape = ctx.shape(_Q), ctx.shape(_K)
    if rank == 3:
        q_heads, kv_heads = int(ctx.attr("q_num_heads", 0)), int(ctx.attr("kv_num_heads", 0))
        if q_heads <= 0 or kv_heads <= 0:
            raise ConversionNotPossible("3-D Attention needs q_num_heads and kv_num_heads")
        q_len, kv_len = int(q_shape[1]), int(k_shape[1])
    else:
        q_heads, kv_heads = int(q_shape[1]), int(k_shape[1])
        q_len, kv_len = int(q_shape[2]), int(k_shape[2])
    if q_heads % kv_heads:
        raise ConversionNotPossible(f"q_num_heads {q_heads} is not a multiple of {kv_heads}")
    past = int(ctx.shape(_PAST_K)[2]) if ctx.has_input(_PAST_K) else 0
    return _Heads(int(q_shape[0]), q_heads, kv_heads, q_len, kv_len + past, past, rank)


def _split_heads(ctx: ConvertContext, index: int, heads: int) -> Any:
    """Input ``index`` as ``(batch, heads, seq, head_size)``."""
    if ctx.rank(index) == 4:
        return _input(ctx, index)
    batch, seq, hidden = (int(d) for d in ctx.shape(index))
    split = Call("ops.reshape", (_input(ctx, index), (batch, seq, heads, hidden // heads)))
    return Call("ops.transpose", (split, (0, 2, 1, 3)))


def _with_past(ctx: ConvertContext, current: Any, past_index: int) -> Any:
    if not ctx.has_input(past_index):
        return current
    return Call("ops.concat", ((_input(ctx, past_index), current), 2))


def _input(ctx: ConvertContext, index: int) -> Any:
    """Input ``index``; bfloat16 is widened to float32 (no bfloat16 CPU matmul)."""
    if ctx.dtype(index).name == "bfloat16":
        return _cast(ctx.operand(index, inline=False), "float32")
    return ctx.operand(index, inline=False)


def _narrow(ctx: ConvertContext, expr: Any) -> Any:
    """A result back in bfloat16 when the inputs were widened."""
    return _cast(expr, "bfloat16") if ctx.dtype(_Q).name == "bfloat16" else expr


@register("Attention", since=(23, 24, 25))
def convert_attention(ctx: ConvertContext) -> LayerSpec:
    """Attention(Q, K, V, mask?, past?, nonpad?) → ``ops.matmul``/``ops.softmax`` (since 23).

    Inputs: Q, K, V, attn_mask, past_key, past_value, nonpad_kv_seqlen.

    Covers 3-D and 4-D layouts, grouped-query heads (``ops.repeat_interleave``), boolean and
    additive masks, ``is_causal``, sliding windows, ``softcap``, ``softmax_precision``, the
    key/value cache and every ``qk_matmul_output_mode``. Fully masked query rows give zeros
    (they are zeroed before the softmax: MindSpore's CPU softmax mishandles all ``-inf`` rows).
    """
    h = _heads(ctx)
    key = _with_past(ctx, _split_heads(ctx, _K, h.kv_heads), _PAST_K)
    value = _with_past(ctx, _split_heads(ctx, _V, h.kv_heads), _PAST_V)
    head_size = int(ctx.shape(_Q)[-1]) // (h.q_heads if h.rank == 3 else 1)
    scale = ctx.attr("scale")
    root = _short(float(np.sqrt(1 / np.sqrt(head_size) if scale is None else scale)))
    groups = h.q_heads // h.kv_heads
    key_rep, value_rep = (Call("ops.repeat_interleave", (x, groups, 1)) if groups > 1 else x
                          for x in (key, value))
    query = BinOp("*", _split_heads(ctx, _Q, h.q_heads), root)
    scores = Call("ops.matmul", (query, BinOp("*", Call("ops.swapaxes", (key_rep, -1, -2)),
                                               root)))
    softcap = float(ctx.attr("softcap", 0.0))
    if softcap > 0:
        softcap = _short(softcap)
        scores = BinOp("*", Call("ops.tanh", (BinOp("/", scores, softcap),)), softcap)
    masked, empty = _masked_scores(ctx, h, scores)
    dtype = np.dtype("float32") if ctx.dtype(_Q).name == "bfloat16" else ctx.dtype(_Q)
    precision = _precision(ctx, dtype)
    logits = masked if empty is None else Call("ops.masked_fill", (masked, empty, 0.0))
    probs = Call("ops.softmax", (_cast(logits, precision) if precision != dtype else logits, -1))
    if empty is not None:
        probs = Call("ops.masked_fill", (probs, empty, 0.0))
    if precision != dtype:
        probs = _cast(probs, dtype)
    out = Call("ops.matmul", (probs, value_rep))
    if h.rank == 3:
        out = Call("ops.reshape", (Call("ops.transpose", (out, (0, 2, 1, 3))),
                                   (h.batch, h.q_len, -1)))
    mode = int(ctx.attr("qk_matmul_output_mode", 0))
    qk = {0: scores, 1: scores, 2: masked, 3: probs}.get(mode)
    if qk is None:
        raise ConversionNotPossible(f"qk_matmul_output_mode={mode}")
    outputs = tuple(_narrow(ctx, x) for x in (out, key, value, qk))
    if ctx.n_outputs == 1:
        return LayerSpec(outputs[0])
    return LayerSpec(TupleOf(outputs[:ctx.n_outputs]))


def _precision(ctx: ConvertContext, dtype: np.dtype) -> np.dtype:
    code = int(ctx.attr("softmax_precision", 0))
    if not code:
        return dtype
    import onnx.helper

    wanted = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(code))
    return dtype if wanted.name == "bfloat16" else wanted


def _masked_scores(ctx: ConvertContext, h: _Heads, scores: Any) -> tuple[Any, Any]:
    """Scores with the additive/boolean mask, causal and window limits applied, and the
    boolean ``(..., q, 1)`` expression of fully masked query rows (None when impossible)."""
    blocked: list[Any] = []
    maybe_empty = False
    additive = None
    if ctx.has_input(_MASK):
        maybe_empty = not ctx.is_const(_MASK)
        mask = _input(ctx, _MASK)
        pad = h.kv_len - int(ctx.shape(_MASK)[-1])
        if ctx.dtype(_MASK) == np.bool_:
            mask = Call("ops.logical_not", (mask,))
            blocked.append(Call("ops.pad", (mask, (0, pad)), kw(value=True)) if pad else mask)
        else:
            if pad:
                mask = Call("ops.pad", (mask, (0, pad)), kw(value=_NEG_INF))
            scores = BinOp("+", scores, mask)
            additive = mask
    if ctx.has_input(_NONPAD) and not ctx.has_input(_PAST_K):
        maybe_empty = True
        blocked.extend(_runtime_limits(ctx, h))
    else:
        blocked.extend(_static_limits(ctx, h))
        maybe_empty = maybe_empty or _static_empty_rows(ctx, h)
        if not maybe_empty and ctx.is_const(_MASK):
            maybe_empty = _static_empty_rows(ctx, h, ctx.const(_MASK))
    condition = _any(blocked)
    if condition is not None:
        scores = Call("ops.masked_fill", (scores, condition, _NEG_INF))
    if not maybe_empty:
        return scores, None
    if additive is not None:
        condition = _any([*blocked, Call("ops.isneginf", (additive,))])
    return scores, Call("ops.all", (condition, -1), kw(keep_dims=True))


def _any(conditions: list[Any]) -> Any:
    if not conditions:
        return None
    result = conditions[0]
    for extra in conditions[1:]:
        result = BinOp("|", result, extra)
    return result


def _window(ctx: ConvertContext) -> tuple[int, int]:
    """(left, right) window sizes; -1 = unbounded. ``is_causal`` caps the right side at 0."""
    left = int(ctx.attr("left_window_size", -1)) if ctx.opset >= 25 else -1
    right = int(ctx.attr("right_window_size", -1)) if ctx.opset >= 25 else -1
    if int(ctx.attr("is_causal", 0)):
        right = 0 if right < 0 else min(right, 0)
    return left, right


def _static_limits(ctx: ConvertContext, h: _Heads) -> list[Any]:
    """Causal/window limits for a fixed offset (the past length): boolean blocks."""
    left, right = _window(ctx)
    ones = Call("ops.ones", ((h.q_len, h.kv_len), DType("bool_")))
    limits = []
    if right >= 0:  # key j blocked when j > i + offset + right
        limits.append(Call("ops.triu", (ones, h.past_len + right + 1)))
    if left >= 0:  # key j blocked when j < i + offset - left
        limits.append(Call("ops.tril", (ones, h.past_len - left - 1)))
    return limits


def _static_empty_rows(ctx: ConvertContext, h: _Heads, mask: np.ndarray | None = None) -> bool:
    """Whether some query row has no key left by the limits (and a constant ``mask``)."""
    left, right = _window(ctx)
    i = np.arange(h.q_len)[:, None] + h.past_len
    j = np.arange(h.kv_len)[None, :]
    allowed = np.ones((h.q_len, h.kv_len), bool)
    if right >= 0:
        allowed &= j <= i + right
    if left >= 0:
        allowed &= j >= i - left
    if mask is not None:
        open_keys = mask if mask.dtype == np.bool_ else ~np.isneginf(mask)
        pad = [(0, 0)] * (mask.ndim - 1) + [(0, h.kv_len - mask.shape[-1])]
        allowed = allowed & np.pad(open_keys, pad, constant_values=False)
    return not bool(allowed.any(axis=-1).all())


def _runtime_limits(ctx: ConvertContext, h: _Heads) -> list[Any]:
    """Limits for an external cache: offset[b] = nonpad_kv_seqlen[b] - q_len, and keys at or
    after nonpad_kv_seqlen[b] are padding."""
    lengths = Call("ops.reshape", (ctx.operand(_NONPAD, inline=False), (h.batch, 1, 1, 1)))
    keys = Call("ops.arange", (h.kv_len,))
    limits = [BinOp(">=", keys, lengths)]
    left, right = _window(ctx)
    if left < 0 and right < 0:
        return limits
    rows = Call("ops.reshape", (Call("ops.arange", (h.q_len,)), (h.q_len, 1)))
    position = BinOp("+", rows, BinOp("-", lengths, h.q_len))  # i + offset[b]
    if right >= 0:
        limits.append(BinOp(">", keys, BinOp("+", position, right) if right else position))
    if left >= 0:
        limits.append(BinOp("<", keys, BinOp("-", position, left) if left else position))
    return limits


# -- normalisation and activations ------------------------------------------------------------


@register("RMSNormalization", since=23)
def convert_rms_norm(ctx: ConvertContext) -> LayerSpec:
    """RMSNormalization(X, scale; axis, epsilon) → ``x * ops.rsqrt(ops.mean(x * x)) * scale``.

    ``ops.mean`` runs over the axes from ``axis`` on, with ``epsilon`` added (since 23).

    ``stash_type=1`` (the default) computes the statistics in float32.
    """
    rank = ctx.rank(0)
    axis = norm_axis(int(ctx.attr("axis", -1)), rank)
    eps = float_attr(ctx, "epsilon", 1e-5)
    dtype = ctx.dtype(0)
    x: Any = Ref(0)
    wide = int(ctx.attr("stash_type", 1)) == 1 and dtype != np.float32 and dtype.kind == "f"
    if wide:
        x = _cast(x, "float32")
    axes = tuple(range(axis, rank))
    mean = Call("ops.mean", (BinOp("*", x, x), axes), kw(keep_dims=True))
    normed = BinOp("*", x, Call("ops.rsqrt", (BinOp("+", mean, eps),)))
    if wide:
        normed = _cast(normed, dtype)
    return LayerSpec(BinOp("*", normed, ctx.operand(1, inline=False)))


@register("Swish", since=24)
def convert_swish(ctx: ConvertContext) -> LayerSpec:
    """Swish(X; alpha=1) → ``ops.silu`` or ``x * ops.sigmoid(alpha * x)`` (since 24)."""
    return LayerSpec(_swish(Ref(0), float_attr(ctx, "alpha", 1.0)))


def _swish(x: Any, alpha: float) -> Any:
    if alpha == 1.0:
        return Call("ops.silu", (x,))
    return BinOp("*", x, Call("ops.sigmoid", (BinOp("*", x, alpha),)))


@register("SwiGLU", since=28)
def convert_swiglu(ctx: ConvertContext) -> LayerSpec:
    """SwiGLU(A, B; alpha=1) → ``swish(a) * b`` (since 28)."""
    return LayerSpec(BinOp("*", _swish(Ref(0), float_attr(ctx, "alpha", 1.0)), Ref(1)))


# -- RotaryEmbedding --------------------------------------------------------------------------


@register("RotaryEmbedding", since=23)
def convert_rotary_embedding(ctx: ConvertContext) -> LayerSpec:
    """RotaryEmbedding(X, cos, sin, position_ids?) → slices, ``ops.gather``, ``ops.concat``.

    Attributes interleaved, rotary_embedding_dim and num_heads are handled (since 23).

    4-D input is (batch, heads, seq, head_size); 3-D input (batch, seq, hidden) is split into
    ``num_heads`` heads and merged back.
    """
    shape = tuple(int(d) for d in ctx.shape(0))
    x: Any = Ref(0)
    if len(shape) == 3:
        heads = int(ctx.attr("num_heads", 0))
        if heads <= 0:
            raise ConversionNotPossible("3-D RotaryEmbedding needs num_heads")
        x = Call("ops.reshape", (x, (*shape[:2], heads, shape[2] // heads)))
        head_size, head_axis = shape[2] // heads, 2
    elif len(shape) == 4:
        heads, head_size, head_axis = shape[1], shape[3], 1
    else:
        raise ConversionNotPossible("RotaryEmbedding needs a 3-D or 4-D input")
    rot = int(ctx.attr("rotary_embedding_dim", 0)) or head_size
    cos, sin = (_cache(ctx, i, head_axis) for i in (1, 2))
    interleaved = bool(ctx.attr("interleaved", 0))
    if interleaved:
        x1, x2 = (Item(x, (Ellipsis, Slice(s, rot, 2))) for s in (0, 1))
    else:
        x1, x2 = Item(x, (Ellipsis, Slice(None, rot // 2))), Item(x, (Ellipsis,
                                                                       Slice(rot // 2, rot)))
    real = BinOp("-", BinOp("*", cos, x1), BinOp("*", sin, x2))
    imag = BinOp("+", BinOp("*", sin, x1), BinOp("*", cos, x2))
    if interleaved:
        pairs = Call("ops.stack", ((real, imag), -1))
        rotated = (*shape[:2], heads, rot) if len(shape) == 3 else (*shape[:3], rot)
        parts = [Call("ops.reshape", (pairs, rotated))]
    else:
        parts = [real, imag]
    if rot < head_size:
        parts.append(Item(x, (Ellipsis, Slice(rot, None))))
    out: Any = parts[0] if len(parts) == 1 else Call("ops.concat", (tuple(parts), -1))
    if len(shape) == 3:
        out = Call("ops.reshape", (out, shape))
    return LayerSpec(out)


def _cache(ctx: ConvertContext, index: int, head_axis: int) -> Any:
    """cos/sin cache gathered at the position ids, with a unit head axis."""
    cache: Any = ctx.operand(index, inline=False)
    if ctx.has_input(3):
        cache = Call("ops.gather", (cache, ctx.operand(3, inline=False), 0))
    return Call("ops.expand_dims", (cache, head_axis))


# -- CausalConvWithState ----------------------------------------------------------------------


@register("CausalConvWithState", since=27)
def convert_causal_conv_with_state(ctx: ConvertContext) -> LayerSpec:
    """CausalConvWithState(input, weight, bias?, past_state?) → depthwise ``ops.conv1d``.

    The convolution runs over the past state (or zeros) followed by the input; the
    ``silu``/``swish`` activation is ``ops.silu`` (since 27).

    ``present_state`` is the last ``kernel - 1`` steps of that padded sequence.
    """
    channels, length = int(ctx.shape(0)[1]), int(ctx.shape(0)[2])
    kernel = int(ctx.shape(1)[2])
    activation = str(ctx.attr("activation", "none"))
    if activation not in ("none", "silu", "swish"):
        raise ConversionNotPossible(f"CausalConvWithState activation '{activation}'")
    if ctx.has_input(3):
        padded: Any = Call("ops.concat", ((ctx.operand(3, inline=False), Ref(0)), 2))
    elif kernel > 1:
        padded = Call("ops.pad", (Ref(0), (kernel - 1, 0)))
    else:
        padded = Ref(0)
    bias = ctx.operand(2, inline=False) if ctx.has_input(2) else None
    out: Any = Call("ops.conv1d", (padded, ctx.operand(1, inline=False), bias),
                    kw(groups=channels))
    if activation != "none":
        out = Call("ops.silu", (out,))
    if ctx.n_outputs == 1:
        return LayerSpec(out)
    state = Item(padded, (Ellipsis, Slice(length, None)))
    return LayerSpec(TupleOf((out, state)))


# -- LinearAttention --------------------------------------------------------------------------


@register("LinearAttention", since=27)
def convert_linear_attention(ctx: ConvertContext) -> LayerSpec:
    """LinearAttention(q, k, v, past_state?, decay?, beta?) → ``ops.matmul``/``ops.tril``.

    The closed (parallel) form of the recurrence, in float32, for every ``update_rule``
    (since 27).

    With cumulative log-decays ``G`` (gated rules), the scores are the causal
    (``ops.tril``) ``(q·e^G)(k·e^-G)ᵀ``; the delta rules solve their unit lower-triangular
    correction system with ``ops.inverse``. Exact for any length, but the ``T×T`` matrices
    make it a prefill-sized computation.
    """
    rule = str(ctx.attr("update_rule", "gated_delta"))
    if rule not in ("linear", "gated", "delta", "gated_delta"):
        raise ConversionNotPossible(f"LinearAttention update_rule '{rule}'")
    q_heads, kv_heads = int(ctx.attr("q_num_heads", 0)), int(ctx.attr("kv_num_heads", 0))
    if q_heads <= 0 or kv_heads <= 0 or q_heads % kv_heads:
        raise ConversionNotPossible("LinearAttention needs q_num_heads multiple of kv_num_heads")
    batch, steps, hidden = (int(d) for d in ctx.shape(0))
    groups = q_heads // kv_heads
    q, k, v = (_heads_f32(ctx, i, h) for i, h in ((0, q_heads), (1, kv_heads), (2, kv_heads)))
    scale = float(ctx.attr("scale", 0.0)) or 1 / float(np.sqrt(hidden // q_heads))
    past = _f32(ctx, 3) if ctx.has_input(3) else None
    k_plus = k_minus = k_state = k
    past_state = past
    if rule in ("gated", "gated_delta"):
        logs = Call("ops.cumsum", (_heads_f32(ctx, 4, kv_heads, int(ctx.shape(4)[-1]) // kv_heads),
                                   2))
        last = Item(logs, (Ellipsis, Slice(steps - 1, steps), Slice()))
        k_plus = BinOp("*", k, Call("ops.exp", (logs,)))
        k_minus = BinOp("*", k, Call("ops.exp", (UnaryOp("-", logs),)))
        k_state = BinOp("*", k, Call("ops.exp", (BinOp("-", last, logs),)))
        q = BinOp("*", q, _repeat(Call("ops.exp", (logs,)), groups))
        if past is not None:
            decayed = Call("ops.swapaxes", (Call("ops.exp", (last,)), -1, -2))
            past_state = BinOp("*", decayed, past)
    updates = v
    if rule in ("delta", "gated_delta"):
        updates = _delta_updates(ctx, k_plus, k_minus, v, past, steps)
    scores = Call("ops.matmul", (q, Call("ops.swapaxes", (_repeat(k_minus, groups), -1, -2))))
    out: Any = Call("ops.matmul", (Call("ops.tril", (scores,)), _repeat(updates, groups)))
    state: Any = Call("ops.matmul", (Call("ops.swapaxes", (k_state, -1, -2)), updates))
    if past is not None:
        out = BinOp("+", out, Call("ops.matmul", (q, _repeat(past, groups))))
        state = BinOp("+", past_state, state)
    out = BinOp("*", out, _short(scale))
    merged = Call("ops.reshape", (Call("ops.transpose", (out, (0, 2, 1, 3))), (batch, steps, -1)))
    outputs = (_back(merged, ctx.dtype(0)), _back(state, ctx.dtype(3 if ctx.has_input(3) else 0)))
    return LayerSpec(TupleOf(outputs[:ctx.n_outputs]) if ctx.n_outputs > 1 else outputs[0])


def _delta_updates(ctx: ConvertContext, k_plus: Any, k_minus: Any, v: Any, past: Any,
                   steps: int) -> Any:
    """Per-step state updates ``u`` of the delta rule: ``(I + M) u = β(v - k̃ S₀)`` with
    ``M`` the strictly lower part of ``β k̃ k̂ᵀ``."""
    if not ctx.has_input(5):
        raise ConversionNotPossible("LinearAttention delta rule needs beta")
    beta = _heads_f32(ctx, 5, int(ctx.shape(5)[-1]), 1)
    target = v if past is None else BinOp("-", v, Call("ops.matmul", (k_plus, past)))
    if steps == 1:  # a single step: no earlier update to correct for
        return BinOp("*", beta, target)
    overlap = Call("ops.matmul", (k_plus, Call("ops.swapaxes", (k_minus, -1, -2))))
    lower = Call("ops.tril", (BinOp("*", beta, overlap), -1))
    system = BinOp("+", Call("ops.eye", (steps, steps, DType("float32"))), lower)
    return Call("ops.matmul", (Call("ops.inverse", (system,)), BinOp("*", beta, target)))


def _f32(ctx: ConvertContext, index: int) -> Any:
    value = ctx.operand(index, inline=False)
    return value if ctx.dtype(index) == np.float32 else _cast(value, "float32")


def _back(expr: Any, dtype: np.dtype) -> Any:
    return expr if dtype == np.float32 else _cast(expr, dtype)


def _heads_f32(ctx: ConvertContext, index: int, heads: int, size: int | None = None) -> Any:
    """(B, T, H*D) input ``index`` as float32 (B, H, T, D)."""
    batch, steps, hidden = (int(d) for d in ctx.shape(index))
    split = Call("ops.reshape", (_f32(ctx, index), (batch, steps, heads, size or hidden // heads)))
    return Call("ops.transpose", (split, (0, 2, 1, 3)))


def _repeat(expr: Any, groups: int) -> Any:
    return Call("ops.repeat_interleave", (expr, groups, 1)) if groups > 1 else expr


# -- FlexAttention ----------------------------------------------------------------------------


@register("FlexAttention", since=1, domain="ai.onnx.preview")
def convert_flex_attention(ctx: ConvertContext) -> LayerSpec:
    """FlexAttention(Q, K, V) → ``ops.matmul``/``ops.softmax`` (since 1).

    Domain ai.onnx.preview. Grouped-query heads repeat K and V. The softmax runs in float32
    (float64 for double inputs) unless ``softmax_precision`` says otherwise. The
    ``score_mod``/``prob_mod`` subgraphs are converted node by node and inlined (shape
    computations fold to constants).
    """
    if not all(ctx.rank(i) == 4 for i in range(3)):
        raise ConversionNotPossible("FlexAttention needs rank-4 Q, K and V")
    q_heads, kv_heads = int(ctx.shape(0)[1]), int(ctx.shape(1)[1])
    if q_heads % kv_heads:
        raise ConversionNotPossible(f"{q_heads} query heads for {kv_heads} key/value heads")
    groups = q_heads // kv_heads
    dtype = ctx.dtype(0)
    scale = ctx.attr("scale")
    scale = _short(1 / float(np.sqrt(int(ctx.shape(0)[3]))) if scale is None else scale)
    key = Call("ops.swapaxes", (_repeat(ctx.operand(1, inline=False), groups), -1, -2))
    scores: Any = BinOp("*", Call("ops.matmul", (Ref(0), key)), scale)
    code = int(ctx.attr("softmax_precision", 0))
    precision = np.dtype("float64" if dtype == np.float64 else "float32")
    if code:
        import onnx.helper

        precision = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(code))
    shape = (*ctx.shape(0)[:3], int(ctx.shape(1)[2]))
    if precision != dtype:
        scores = _cast(scores, precision)
    if ctx.attr("score_mod") is not None:
        scores = _inline_modifier(ctx, "score_mod", scores, shape, precision)
    probs: Any = Call("ops.softmax", (scores, -1))
    if ctx.attr("prob_mod") is not None:
        probs = _inline_modifier(ctx, "prob_mod", probs, shape, precision)
    if precision != dtype:
        probs = _cast(probs, dtype)
    return LayerSpec(Call("ops.matmul", (probs, _repeat(ctx.operand(2, inline=False), groups))))


_SUBGRAPH_OPSET = 26  # the ai.onnx opset that goes with ai.onnx.preview 1


def _inline_modifier(ctx: ConvertContext, name: str, x: Any, shape: tuple[int, ...],
                     dtype: np.dtype) -> Any:
    """A one-input modifier subgraph converted node by node into one expression of ``x``.

    Shape computations fold to constants; every other node must convert to a plain expression
    (no layer, one output).
    """
    try:
        return _inline(ctx, ctx.node.attribute[_attr_index(ctx, name)].g, x, shape, dtype)
    except ConversionNotPossible as exc:
        raise ConversionNotPossible(f"FlexAttention {name}: {exc}") from exc
    except Exception as exc:  # unexpected subgraph content: a placeholder, not a crash
        raise ConversionNotPossible(f"FlexAttention {name} subgraph: {exc}") from exc


def _attr_index(ctx: ConvertContext, name: str) -> int:
    return [a.name for a in ctx.node.attribute].index(name)


def _inline(ctx: ConvertContext, graph: Any, x: Any, shape: tuple[int, ...],
            dtype: np.dtype) -> Any:
    import onnx
    from mindconverter.converter.graph.context import ConstStore
    from mindconverter.converter.graph.folding import fold_constants
    from mindconverter.converter.graph.registry import default_registry
    from onnx import helper

    sub = onnx.GraphProto()
    sub.CopyFrom(graph)
    if len(sub.input) != 1 or len(sub.output) != 1:
        raise ConversionNotPossible("modifier subgraphs need one input and one output")
    source = sub.input[0].name
    del sub.input[:]
    sub.input.append(helper.make_tensor_value_info(
        source, helper.np_dtype_to_tensor_dtype(dtype), shape))
    model = helper.make_model(sub, opset_imports=[helper.make_opsetid("", _SUBGRAPH_OPSET)])
    constants: dict[str, np.ndarray] = {}
    model, values = fold_constants(model, constants)
    store = ConstStore()
    env: dict[str, Any] = {source: x}
    for node in model.graph.node:
        if len([o for o in node.output if o]) != 1:
            raise ConversionNotPossible(f"{node.op_type} with several outputs")
        sub_ctx = ConvertContext(node, _SUBGRAPH_OPSET, values, constants, store, ctx.name_hint)
        _, convert = default_registry.resolve(node.op_type, _SUBGRAPH_OPSET, node.domain)
        spec = convert(sub_ctx)
        if spec.cell is not None:
            raise ConversionNotPossible(f"{node.op_type} converts to a layer")
        env[node.output[0]] = _bind(spec.expr, node, env, constants, store)
    out = model.graph.output[0].name
    if out not in env and out not in constants:
        raise ConversionNotPossible("the modifier output is not computed")
    result = env[out] if out in env else Const(store.add(out, constants[out], ""))
    # the subgraph's constants become parameters named after this node (no clash with the
    # main graph's values of the same name)
    renamed = {key: ctx.array_param(f"{ctx.node.output[0]}_{key}", array)
               for key, array in store.arrays.items()}
    return _map(result, lambda e: renamed.get(e.key, e) if isinstance(e, Const) else None)


def _bind(expr: Any, node: Any, env: dict[str, Any], constants: dict[str, np.ndarray],
          store: Any) -> Any:
    """``expr`` with the node's input references replaced by their expressions."""

    def replace(e: Any) -> Any:
        if not isinstance(e, Ref):
            return None
        name = node.input[e.index]
        return env[name] if name in env else Const(store.add(name, constants[name], ""))

    return _map(expr, replace)


def _map(expr: Any, replace: Any) -> Any:
    """``expr`` with each sub-expression ``e`` for which ``replace(e)`` is not None replaced."""
    import dataclasses

    new = replace(expr)
    if new is not None:
        return new
    if isinstance(expr, tuple):
        return tuple(_map(e, replace) for e in expr)
    if dataclasses.is_dataclass(expr) and not isinstance(expr, type):
        changes = {f.name: _map(getattr(expr, f.name), replace) for f in dataclasses.fields(expr)}
        return dataclasses.replace(expr, **changes)
    return expr
