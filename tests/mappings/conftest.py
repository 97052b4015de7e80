"""Fixtures for the mapping-data tests: raw JSON files and name resolution helpers."""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parents[2] / "mappings" / "data"
TABLE_FILES = {"nn_ops": "torch_api.nn_ops.json", "mint": "torch_api.mint.json"}


def read_json(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def resolve(name: str) -> Any:
    """Import the longest module prefix of a dotted name, then getattr the rest.

    Raises:
        LookupError: If the name does not resolve.
    """
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            if inspect.isclass(obj) and attr in dir(obj):
                obj = inspect.getattr_static(obj, attr)
            elif hasattr(obj, attr):
                obj = getattr(obj, attr)
            else:
                raise LookupError(f"{name}: no attribute {attr!r}")
        return obj
    raise LookupError(f"{name}: no importable prefix")


@pytest.fixture(scope="session")
def raw_tables() -> dict[str, dict[str, Any]]:
    return {tier: read_json(name) for tier, name in TABLE_FILES.items()}


@pytest.fixture(scope="session")
def schema() -> dict[str, Any]:
    return read_json("schema.json")


@pytest.fixture(scope="session")
def mindspore_module() -> Any:
    """MindSpore is a runtime dependency: imported here, not at collection time."""
    return importlib.import_module("mindspore")
