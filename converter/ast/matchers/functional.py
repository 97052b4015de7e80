"""``torch.*`` and ``torch.nn.functional.*`` calls that need more than renames."""

from __future__ import annotations

from typing import Any, ClassVar

import libcst as cst

from mindconverter.converter.ast.callargs import (
    ArgOut,
    Bound,
    Spec,
    Unconvertible,
    bind,
    keyword_arg,
    literal_number,
    plan_arguments,
)
from mindconverter.converter.ast.matchers.registry import CallMatcher, CallPlan, register
from mindconverter.converter.ast.render import ImportPlanner

_OPS = ("mindspore.ops.",)
F = "torch.nn.functional."


class FunctionMatcher(CallMatcher):
    """A function whose target defaults to ``TARGETS[source]`` when the tables have none."""

    TARGET_PREFIXES = _OPS
    TARGETS: ClassVar[dict[str, str]] = {}

    def spec(self) -> Spec:
        """Mapping facts with the matcher's overrides; target from the entry, else ``TARGETS``."""
        base = super().spec()
        if not base.target:
            base = base.with_changes(target=self.TARGETS.get(self.source, ""))
        return base


def _function(name: str, targets: dict[str, str], **spec: Any) -> type[FunctionMatcher]:
    spec.setdefault("defaults", {})
    spec.setdefault("unsupported", ())
    spec.setdefault("value_transforms", {})
    spec.setdefault("rename", {})
    spec.setdefault("min_args", 1)
    cls = type(
        f"{name.title().replace('_', '')}Matcher",
        (FunctionMatcher,),
        {"TARGETS": targets, "SPEC": spec, "__doc__": f"``{', '.join(targets)}``."},
    )
    register(name, sources=tuple(targets))(cls)
    return cls


_function("dropout_fn", {F + "dropout": "mindspore.ops.dropout"},
          args=("input", "p", "training", "inplace"), rename={"inplace": ""},
          status="consistent")
_function("activation_fn", {F + k: f"mindspore.ops.{k}" for k in
                            ("relu", "relu6", "silu", "sigmoid", "tanh", "mish", "hardswish",
                             "hardsigmoid", "elu")},
          args=("input", "inplace"), rename={"inplace": ""}, status="consistent")
_function("leaky_relu_fn", {F + "leaky_relu": "mindspore.ops.leaky_relu"},
          args=("input", "negative_slope", "inplace"),
          rename={"negative_slope": "alpha", "inplace": ""}, defaults={"alpha": "0.01"})
_function("gelu_fn", {F + "gelu": "mindspore.ops.gelu"},
          args=("input", "*", "approximate"), status="consistent")
_function("softmax_fn", {F + "softmax": "mindspore.ops.softmax",
                         F + "log_softmax": "mindspore.ops.log_softmax",
                         "torch.softmax": "mindspore.ops.softmax",
                         "torch.log_softmax": "mindspore.ops.log_softmax"},
          args=("input", "dim", "_stacklevel", "dtype"),
          rename={"dim": "axis", "_stacklevel": ""}, unsupported=("dtype",), min_args=1)
_function("adaptive_pool_fn", {F + f"adaptive_{k}_pool{d}d": f"mindspore.ops.adaptive_{k}_pool{d}d"
                               for k in ("avg", "max") for d in (1, 2, 3)},
          args=("input", "output_size", "return_indices"), status="consistent")
