"""Layer constructors whose arguments need more than renames (``torch.nn.*`` → ``mindspore.nn.*``).

Each matcher states the torch signature it binds against, so it stays correct whatever the
mapping entry lists; the entry still decides the target for its tier (``TARGET_PREFIXES``: on the
``mint`` tier, whose layers take torch's arguments, the generic path runs instead).
"""

from __future__ import annotations

from typing import Any, ClassVar

import libcst as cst

from mindconverter.converter.ast.callargs import (
    ArgOut,
    Bound,
    Spec,
    Unconvertible,
    literal_number,
    literal_string,
    plan_arguments,
)
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register

_NN = ("mindspore.nn.",)


class LayerMatcher(CallMatcher):
    """A layer whose target defaults to ``mindspore.nn.<same or mapped name>``."""

    TARGET_PREFIXES = _NN
    TARGETS: ClassVar[dict[str, str]] = {}

    def spec(self) -> Spec:
        """Mapping facts with the matcher's signature; target from the entry, else ``TARGETS``."""
        base = super().spec()
        if not base.target:
            base = base.with_changes(target=self.TARGETS.get(self.source, ""))
        return base


@register(
    "conv",
    sources=tuple(f"torch.nn.Conv{d}d" for d in (1, 2, 3))
    + tuple(f"torch.nn.ConvTranspose{d}d" for d in (1, 2, 3)),
)
class ConvMatcher(LayerMatcher):
    """``Conv{1,2,3}d``/``ConvTranspose*``: ``padding`` → ``pad_mode`` + ``padding``, ``bias``.

    torch pads with zeros by ``padding`` (int, tuple or 'same'/'valid') and has a bias by default;
    MindSpore defaults to ``pad_mode='same'`` and no bias, and takes 2·n padding values.
    """

    TARGETS = {
        **{f"torch.nn.Conv{d}d": f"mindspore.nn.Conv{d}d" for d in (1, 2, 3)},
        **{f"torch.nn.ConvTranspose{d}d": f"mindspore.nn.Conv{d}dTranspose" for d in (1, 2, 3)},
    }
    SPEC: ClassVar[dict[str, Any]] = {
        "args": (
            "in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
            "groups", "bias", "padding_mode", "device", "dtype",
        ),
        "rename": {"groups": "group", "bias": "has_bias", "dtype": ""},
        "min_args": 3,
        "defaults": {},
        "unsupported": (),
        "value_transforms": {},
    }
    TRANSPOSED_ARGS = (
        "in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding",
        "groups", "bias", "dilation", "padding_mode", "device", "dtype",
    )

    def spec(self) -> Spec:
        """The conv spec; transposed convolutions order their arguments differently."""
        base = super().spec()
        if "Transpose" in self.source:
            base = base.with_changes(args=self.TRANSPOSED_ARGS)
        return base

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Map padding and bias; refuse non-zero padding modes."""
        mode = literal_string(bound.value("padding_mode"))
        if bound.has("padding_mode") and mode != "zeros":
            raise Unconvertible("Only padding_mode='zeros' has a MindSpore equivalent.")
        plan = plan_arguments(spec, bound, skip=("padding", "padding_mode"))
        if bound.has("padding_mode"):
            plan.dropped.append("padding_mode")
        dims = _conv_dims(self.source)
        padding = bound.value("padding")
        text = literal_string(padding)
        if text is not None:
            plan.add("pad_mode", repr(text))
        elif padding is None or literal_number(padding) == 0:
            plan.add("pad_mode", "'valid'")
        else:
            plan.add("pad_mode", "'pad'")
            plan.args.append(
                ArgOut(keyword="padding", source=bound.params["padding"], transform=_pad(dims))
            )
        if not bound.has("bias"):
            plan.add("has_bias", "True")
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


def _conv_dims(source: str) -> int:
    for dims in (1, 2, 3):
        if f"{dims}d" in source:
            return dims
    return 2


def _pad(dims: int) -> Any:
    """torch padding (one value per spatial dim) → MindSpore's (before, after) per dim."""

    def transform(expr: cst.BaseExpression) -> cst.BaseExpression:
        if isinstance(expr, cst.Tuple) and len(expr.elements) == dims and dims > 1:
            values = [el.value for el in expr.elements]
            doubled = [v for value in values for v in (value, value)]
            return cst.Tuple([cst.Element(v) for v in doubled])
        return expr

    return transform


