"""Regenerate the data files of ``mindconverter.mappings`` (developer tool).

Sources: ``/work/shared/mappings_data`` (the official PyTorch -> MindSpore mapping tables of
MindSpore r2.4.10 and r2.6.0, and parameter maps from their difference pages), plus the
reviewed hand overrides in ``tools/mapping_overrides.json``. Argument lists, renames, defaults
and positional compatibility are checked against the torch and MindSpore installed in the
project venv, so run it with that interpreter::

    .venv/bin/python tools/build_mappings.py            # rewrite mappings/data/*.json
    .venv/bin/python tools/build_mappings.py --check    # exit 1 if the files are stale

``mappings/data/onnx_ops.json`` has no upstream table: it is maintained by hand, and this tool
only re-sorts it and checks that every target resolves. The package and its tests never need
this script or ``/work/shared``.
"""

from __future__ import annotations

import argparse
import ast
import csv
import importlib
import inspect
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "mappings" / "data"
OVERRIDES = REPO / "tools" / "mapping_overrides.json"
DEFAULT_SOURCE = Path("/work/shared/mappings_data")

TIER_SOURCES = {
    "nn_ops": ("torch_to_mindspore_r2.4.csv", "r2.4.10"),
    "mint": ("torch_to_mindspore.csv", "r2.6.0"),
}
OPTIONAL_PACKAGES = ("torchvision", "torchaudio", "torchtext")

# Torch arguments that only tune performance or placement: dropped without a warning.
DROP_SILENTLY = frozenset(
    {
        "inplace",
        "device",
        "layout",
        "pin_memory",
        "memory_format",
        "non_blocking",
        "_stacklevel",
        "foreach",
        "fused",
        "differentiable",
        "capturable",
    }
)
# Torch arguments that change results and have no MindSpore counterpart in general.
ALWAYS_UNSUPPORTED = frozenset({"out", "generator", "size_average", "reduce"})
# Candidate MindSpore names for a torch argument that the target does not spell the same way.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "dim": ("axis",),
    "dims": ("axis", "axes", "perm"),
    "keepdim": ("keep_dims", "keepdims"),
    "input": ("x", "input_x", "a", "tensor"),
    "tensor": ("input", "x"),
    "self": ("input", "x"),
    "other": ("y", "other"),
    "eps": ("epsilon",),
    "groups": ("group",),
    "bias": ("has_bias",),
    "dim0": ("axis0",),
    "dim1": ("axis1",),
    "tensors": ("input_x", "x", "inputs"),
    "lr": ("learning_rate",),
    "in_features": ("in_channels",),
    "out_features": ("out_channels",),
}
NO_AUTO_DEFAULT = frozenset({"dtype", "device", "layout", "requires_grad"})


# --------------------------------------------------------------------------- resolution
def resolve(name: str) -> Any:
    """Import the longest module prefix of ``name`` and getattr the rest; None if it fails."""
    if name.split(".")[0] in OPTIONAL_PACKAGES:
        return None
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except Exception:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def exists(name: str) -> bool:
    """Whether a dotted name resolves (attributes such as properties count)."""
    if name.split(".")[0] in OPTIONAL_PACKAGES:
        return False
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except Exception:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = inspect.getattr_static(obj, attr) if inspect.isclass(obj) else getattr(obj, attr)
        return True
    return False


# --------------------------------------------------------------------------- signatures
@dataclass
class Param:
    """One parameter: ``name`` ("*x" var-positional, "**x" var-keyword), default repr or None."""

    name: str
    default: str | None = None
    keyword_only: bool = False

    @property
    def plain(self) -> str:
        return self.name.lstrip("*")

    @property
    def var_positional(self) -> bool:
        return self.name.startswith("*") and not self.name.startswith("**")

    @property
    def var_keyword(self) -> bool:
        return self.name.startswith("**")


