"""Turn fully qualified MindSpore names into expressions, and plan the imports they need.

``mindspore.nn.Dense`` is written ``nn.Dense`` with ``from mindspore import nn``;
``mindspore.ops.cat`` is ``ops.cat``; anything else under ``mindspore`` is ``ms.<name>`` with
``import mindspore as ms``. When the preferred alias is already bound in the file by something
the conversion keeps, ``ms_<alias>`` is used instead.
"""

from __future__ import annotations

import libcst as cst

# (module, preferred alias), longest module first.
MODULE_ALIASES: tuple[tuple[str, str], ...] = (
    ("mindspore.dataset.vision", "vision"),
    ("mindspore.dataset.transforms", "transforms"),
    ("mindspore.dataset", "ds"),
    ("mindspore.common.initializer", "init"),
    ("mindspore.experimental.optim", "optim"),
    ("mindspore.mint", "mint"),
    ("mindspore.nn", "nn"),
    ("mindspore.ops", "ops"),
    ("mindspore", "ms"),
)
BUILTINS = frozenset({"tuple", "list", "int", "float", "bool", "str", "dict"})


def split_target(target: str) -> tuple[str, str]:
    """Split ``mindspore.nn.Dense`` into (``mindspore.nn``, ``Dense``) by the alias table."""
    for module, _alias in MODULE_ALIASES:
        if target == module:
            return module, ""
        if target.startswith(module + "."):
            return module, target[len(module) + 1 :]
    return "", target


def attribute_chain(base: cst.BaseExpression, dotted: str) -> cst.BaseExpression:
    """Build ``base.a.b.c`` from ``base`` and ``"a.b.c"``."""
    expr = base
    for part in dotted.split(".") if dotted else ():
        expr = cst.Attribute(value=expr, attr=cst.Name(part))
    return expr


def dotted_expression(dotted: str) -> cst.BaseExpression:
    """Build the expression ``a.b.c`` from a dotted name."""
    head, _, rest = dotted.partition(".")
    return attribute_chain(cst.Name(head), rest)


class ImportPlanner:
    """Chooses aliases for MindSpore modules and records which imports the output needs.

    Args:
        taken: Names bound in the file by something the conversion keeps.
    """

    def __init__(self, taken: set[str] | None = None) -> None:
        self.taken: set[str] = set(taken or ())
        self._aliases: dict[str, str] = {}
        self.used: dict[str, str] = {}

    def alias(self, module: str) -> str:
        """Return (and remember) the alias under which ``module`` is imported."""
        if module in self._aliases:
            return self._aliases[module]
        preferred = dict(MODULE_ALIASES).get(module, module.rsplit(".", 1)[-1])
        alias = preferred
        counter = 0
        while alias in self.taken or alias in self._aliases.values():
            counter += 1
            alias = f"ms_{preferred}" if counter == 1 else f"ms_{preferred}{counter}"
        self._aliases[module] = alias
        return alias

    def render(self, target: str) -> cst.BaseExpression:
        """Expression for a fully qualified MindSpore name; records the import it needs."""
        if target in BUILTINS:
            return cst.Name(target)
        module, rest = split_target(target)
        if not module:
            return dotted_expression(target)
        alias = self.alias(module)
        self.used[module] = alias
        return attribute_chain(cst.Name(alias), rest)

    def render_code(self, target: str) -> str:
        """Source text of :meth:`render` (for messages and quick-fix data)."""
        return cst.Module(body=()).code_for_node(self.render(target))

    def import_line(self, module: str) -> str:
        """The import statement that binds ``module`` under its alias."""
        alias = self.alias(module)
        parent, _, last = module.rpartition(".")
        if not parent:
            return f"import {module}" if alias == module else f"import {module} as {alias}"
        if alias == last:
            return f"from {parent} import {last}"
        return f"from {parent} import {last} as {alias}"

    def import_lines(self) -> list[str]:
        """Import statements for every module used so far, in a stable order.

        Modules imported with ``from parent import name`` share one line per parent.
        """
        order = [module for module, _ in reversed(MODULE_ALIASES)]
        modules = sorted(self.used, key=lambda m: (order.index(m) if m in order else 99, m))
        lines: list[str] = []
        grouped: dict[str, list[str]] = {}
        for module in modules:
            line = self.import_line(module)
            if line.startswith("from "):
                parent, _, names = line[len("from ") :].partition(" import ")
                if parent not in grouped:
                    grouped[parent] = []
                    lines.append(parent)
                grouped[parent].append(names)
            else:
                lines.append(line)
        return [
            f"from {line} import {', '.join(sorted(grouped[line]))}" if line in grouped else line
            for line in lines
        ]
