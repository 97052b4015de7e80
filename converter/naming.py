"""Safe Python identifiers from arbitrary names (ONNX node, value and weight names)."""

from __future__ import annotations

import builtins
import keyword
import re
import unicodedata

_RESERVED = frozenset(
    {"self", "ms", "nn", "ops", "np", "mindspore", "Tensor", "Parameter", "UnconvertedOp"}
    | set(dir(builtins))
)
MAX_LENGTH = 48
_NON_IDENT = re.compile(r"[^0-9a-zA-Z_]+")


def to_identifier(name: str, fallback: str = "v") -> str:
    """Turn any string into a lowercase-friendly ASCII Python identifier.

    Non-ASCII characters are transliterated where NFKD can, dropped otherwise; runs of other
    characters become one underscore. The result is never a keyword or a reserved name.

    Args:
        name: The raw name (may contain quotes, newlines, code, look-alike characters).
        fallback: Used when nothing identifier-like is left.

    Returns:
        A string that is a valid, non-keyword Python identifier.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ident = _NON_IDENT.sub("_", ascii_name).strip("_")
    ident = re.sub(r"_+", "_", ident)[:MAX_LENGTH].rstrip("_")
    if not ident:
        ident = fallback
    if ident[0].isdigit():
        ident = f"{fallback}_{ident}"
    if keyword.iskeyword(ident) or keyword.issoftkeyword(ident) or ident in _RESERVED:
        ident = f"{ident}_"
    return ident


class NameAllocator:
    """Hands out unique identifiers derived from raw names."""

    def __init__(self, taken: set[str] | None = None) -> None:
        self._taken: set[str] = set(taken or ())

    def allocate(self, raw: str, fallback: str = "v") -> str:
        """Return a fresh identifier based on ``raw``, suffixing ``_1``, ``_2``... on clashes."""
        base = to_identifier(raw, fallback)
        name = base
        counter = 1
        while name in self._taken:
            name = f"{base}_{counter}"
            counter += 1
        self._taken.add(name)
        return name

    def reserve(self, name: str) -> None:
        """Mark ``name`` as used."""
        self._taken.add(name)