@dataclass
class Signature:
    params: list[Param]
    source: str  # inspect | docstring | override

    def names(self) -> set[str]:
        """Names that can be passed by keyword."""
        return {p.plain for p in self.params if not p.var_keyword and not p.var_positional}

    def has_var_keyword(self) -> bool:
        return any(p.var_keyword for p in self.params)

    def positional(self) -> list[Param]:
        return [p for p in self.params if not p.keyword_only and not p.var_keyword]

    def get(self, name: str) -> Param | None:
        return next((p for p in self.params if p.plain == name and not p.var_keyword), None)


def _split_top_level(text: str) -> list[str]:
    parts: list[str] = []
    cur: list[str] = []
    depth, quote = 0, ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def parse_param_list(text: str) -> list[Param]:
    """Parse ``a, b=1, *shape, c: int = 2, **kw`` into Params (annotations dropped)."""
    params: list[Param] = []
    kw_only = False
    for raw in _split_top_level(text):
        if raw in ("*", "/"):
            kw_only = kw_only or raw == "*"
            continue
        name, _, default = raw.partition("=")
        name = name.split(":")[0].strip()
        if name in ("self", "cls") or not re.fullmatch(r"\*{0,2}[A-Za-z_]\w*", name):
            continue
        param = Param(name, default.strip() or None, kw_only and not name.startswith("*"))
        params.append(param)
        kw_only = kw_only or param.var_positional
    return params


def docstring_signature(obj: Any, short: str) -> Signature | None:
    """The richest ``short(...)`` line of a docstring (torch lists overloads this way)."""
    best: list[Param] | None = None
    pattern = re.compile(
        rf"^\s*(?:\.\. (?:function|method):: )?(?:[\w.]+\.)?{re.escape(short)}\((.*)\)"
    )
    for line in (getattr(obj, "__doc__", None) or "").splitlines()[:60]:
        match = pattern.match(line)
        if not match:
            continue
        inner = match.group(1)
        inner = inner[: inner.rfind(")")] if ")" in inner and "->" in inner else inner
        params = parse_param_list(inner)
        if best is None or len(params) > len(best):
            best = params
    return None if best is None else Signature(best, "docstring")


def inspect_signature(obj: Any, base_inits: tuple[str, ...]) -> Signature | None:
    target = obj
    if inspect.isclass(obj):
        owner = next((c for c in obj.__mro__ if "__init__" in c.__dict__), object)
        if owner.__module__ in base_inits or owner is object:
            return Signature([], "inspect")
        target = _unwrap_init(obj.__init__)
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    params = []
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        prefix = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}.get(p.kind.name, "")
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        params.append(Param(prefix + p.name, default, p.kind.name == "KEYWORD_ONLY"))
    return Signature(params, "inspect")


def _unwrap_init(init: Any) -> Any:
    """MindSpore decorates some ``__init__`` without functools.wraps: find the original."""
    for cell in getattr(init, "__closure__", None) or ():
        inner = cell.cell_contents
        if inspect.isfunction(inner) and inner.__name__ == "__init__":
            return inner
    return init


def signature_of(name: str, base_inits: tuple[str, ...]) -> Signature | None:
    obj = resolve(name)
    if obj is None:
        return None
    sig = inspect_signature(obj, base_inits)
    if sig is not None and not _only_varargs(sig):
        return sig
    doc = docstring_signature(obj, name.rsplit(".", 1)[-1])
    if doc is None:
        doc = _referenced_signature(obj, base_inits)
    return doc or sig


def _only_varargs(sig: Signature) -> bool:
    return bool(sig.params) and all(p.var_positional or p.var_keyword for p in sig.params)


def _referenced_signature(obj: Any, base_inits: tuple[str, ...]) -> Signature | None:
    """MindSpore Tensor methods often say 'refer to :func:`mindspore.ops.x`': reuse it."""
    match = re.search(
        r":func:`(mindspore\.(?:ops|mint)\.[\w.]+)`", getattr(obj, "__doc__", "") or ""
    )
    if not match:
        return None
    ref = resolve(match.group(1))
    sig = None if ref is None else inspect_signature(ref, base_inits)
    if sig is None or not sig.params:
        return None
    return Signature(sig.params[1:], "docstring")


