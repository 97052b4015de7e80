"""Write the MindSpore ``nn.Cell`` script from converted node specs.

The emitter is the only place that produces code: it allocates readable, safe identifiers,
renders ``__init__`` (layers, constant parameters, placeholders) and ``construct`` (straight-line
code), and records which script lines each ONNX node produced.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from mindconverter.converter.graph import spec as _spec
from mindconverter.converter.graph.context import ConstStore
from mindconverter.converter.graph.render import Renderer, literal, ms_dtype_name
from mindconverter.converter.graph.spec import (
    Assign,
    Bind,
    Do,
    ForRange,
    IfStmt,
    LayerSpec,
    Nested,
    Output,
    Ref,
    Temp,
    TupleOf,
    Var,
    While,
)
from mindconverter.converter.naming import NameAllocator, to_identifier

#: Value names the dynamo exporter makes up (``val_12``): the consumer names the weight instead.
_EXPORTER_TEMP = re.compile(r"val_\d+")

PLACEHOLDER_CLASS = '''class UnconvertedOp(nn.Cell):
    """Stands for an ONNX operator that MindConverter could not convert.

    It records the operator type, attributes and the tensor shapes seen during conversion, and
    raises when the network runs. Replace it with MindSpore code (the MindConverter language
    server offers a quick fix built from the recorded shapes).
    """

    def __init__(self, op_type, name="", input_shape=None, output_shape=None,
                 input_shapes=None, output_shapes=None, attributes=None):
        super().__init__()
        self.op_type = op_type
        self.node_name = name
        self.input_shape = input_shape
        self.output_shape = output_shape
        self.input_shapes = input_shapes
        self.output_shapes = output_shapes
        self.attributes = attributes or {}

    def construct(self, *inputs):
        raise NotImplementedError("ONNX operator not converted: " + self.op_type)
'''


# Expression types whose fields may hold temporaries (not statements, not layer definitions).
_EXPRS = {
    _spec.LayerCall, _spec.Call, _spec.Method, _spec.BinOp, _spec.UnaryOp, _spec.Item,
    _spec.Slice, _spec.Attr, _spec.TupleOf,
}


@dataclass
class _Scope:
    """Names of one node's outputs and temporaries while its steps are written."""

    base: str
    outputs: list[str]
    renderer: Renderer
    temps: dict[str, str] = field(default_factory=dict)


@dataclass
class Placeholder:
    """Facts recorded for an unconverted node."""

    runtime_inputs: list[int]
    input_shapes: list[list[int] | None]
    output_shapes: list[list[int] | None]
    attributes: dict[str, Any]


@dataclass
class NodeEmit:
    """One ONNX node to write: either a converted spec or a placeholder."""

    node: onnx.NodeProto
    base: str
    spec: LayerSpec | None = None
    placeholder: Placeholder | None = None


@dataclass
class WeightEntry:
    """One parameter of the generated network."""

    name: str
    value: np.ndarray
    source: str
    trainable: bool = True


@dataclass
class ClassCode:
    """One generated ``nn.Cell`` class.

    Attributes:
        name: The class name.
        lines: Source lines of the class.
        where: Item key → 0-based offsets within :attr:`lines` (keys: item index, and
            ``("init", index)`` for a placeholder's ``__init__`` line).
        weights: Parameters, named relative to an instance of this class.
        input_names: ``construct`` parameter names.
        output_vars: Names returned by ``construct``.
        attr_names: Per item, the attribute it created in ``__init__`` (or None).
        item_params: Per item, the parameter names it uses.
        has_placeholder: Whether the class uses ``UnconvertedOp``.
    """

    name: str
    lines: list[str]
    where: dict[Any, list[int]]
    weights: list[WeightEntry]
    input_names: list[str]
    output_vars: list[str]
    attr_names: list[str | None]
    item_params: list[list[str]]
    has_placeholder: bool


@dataclass
class BlockEmit:
    """A call to a sub-Cell (a repeated block) standing for several ONNX nodes.

    Attributes:
        base: Readable base of the instance attribute (``layer1_0``).
        code: The block's class (shared by every instance with the same code).
        inputs: ONNX values fed to the block, in ``construct`` order.
        outputs: ONNX values the block returns.
        weights: This instance's parameters, named relative to the block.
        members: Indices (in the flat node list) of the nodes inside the block.
        member_items: Per member, its item index inside the block's class.
    """

    base: str
    code: ClassCode
    inputs: list[str]
    outputs: list[str]
    weights: list[WeightEntry]
    members: list[int]
    member_items: list[int]


