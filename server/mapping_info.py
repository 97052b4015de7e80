"""The mapping table, as hover needs it: torch API → MindSpore entry and the reverse.

A thin, defensive adapter over :mod:`mindconverter.mappings` (imported on first use): hover must
keep working (showing less) if the table cannot be loaded.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

logger = logging.getLogger(__name__)


def _mappings() -> Any | None:
    try:
        import mindconverter.mappings as mappings
    except ImportError:
        return None
    return mappings if hasattr(mappings, "lookup") else None


@lru_cache(maxsize=4096)
def torch_entry(name: str, tier: str) -> Any | None:
    """The mapping entry of a torch API in ``tier`` (``None`` when unlisted)."""
    mappings = _mappings()
    if mappings is None:
        return None
    try:
        return mappings.lookup(name, tier)
    except Exception:  # a broken table must not break hover
        logger.exception("mapping lookup failed for %s", name)
        return None


@lru_cache(maxsize=4096)
def torch_counterparts(name: str, tier: str) -> tuple[Any, ...]:
    """The mapping entries whose MindSpore target is ``name`` (reverse lookup)."""
    mappings = _mappings()
    if mappings is None or not hasattr(mappings, "reverse_lookup"):
        return ()
    try:
        found = mappings.reverse_lookup(name, tier)
    except Exception:
        logger.exception("reverse mapping lookup failed for %s", name)
        return ()
    if found is None:
        return ()
    return tuple(found) if isinstance(found, (list, tuple)) else (found,)


def doc_link(entry: Any) -> str | None:
    """The documentation page of an entry (its difference page, else the API page)."""
    mappings = _mappings()
    if mappings is None or not hasattr(mappings, "doc_url"):
        return None
    try:
        return mappings.doc_url(entry)
    except Exception:
        logger.exception("doc_url failed")
        return None