def literal(text: str | None) -> tuple[bool, Any]:
    """(True, value) if ``text`` is a Python literal."""
    if text is None:
        return False, None
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False, None


# --------------------------------------------------------------------------- value transforms
def apply_transform(transform: str, value: Any) -> tuple[bool, Any]:
    """Evaluate one of the closed-vocabulary transforms on a literal (build-time only)."""
    table = {
        "1-x": lambda x: None if x is None else round(1 - x, 10),
        "x == 'tanh'": lambda x: x == "tanh",
        "None if x else True": lambda x: None if x else True,
        "'train' if x else 'test'": lambda x: "train" if x else "test",
    }
    if transform not in table:
        return False, None
    return True, table[transform](value)


# --------------------------------------------------------------------------- rows
@dataclass
class Row:
    torch_api: str
    target: str | None
    category: str
    detail: str
    diff_page: str | None
    docs_ref: str
    alternatives: list[str] = field(default_factory=list)


def read_rows(source: Path, filename: str, fixes: dict[str, str]) -> dict[str, Row]:
    rows: dict[str, Row] = {}
    with (source / filename).open(newline="", encoding="utf-8") as handle:
        for rec in csv.DictReader(handle):
            api = fixes.get(rec["torch_api"], rec["torch_api"])
            page = rec["diff_page"] or None
            if page:
                page = rec["docs_ref"] + "/" + page.split("/source_en/", 1)[-1]
            if api in rows:
                rows[api].alternatives.append(rec["mindspore_api"])
                continue
            rows[api] = Row(
                api,
                rec["mindspore_api"] or None,
                rec["category"],
                rec["detail"],
                page,
                rec["docs_ref"],
            )
    return rows


def doc_param_map(pm: dict[str, Any], api: str, target: str | None) -> dict[str, str | None]:
    """Parameter renames documented on a difference page for this exact pair."""
    entry = pm.get(api)
    if not entry or entry.get("source", {}).get("kind") != "diff_page":
        return {}
    if entry.get("mindspore_api") != target:
        return {}
    return dict(entry.get("params") or {})


# --------------------------------------------------------------------------- entry builder
@dataclass
class Built:
    entry: dict[str, Any]
    problems: list[str]