@register("pool", sources=tuple(f"torch.nn.{k}Pool{d}d" for k in ("Max", "Avg") for d in (1, 2, 3)))
class PoolMatcher(LayerMatcher):
    """``MaxPool*``/``AvgPool*``: ``stride`` defaults to the kernel; padding needs ``pad_mode``."""

    TARGETS = {f"torch.nn.{k}Pool{d}d": f"mindspore.nn.{k}Pool{d}d" for k in ("Max", "Avg")
               for d in (1, 2, 3)}
    MAX_ARGS = ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode")
    AVG_ARGS = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                "divisor_override")
    PAD_TRIGGERS = ("padding", "dilation", "return_indices", "ceil_mode", "count_include_pad",
                    "divisor_override")

    def spec(self) -> Spec:
        """Pool spec by kind."""
        args = self.MAX_ARGS if "Max" in self.source else self.AVG_ARGS
        base = super().spec()
        return base.with_changes(
            args=args, rename={}, min_args=1, defaults={}, unsupported=(), value_transforms={}
        )

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Add ``stride`` = kernel when absent, and ``pad_mode='pad'`` when needed."""
        plan = plan_arguments(spec, bound)
        if not bound.has("stride") or _is_none(bound.value("stride")):
            plan.remove("stride")
            plan.args = [a for a in plan.args if not (a.source == bound.params.get("stride"))]
            plan.args.append(ArgOut(keyword="stride", source=bound.params["kernel_size"]))
        if any(bound.has(name) for name in self.PAD_TRIGGERS):
            plan.add("pad_mode", "'pad'")
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


def _is_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


@register("batchnorm", sources=tuple(f"torch.nn.BatchNorm{d}d" for d in (1, 2, 3)))
class BatchNormMatcher(LayerMatcher):
    """``BatchNorm*``: momentum ``1 - m``; ``track_running_stats=False`` → batch statistics."""

    TARGETS = {f"torch.nn.BatchNorm{d}d": f"mindspore.nn.BatchNorm{d}d" for d in (1, 2, 3)}
    SPEC: ClassVar[dict[str, Any]] = {
        "args": ("num_features", "eps", "momentum", "affine", "track_running_stats",
                 "device", "dtype"),
        "rename": {"dtype": ""},
        "value_transforms": {"momentum": "1-x"},
        "min_args": 1,
        "defaults": {},
        "unsupported": (),
    }

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Refuse ``momentum=None`` (cumulative average); map running-stats tracking."""
        if _is_none(bound.value("momentum")):
            raise Unconvertible("momentum=None (cumulative average) has no MindSpore equivalent.")
        plan = plan_arguments(spec, bound, skip=("track_running_stats",))
        track = bound.value("track_running_stats")
        if track is not None:
            if isinstance(track, cst.Name) and track.value == "False":
                plan.add("use_batch_statistics", "True")
            elif not (isinstance(track, cst.Name) and track.value == "True"):
                raise Unconvertible("track_running_stats must be a literal True or False.")
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


