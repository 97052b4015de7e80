"""Generate the operator support table (``docs/operators.md``) from the registry itself.

``python -m mindconverter.converter.graph.opdocs > docs/operators.md``; a test keeps the file in
sync, so the table cannot drift from the code.
"""

from __future__ import annotations

import inspect
import re
from collections import defaultdict

from mindconverter.converter.graph.registry import ConverterRegistry, default_registry


def rows(registry: ConverterRegistry | None = None) -> list[tuple[str, str, str, str]]:
    """(op, registered since-versions, MindSpore target, converter) per operator."""
    import mindconverter.converter.graph.ops  # noqa: F401

    registry = registry or default_registry
    versions: dict[tuple[str, str], list[int]] = defaultdict(list)
    funcs: dict[tuple[str, str], object] = {}
    for key in registry.keys():  # noqa: SIM118 (registry is not a dict)
        versions[(key.domain, key.op_type)].append(key.since_version)
        _, func = registry.resolve(key.op_type, key.since_version, key.domain)
        funcs[(key.domain, key.op_type)] = func
    table = []
    for (domain, op), vers in sorted(versions.items()):
        func = funcs[(domain, op)]
        doc = " ".join((inspect.getdoc(func) or "").split("\n\n")[0].split())
        target = doc.split("→", 1)[1].strip() if "→" in doc else ""
        target = re.sub(r"\s*\((since )?[0-9][^()]*\)\.?$", "", target)
        target = re.sub(r";?\s*since [0-9][0-9, …-]*", "", target).strip()
        name = f"{domain}::{op}" if domain else op
        table.append((name, ", ".join(map(str, sorted(vers))), target.rstrip("."),
                      getattr(func, "__name__", "")))
    return table


def markdown(registry: ConverterRegistry | None = None) -> str:
    """The whole ``docs/operators.md``."""
    table = rows(registry)
    lines = [
        "# Supported ONNX operators",
        "",
        "Generated from the converter registry by "
        "`python -m mindconverter.converter.graph.opdocs`. A model at an opset between two",
        "registered versions uses the nearest lower one; operators missing here become",
        "`UnconvertedOp` placeholders (the conversion never aborts).",
        "",
        f"{len(table)} operators.",
        "",
        "| operator | since versions | MindSpore target | converter |",
        "| --- | --- | --- | --- |",
    ]
    for op, vers, target, func in table:
        cell = target.replace("|", "\\|")
        lines.append(f"| {op} | {vers} | {cell} | `{func}` |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