class EntryBuilder:
    """Compute one table entry from a table row, signatures, doc parameter maps and overrides."""

    def __init__(self, tier: str, pm: dict[str, Any], overrides: dict[str, Any]) -> None:
        self.tier = tier
        self.pm = pm
        self.overrides = overrides

    def build(self, api: str, row: Row | None) -> Built:
        ovr = dict(self.overrides.get(api, {}))
        problems: list[str] = []
        target = ovr.get("target", row.target if row else None)
        if target is not None and not exists(target):
            problems.append(f"{api}: target {target} does not resolve, dropped")
            target = None
        kind = ovr.get("kind") or torch_kind(api)
        tsig = torch_signature(api, kind, ovr)
        msig = ms_signature(target, ovr)
        if msig is not None and receiver_call(kind, target):
            msig = Signature(msig.params[1:], msig.source)  # the receiver fills the first one
        mapping = self._arguments(api, row, target, tsig, msig, ovr, problems)
        entry = {
            "target": target,
            "kind": kind,
            "args": args_list(tsig),
            "min_args": min_args(tsig),
            "diff_page": ovr.get("diff_page", row.diff_page if row else None),
            "matcher": ovr.get("matcher", pack_varargs_matcher(tsig, msig, mapping)),
            **mapping,
        }
        entry["verified"] = msig is not None and not msig.has_var_keyword()
        entry["positional"] = ovr.get("positional", positional_count(tsig, msig, entry, row, kind))
        entry["status"] = ovr.get("status") or status_of(entry, row)
        entry["notes"] = notes_of(ovr.get("notes"), row, entry, self.tier, target, api)
        del entry["verified"]
        return Built(entry, problems)

    def _arguments(self, api, row, target, tsig, msig, ovr, problems) -> dict[str, Any]:
        rename: dict[str, str] = {}
        unsupported: list[str] = []
        doc = doc_param_map(self.pm, api, target) if row else {}
        by_position = positional_partners(tsig, msig)
        params = [p for p in (tsig.params if tsig else []) if not p.var_keyword]
        guessed: set[str] = set()
        for param in params:
            name = param.plain
            if target is None:
                break
            partner = by_position.get(name)
            if partner is not None and (partner.var_positional or param.var_positional):
                # passed positionally: torch dim -> MindSpore *axis, torch *size -> size
                ms_name = name if partner.var_positional else partner.plain
            else:
                ms_name = self._map_one(name, doc, msig, param, problems, api)
            if ms_name is None and _required_partner(param, partner, tsig, msig, doc):
                ms_name = partner.plain  # F.nll_loss input -> inputs, Tensor.mul value -> other
                guessed.add(name)
            if ms_name is None:
                unsupported.append(name)
            elif ms_name != name:
                rename[name] = ms_name
        if _reordered(tsig, msig, rename):
            unsupported.extend(g for g in guessed if rename.pop(g, None) is not None)
            guessed.clear()
        _undo_collisions(rename, unsupported, guessed)
        rename = ovr.get("rename", rename)
        unsupported = ovr.get("unsupported", [u for u in unsupported if u not in rename])
        rename = {k: v for k, v in rename.items() if k not in unsupported}
        transforms = dict(ovr.get("value_transforms", {}))
        if tsig is not None:  # shared override dicts may name parameters this API lacks
            known = {p.plain for p in params}
            rename = {k: v for k, v in rename.items() if k in known}
            unsupported = [u for u in unsupported if u in known]
            transforms = {k: v for k, v in transforms.items() if k in known}
        if not transforms and target and self.pm.get(api, {}).get("mindspore_api") == target:
            transforms = dict(self.pm[api].get("value_transforms") or {})
        defaults = ovr.get("defaults")
        if defaults is None:
            defaults = auto_defaults(tsig, msig, rename, unsupported, transforms)
        return {
            "rename": dict(sorted(rename.items())),
            "unsupported": sorted(set(unsupported)),
            "defaults": dict(sorted(defaults.items())),
            "value_transforms": dict(sorted(transforms.items())),
        }

    def _map_one(self, name, doc, msig, param, problems, api) -> str | None:
        """MindSpore name for one torch argument: same name, '' (drop) or None (unsupported)."""
        known = msig is not None and not _only_varargs(msig)
        ms_names = msig.names() if msig else set()
        if name in ALWAYS_UNSUPPORTED and name not in ms_names:
            return None
        if known and name in ms_names:
            return name  # MindSpore 2.10 spells it like torch (older doc pages may not)
        if name in DROP_SILENTLY:
            return ""
        if name in doc and doc[name] is not None and doc[name].isidentifier():
            cand = doc[name]
            if not known or cand in ms_names:
                return cand
            problems.append(f"{api}: doc rename {name}->{cand} not in target signature")
        if not known:
            return name
        for cand in SYNONYMS.get(name, ()):
            if cand in ms_names:
                return cand
        if param.var_positional:
            ms_var = (
                next((p.plain for p in msig.params if p.var_positional), None) if msig else None
            )
            if ms_var:
                return ms_var
        return None


def _required_partner(param, partner, tsig, msig, doc) -> bool:
    """A required torch argument lines up with a required MindSpore one of another name.

    Both are positional without default at the same index and the MindSpore name is not the
    name of any torch parameter (so it is not a reordering), and no doc page says otherwise.
    """
    if partner is None or param.default is not None or partner.default is not None:
        return False
    if param.var_positional or partner.var_positional or param.plain in doc:
        return False
    if msig is None or tsig is None or tsig.get(partner.plain) is not None:
        return False
    required = [p for p in msig.positional() if p.default is None and not p.var_positional]
    return len(required) <= min_args(tsig)  # the call stays complete


