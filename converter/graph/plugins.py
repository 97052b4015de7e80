"""Users' own op converters: Python files (``--plugin my_ops.py``) and package entry points.

A plugin file registers converters with the same decorator and spec types as the built-in ones
(see :mod:`mindconverter.plugin`). An installed package can instead declare an entry point in
the group ``mindconverter.converters`` naming a callable that takes the registry::

    [project.entry-points."mindconverter.converters"]
    my_ops = "my_package.converters:register_all"

Plugins are loaded into a copy of the default registry, so they never leak between runs.
Plugins are code the user chose to run; model files never are.
"""

from __future__ import annotations

import functools
import importlib.util
import itertools
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

from mindconverter.converter.errors import ConverterError, ErrorCode
from mindconverter.converter.graph.loader import check_input_file
from mindconverter.converter.graph.registry import (
    ConverterRegistry,
    default_registry,
    registering_into,
)

ENTRY_POINT_GROUP = "mindconverter.converters"
_counter = itertools.count()


def load_plugins(
    paths: Sequence[str | Path] = (), base: ConverterRegistry | None = None,
    use_entry_points: bool = True,
) -> ConverterRegistry:
    """A registry with the built-in converters plus those of the plugins.

    Raises:
        ConverterError: ``MC101`` for a missing file, ``MC207`` when a plugin fails.
    """
    import mindconverter.converter.graph.ops  # noqa: F401  (built-ins first)

    if not paths and base is None and use_entry_points:
        return _with_entry_points()
    registry = (base or default_registry).copy()
    with registering_into(registry):
        for path in paths:
            _load_file(Path(check_input_file(path, "--plugin")))
        if use_entry_points:
            for entry in entry_points(group=ENTRY_POINT_GROUP):
                try:
                    entry.load()(registry)
                except Exception as exc:
                    raise ConverterError(ErrorCode.PLUGIN_ERROR,
                                         f"entry point {entry.name!r}: {exc}") from exc
    return registry


@functools.lru_cache(maxsize=1)
def _with_entry_points() -> ConverterRegistry:
    """The default registry plus installed entry points (scanned once per process)."""
    return load_plugins((), default_registry.copy(), use_entry_points=True)


def _load_file(path: Path) -> None:
    name = f"mindconverter_plugin_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, str(path))
    if spec is None or spec.loader is None:
        raise ConverterError(ErrorCode.PLUGIN_ERROR, f"--plugin {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ConverterError(ErrorCode.PLUGIN_ERROR,
                             f"--plugin {path}: {type(exc).__name__}: {exc}") from exc
