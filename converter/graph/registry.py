"""Registry of ONNX op converters keyed by (domain, op_type, since_version).

A converter is a small function ``convert_<op>(ctx) -> LayerSpec`` registered with
:func:`register`. The model's opset is resolved to the schema's ``since_version``; when no
converter is registered for that exact version, the nearest lower registered version is used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from mindconverter.converter.graph.context import ConvertContext
    from mindconverter.converter.graph.spec import LayerSpec

Converter = Callable[["ConvertContext"], "LayerSpec"]


class OpKey(NamedTuple):
    """Identifies a converter: ONNX domain, operator type and schema version."""

    domain: str
    op_type: str
    since_version: int

    def __str__(self) -> str:
        prefix = f"{self.domain}::" if self.domain else "onnx::"
        return f"{prefix}{self.op_type}-{self.since_version}"


class UnsupportedOpError(Exception):
    """No converter covers this operator at this version."""

    def __init__(self, domain: str, op_type: str, opset: int, reason: str = "") -> None:
        self.domain = domain
        self.op_type = op_type
        self.opset = opset
        self.reason = reason or f"no converter for {domain or 'onnx'}::{op_type} at opset {opset}"
        super().__init__(self.reason)


class ConversionNotPossible(Exception):  # noqa: N818 - reads better at raise sites
    """A converter exists but cannot handle this node (attribute value, dynamic input...).

    The node becomes a placeholder and the message is recorded as the reason.
    """


def _normalize_domain(domain: str) -> str:
    return "" if domain in ("", "ai.onnx") else domain


class ConverterRegistry:
    """Maps :class:`OpKey` to converter functions."""

    def __init__(self) -> None:
        self._table: dict[OpKey, Converter] = {}

    def add(self, key: OpKey, func: Converter) -> None:
        """Register ``func`` under ``key``; raises ``ValueError`` on duplicates."""
        key = OpKey(_normalize_domain(key.domain), key.op_type, key.since_version)
        if key in self._table:
            raise ValueError(f"duplicate converter for {key}")
        self._table[key] = func

    def versions(self, op_type: str, domain: str = "") -> list[int]:
        """Registered since-versions of an operator, ascending."""
        domain = _normalize_domain(domain)
        return sorted(k.since_version for k in self._table if k[:2] == (domain, op_type))

    def keys(self) -> Iterator[OpKey]:
        """All registered keys, sorted."""
        return iter(sorted(self._table))

    def resolve(self, op_type: str, opset: int, domain: str = "") -> tuple[OpKey, Converter]:
        """Find the converter for ``op_type`` in a model importing ``domain`` at ``opset``.

        Raises:
            UnsupportedOpError: When no registered version is at or below the schema version.
        """
        domain = _normalize_domain(domain)
        since = _schema_since_version(op_type, opset, domain)
        candidates = [v for v in self.versions(op_type, domain) if v <= since]
        if not candidates:
            raise UnsupportedOpError(domain, op_type, opset)
        key = OpKey(domain, op_type, max(candidates))
        return key, self._table[key]

    def copy(self) -> ConverterRegistry:
        """A shallow copy (for plugins and test overrides)."""
        new = ConverterRegistry()
        new._table = dict(self._table)
        return new

    def replace(self, key: OpKey, func: Converter) -> None:
        """Register ``func`` under ``key``, replacing any existing converter."""
        self._table[OpKey(_normalize_domain(key.domain), key.op_type, key.since_version)] = func

    def remove(self, op_type: str, domain: str = "") -> None:
        """Drop every version of an operator (used by tests to force placeholders)."""
        domain = _normalize_domain(domain)
        for key in [k for k in self._table if k[:2] == (domain, op_type)]:
            del self._table[key]


def _schema_since_version(op_type: str, opset: int, domain: str) -> int:
    import onnx.defs

    try:
        return int(onnx.defs.get_schema(op_type, opset, domain).since_version)
    except Exception:  # custom domain or unknown op: use the opset itself
        return opset


default_registry = ConverterRegistry()
_targets: list[ConverterRegistry] = []


@contextlib.contextmanager
def registering_into(registry: ConverterRegistry) -> Iterator[ConverterRegistry]:
    """Within this block, :func:`register` without ``registry=`` targets ``registry``.

    Used to load plugins into a copy of the default registry.
    """
    _targets.append(registry)
    try:
        yield registry
    finally:
        _targets.pop()


def register(
    op_type: str, *, since: int | tuple[int, ...], domain: str = "",
    registry: ConverterRegistry | None = None,
) -> Callable[[Converter], Converter]:
    """Decorator registering a converter for one or more since-versions.

    Args:
        op_type: ONNX operator type.
        since: The schema since-version(s) the function handles.
        domain: ONNX domain (``""`` = default).
        registry: Target registry (default: :data:`default_registry`).
    """
    versions = (since,) if isinstance(since, int) else since
    if registry is not None:
        target = registry
    else:
        target = _targets[-1] if _targets else default_registry

    def decorator(func: Converter) -> Converter:
        for version in versions:
            target.add(OpKey(domain, op_type, version), func)
        return func

    return decorator
