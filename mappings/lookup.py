"""Name resolution over the tables: aliases, tensor methods, reverse lookup."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from mindconverter.mappings.loader import load_aliases, load_api_table
from mindconverter.mappings.model import STATUSES, ApiMapping

_FALLBACK_TIER = "nn_ops"

# (pattern, replacement) tried in order on torch names that are not table keys.
_TORCH_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    # torch.nn.modules.conv.Conv2d[.method] -> torch.nn.Conv2d[.method]
    (re.compile(r"^torch\.nn\.modules\.(?:\w+\.)*?([A-Z]\w*)((?:\.\w+)?)$"), r"torch.nn.\1\2"),
    # torch._tensor.Tensor.view, torch._C.TensorBase.view, torch.FloatTensor.view, ...
    (
        re.compile(
            r"^torch\.(?:_tensor\.|_C\.)?(?:Tensor|TensorBase|_TensorBase|"
            r"(?:Float|Double|Half|BFloat16|Long|Int|Short|Char|Byte|Bool)Tensor)\.(\w+)$"
        ),
        r"torch.Tensor.\1",
    ),
    # parameters are tensors
    (re.compile(r"^torch\.nn\.(?:parameter\.)?Parameter\.(\w+)$"), r"torch.Tensor.\1"),
    (re.compile(r"^torch\._C\._VariableFunctions\.(\w+)$"), r"torch.\1"),
    # methods inherited from the base classes
    (re.compile(r"^torch\.nn\.(?!Parameter\.)[A-Z]\w*\.(\w+)$"), r"torch.nn.Module.\1"),
    (re.compile(r"^torch\.optim\.(?:\w+\.)?[A-Z]\w*\.(\w+)$"), r"torch.optim.Optimizer.\1"),
)

_MINDSPORE_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^mindspore\.nn\.(?:layer|loss|optim|learning_rate_schedule|wrap)\.(?:\w+\.)*?"
            r"([A-Z]\w*)((?:\.\w+)?)$"
        ),
        r"mindspore.nn.\1\2",
    ),
    (re.compile(r"^mindspore\.nn\.cell\.Cell((?:\.\w+)?)$"), r"mindspore.nn.Cell\1"),
    (
        re.compile(r"^mindspore\.common\.(?:_stub_tensor\.|tensor\.)(?:Tensor|StubTensor)\.(\w+)$"),
        r"mindspore.Tensor.\1",
    ),
    (re.compile(r"^mindspore\.common\.tensor\.Tensor$"), "mindspore.Tensor"),
    (
        re.compile(r"^mindspore\.common\.parameter\.Parameter((?:\.\w+)?)$"),
        r"mindspore.Parameter\1",
    ),
    (re.compile(r"^mindspore\.common\.dtype\.(\w+)$"), r"mindspore.\1"),
    (
        re.compile(r"^mindspore\.ops\.(?:function|operations|auto_generate)\.(?:\w+\.)*?(\w+)$"),
        r"mindspore.ops.\1",
    ),
    (re.compile(r"^mindspore\.mint\.nn\.layer\.(?:\w+\.)*?([A-Z]\w*)$"), r"mindspore.mint.nn.\1"),
    (re.compile(r"^mindspore\.train\.serialization\.(\w+)$"), r"mindspore.\1"),
)


def torch_candidates(api: str) -> Iterator[str]:
    """Spellings to try for a torch name, most specific first (the name itself first)."""
    seen: set[str] = set()
    pending = [api]
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        yield name
        alias = load_aliases().get(name)
        if alias:
            pending.append(alias)
        for pattern, repl in _TORCH_REWRITES:
            if pattern.match(name):
                pending.append(pattern.sub(repl, name))


def lookup(api: str, tier: str = "nn_ops") -> ApiMapping | None:
    """Find the mapping of a torch API.

    Args:
        api: A fully qualified torch name as LibCST's QualifiedNameProvider gives it, e.g.
            ``torch.nn.Conv2d``, ``torch.nn.modules.conv.Conv2d``, ``torch.Tensor.view``,
            ``torch._tensor.Tensor.view`` or ``torch.concatenate``.
        tier: ``"nn_ops"`` or ``"mint"``. The mint table only holds the rows of the 2.5+
            mapping table; names it lacks fall back to the nn_ops entry (whose ``tier`` says
            so), since both tiers can be mixed in one MindSpore program.

    Returns:
        The entry, or None if the API is in neither table.

    Raises:
        ValueError: If ``tier`` is unknown.
    """
    table = load_api_table(tier)
    for name in torch_candidates(api):
        if name in table:
            return table[name]
    if tier != _FALLBACK_TIER:
        return lookup(api, _FALLBACK_TIER)
    return None


def canonical_mindspore_name(ms_api: str) -> str:
    """Public spelling of a MindSpore name.

    Args:
        ms_api: e.g. ``mindspore.nn.layer.conv.Conv2d`` (gives ``mindspore.nn.Conv2d``).

    Returns:
        The name under which the tables list targets.
    """
    for pattern, repl in _MINDSPORE_REWRITES:
        if pattern.match(ms_api):
            return pattern.sub(repl, ms_api)
    return ms_api


@functools.cache
def _reverse_index(tier: str) -> Mapping[str, tuple[ApiMapping, ...]]:
    rank = {status: i for i, status in enumerate(STATUSES)}
    index: dict[str, list[ApiMapping]] = {}
    for entry in load_api_table(tier).values():
        if entry.target:
            index.setdefault(entry.target, []).append(entry)
    return MappingProxyType(
        {
            target: tuple(sorted(entries, key=lambda e: (rank[e.status], e.source)))
            for target, entries in index.items()
        }
    )


def reverse_lookup(ms_api: str, tier: str = "nn_ops") -> list[ApiMapping]:
    """Torch APIs that map to a MindSpore API (for hover on MindSpore code).

    Args:
        ms_api: A fully qualified MindSpore name, e.g. ``mindspore.nn.Dense``,
            ``mindspore.nn.layer.basic.Dense`` or ``mindspore.Tensor.view``.
        tier: ``"nn_ops"`` or ``"mint"`` (mint falls back to nn_ops when it has no match).

    Returns:
        Matching entries, the most compatible (by status) first; empty if none.

    Raises:
        ValueError: If ``tier`` is unknown.
    """
    name = canonical_mindspore_name(ms_api)
    found = _reverse_index(tier).get(name, ())
    if not found and tier != _FALLBACK_TIER:
        return reverse_lookup(ms_api, _FALLBACK_TIER)
    return list(found)
