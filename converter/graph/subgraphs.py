"""Outer-scope values of control-flow nodes (If, Loop, Scan).

A subgraph may read any value of the enclosing graphs by name, without listing it as an input
of the node. Passes that track data flow (dead-node removal, block extraction) must count those
reads as uses.
"""

from __future__ import annotations

import onnx


def subgraphs(node: onnx.NodeProto) -> list[onnx.GraphProto]:
    """The graph attributes of ``node`` (then/else branches, loop bodies)."""
    found: list[onnx.GraphProto] = []
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.GRAPH:
            found.append(attr.g)
        elif attr.type == onnx.AttributeProto.GRAPHS:
            found.extend(attr.graphs)
    return found


def outer_names(graph: onnx.GraphProto) -> list[str]:
    """Values ``graph`` (and its own subgraphs) read from enclosing scopes, in first-use order."""
    local = {i.name for i in graph.input} | {t.name for t in graph.initializer}
    local |= {t.name for t in graph.sparse_initializer}
    found: list[str] = []

    def use(name: str) -> None:
        if name and name not in local and name not in found:
            found.append(name)

    for node in graph.node:
        for name in node.input:
            use(name)
        for sub in subgraphs(node):
            for name in outer_names(sub):
                use(name)
        local.update(o for o in node.output if o)
    for out in graph.output:
        use(out.name)
    return found


def node_inputs(node: onnx.NodeProto) -> list[str]:
    """Explicit inputs of ``node`` followed by the outer values its subgraphs read."""
    names = [n for n in node.input if n]
    for sub in subgraphs(node):
        names.extend(n for n in outer_names(sub) if n not in names)
    return names