def _reordered(tsig, msig, rename: dict[str, str]) -> bool:
    """A required torch argument maps to a MindSpore positional one at another index."""
    if tsig is None or msig is None:
        return False
    m_index = {p.plain: i for i, p in enumerate(msig.positional())}
    for i, param in enumerate(tsig.positional()):
        if param.default is not None:
            continue
        ms_name = rename.get(param.plain, param.plain)
        if ms_name in m_index and m_index[ms_name] != i:
            return True
    return False


def _undo_collisions(rename: dict[str, str], unsupported: list[str], guessed: set[str]) -> None:
    """A positional guess that takes a name another argument maps to: a reordering."""
    for name in sorted(guessed):
        if list(rename.values()).count(rename[name]) > 1:
            del rename[name]
            unsupported.append(name)


def torch_kind(api: str) -> str:
    """function | class | tensor_method | method (other instances) | attribute."""
    parent_name, _, attr = api.rpartition(".")
    parent = resolve(parent_name)
    if inspect.isclass(parent):
        raw = inspect.getattr_static(parent, attr, None)
        if raw is not None and not callable(raw):
            return "attribute"
        return "tensor_method" if parent_name == "torch.Tensor" else "method"
    obj = resolve(api)
    if obj is not None:
        if inspect.isclass(obj):
            return "class"
        return "function" if callable(obj) else "attribute"
    return "class" if attr[:1].isupper() else "function"


def torch_signature(api: str, kind: str, ovr: dict[str, Any]) -> Signature | None:
    if "torch_args" in ovr:
        return Signature(parse_param_list(", ".join(ovr["torch_args"])), "override")
    if kind == "attribute":
        return Signature([], "attribute")
    sig = signature_of(api, ("torch.nn.modules.module", "builtins"))
    if kind == "tensor_method" and (sig is None or not sig.params):
        sig = _from_torch_function(api) or sig
    return sig


def _from_torch_function(api: str) -> Signature | None:
    """Some torch Tensor docstrings list no arguments: borrow ``torch.<name>`` minus input."""
    func = signature_of("torch." + api.rsplit(".", 1)[1], ("builtins",))
    if func is None or len(func.positional()) < 2:
        return None
    params = [p for p in func.params[1:] if p.plain != "out"]
    return Signature(params, func.source)


def ms_signature(target: str | None, ovr: dict[str, Any]) -> Signature | None:
    if "ms_args" in ovr:
        return Signature(parse_param_list(", ".join(ovr["ms_args"])), "override")
    if target is None:
        return None
    obj = resolve(target)
    if obj is not None and not callable(obj):
        return None
    return signature_of(target, ("mindspore.nn.cell", "builtins"))


def receiver_call(kind: str, target: str | None) -> bool:
    """A torch method mapped to a MindSpore function: ``x.m(a)`` becomes ``target(x, a)``."""
    if kind not in ("tensor_method", "method") or target is None:
        return False
    return not inspect.isclass(resolve(target.rpartition(".")[0]))


def args_list(sig: Signature | None) -> list[str]:
    if sig is None:
        return []
    out: list[str] = []
    star_done = False
    for p in sig.params:
        if p.var_keyword:
            continue
        if p.keyword_only and not star_done:
            out.append("*")
            star_done = True
        if p.var_positional:
            star_done = True
        out.append(p.name)
    return out


def min_args(sig: Signature | None) -> int:
    if sig is None:
        return 0
    return sum(1 for p in sig.positional() if p.default is None and not p.var_positional)


def auto_defaults(tsig, msig, rename, unsupported, transforms) -> dict[str, Any]:
    """Target kwargs needed so that omitted torch arguments keep their torch default."""
    out: dict[str, Any] = {}
    if tsig is None or msig is None or msig.source == "docstring":
        return out
    for param in tsig.params:
        name = param.plain
        ms_name = rename.get(name, name)
        if name in unsupported or not ms_name or name in NO_AUTO_DEFAULT:
            continue
        ms_param = msig.get(ms_name)
        ok_t, t_val = literal(param.default)
        ok_m, m_val = literal(ms_param.default if ms_param else None)
        if not (ok_t and ok_m) or t_val is None or m_val is None:
            continue
        if name in transforms:
            ok, t_val = apply_transform(transforms[name], t_val)
            if not ok:
                continue
        if t_val != m_val or isinstance(t_val, bool) != isinstance(m_val, bool):
            out[ms_name] = t_val
    return out


