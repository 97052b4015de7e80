"""Lay out the generated script: repeated blocks become sub-Cell classes.

PyTorch exports name nodes after their module (``/layer1/layer1.0/conv1/Conv``). Every module
scope whose nodes form one contiguous run is emitted on its own as a candidate class; scopes
whose code is identical (same layers, shapes and wiring) become one class instantiated several
times (``self.layer1_0 = Layer1Block()``), outermost scopes first. Everything else stays
straight-line code in the main class. Parameter names follow the nesting
(``layer1_0.conv1.weight``), and the weight map with them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from mindconverter.converter.graph.context import ConstStore
from mindconverter.converter.graph.emitter import (
    BlockEmit,
    ClassCode,
    EmitResult,
    Emitter,
    NodeEmit,
    assemble_module,
)
from mindconverter.converter.graph.names import relative_base_name, scope_chain
from mindconverter.converter.graph.subgraphs import node_inputs
from mindconverter.converter.naming import NameAllocator, to_identifier

MIN_BLOCK_NODES = 3


@dataclass
class _Instance:
    scope: str
    members: list[int]
    inputs: list[str]
    outputs: list[str]
    code: ClassCode
    key: str


def build_script(
    nodes: list[NodeEmit], class_name: str, header: list[str], inputs: list[str],
    outputs: list[str], consts: ConstStore, constants: dict[str, np.ndarray],
    blocks: bool = True,
) -> EmitResult:
    """Emit the whole script for ``nodes``."""
    selected = _select_blocks(nodes, outputs, consts, constants) if blocks else []
    block_codes = _name_classes(selected, {class_name})
    items: list[NodeEmit | BlockEmit] = []
    flat_of_item: list[int | _Instance] = []
    starts = {inst.members[0]: inst for inst in selected}
    skip: set[int] = set()
    for index, node in enumerate(nodes):
        if index in skip:
            continue
        inst = starts.get(index)
        if inst is None:
            items.append(node)
            flat_of_item.append(index)
            continue
        code = block_codes[inst.key]
        base = to_identifier(inst.scope.replace(".", "_"), "block")
        items.append(BlockEmit(base, code, inst.inputs, inst.outputs, inst.code.weights,
                               inst.members, list(range(len(inst.members)))))
        flat_of_item.append(inst)
        skip.update(inst.members)
    main = Emitter(class_name, header[0], inputs, outputs, consts, constants).emit_class(items)
    unique = list({id(c): c for c in block_codes.values()}.values())
    source, class_starts = assemble_module(header, unique, main)
    return _flatten(nodes, main, items, flat_of_item, class_starts, source, block_codes)


def _select_blocks(
    nodes: list[NodeEmit], outputs: list[str], consts: ConstStore,
    constants: dict[str, np.ndarray],
) -> list[_Instance]:
    chains = [scope_chain(n.node) for n in nodes]
    members: dict[str, list[int]] = defaultdict(list)
    for index, chain in enumerate(chains):
        for scope in chain:
            members[scope].append(index)
    consumers = _consumers(nodes, outputs)
    candidates = []
    for scope, idx in members.items():
        if len(idx) < MIN_BLOCK_NODES or idx[-1] - idx[0] + 1 != len(idx):
            continue
        inst = _instance(scope, idx, nodes, consumers, consts, constants)
        if inst is not None:
            candidates.append(inst)
    groups: dict[str, list[_Instance]] = defaultdict(list)
    for inst in candidates:
        groups[inst.key].append(inst)
    chosen: list[_Instance] = []
    taken: set[int] = set()
    order = sorted(groups.values(), key=lambda g: (min(i.scope.count(".") for i in g),
                                                   g[0].members[0]))
    for group in order:
        free = [i for i in group if not taken.intersection(i.members)]
        if len(free) >= 2:
            chosen.extend(free)
            for inst in free:
                taken.update(inst.members)
    return sorted(chosen, key=lambda i: i.members[0])


def _consumers(nodes: list[NodeEmit], outputs: list[str]) -> dict[str, set[int]]:
    used: dict[str, set[int]] = defaultdict(set)
    for index, item in enumerate(nodes):
        for name in node_inputs(item.node):
            used[name].add(index)
    for name in outputs:
        used[name].add(-1)
    return used


def _instance(
    scope: str, idx: list[int], nodes: list[NodeEmit], consumers: dict[str, set[int]],
    consts: ConstStore, constants: dict[str, np.ndarray],
) -> _Instance | None:
    inside = set(idx)
    produced = [o for i in idx for o in nodes[i].node.output if o]
    produced_set = set(produced)
    inputs: list[str] = []
    for i in idx:
        for name in node_inputs(nodes[i].node):
            if name not in produced_set and name not in constants \
                    and name not in inputs:
                inputs.append(name)
    outs = [o for o in produced if consumers.get(o, set()) - inside]
    if not inputs or not outs:
        return None
    py_names = ["x"] if len(inputs) == 1 else [f"x{i}" for i in range(len(inputs))]
    local = [NodeEmit(nodes[i].node, relative_base_name(nodes[i].node, scope), nodes[i].spec,
                      nodes[i].placeholder) for i in idx]
    emitter = Emitter("Block", "", inputs, outs, consts, constants, py_names, scope + ".")
    try:
        code = emitter.emit_class(list(local))
    except KeyError:  # a value from outside that is not an input: not a self-contained block
        return None
    return _Instance(scope, idx, inputs, outs, code, "\n".join(code.lines))


def _name_classes(selected: list[_Instance], taken: set[str]) -> dict[str, ClassCode]:
    names = NameAllocator(taken | {"UnconvertedOp"})
    codes: dict[str, ClassCode] = {}
    for inst in selected:
        if inst.key in codes:
            continue
        stem = inst.scope
        while stem and stem.rsplit(".", 1)[-1].isdigit():
            stem = stem.rsplit(".", 1)[0] if "." in stem else ""
        words = to_identifier(stem or "block", "block").split("_")
        camel = "".join(w[:1].upper() + w[1:] for w in words if w) + "Block"
        name = names.allocate(camel, "Block")
        scopes = [i.scope for i in selected if i.key == inst.key]
        doc = f"Repeated block ({len(scopes)} instances: {', '.join(scopes[:4])}" + (
            ", ...)" if len(scopes) > 4 else ")")
        lines = [f"class {name}(nn.Cell):", f'    """{_doc(doc)}"""', *inst.code.lines[2:]]
        codes[inst.key] = ClassCode(name, lines, inst.code.where, inst.code.weights,
                                    inst.code.input_names, inst.code.output_vars,
                                    inst.code.attr_names, inst.code.item_params,
                                    inst.code.has_placeholder)
    return codes


def _doc(text: str) -> str:
    return "".join(c if c.isalnum() or c in " _.,:;()-" else "?" for c in text)


def _flatten(
    nodes: list[NodeEmit], main: ClassCode, items: list[NodeEmit | BlockEmit],
    flat_of_item: list[int | _Instance], class_starts: dict[str, int], source: str,
    block_codes: dict[str, ClassCode],
) -> EmitResult:
    n = len(nodes)
    node_lines: list[list[int]] = [[] for _ in range(n)]
    node_params: list[list[str]] = [[] for _ in range(n)]
    attr_names: list[str | None] = [None] * n
    placeholders: dict[int, tuple[int, int, int]] = {}
    main_start = class_starts[main.name]
    instances: dict[str, list[str]] = defaultdict(list)
    for k, origin in enumerate(flat_of_item):
        lines = [main_start + off for off in main.where.get(k, [])]
        if isinstance(origin, int):
            node_lines[origin] = lines
            node_params[origin] = main.item_params[k]
            attr_names[origin] = main.attr_names[k]
            if nodes[origin].placeholder is not None:
                init = [main_start + o for o in main.where.get(("init", k), [])]
                placeholders[origin] = (min(init or [0]), 9, max(lines or [0]))
            continue
        code = block_codes[origin.key]
        attr = main.attr_names[k]
        instances[code.name].append(attr or "")
        start = class_starts[code.name]
        call = max(lines) if lines else 0
        for m, flat in enumerate(origin.members):
            inner = [start + off for off in code.where.get(m, [])]
            node_lines[flat] = [*inner, call]
            node_params[flat] = [f"{attr}.{p}" for p in origin.code.item_params[m]]
            inner_attr = code.attr_names[m]
            attr_names[flat] = f"{attr}.{inner_attr}" if inner_attr else None
            if nodes[flat].placeholder is not None:
                init = [start + o for o in code.where.get(("init", m), [])]
                placeholders[flat] = (min(init or [0]), 9, max(inner or [0]))
    return EmitResult(source, main.weights, main.input_names, main.output_vars, node_lines,
                      node_params, attr_names, placeholders, dict(instances))