@register("layernorm", sources=("torch.nn.LayerNorm",))
class LayerNormMatcher(LayerMatcher):
    """``LayerNorm``: shape becomes a tuple; ``eps`` → ``epsilon`` (default 1e-5, not 1e-7)."""

    TARGETS = {"torch.nn.LayerNorm": "mindspore.nn.LayerNorm"}
    SPEC: ClassVar[dict[str, Any]] = {
        "args": ("normalized_shape", "eps", "elementwise_affine", "bias", "device", "dtype"),
        "rename": {"eps": "epsilon", "dtype": ""},
        "min_args": 1,
        "defaults": {"epsilon": "1e-05"},
        "unsupported": (),
        "value_transforms": {},
    }

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Normalise over the last axis only (MindSpore needs the input rank for more)."""
        for flag in ("elementwise_affine", "bias"):
            value = bound.value(flag)
            if value is not None and not (isinstance(value, cst.Name) and value.value == "True"):
                raise Unconvertible(f"{flag}={cst.Module([]).code_for_node(value)} is not supported.")
        shape = bound.value("normalized_shape")
        if isinstance(shape, (cst.Tuple, cst.List)) and len(shape.elements) != 1:
            raise Unconvertible(
                "normalized_shape over several axes needs begin_norm_axis = input rank - n."
            )
        plan = plan_arguments(spec, bound, skip=("elementwise_affine", "bias"))
        plan.args[0].transform = _as_tuple
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


def _as_tuple(expr: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(expr, (cst.Tuple, cst.List)):
        return expr
    return cst.Tuple([cst.Element(expr, comma=cst.Comma())])


@register("dropout", sources=("torch.nn.Dropout", "torch.nn.Dropout1d", "torch.nn.Dropout2d",
                              "torch.nn.Dropout3d", "torch.nn.AlphaDropout"))
class DropoutMatcher(LayerMatcher):
    """``Dropout*(p)`` → ``Dropout*(p=p)`` (MindSpore's first parameter is ``keep_prob``)."""

    TARGETS = {f"torch.nn.Dropout{s}": f"mindspore.nn.Dropout{s}" for s in ("", "1d", "2d", "3d")}
    SPEC: ClassVar[dict[str, Any]] = {
        "args": ("p", "inplace"),
        "rename": {"inplace": ""},
        "min_args": 0,
        "defaults": {},
        "unsupported": (),
        "value_transforms": {},
    }

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Always pass ``p`` by keyword."""
        plan = plan_arguments(spec.with_changes(status="renamed_args"), bound)
        plan.args = [
            ArgOut(keyword="p", source=out.source) if out.source == bound.params.get("p") else out
            for out in plan.args
        ]
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


@register("embedding", sources=("torch.nn.Embedding",))
class EmbeddingMatcher(LayerMatcher):
    """``Embedding(num, dim)`` → ``Embedding(vocab_size, embedding_size)``."""

    TARGETS = {"torch.nn.Embedding": "mindspore.nn.Embedding"}
    SPEC: ClassVar[dict[str, Any]] = {
        "args": ("num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type",
                 "scale_grad_by_freq", "sparse", "_weight", "_freeze", "device", "dtype"),
        "rename": {"num_embeddings": "vocab_size", "embedding_dim": "embedding_size",
                   "sparse": "", "dtype": ""},
        "unsupported": ("max_norm", "norm_type", "scale_grad_by_freq", "_weight", "_freeze"),
        "min_args": 2,
        "defaults": {},
        "value_transforms": {},
    }


@register("rnn", sources=("torch.nn.LSTM", "torch.nn.GRU", "torch.nn.RNN"))
class RnnMatcher(LayerMatcher):
    """``LSTM``/``GRU``/``RNN``: ``bias`` → ``has_bias``; same argument order otherwise."""

    TARGETS = {f"torch.nn.{k}": f"mindspore.nn.{k}" for k in ("LSTM", "GRU", "RNN")}
    SPEC: ClassVar[dict[str, Any]] = {
        "args": ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout",
                 "bidirectional", "proj_size", "device", "dtype"),
        "rename": {"bias": "has_bias", "dtype": ""},
        "unsupported": ("proj_size",),
        "min_args": 7,
        "defaults": {},
        "value_transforms": {},
        "status": "renamed_args",
    }

    def spec(self) -> Spec:
        """RNN adds ``nonlinearity`` after ``num_layers``."""
        base = super().spec()
        if self.source == "torch.nn.RNN":
            base = base.with_changes(
                args=("input_size", "hidden_size", "num_layers", "nonlinearity", "bias",
                      "batch_first", "dropout", "bidirectional", "device", "dtype"),
                min_args=8,
            )
        return base


def _simple(name: str, targets: dict[str, str], **spec: Any) -> None:
    """Register a table-driven layer matcher (renames, defaults, unsupported arguments)."""
    spec.setdefault("defaults", {})
    spec.setdefault("unsupported", ())
    spec.setdefault("value_transforms", {})
    spec.setdefault("min_args", 0)
    cls = type(
        f"{name.title().replace('_', '')}Matcher",
        (LayerMatcher,),
        {"TARGETS": targets, "SPEC": spec, "__doc__": f"``{', '.join(targets)}``."},
    )
    register(name, sources=tuple(targets))(cls)


_simple("linear", {"torch.nn.Linear": "mindspore.nn.Dense"},
        args=("in_features", "out_features", "bias", "device", "dtype"),
        rename={"in_features": "in_channels", "out_features": "out_channels", "bias": "has_bias",
                "dtype": ""}, min_args=2)
_simple("relu_like", {f"torch.nn.{k}": f"mindspore.nn.{k}" for k in
                      ("ReLU", "ReLU6", "SiLU", "Sigmoid", "Tanh", "Mish", "Identity")},
        args=("inplace",), rename={"inplace": ""})
_simple("hard_activation", {"torch.nn.Hardswish": "mindspore.nn.HSwish",
                            "torch.nn.Hardsigmoid": "mindspore.nn.HSigmoid"},
        args=("inplace",), rename={"inplace": ""})
_simple("leaky_relu", {"torch.nn.LeakyReLU": "mindspore.nn.LeakyReLU"},
        args=("negative_slope", "inplace"), rename={"negative_slope": "alpha", "inplace": ""},
        defaults={"alpha": "0.01"})
_simple("elu", {"torch.nn.ELU": "mindspore.nn.ELU"}, args=("alpha", "inplace"),
        rename={"inplace": ""})
_simple("softmax_layer", {"torch.nn.Softmax": "mindspore.nn.Softmax",
                          "torch.nn.LogSoftmax": "mindspore.nn.LogSoftmax"},
        args=("dim",), rename={"dim": "axis"}, defaults={"axis": "-1"})
_simple("flatten_layer", {"torch.nn.Flatten": "mindspore.nn.Flatten"},
        args=("start_dim", "end_dim"), min_args=2, status="consistent")
_simple("adaptive_pool", {f"torch.nn.Adaptive{k}Pool{d}d": f"mindspore.nn.Adaptive{k}Pool{d}d"
                          for k in ("Avg", "Max") for d in (1, 2, 3)},
        args=("output_size", "return_indices"), min_args=2, status="consistent")
_simple("group_norm", {"torch.nn.GroupNorm": "mindspore.nn.GroupNorm"},
        args=("num_groups", "num_channels", "eps", "affine", "device", "dtype"),
        rename={"dtype": ""}, min_args=4, status="consistent")
_simple("prelu", {"torch.nn.PReLU": "mindspore.nn.PReLU"},
        args=("num_parameters", "init", "device", "dtype"),
        rename={"num_parameters": "channel", "init": "w", "dtype": ""}, min_args=2)
_simple("containers", {"torch.nn.Sequential": "mindspore.nn.SequentialCell",
                       "torch.nn.ModuleList": "mindspore.nn.CellList",
                       "torch.nn.ModuleDict": "mindspore.nn.CellDict"},
        args=(), status="consistent")
_simple("upsample_layer", {"torch.nn.Upsample": "mindspore.nn.Upsample"},
        args=("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"),
        min_args=5, status="consistent")
_simple("multihead_attention", {"torch.nn.MultiheadAttention": "mindspore.nn.MultiheadAttention"},
        args=("embed_dim", "num_heads", "dropout", "bias", "add_bias_kv", "add_zero_attn",
              "kdim", "vdim", "batch_first", "device", "dtype"),
        rename={"bias": "has_bias", "dtype": ""}, min_args=3)
_simple("transformer_encoder_layer",
        {"torch.nn.TransformerEncoderLayer": "mindspore.nn.TransformerEncoderLayer"},
        args=("d_model", "nhead", "dim_feedforward", "dropout", "activation", "layer_norm_eps",
              "batch_first", "norm_first", "bias", "device", "dtype"),
        rename={"dtype": ""}, unsupported=("bias",), min_args=4)
_simple("transformer_encoder", {"torch.nn.TransformerEncoder": "mindspore.nn.TransformerEncoder"},
        args=("encoder_layer", "num_layers", "norm", "enable_nested_tensor", "mask_check"),
        rename={"enable_nested_tensor": "", "mask_check": ""}, min_args=3)
_simple("pixel_shuffle", {"torch.nn.PixelShuffle": "mindspore.nn.PixelShuffle"},
        args=("upscale_factor",), min_args=1, status="consistent")
_simple("loss_ce", {"torch.nn.CrossEntropyLoss": "mindspore.nn.CrossEntropyLoss",
                    "torch.nn.NLLLoss": "mindspore.nn.NLLLoss"},
        args=("weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"),
        unsupported=("size_average", "reduce"))
_simple("loss_simple", {f"torch.nn.{k}": f"mindspore.nn.{k}" for k in
                        ("MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss")},
        args=("size_average", "reduce", "reduction"), unsupported=("size_average", "reduce"))