def positional_partners(tsig: Signature | None, msig: Signature | None) -> dict[str, Param]:
    """torch positional parameter name -> the MindSpore positional parameter at its index."""
    if tsig is None or msig is None:
        return {}
    m_pos = msig.positional()
    return {tp.plain: m_pos[i] for i, tp in enumerate(tsig.positional()) if i < len(m_pos)}


def pack_varargs_matcher(
    tsig: Signature | None, msig: Signature | None, mapping: dict[str, Any] | None = None
) -> str | None:
    """torch ``f(*size)`` against MindSpore ``f(size)``: the call needs its varargs packed."""
    if tsig is None or msig is None:
        return None
    unsupported = (mapping or {}).get("unsupported", [])
    t_pos, m_pos = tsig.positional(), msig.positional()
    for i, tp in enumerate(t_pos):
        if tp.var_positional and tp.plain not in unsupported:
            ok = i < len(m_pos) and not m_pos[i].var_positional
            return "PackVarargs" if ok else None
    return None


def positional_count(tsig, msig, entry, row, kind) -> int:
    """How many leading torch positional arguments may stay positional in the target call."""
    if tsig is None or entry["target"] is None:
        return 0
    t_pos = tsig.positional()
    if msig is None or (msig.has_var_keyword() and _only_varargs(msig)):
        consistent = row is not None and row.category == "consistent"
        if consistent:
            return len(t_pos)
        return min(1, len(t_pos)) if kind == "function" else 0
    m_pos = msig.positional()
    count = 0
    for i, tp in enumerate(t_pos):
        if i >= len(m_pos):
            break
        mp = m_pos[i]
        if entry["matcher"] == "PackVarargs" and tp.var_positional:
            count += 1
            break
        if tp.var_positional or mp.var_positional:
            last = i == len(t_pos) - 1
            if mp.var_positional and (tp.var_positional or last):
                count += 1
            break
        mapped = entry["rename"].get(tp.plain, tp.plain)
        if tp.plain in entry["unsupported"] or mapped != mp.plain:
            break
        count += 1
    return count


def status_of(entry: dict[str, Any], row: Row | None) -> str:
    if entry["target"] is None:
        return "inconsistent" if entry["matcher"] else "unsupported"
    category = row.category if row else "consistent"
    if entry["matcher"] or entry["value_transforms"] or entry["defaults"]:
        return "inconsistent"
    if category in ("input_diff", "function_diff", "other"):
        return "inconsistent"
    if entry["rename"]:
        return "renamed_args"
    if category == "consistent" or entry["verified"]:
        return "consistent"
    return "inconsistent"


def notes_of(hand: str | None, row: Row | None, entry, tier, target, api) -> str:
    parts: list[str] = []
    if hand:
        parts.append(hand.strip())
    if row is not None:
        tag = f"MindSpore docs {row.docs_ref}: {row.category}"
        tag += f" ({row.detail})." if row.detail else "."
        parts.append(tag)
        if row.target and row.target != target and exists(row.target):
            parts.append(f"The docs name {row.target}; the target above is the checked one.")
        elif row.target and row.target != target:
            parts.append(f"The docs name {row.target}, which MindSpore 2.10 does not provide.")
        for alt in row.alternatives:
            if alt != target:
                parts.append(f"Also documented: {alt}.")
    else:
        parts.append("Not in the MindSpore mapping tables; hand-checked against MindSpore 2.10.")
    if entry["unsupported"]:
        parts.append("No MindSpore counterpart for: " + ", ".join(entry["unsupported"]) + ".")
    # a hand note that names a dropped argument explains it better than "no effect"
    dropped = sorted(
        k for k, v in entry["rename"].items() if v == "" and not _names(hand or "", k)
    )
    if dropped:
        parts.append("Dropped (no effect on results): " + ", ".join(dropped) + ".")
    return " ".join(parts)