@dataclass
class EmitResult:
    """The script and everything needed to save and trace it (indexed by flat node)."""

    source: str
    weights: list[WeightEntry]
    input_names: list[str]
    output_vars: list[str]
    node_lines: list[list[int]] = field(default_factory=list)
    node_params: list[list[str]] = field(default_factory=list)
    attr_names: list[str | None] = field(default_factory=list)
    placeholder_lines: dict[int, tuple[int, int, int]] = field(default_factory=dict)
    blocks: dict[str, list[str]] = field(default_factory=dict)


class Emitter:
    """Builds one ``nn.Cell`` class.

    Args:
        class_name: Name of the generated class.
        doc: The class docstring (one line).
        inputs: ONNX names of the values ``construct`` takes.
        outputs: ONNX value names returned by ``construct``.
        consts: Constant tensors that become parameters.
        constants: All values known at conversion time (for outputs that fold to constants).
        input_py_names: Fixed ``construct`` parameter names (blocks use canonical names).
        strip_prefix: Removed from constant names (blocks name constants relative to
            themselves, so that every instance has the same code).
    """

    def __init__(
        self,
        class_name: str,
        doc: str,
        inputs: list[str],
        outputs: list[str],
        consts: ConstStore,
        constants: dict[str, np.ndarray],
        input_py_names: list[str] | None = None,
        strip_prefix: str = "",
    ) -> None:
        self.class_name = class_name
        self.doc = doc
        self.inputs = inputs
        self.outputs = outputs
        self.consts = consts
        self.constants = constants
        self.input_py_names = input_py_names
        self.strip_prefix = strip_prefix
        self._attrs = NameAllocator({"construct", "training", "phase", "cells", "parameters"})
        self._vars = NameAllocator({"self"})
        self._env: dict[str, str] = {}
        self._const_attr: dict[str, str] = {}
        self._init: list[tuple[str, Any]] = []
        self._body: list[tuple[str, Any]] = []
        self._weights: list[WeightEntry] = []
        self._node_params: dict[int, list[str]] = {}

    def emit_class(self, items: list[NodeEmit | BlockEmit]) -> ClassCode:
        """Render the class for ``items`` (in topological order)."""
        if self.input_py_names is not None:
            input_names = [self._vars.allocate(n) for n in self.input_py_names]
        else:
            input_names = [self._vars.allocate(name, "input") for name in self.inputs]
        self._env.update(zip(self.inputs, input_names))
        self._items = items
        attr_names: list[str | None] = []
        for index, item in enumerate(items):
            if isinstance(item, BlockEmit):
                attr_names.append(self._emit_block(index, item))
            else:
                attr_names.append(self._emit_node(index, item))
        output_vars = [self._var_of(name) for name in self.outputs]
        lines, where = self._class_lines(input_names, output_vars)
        has_placeholder = any(
            (isinstance(i, NodeEmit) and i.placeholder is not None)
            or (isinstance(i, BlockEmit) and i.code.has_placeholder) for i in items)
        return ClassCode(self.class_name, lines, where, self._weights, input_names, output_vars,
                         attr_names, [self._node_params.get(i, []) for i in range(len(items))],
                         has_placeholder)

    def _emit_block(self, index: int, block: BlockEmit) -> str:
        attr = self._attrs.allocate(block.base, "block")
        self._init.append((f"self.{attr} = {block.code.name}()", index))
        for w in block.weights:
            self._add_weight(index, f"{attr}.{w.name}", w.value, w.source, w.trainable)
        args = ", ".join(self._var_of(name) for name in block.inputs)
        targets = []
        for j, out in enumerate(block.outputs):
            var = self._vars.allocate(block.base if j == 0 else f"{block.base}_{j}", "out")
            self._env[out] = var
            targets.append(var)
        self._body.append((f"{', '.join(targets)} = self.{attr}({args})", index))
        return attr

    # -- nodes ------------------------------------------------------------------------------
    def _emit_node(self, index: int, item: NodeEmit) -> str | None:
        if item.placeholder is not None:
            return self._emit_placeholder(index, item)
        assert item.spec is not None
        return self._emit_spec(index, item.node, item.base, item.spec, 0)

    def _emit_spec(
        self, index: int, node: onnx.NodeProto, base: str, spec: LayerSpec, depth: int,
        into: dict[int, str] | None = None,
    ) -> str | None:
        if isinstance(spec.expr, Ref) and spec.cell is None and not spec.steps and not into:
            self._env[node.output[0]] = self._var_of(node.input[spec.expr.index])
            return None
        attr = None
        if spec.cell is not None:
            attr = self._attrs.allocate(base, "layer")
            cell = spec.cell
            r = Renderer(lambda i: "", f"self.{attr}", self._const_ref(index))
            args = [r.expr(a) for a in cell.args] + [f"{k}={r.expr(v)}" for k, v in cell.kwargs]
            self._init.append((f"self.{attr} = {cell.ctor}({', '.join(args)})", index))
            for p in cell.params:
                self._add_weight(index, f"{attr}.{p.name}", p.value, p.source, p.trainable)
        renderer = Renderer(
            lambda i: self._var_of(node.input[i]), f"self.{attr}", self._const_ref(index),
            self._var_of,
        )
        if spec.comment:
            self._line(f"# {_one_line(spec.comment)}", index, depth)
        if not spec.steps and spec.expr is not None:
            code = renderer.expr(spec.expr)
            self._line(f"{self._targets(base, node, into)} = {code}", index, depth)
            return attr
        scope = _Scope(base, self._targets(base, node, into).split(", "), renderer)
        self._emit_steps(spec.steps, index, scope, depth)
        if spec.expr is None:
            return attr
        expr = spec.expr
        if isinstance(expr, TupleOf) and len(expr.items) == len(scope.outputs):
            used = [k for k, name in enumerate(scope.outputs) if name != "_"]
            targets = tuple(Var(scope.outputs[k]) for k in used)
            self._emit_assign(Assign(targets, TupleOf(tuple(expr.items[k] for k in used))),
                              index, scope, depth)
        else:
            code = renderer.expr(self._resolve(expr, scope))
            self._line(f"{', '.join(scope.outputs)} = {code}", index, depth)
        return attr

    def _emit_steps(self, steps: tuple[Any, ...], index: int, scope: _Scope, depth: int) -> None:
        for step in steps:
            self._emit_step(step, index, scope, depth)

    def _emit_step(self, step: Any, index: int, scope: _Scope, depth: int) -> None:
        render = scope.renderer.expr
        if isinstance(step, Nested):
            into = {j: render(self._resolve(t, scope)) for j, t in step.into}
            self._emit_spec(index, step.node, step.base, step.spec, depth, into)
        elif isinstance(step, Bind):
            self._env[step.value] = render(self._resolve(step.target, scope))
        elif isinstance(step, Assign):
            self._emit_assign(step, index, scope, depth)
        elif isinstance(step, Do):
            self._line(render(self._resolve(step.expr, scope)), index, depth)
        elif isinstance(step, IfStmt):
            self._line(f"if {render(self._resolve(step.cond, scope))}:", index, depth)
            self._block(step.body, index, scope, depth + 1)
            if step.orelse:
                self._line("else:", index, depth)
                self._block(step.orelse, index, scope, depth + 1)
        elif isinstance(step, ForRange):
            target = render(self._resolve(step.target, scope))
            count = render(self._resolve(step.count, scope))
            self._line(f"for {target} in range({count}):", index, depth)
            self._block(step.body, index, scope, depth + 1)
        elif isinstance(step, While):
            self._line(f"while {render(self._resolve(step.cond, scope))}:", index, depth)
            self._block(step.body, index, scope, depth + 1)
        else:
            raise TypeError(f"unknown step {type(step).__name__}")

    def _emit_assign(self, step: Assign, index: int, scope: _Scope, depth: int) -> None:
        render = scope.renderer.expr
        target, expr = self._resolve(step.target, scope), self._resolve(step.expr, scope)
        if not isinstance(target, tuple):
            pairs = [(render(target), render(expr))]
        elif isinstance(expr, (tuple, TupleOf)):
            items = expr.items if isinstance(expr, TupleOf) else expr
            pairs = [(render(t), render(e)) for t, e in zip(target, items)]
        else:  # unpacking
            self._line(f"{', '.join(render(t) for t in target)} = {render(expr)}", index, depth)
            return
        pairs = [(t, e) for t, e in pairs if t != e]  # a value carried over unchanged
        if pairs:
            targets, values = zip(*pairs)
            self._line(f"{', '.join(targets)} = {', '.join(values)}", index, depth)

    def _block(self, steps: tuple[Any, ...], index: int, scope: _Scope, depth: int) -> None:
        start = len(self._body)
        self._emit_steps(steps, index, scope, depth)
        if len(self._body) == start or all(
                text.lstrip().startswith("#") for text, _ in self._body[start:]):
            self._line("pass", index, depth)

    def _line(self, text: str, index: int, depth: int) -> None:
        self._body.append(("    " * depth + text, index))

    def _resolve(self, expr: Any, scope: _Scope) -> Any:
        """``expr`` with the node's :class:`Temp` and :class:`Output` as variables."""
        if isinstance(expr, Temp):
            if expr.name not in scope.temps:
                scope.temps[expr.name] = self._vars.allocate(
                    f"{scope.base}_{expr.name}", "tmp")
            return Var(scope.temps[expr.name])
        if isinstance(expr, Output):
            return Var(scope.outputs[expr.index])
        if isinstance(expr, (tuple, list)):
            return type(expr)(self._resolve(e, scope) for e in expr)
        if dataclasses.is_dataclass(expr) and not isinstance(expr, type) and type(expr) in _EXPRS:
            changes = {f.name: self._resolve(getattr(expr, f.name), scope)
                       for f in dataclasses.fields(expr)}
            return dataclasses.replace(expr, **changes)
        return expr

    def _emit_placeholder(self, index: int, item: NodeEmit) -> str:
        node, ph = item.node, item.placeholder
        assert ph is not None
        attr = self._attrs.allocate(item.base, "op")
        kwargs = [f"name={literal(node.name)}"]
        first_in = ph.input_shapes[0] if ph.input_shapes else None
        first_out = ph.output_shapes[0] if ph.output_shapes else None
        kwargs.append(f"input_shape={literal(_tuple(first_in))}")
        kwargs.append(f"output_shape={literal(_tuple(first_out))}")
        if len(ph.input_shapes) > 1:
            kwargs.append(f"input_shapes={literal(tuple(_tuple(s) for s in ph.input_shapes))}")
        if len(ph.output_shapes) > 1:
            kwargs.append(f"output_shapes={literal(tuple(_tuple(s) for s in ph.output_shapes))}")
        kwargs.append(f"attributes={literal(ph.attributes)}")
        op = node.op_type if not node.domain else f"{node.domain}::{node.op_type}"
        self._init.append(
            (f"self.{attr} = UnconvertedOp({literal(op)}, {', '.join(kwargs)})", ("init", index))
        )
        args = ", ".join(self._var_of(node.input[i]) for i in ph.runtime_inputs)
        self._body.append((f"{self._targets(item.base, node)} = self.{attr}({args})", index))
        return attr

    def _targets(self, base: str, node: onnx.NodeProto, into: dict[int, str] | None = None
                 ) -> str:
        names = []
        for j, out in enumerate(node.output):
            if not out:
                names.append("_")
                continue
            var = (into or {}).get(j) or self._vars.allocate(
                base if j == 0 else f"{base}_{j}", "out")
            self._env[out] = var
            names.append(var)
        return ", ".join(names)

    def _var_of(self, value: str) -> str:
        if value in self._env:
            return self._env[value]
        if value in self.constants:
            return self._const_text(value, self.constants[value], "const")
        raise KeyError(f"value '{value}' is used before it is computed")

    def _output_var(self, name: str) -> str:
        return self._var_of(name)

    # -- constants and weights --------------------------------------------------------------
    def _const_ref(self, index: int):
        def render(key: str) -> str:
            hint = self.consts.hints.get(key, "const")
            if self.strip_prefix:  # inside a block: name constants after the local node
                hint = getattr(self._items[index], "base", hint)
            text = self._const_text(
                key, self.consts.arrays[key], hint, self.consts.trainable.get(key, True),
            )
            self._node_params.setdefault(index, []).append(text[len("self."):])
            return text

        return render

    def _const_text(
        self, key: str, value: np.ndarray, hint: str, trainable: bool | None = None
    ) -> str:
        if key in self._const_attr:
            return f"self.{self._const_attr[key]}"
        name = key[len(self.strip_prefix):] if (
            self.strip_prefix and key.startswith(self.strip_prefix)) else key
        readable = ("::" not in name and not name.isdigit() and any(c.isalpha() for c in name)
                    and not _EXPORTER_TEMP.fullmatch(name))
        if self.strip_prefix and name == key:
            readable = False  # a name from outside the block would differ per instance
        attr = self._attrs.allocate(name if readable else f"{hint}_const", "const")
        self._const_attr[key] = attr
        train = value.dtype.kind == "f" if trainable is None else trainable
        shape = literal(tuple(int(d) for d in value.shape))
        dtype = ms_dtype_name(value.dtype)
        self._init.append((
            f"self.{attr} = ms.Parameter(ops.zeros({shape}, ms.{dtype}), name={literal(attr)}, "
            f"requires_grad={train})",
            None,
        ))
        self._add_weight(None, attr, value, key, train)
        return f"self.{attr}"

    def _add_weight(
        self, index: int | None, name: str, value: np.ndarray, source: str, trainable: bool
    ) -> None:
        self._weights.append(WeightEntry(name, value, source, trainable))
        if index is not None:
            self._node_params.setdefault(index, []).append(name)

    # -- assembly ---------------------------------------------------------------------------
    def _class_lines(
        self, input_names: list[str], output_vars: list[str]
    ) -> tuple[list[str], dict[Any, list[int]]]:
        lines = [
            f"class {self.class_name}(nn.Cell):",
            f'    """{self.doc}"""',
            "",
            "    def __init__(self):",
            "        super().__init__()",
        ]
        where: dict[Any, list[int]] = {}
        for text, key in self._init:
            if key is not None:
                where.setdefault(key, []).append(len(lines))
            lines.append("        " + text)
        lines += ["", f"    def construct(self, {', '.join(input_names)}):"]
        for text, key in self._body:
            if key is not None:
                where.setdefault(key, []).append(len(lines))
            lines.append("        " + text)
        lines.append(f"        return {', '.join(output_vars)}")
        for key in list(where):  # a placeholder's __init__ line is the node's line too
            if isinstance(key, tuple):
                where.setdefault(key[1], []).extend(where[key])
        return lines, where


