"""Shared helpers of the AST converter tests."""

from __future__ import annotations

import ast
import importlib.util
import sys
import textwrap
from pathlib import Path
from types import ModuleType

from mindconverter.converter.ast import AstConversion, convert_source

DATA = Path(__file__).resolve().parents[1] / "data" / "ast"
MODELS = DATA / "models"


def convert(source: str, **kwargs: object) -> AstConversion:
    """Convert a dedented source and check the invariants every result must hold."""
    result = convert_source(textwrap.dedent(source), **kwargs)  # type: ignore[arg-type]
    ast.parse(result.code)
    assert not [i for i in result.issues if i.code == "MC-A015"], result.issues
    return result


def converted_code(source: str, **kwargs: object) -> str:
    """Just the converted code."""
    return convert(source, **kwargs).code


def assert_converts(before: str, after: str, **kwargs: object) -> AstConversion:
    """``before`` converts exactly to ``after`` (both dedented)."""
    result = convert(before, **kwargs)
    assert result.code == textwrap.dedent(after), "\n" + result.code
    return result


def codes_of(result: AstConversion) -> list[tuple[str, str]]:
    """(code, source API) of every issue."""
    return [(issue.code, issue.source_api) for issue in result.issues]


def load_module(path: Path, name: str) -> ModuleType:
    """Import a script by path, registered in ``sys.modules`` (graph mode needs that)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