def _names(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", text) is not None


# --------------------------------------------------------------------------- tables
def build_tier(tier: str, source: Path, pm, overrides, problems: list[str]) -> dict[str, Any]:
    filename, _ref = TIER_SOURCES[tier]
    rows = read_rows(source, filename, overrides.get("torch_name_fixes", {}))
    tier_ovr = overrides.get(tier, {})
    builder = EntryBuilder(tier, pm, tier_ovr)
    table: dict[str, Any] = {}
    for api in sorted(set(rows) | set(tier_ovr)):
        if api.startswith("_"):
            continue
        ovr = tier_ovr.get(api, {})
        if ovr.get("drop"):
            continue
        row = rows.get(api)
        if row is None and "target" not in ovr:
            problems.append(f"{tier}: override for {api} has no table row and no target")
            continue
        built = builder.build(api, row)
        problems.extend(f"{tier}: {p}" for p in built.problems)
        table[api] = built.entry
    check_kinds(tier, table, problems)
    return table


def check_kinds(tier: str, table: dict[str, Any], problems: list[str]) -> None:
    """A torch class must map to a class (module construction), a function to a callable."""
    for api, entry in table.items():
        obj = resolve(entry["target"]) if entry["target"] else None
        if obj is None or entry["matcher"]:
            continue
        if entry["kind"] == "class" and not inspect.isclass(obj):
            problems.append(f"{tier}: {api} is a class but {entry['target']} is not")


def build_aliases(tables: Iterable[dict[str, Any]], manual: dict[str, str]) -> dict[str, str]:
    """Other spellings of the same torch objects (defining module, private modules)."""
    keys = sorted(set().union(*[set(t) for t in tables]))
    aliases: dict[str, str] = {}
    for key in keys:
        if key.startswith("torch.Tensor.") or key.split(".")[0] != "torch":
            continue
        obj = resolve(key)
        module = getattr(obj, "__module__", None)
        qual = getattr(obj, "__qualname__", None)
        if not module or not qual or not module.startswith("torch") or "<" in qual:
            continue
        if qual.startswith("_VariableFunctionsClass."):
            qual = qual.split(".", 1)[1]
        alias = f"{module}.{qual}"
        if alias != key and alias not in keys and resolve(alias) is obj:
            aliases.setdefault(alias, key)
    for alias, key in manual.items():
        if not alias.startswith("_"):
            aliases[alias] = key
    return dict(sorted(aliases.items()))


def normalise_onnx(path: Path, problems: list[str]) -> dict[str, Any]:
    table = json.loads(path.read_text(encoding="utf-8"))
    for op, entry in table.items():
        for target in entry["targets"]:
            if not exists(target):
                problems.append(f"onnx: {op} target {target} does not resolve")
    return table


def dump(data: Any) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    overrides = json.loads(OVERRIDES.read_text(encoding="utf-8"))
    pm = json.loads((args.source / "param_mappings.json").read_text(encoding="utf-8"))
    problems: list[str] = []
    outputs: dict[str, Any] = {}
    for tier in TIER_SOURCES:
        outputs[f"torch_api.{tier}.json"] = build_tier(tier, args.source, pm, overrides, problems)
    outputs["torch_aliases.json"] = build_aliases(
        [outputs[f"torch_api.{t}.json"] for t in TIER_SOURCES], overrides.get("aliases", {})
    )
    outputs["onnx_ops.json"] = normalise_onnx(DATA / "onnx_ops.json", problems)
    for line in problems:
        print("note:", line, file=sys.stderr)
    stale = [name for name, data in outputs.items() if _read(DATA / name) != dump(data)]
    if args.check:
        print("stale:" if stale else "up to date", *stale)
        return 1 if stale else 0
    for name in stale:
        (DATA / name).write_text(dump(outputs[name]), encoding="utf-8")
    for tier in TIER_SOURCES:
        print(f"{tier}: {len(outputs[f'torch_api.{tier}.json'])} entries")
    print("written:", *stale) if stale else print("nothing changed")
    return 0


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    sys.exit(main())