_function("max_pool_fn", {F + f"max_pool{d}d": f"mindspore.ops.max_pool{d}d" for d in (2, 3)},
          args=("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                "return_indices"), min_args=5)
_function("cat_fn", {"torch.cat": "mindspore.ops.cat", "torch.concat": "mindspore.ops.cat",
                     "torch.stack": "mindspore.ops.stack"},
          args=("tensors", "dim", "*", "out"), rename={"dim": "axis"}, unsupported=("out",))
_function("chunk_fn", {"torch.chunk": "mindspore.ops.chunk"},
          args=("input", "chunks", "dim"), rename={"dim": "axis"}, min_args=2)
_function("split_fn", {"torch.split": "mindspore.ops.split"},
          args=("tensor", "split_size_or_sections", "dim"), rename={"dim": "axis"}, min_args=2)
_function("unsqueeze_fn", {"torch.unsqueeze": "mindspore.ops.unsqueeze"},
          args=("input", "dim"), min_args=2, status="consistent")
_function("transpose_fn", {"torch.transpose": "mindspore.ops.swapaxes",
                           "torch.swapaxes": "mindspore.ops.swapaxes"},
          args=("input", "dim0", "dim1"), rename={"dim0": "axis0", "dim1": "axis1"}, min_args=3)
_function("permute_fn", {"torch.permute": "mindspore.ops.permute"},
          args=("input", "dims"), rename={"dims": "axis"}, min_args=2)
_function("linear_fn", {F + "linear": "mindspore.ops.dense"},
          args=("input", "weight", "bias"), min_args=3, status="consistent")
_function("pad_fn", {F + "pad": "mindspore.ops.pad"},
          args=("input", "pad", "mode", "value"), rename={"pad": "padding"}, min_args=4)
_function("interpolate_fn", {F + "interpolate": "mindspore.ops.interpolate"},
          args=("input", "size", "scale_factor", "mode", "align_corners",
                "recompute_scale_factor", "antialias"), unsupported=("antialias",), min_args=6)
_function("cross_entropy_fn", {F + "cross_entropy": "mindspore.ops.cross_entropy",
                               F + "nll_loss": "mindspore.ops.nll_loss"},
          args=("input", "target", "weight", "size_average", "ignore_index", "reduce",
                "reduction", "label_smoothing"), unsupported=("size_average", "reduce"),
          min_args=3)
_function("mse_loss_fn", {F + "mse_loss": "mindspore.ops.mse_loss",
                          F + "l1_loss": "mindspore.ops.l1_loss"},
          args=("input", "target", "size_average", "reduce", "reduction"),
          unsupported=("size_average", "reduce"), min_args=2)
_function("manual_seed_fn", {"torch.manual_seed": "mindspore.set_seed"},
          args=("seed",), status="consistent")


@register("flatten_fn", sources=("torch.flatten",))
class FlattenMatcher(FunctionMatcher):
    """``torch.flatten(x, s, e)`` → ``ops.flatten(x, start_dim=s, end_dim=e)``.

    ``ops.flatten``'s second parameter is ``order`` and its ``start_dim`` defaults to 1.
    """

    TARGETS = {"torch.flatten": "mindspore.ops.flatten"}
    SPEC: ClassVar[dict[str, Any]] = {
        "args": ("input", "start_dim", "end_dim"),
        "rename": {},
        "defaults": {"start_dim": "0"},
        "min_args": 1,
        "unsupported": (),
        "value_transforms": {},
        "status": "renamed_args",
    }


@register("avg_pool_fn", sources=tuple(F + f"avg_pool{d}d" for d in (1, 2, 3)))
class AvgPoolFunctionMatcher(FunctionMatcher):
    """``F.avg_pool*d``: ``stride`` defaults to the kernel (MindSpore: 1)."""

    TARGETS = {F + f"avg_pool{d}d": f"mindspore.ops.avg_pool{d}d" for d in (1, 2, 3)}
    SPEC: ClassVar[dict[str, Any]] = {
        "args": ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                 "divisor_override"),
        "rename": {},
        "defaults": {},
        "min_args": 5,
        "unsupported": (),
        "value_transforms": {},
        "status": "renamed_args",
    }

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Add ``stride=kernel_size`` when absent; drop ``divisor_override=None``."""
        divisor = bound.value("divisor_override")
        skip = ("divisor_override",) if isinstance(divisor, cst.Name) else ()
        plan = plan_arguments(spec, bound, skip=skip)
        stride = bound.value("stride")
        if stride is None or (isinstance(stride, cst.Name) and stride.value == "None"):
            plan.args = [a for a in plan.args if a.source != bound.params.get("stride")]
            if "kernel_size" not in bound.params:
                raise Unconvertible("kernel_size is missing.")
            plan.args.append(ArgOut(keyword="stride", source=bound.params["kernel_size"]))
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


@register("conv_fn", sources=tuple(F + f"conv{d}d" for d in (1, 2, 3)))
class ConvFunctionMatcher(FunctionMatcher):
    """``F.conv*d``: integer ``padding`` needs ``pad_mode='pad'``."""

    TARGETS = {F + f"conv{d}d": f"mindspore.ops.conv{d}d" for d in (1, 2, 3)}
    SPEC: ClassVar[dict[str, Any]] = {
        "args": ("input", "weight", "bias", "stride", "padding", "dilation", "groups"),
        "rename": {},
        "defaults": {},
        "min_args": 4,
        "unsupported": (),
        "value_transforms": {},
        "status": "renamed_args",
    }

    def make(self, spec: Spec, bound: Bound) -> CallPlan:
        """Choose ``pad_mode`` from ``padding``."""
        plan = plan_arguments(spec, bound, skip=("padding",))
        padding = bound.value("padding")
        if isinstance(padding, cst.SimpleString):
            plan.args.append(ArgOut(keyword="pad_mode", source=bound.params["padding"]))
        elif padding is not None and literal_number(padding) != 0:
            plan.add("pad_mode", "'pad'")
            plan.args.append(ArgOut(keyword="padding", source=bound.params["padding"]))
        return self.finish(CallPlan(target=spec.target, args=plan, spec=spec))


@register("size_factory", sources=("torch.zeros", "torch.ones", "torch.empty"))
class SizeFactoryMatcher(FunctionMatcher):
    """``torch.zeros(2, 3, dtype=d)`` → ``ops.zeros((2, 3), dtype=d)``."""

    TARGETS = {"torch.zeros": "mindspore.ops.zeros", "torch.ones": "mindspore.ops.ones",
               "torch.empty": "mindspore.ops.zeros"}

    def plan(self, call: cst.Call) -> CallPlan:
        """Pack the positional sizes into one tuple; keep ``dtype``, drop device arguments."""
        spec = self.spec().with_changes(args=(), rename={}, defaults={}, unsupported=())
        if not spec.target:
            raise Unconvertible("")
        if any(a.star for a in call.args):
            raise Unconvertible("*sizes cannot be packed.")
        keywords = {a.keyword.value for a in call.args if a.keyword is not None}
        if keywords - {"dtype", "device", "requires_grad", "layout", "out", "size"}:
            raise Unconvertible("unexpected keyword arguments")
        if "out" in keywords or "requires_grad" in keywords:
            raise Unconvertible("out=/requires_grad= are not supported.")
        plan = CallPlan(target=spec.target, args=plan_arguments(spec, bind_none(call)), spec=spec)

        def build(updated: cst.Call, planner: ImportPlanner) -> cst.BaseExpression:
            sizes = [a for a in updated.args if a.keyword is None]
            args: list[cst.Arg] = []
            if len(sizes) == 1:
                args.append(cst.Arg(value=sizes[0].value))
            elif sizes:
                args.append(cst.Arg(value=cst.Tuple([cst.Element(a.value) for a in sizes])))
            for arg in updated.args:
                if arg.keyword is not None and arg.keyword.value in ("dtype", "size"):
                    args.append(keyword_arg(arg.keyword.value, arg.value))
            return cst.Call(func=planner.render(spec.target), args=args)

        plan.build = build
        return self.finish(plan)


def bind_none(call: cst.Call) -> Bound:
    """A binding that names nothing (for matchers that rebuild the call themselves)."""
    return Bound(call=call)


@register("tensor_factory", sources=("torch.tensor", "torch.as_tensor", "torch.from_numpy",
                                     "torch.Tensor", "torch.FloatTensor", "torch.LongTensor"))
class TensorFactoryMatcher(FunctionMatcher):
    """``torch.tensor(data, dtype=d)`` → ``ms.Tensor(data, dtype=d)``."""

    TARGET_PREFIXES = ("mindspore.",)
    TARGETS = {"torch.tensor": "mindspore.Tensor", "torch.as_tensor": "mindspore.Tensor",
               "torch.from_numpy": "mindspore.Tensor.from_numpy",
               "torch.Tensor": "mindspore.Tensor", "torch.FloatTensor": "mindspore.Tensor",
               "torch.LongTensor": "mindspore.Tensor"}
    DTYPES: ClassVar[dict[str, str]] = {"torch.FloatTensor": "mindspore.float32",
                                        "torch.LongTensor": "mindspore.int64"}

    def plan(self, call: cst.Call) -> CallPlan:
        """Keep data and ``dtype``; drop device and gradient flags."""
        target = self.TARGETS.get(self.source, "")
        spec = Spec(target=target, args=("data", "*", "dtype", "device", "requires_grad",
                                          "pin_memory"),
                    rename={"requires_grad": ""}, status="renamed_args", min_args=1)
        bound = bind(call, spec.args)
        plan = plan_arguments(spec, bound)
        forced = self.DTYPES.get(self.source)
        if forced and "dtype" not in plan.keywords():
            plan.args.append(ArgOut(keyword="dtype", target=forced))
            plan.added["dtype"] = forced
        return self.finish(CallPlan(target=target, args=plan, spec=spec))
