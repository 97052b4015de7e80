"""Load the packaged JSON tables (``mappings/data``) with importlib.resources, once."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from mindconverter.mappings.model import TIERS, ApiMapping, OnnxOpMapping

_PACKAGE = __name__.rpartition(".")[0]


def read_data(name: str) -> Any:
    """Parse one JSON file of the package data.

    Args:
        name: File name inside ``mappings/data``, e.g. ``"onnx_ops.json"``.

    Returns:
        The decoded JSON value.
    """
    text = resources.files(_PACKAGE).joinpath("data", name).read_text(encoding="utf-8")
    return json.loads(text)


def _check_tier(tier: str) -> None:
    if tier not in TIERS:
        raise ValueError(f"unknown mapping tier {tier!r}; expected one of {TIERS}")


def _entry(source: str, raw: Mapping[str, Any], tier: str) -> ApiMapping:
    return ApiMapping(
        source=source,
        target=raw["target"],
        status=raw["status"],
        kind=raw["kind"],
        args=tuple(raw["args"]),
        rename=MappingProxyType(dict(raw["rename"])),
        unsupported=tuple(raw["unsupported"]),
        defaults=MappingProxyType(dict(raw["defaults"])),
        value_transforms=MappingProxyType(dict(raw["value_transforms"])),
        min_args=raw["min_args"],
        matcher=raw["matcher"],
        diff_page=raw["diff_page"],
        notes=raw["notes"],
        tier=tier,
        positional=raw["positional"],
    )


def load_api_table(tier: str = "nn_ops") -> Mapping[str, ApiMapping]:
    """The torch -> MindSpore table of one tier, keyed by canonical torch name.

    Args:
        tier: ``"nn_ops"`` (default) or ``"mint"``.

    Returns:
        A read-only mapping ``{torch_name: ApiMapping}`` (cached).

    Raises:
        ValueError: If ``tier`` is not in TIERS.
    """
    _check_tier(tier)
    return _load_table(tier)


@functools.cache
def _load_table(tier: str) -> Mapping[str, ApiMapping]:
    raw = read_data(f"torch_api.{tier}.json")
    return MappingProxyType({name: _entry(name, item, tier) for name, item in raw.items()})


@functools.cache
def load_aliases() -> Mapping[str, str]:
    """Other spellings of torch names (``torch.nn.modules.conv.Conv2d``) -> canonical name."""
    return MappingProxyType(read_data("torch_aliases.json"))


@functools.cache
def load_onnx_ops() -> Mapping[str, OnnxOpMapping]:
    """The ONNX op_type -> MindSpore table (every default-domain op, mapped or ``none``).

    Returns:
        A read-only mapping ``{op_type: OnnxOpMapping}`` (cached).
    """
    raw = read_data("onnx_ops.json")
    return MappingProxyType(
        {
            op: OnnxOpMapping(
                op_type=op,
                targets=tuple(item["targets"]),
                kind=item["kind"],
                shape_dependent=item["shape_dependent"],
                notes=item["notes"],
            )
            for op, item in raw.items()
        }
    )
