"""Access to the API mapping tables, plus the few structural names they do not list.

The official tables describe APIs; they do not list the framework's structural names (the module
base class, dtypes, the tensor type). Those live here, as data, next to the lookup that tries the
selected tier first and the portable ``nn_ops`` tier second.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

DEFAULT_TIER = "nn_ops"

# torch names used as values (base classes, type annotations, dtypes) -> MindSpore names.
STRUCTURAL: dict[str, str] = {
    "torch.nn.Module": "mindspore.nn.Cell",
    "torch.nn.Parameter": "mindspore.Parameter",
    "torch.nn.parameter.Parameter": "mindspore.Parameter",
    "torch.Tensor": "mindspore.Tensor",
    "torch.FloatTensor": "mindspore.Tensor",
    "torch.LongTensor": "mindspore.Tensor",
    "torch.Size": "tuple",
    "torch.dtype": "mindspore.dtype.Type",
}

DTYPES: dict[str, str] = {
    "torch.float32": "mindspore.float32",
    "torch.float": "mindspore.float32",
    "torch.float16": "mindspore.float16",
    "torch.half": "mindspore.float16",
    "torch.bfloat16": "mindspore.bfloat16",
    "torch.float64": "mindspore.float64",
    "torch.double": "mindspore.float64",
    "torch.int8": "mindspore.int8",
    "torch.int16": "mindspore.int16",
    "torch.short": "mindspore.int16",
    "torch.int32": "mindspore.int32",
    "torch.int": "mindspore.int32",
    "torch.int64": "mindspore.int64",
    "torch.long": "mindspore.int64",
    "torch.uint8": "mindspore.uint8",
    "torch.bool": "mindspore.bool_",
    "torch.complex64": "mindspore.complex64",
    "torch.complex128": "mindspore.complex128",
}

_ALIASES: tuple[tuple[str, str], ...] = (
    ("torch.nn.modules.", "torch.nn."),
    ("torch.functional.", "torch."),
    ("torch._tensor.Tensor.", "torch.Tensor."),
)


def normalize(name: str) -> str:
    """Map import-path aliases of torch names onto their documented names.

    ``torch.nn.modules.conv.Conv2d`` becomes ``torch.nn.Conv2d``.
    """
    for prefix, replacement in _ALIASES:
        if name.startswith(prefix):
            rest = name[len(prefix) :]
            if prefix == "torch.nn.modules.":
                rest = rest.rsplit(".", 1)[-1]
            return replacement + rest
    return name


@lru_cache(maxsize=8192)
def lookup(name: str, tier: str = DEFAULT_TIER) -> Any | None:
    """Return the :class:`ApiMapping` for ``name`` in ``tier``, falling back to ``nn_ops``.

    Args:
        name: Fully qualified torch API (``torch.nn.Conv2d``, ``torch.Tensor.view``).
        tier: ``nn_ops`` or ``mint``.

    Returns:
        The mapping entry, or ``None`` when neither tier lists the API.
    """
    from mindconverter.mappings import lookup as table_lookup

    entry = _safe_lookup(table_lookup, name, tier)
    if entry is None and tier != DEFAULT_TIER:
        entry = _safe_lookup(table_lookup, name, DEFAULT_TIER)
    return entry


def _safe_lookup(table_lookup: Any, name: str, tier: str) -> Any | None:
    try:
        return table_lookup(name, tier=tier)
    except (KeyError, ValueError):
        return None


def structural_target(name: str) -> str | None:
    """MindSpore name for a structural torch name (module base, tensor type, dtype)."""
    return STRUCTURAL.get(name) or DTYPES.get(name)