def assemble_module(
    header: list[str], blocks: list[ClassCode], main: ClassCode
) -> tuple[str, dict[str, int]]:
    """The whole script; returns it and each class's first line (1-based)."""
    lines: list[str] = ['"""' + header[0], *header[1:], '"""',
                        "import mindspore as ms", "from mindspore import nn, ops", "", ""]
    if main.has_placeholder or any(b.has_placeholder for b in blocks):
        lines += [*PLACEHOLDER_CLASS.splitlines(), "", ""]
    starts: dict[str, int] = {}
    for code in [*blocks, main]:
        starts[code.name] = len(lines) + 1
        lines += [*code.lines, "", ""]
    lines += _loader_function(main.name)
    return "\n".join(lines) + "\n", starts


def _loader_function(class_name: str) -> list[str]:
    return [
        "def load_model(checkpoint=None):",
        f'    """Build {class_name} and load its weights.',
        "",
        "    By default the weights are read from the .ckpt beside this file; weights over",
        "    1.9 GB are split into <stem>_0.ckpt, <stem>_1.ckpt, ... and all parts are read.",
        "    ``checkpoint`` may be one path or a list of parts.",
        '    """',
        "    import glob",
        "    import os",
        "",
        "    if checkpoint is None:",
        "        base = os.path.splitext(os.path.abspath(__file__))[0]",
        "        single = base + \".ckpt\"",
        "        checkpoint = single if os.path.exists(single) else sorted(",
        "            glob.glob(glob.escape(base) + \"_[0-9]*.ckpt\"))",
        "    parts = [checkpoint] if isinstance(checkpoint, (str, os.PathLike)) else checkpoint",
        f"    net = {class_name}()",
        "    if net.parameters_dict():",
        "        params = {}",
        "        for part in parts:",
        "            params.update(ms.load_checkpoint(str(part)))",
        "        not_loaded, _ = ms.load_param_into_net(net, params)",
        "        if not_loaded:",
        '            raise ValueError(f"parameters missing from {parts}: {not_loaded}")',
        "    net.set_train(False)",
        "    return net",
    ]


def _tuple(shape: list[int] | None) -> tuple[int, ...] | None:
    return None if shape is None else tuple(int(d) for d in shape)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def class_name_for(stem: str) -> str:
    """A CamelCase class name for a model file stem (``mobilenet_v2`` → ``MobilenetV2``)."""
    ident = to_identifier(stem, "model")
    name = "".join(part[:1].upper() + part[1:] for part in ident.split("_") if part)
    if not name or not name[0].isalpha():
        name = "Model" + name
    return name
