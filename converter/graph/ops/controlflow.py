"""Control flow: If, Loop and Scan lowered to Python control flow in ``construct``.

Each subgraph is folded and shape-inferred on its own (outer values it reads are declared as
its inputs), then its nodes are converted with the same registry and written inline, reading
outer values by name:

* ``If`` becomes ``if cond: ... else: ...`` binding the node's outputs in both branches; a
  condition known at conversion time inlines the taken branch.
* ``Loop`` becomes ``for i in range(M):`` when the trip count is a small constant and the
  condition never stops it, otherwise ``while i < M and cond:`` with a tensor counter.
  Loop-carried values are updated together at the end of the body; scan outputs are collected
  in lists and stacked. MindSpore's graph mode cannot grow a list inside a ``while`` loop, so
  such loops run in PyNative mode only (reported as a warning).
* ``Scan`` (opset 9+) becomes ``for t in range(L):`` over the static sequence length, slicing
  the scan inputs and stacking the scan outputs (reversed directions flip them).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import onnx
from mindconverter.converter.graph.context import ConvertContext, ValueInfo
from mindconverter.converter.graph.folding import fold_constants
from mindconverter.converter.graph.names import node_base_name
from mindconverter.converter.graph.registry import (
    ConversionNotPossible,
    UnsupportedOpError,
    default_registry,
    register,
)
from mindconverter.converter.graph.render import ms_dtype_name
from mindconverter.converter.graph.spec import (
    Assign,
    Bind,
    BinOp,
    Call,
    Do,
    DType,
    ForRange,
    IfStmt,
    Item,
    LayerSpec,
    Method,
    Nested,
    Output,
    Ref,
    Slice,
    Temp,
    TupleOf,
    Value,
    While,
    kw,
)
from mindconverter.converter.graph.subgraphs import node_inputs, outer_names
from onnx import helper

_VERSIONS = (1, 11, 13, 16, 19, 21, 23, 24, 25)
# Constant trip counts up to this become ``for i in range(M)`` (graph mode unrolls them).
MAX_UNROLL = 64
GRAPH_MODE_NOTE = ("a Loop that stops on a condition and has scan outputs grows a list inside "
                   "a while loop, which MindSpore supports in PyNative mode only")


@dataclass
class Body:
    """A converted subgraph: its steps and one expression per subgraph output."""

    steps: tuple[object, ...]
    outputs: list[object]
    reads: set[str]
    nodes: list[onnx.NodeProto]

    def source(self, name: str) -> str:
        """The value ``name`` copies through Identity nodes (itself if none)."""
        producers = {n.output[0]: n for n in self.nodes if n.op_type == "Identity"}
        while name in producers:
            name = producers[name].input[0]
        return name

    def computes_with(self, name: str) -> bool:
        """Whether a node other than an Identity reads ``name`` (directly or via copies)."""
        return any(self.source(i) == name for n in self.nodes if n.op_type != "Identity"
                   for i in node_inputs(n))


def convert_subgraph(
    ctx: ConvertContext, graph: onnx.GraphProto, formal: list[ValueInfo | None],
    binds: list[object], samples: dict[str, np.ndarray] | None = None,
) -> Body:
    """Fold and convert ``graph``; its formal inputs are bound to ``binds`` (expressions).

    Shapes that inference leaves unknown come from one run of the subgraph on sample values
    (``samples`` for some inputs, e.g. the first iteration's counter; seeded random otherwise).

    Raises:
        ConversionNotPossible: When a node of the subgraph cannot be converted.
    """
    model = _standalone(ctx, graph, formal)
    constants: dict[str, np.ndarray] = {}
    model, values = fold_constants(model, constants)
    _probe_shapes(model, values, constants, samples or {})
    for name, value in constants.items():
        ctx._constants.setdefault(name, value)
    for name, info in values.items():
        if name not in ctx._values or ctx._values[name].shape is None:
            ctx._values[name] = info
    steps: list[object] = [Bind(vi.name, b) for vi, b in zip(graph.input, binds)
                           if vi.name not in ctx._constants]
    reads: set[str] = set()
    for node in model.graph.node:
        reads.update(node_inputs(node))
        steps.append(Nested(node, node_base_name(node), _convert_nested(ctx, node)))
    outputs = [_value(ctx, o.name) for o in graph.output]
    reads.update(o.name for o in graph.output)
    return Body(tuple(steps), outputs, reads, list(model.graph.node))


def _probe_shapes(model: onnx.ModelProto, values: dict[str, ValueInfo],
                  constants: dict[str, np.ndarray], samples: dict[str, np.ndarray]) -> None:
    wanted = [o for n in model.graph.node for o in n.output if o and o not in constants and (
        o not in values or values[o].shape is None or values[o].dtype is None)]
    if not wanted:
        return
    from mindconverter.converter.graph.verify import make_feeds
    from onnx.reference import ReferenceEvaluator

    feeds = {}
    for vi in model.graph.input:
        info = values.get(vi.name)
        if vi.name in samples:
            feeds[vi.name] = samples[vi.name]
        elif info is not None and info.shape is not None and info.dtype is not None:
            feeds[vi.name] = make_feeds([(vi.name, info.shape, info.dtype)])[0]
        else:
            return
    probe = copy.deepcopy(model)
    del probe.graph.output[:]
    probe.graph.output.extend(onnx.ValueInfoProto(name=w) for w in wanted)
    used = {i for n in probe.graph.node for i in node_inputs(n)}
    probe.graph.initializer.extend(onnx.numpy_helper.from_array(constants[n], n)
                                   for n in sorted(used) if n in constants and n not in feeds)
    try:
        arrays = ReferenceEvaluator(probe).run(None, feeds)
    except Exception:  # shapes stay unknown: converters that need them give up
        return
    for name, array in zip(wanted, arrays):
        array = np.asarray(array)
        values[name] = ValueInfo(tuple(int(d) for d in array.shape), array.dtype)


def _standalone(ctx: ConvertContext, graph: onnx.GraphProto,
                formal: list[ValueInfo | None]) -> onnx.ModelProto:
    """``graph`` as a model whose inputs are its formal inputs and the outer values it reads."""
    inputs, inits = [], []
    for vi, info in zip(graph.input, formal):
        inputs.append(_declare(vi.name, info, vi))
    for name in outer_names(graph):
        if name in ctx._constants:
            inits.append(onnx.numpy_helper.from_array(ctx._constants[name], name))
        else:
            inputs.append(_declare(name, ctx._values.get(name), None))
    outputs = [helper.make_tensor_value_info(o.name, onnx.TensorProto.UNDEFINED, None)
               for o in graph.output]
    sub = helper.make_graph(list(graph.node), graph.name or "body", inputs, outputs,
                            [*graph.initializer, *inits])
    return helper.make_model(sub, opset_imports=[helper.make_opsetid("", ctx.opset)])


def _declare(name: str, info: ValueInfo | None, vi: onnx.ValueInfoProto | None
             ) -> onnx.ValueInfoProto:
    if info is not None and info.dtype is not None:
        elem = helper.np_dtype_to_tensor_dtype(info.dtype)
        return helper.make_tensor_value_info(name, elem, info.shape)
    if vi is not None and vi.type.HasField("tensor_type"):
        return helper.make_tensor_value_info(name, vi.type.tensor_type.elem_type, None)
    raise ConversionNotPossible(f"dtype of '{name}' (read by a subgraph) is unknown")


def _convert_nested(ctx: ConvertContext, node: onnx.NodeProto) -> LayerSpec:
    registry = ctx.registry or default_registry
    sub = ConvertContext(node, ctx.opset, ctx._values, ctx._constants, ctx._consts,
                         node_base_name(node))
    sub.registry = registry  # type: ignore[attr-defined]
    try:
        _key, func = registry.resolve(node.op_type, ctx.opset, node.domain)
        spec = func(sub)
    except (UnsupportedOpError, ConversionNotPossible, NotImplementedError) as exc:
        raise ConversionNotPossible(
            f"{node.op_type} inside the {ctx.node.op_type} subgraph: {exc}") from exc
    ctx.warnings.extend(sub.warnings)
    return spec


def _value(ctx: ConvertContext, name: str) -> object:
    """A subgraph output as an expression (constants become literals or parameters)."""
    if name not in ctx._constants:
        return Value(name)
    value = ctx._constants[name]
    if value.size == 1 and value.ndim == 0:
        dtype = DType(ms_dtype_name(value.dtype))
        return Call("ms.Tensor", (value.reshape(()).item(), dtype))
    return ctx.array_param(name, value)


def _outputs_expr(items: list[object]) -> object:
    return items[0] if len(items) == 1 else TupleOf(tuple(items))


def _value_info(ctx: ConvertContext, index: int) -> ValueInfo | None:
    name = ctx.node.input[index] if ctx.has_input(index) else ""
    if not name:
        return None
    if name in ctx._constants:
        value = ctx._constants[name]
        return ValueInfo(tuple(value.shape), value.dtype)
    return ctx._values.get(name)


# -- If -----------------------------------------------------------------------------------------
@register("If", since=_VERSIONS)
def convert_if(ctx: ConvertContext) -> LayerSpec:
    """If(cond; then_branch, else_branch) → ``if cond: ... else: ...`` (since 1-25)."""
    then_graph, else_graph = ctx.attr("then_branch"), ctx.attr("else_branch")
    if ctx.is_const(0):
        taken = then_graph if bool(ctx.const(0).reshape(-1)[0]) else else_graph
        body = convert_subgraph(ctx, taken, [], [])
        return LayerSpec(_outputs_expr(body.outputs), steps=body.steps,
                         comment="the condition is a constant: only the taken branch is kept")
    branches = []
    for graph in (then_graph, else_graph):
        body = convert_subgraph(ctx, graph, [], [])
        wanted = {i: e for i, e in enumerate(body.outputs)
                  if i < ctx.n_outputs and ctx.node.output[i]}
        steps = _compute_into(body, wanted)
        binds = tuple(Assign(Output(i), e) for i, e in wanted.items())
        branches.append(steps + binds)
    return LayerSpec(None, steps=(IfStmt(_scalar(ctx, 0), branches[0], branches[1]),))


def _compute_into(body: Body, wanted: dict[int, object]) -> tuple[object, ...]:
    """The branch's steps, the last node of each output writing the If's variable directly.

    Outputs handled this way are removed from ``wanted``.
    """
    steps = list(body.steps)
    read = [i for n in body.nodes for i in node_inputs(n)]
    for k, step in enumerate(steps):
        if not isinstance(step, Nested) or _is_alias(step.spec):
            continue
        into = []
        for j, out in enumerate(step.node.output):
            hits = [i for i, e in wanted.items() if e == Value(out)]
            if len(hits) == 1 and out not in read:
                into.append((j, Output(hits[0])))
                del wanted[hits[0]]
        if into:
            steps[k] = Nested(step.node, step.base, step.spec, tuple(into))
    return tuple(steps)


def _is_alias(spec: LayerSpec) -> bool:
    return isinstance(spec.expr, Ref) and spec.cell is None and not spec.steps


# -- Loop ---------------------------------------------------------------------------------------
@register("Loop", since=_VERSIONS)
def convert_loop(ctx: ConvertContext) -> LayerSpec:
    """Loop(M?, cond?, v_initial...; body) → ``for``/``while`` in construct (since 1-25)."""
    graph = ctx.attr("body")
    n_carried = ctx.n_inputs - 2
    n_scans = len(graph.output) - 1 - n_carried
    carried = [Temp(f"v{k}") if n_carried > 1 else Temp("state") for k in range(n_carried)]
    scans = [Temp(f"scan{k}") if n_scans > 1 else Temp("scan") for k in range(n_scans)]
    counter, cond, iteration = Temp("i"), Temp("cond"), Temp("iter")
    formal = [ValueInfo((), np.dtype(np.int64)), ValueInfo((), np.dtype(np.bool_))]
    formal += [_value_info(ctx, 2 + k) for k in range(n_carried)]
    iter_name, cond_name, cond_out = graph.input[0].name, graph.input[1].name, graph.output[0].name
    samples = {graph.input[0].name: np.array(0, np.int64),
               graph.input[1].name: np.array(True)}
    for k in range(n_carried):
        if ctx.is_const(2 + k):
            samples[graph.input[2 + k].name] = ctx.const(2 + k)
    body = convert_subgraph(ctx, graph, formal, [iteration, cond, *carried], samples)
    trip, cond_init = _const_trip(ctx), _const_cond(ctx)
    needs_cond = (ctx.has_input(1) and cond_init is not True) or not _always_true(
        ctx, body.source(cond_out), cond_name)
    needs_cond = needs_cond or body.computes_with(cond_name)
    use_for = trip is not None and trip <= MAX_UNROLL and not needs_cond
    reads_iter = iter_name in body.reads
    updates_to: list[object] = list(carried)
    updates: list[object] = list(body.outputs[1:1 + n_carried])
    init: list[object] = [Assign(t, ctx.operand(2 + k, inline=False))
                          for k, t in enumerate(carried)]
    init += [Assign(s, []) for s in scans]
    appends = tuple(Do(Method(s, "append", (e,)))
                    for s, e in zip(scans, body.outputs[1 + n_carried:]))
    if use_for:
        first = (Assign(iteration, Call("ms.Tensor", (counter, DType("int64")))),) \
            if reads_iter else ()
        tail = (Assign(tuple(updates_to), TupleOf(tuple(updates))),) if updates_to else ()
        loop: object = ForRange(counter, trip, first + body.steps + appends + tail)
    else:
        if not ctx.has_input(0) and not needs_cond:
            raise ConversionNotPossible("a Loop without trip count or condition never ends")
        tests: list[object] = []
        counts = ctx.has_input(0) or reads_iter
        if counts:
            init.append(Assign(counter, Call("ms.Tensor", (0, DType("int64")))))
        if ctx.has_input(0):
            tests.append(BinOp("<", counter, trip if trip is not None else _scalar(ctx, 0)))
        if needs_cond:
            init.append(Assign(cond, _cond_init(ctx, cond_init)))
            tests.append(cond)
            updates_to.append(cond)
            updates.append(body.outputs[0])
        steps = tuple(Bind(iter_name, counter) if isinstance(s, Bind) and s.value == iter_name
                      else s for s in body.steps)
        tail = (Assign(tuple(updates_to), TupleOf(tuple(updates))),) if updates_to else ()
        if counts:
            tail += (Assign(counter, BinOp("+", counter, 1)),)
        test = tests[0] if len(tests) == 1 else BinOp("and", tests[0], tests[1])
        loop = While(test, steps + appends + tail)
        if scans:
            ctx.warn("MC-W010", GRAPH_MODE_NOTE)
    outputs = [*carried, *(Call("ops.stack", (s,)) for s in scans)]
    comment = "ONNX Loop" + (": PyNative mode only (a list grows in a while loop)"
                             if scans and not use_for else "")
    return LayerSpec(_outputs_expr(outputs), steps=(*init, loop), comment=comment)


def _scalar(ctx: ConvertContext, index: int) -> object:
    info = _value_info(ctx, index)
    ref = Ref(index)
    if info is not None and info.shape not in (None, ()):
        return Call("ops.reshape", (ref, ()))
    return ref


def _const_trip(ctx: ConvertContext) -> int | None:
    if ctx.is_const(0):
        return int(ctx.const(0).reshape(-1)[0])
    return None


def _const_cond(ctx: ConvertContext) -> bool | None:
    if ctx.is_const(1):
        return bool(ctx.const(1).reshape(-1)[0])
    return None


def _cond_init(ctx: ConvertContext, value: bool | None) -> object:
    if value is not None or not ctx.has_input(1):
        return Call("ms.Tensor", (value is not False, DType("bool_")))
    return _scalar(ctx, 1)


def _always_true(ctx: ConvertContext, cond_out: str, cond_in: str) -> bool:
    if cond_out == cond_in:
        return True
    value = ctx._constants.get(cond_out)
    return value is not None and bool(np.all(value))


# -- Scan ---------------------------------------------------------------------------------------
@register("Scan", since=(9, 11, 16, 19, 21, 23, 24, 25))
def convert_scan(ctx: ConvertContext) -> LayerSpec:
    """Scan(states..., scan_inputs...; body) → ``for t in range(L)`` (since 9-25)."""
    graph = ctx.attr("body")
    n_in = int(ctx.attr("num_scan_inputs"))
    n_state = ctx.n_inputs - n_in
    n_out = len(graph.output) - n_state
    in_axes = _axes(ctx, "scan_input_axes", n_in, [ctx.rank(n_state + j) for j in range(n_in)])
    in_dirs = list(ctx.attr("scan_input_directions", [0] * n_in))
    out_dirs = list(ctx.attr("scan_output_directions", [0] * n_out))
    length = int(ctx.shape(n_state)[in_axes[0]])
    states = [Temp(f"s{k}") if n_state > 1 else Temp("state") for k in range(n_state)]
    slices = [Temp(f"x{j}") if n_in > 1 else Temp("x") for j in range(n_in)]
    outs = [Temp(f"scan{k}") if n_out > 1 else Temp("scan") for k in range(n_out)]
    t = Temp("t")
    formal = [_value_info(ctx, k) for k in range(n_state)]
    for j in range(n_in):
        info = _value_info(ctx, n_state + j)
        shape = None if info is None or info.shape is None else tuple(
            d for a, d in enumerate(info.shape) if a != in_axes[j])
        formal.append(ValueInfo(shape, info.dtype if info else None))
    body = convert_subgraph(ctx, graph, formal, [*states, *slices])
    takes = []
    for j in range(n_in):
        index: object = t if not in_dirs[j] else BinOp("-", length - 1, t)
        where = (*(Slice(),) * in_axes[j], index) if in_axes[j] else index
        takes.append(Assign(slices[j], Item(Ref(n_state + j), where)))
    updates: list[object] = []
    if n_state:
        updates.append(Assign(tuple(states), TupleOf(tuple(body.outputs[:n_state]))))
    appends = [Do(Method(o, "append", (e,))) for o, e in zip(outs, body.outputs[n_state:])]
    init: list[object] = [Assign(s, ctx.operand(k, inline=False)) for k, s in enumerate(states)]
    init += [Assign(o, []) for o in outs]
    loop = ForRange(t, length, (*takes, *body.steps, *appends, *updates))
    out_ranks = [len(ctx.out_shape(n_state + k)) if ctx.node.output[n_state + k] else 1
                 for k in range(n_out)]
    out_axes = _axes(ctx, "scan_output_axes", n_out, out_ranks)
    results: list[object] = list(states)
    for k, o in enumerate(outs):
        stacked: object = Call("ops.stack", (o,), kw(axis=out_axes[k]) if out_axes[k] else ())
        if out_dirs[k]:
            stacked = Call("ops.flip", (stacked, (out_axes[k],)))
        results.append(stacked)
    return LayerSpec(_outputs_expr(results), steps=(*init, loop), comment="ONNX Scan")


def _axes(ctx: ConvertContext, name: str, count: int, ranks: list[int]) -> list[int]:
    axes = list(ctx.attr(name, [0] * count))
    return [a + r if a < 0 else a for a, r in zip(axes, ranks)]
