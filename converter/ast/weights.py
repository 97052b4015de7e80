"""Convert a PyTorch ``state_dict`` file into a MindSpore checkpoint for the converted script.

The state dict is read with ``torch.load(..., weights_only=True)`` (no code is unpickled).
Each entry's module path is resolved against the layer structure the AST conversion recorded
(``self.<attr> = nn.BatchNorm2d(...)``, ``nn.Sequential`` items, ``ModuleList`` elements, the
sub-layers of composite torch layers), so that its MindSpore name follows the layer type:
BatchNorm ``weight/bias/running_mean/running_var`` → ``gamma/beta/moving_mean/moving_variance``,
LayerNorm ``gamma/beta``, Embedding ``embedding_table``, ``TransformerEncoderLayer.linear1`` →
``dense1``... Where the structure is unknown (layers built by helper functions), the entry's
siblings decide (running statistics mean BatchNorm; a 1-D weight with a bias means a norm).
"""

from __future__ import annotations

import json
import pickle
import re
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mindconverter.converter.ast.params import (
    CHECKPOINT_RENAMES,
    RESHAPE_TO_RANK,
    TORCH_CHILDREN,
)
from mindconverter.converter.errors import ConverterError, ErrorCode

Layer = dict[str, Any]
_BATCH_NORM = "torch.nn.BatchNorm2d"
_NORM = "torch.nn.LayerNorm"


@dataclass(frozen=True)
class WeightEntry:
    """One checkpoint entry: source name and shape → MindSpore name and shape."""

    source: str
    target: str
    source_shape: tuple[int, ...]
    target_shape: tuple[int, ...]
    dtype: str
    layer: str | None


def load_state_dict(path: str | Path) -> dict[str, Any]:
    """Read a ``state_dict`` saved with ``torch.save`` as NumPy arrays (``weights_only``).

    Raises:
        ConverterError: ``FILE_NOT_FOUND``, ``NOT_A_FILE``, ``EMPTY_FILE``,
            ``MISSING_DEPENDENCY`` or ``WEIGHTS_UNREADABLE``.
    """
    path = Path(path)
    _check_container(path)
    try:
        import torch
    except ImportError as exc:
        raise ConverterError(
            ErrorCode.MISSING_DEPENDENCY,
            "reading a .pth weight file needs torch (pip install torch)",
        ) from exc
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            data = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ConverterError(ErrorCode.WEIGHTS_UNREADABLE, _load_failure(path, exc)) from None
    state = _unwrap(data)
    if state is None:
        raise ConverterError(
            ErrorCode.WEIGHTS_UNREADABLE,
            f"{path}: holds a {type(data).__name__}, expected a dict of tensors (a state_dict)",
        )
    arrays: dict[str, Any] = {}
    for name, value in state.items():
        if isinstance(value, torch.Tensor):
            arrays[str(name)] = value.detach().cpu().numpy()
    if not arrays:
        raise ConverterError(ErrorCode.WEIGHTS_UNREADABLE, f"{path}: no tensors found")
    return arrays


def _check_container(path: Path) -> None:
    """Refuse missing, empty and non-torch zip files before importing torch (fast, clear)."""
    if not path.exists():
        raise ConverterError(ErrorCode.FILE_NOT_FOUND, f"weight file not found: {path}")
    if not path.is_file():
        raise ConverterError(ErrorCode.NOT_A_FILE, f"weight file is not a regular file: {path}")
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
        if not head:
            raise ConverterError(ErrorCode.EMPTY_FILE, f"weight file is empty: {path}",
                                 hint=ErrorCode.WEIGHTS_UNREADABLE.hint)
        if head != b"PK\x03\x04":
            return
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except OSError as exc:
        raise ConverterError(ErrorCode.FILE_NOT_FOUND, f"cannot read {path}: {exc}") from None
    except zipfile.BadZipFile as exc:
        raise ConverterError(
            ErrorCode.WEIGHTS_UNREADABLE, f"{path}: damaged zip archive ({exc})"
        ) from None
    if not any(name.endswith("/data.pkl") for name in names):
        raise ConverterError(
            ErrorCode.WEIGHTS_UNREADABLE,
            f"{path}: a zip archive but not a torch.save file (no data.pkl)",
        )


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_GLOBAL = re.compile(r"GLOBAL ([\w.]+)")


def _load_failure(path: Path, exc: Exception) -> str:
    """One clear line for a failed ``torch.load``: name the pickled object if there is one."""
    text = _ANSI.sub("", str(exc))
    found = _GLOBAL.search(text)
    if found:
        return (
            f"{path}: the file pickles Python objects ({found.group(1)}), not only tensors; "
            "it is not loaded because that could run code (torch.load weights_only=True)"
        )
    if isinstance(exc, pickle.UnpicklingError) or "WeightsUnpickler" in text:
        return f"{path}: not a file written by torch.save (torch.load weights_only=True failed)"
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    detail = lines[0][:200] if lines else "no details"
    return f"{path}: {type(exc).__name__}: {detail}"


def _unwrap(data: Any) -> Mapping[str, Any] | None:
    if not isinstance(data, Mapping):
        return None
    for key in ("state_dict", "model_state_dict", "model"):
        inner = data.get(key)
        if isinstance(inner, Mapping):
            return inner
    return data


def plan_weights(
    shapes: Mapping[str, tuple[tuple[int, ...], str]], classes: Mapping[str, Any]
) -> list[WeightEntry]:
    """Name every state-dict entry for MindSpore.

    Args:
        shapes: ``{torch name: (shape, dtype name)}``.
        classes: The conversion's layer structure (``AstConversion.layers``).

    Returns:
        One entry per kept tensor (``num_batches_tracked`` and similar are dropped).
    """
    resolver = _Resolver(classes)
    root = resolver.best_root(list(shapes))
    groups: dict[str, dict[str, tuple[int, ...]]] = {}
    for name, (shape, _dtype) in shapes.items():
        prefix, _, leaf = name.rpartition(".")
        groups.setdefault(prefix, {})[leaf] = tuple(shape)
    entries = []
    for name, (shape, dtype) in shapes.items():
        prefix, _, leaf = name.rpartition(".")
        path, layer = resolver.resolve(root, prefix.split(".") if prefix else [])
        layer = layer or _guess_layer(prefix, groups.get(prefix, {}), resolver)
        new_leaf = CHECKPOINT_RENAMES.get(layer or "", {}).get(leaf, leaf)
        if new_leaf == "":
            continue
        target_shape = _target_shape(layer, leaf, tuple(shape))
        target = ".".join([*path, new_leaf])
        entries.append(WeightEntry(name, target, tuple(shape), target_shape, dtype, layer))
    return entries


def _target_shape(layer: str | None, leaf: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    rank = RESHAPE_TO_RANK.get(layer or "")
    if rank and leaf == "weight" and len(shape) == rank - 1:
        return (*shape[:2], 1, *shape[2:])
    return shape


def _guess_layer(
    prefix: str, leaves: Mapping[str, tuple[int, ...]], resolver: _Resolver
) -> str | None:
    """Layer type from sibling entries and the attribute name, when the structure is unknown."""
    if "running_mean" in leaves or "running_var" in leaves:
        return _BATCH_NORM
    last = prefix.rpartition(".")[2]
    named = resolver.type_by_attribute(last)
    if named:
        return named
    weight = leaves.get("weight")
    if weight is not None and len(weight) == 1 and "bias" in leaves:
        return _NORM
    return None


class _Resolver:
    """Walks module paths through the recorded layer structure."""

    def __init__(self, classes: Mapping[str, Any]) -> None:
        self.classes = {n: c for n, c in classes.items() if c.get("kind") == "module"}
        self._by_attr: dict[str, set[str]] = {}
        for info in self.classes.values():
            for attr, layer in (info.get("layers") or {}).items():
                if layer and layer.get("type", "").startswith("torch.nn."):
                    self._by_attr.setdefault(attr, set()).add(layer["type"])

    def type_by_attribute(self, attr: str) -> str | None:
        """The torch layer type every class uses for ``self.<attr>``, if unique."""
        types = self._by_attr.get(attr, set())
        return next(iter(types)) if len(types) == 1 else None

    def best_root(self, names: list[str]) -> str | None:
        """The class that explains the most entries (the model's top-level class)."""
        best, best_score = None, -1
        for cls in self.classes:
            score = 0
            for name in names:
                prefix = name.rpartition(".")[0]
                _, layer = self.resolve(cls, prefix.split(".") if prefix else [])
                score += layer is not None
            if score > best_score:
                best, best_score = cls, score
        return best

    def resolve(self, root: str | None, parts: list[str]) -> tuple[list[str], str | None]:
        """MindSpore path components and the torch layer type of the module at ``parts``."""
        layer: Layer | None = {"type": "user", "class": root} if root else None
        out: list[str] = []
        for part in parts:
            layer, name = self._child(layer, part)
            out.append(name)
        if layer is None or layer.get("type") == "user":
            return out, None
        return out, layer.get("type")

    def _child(self, layer: Layer | None, part: str) -> tuple[Layer | None, str]:
        if layer is None:
            return None, part
        kind = layer.get("type")
        if kind == "user":
            return self._user_child(layer.get("class"), part), part
        if kind in TORCH_CHILDREN:
            child = TORCH_CHILDREN[kind].get(part)
            return (child, child.get("ms_name", part)) if child else (None, part)
        return _container_child(layer, part), part

    def _user_child(
        self, cls: str | None, part: str, seen: frozenset = frozenset()
    ) -> Layer | None:
        info = self.classes.get(cls or "")
        if info is None or cls in seen:
            return None
        layers = info.get("layers") or {}
        if part in layers:
            return layers[part]
        items = info.get("items")
        if items is not None and part.isdigit() and int(part) < len(items):
            return items[int(part)]
        for base in info.get("bases") or ():
            found = self._user_child(base, part, seen | {cls})
            if found is not None:
                return found
        return None


def _container_child(layer: Layer, part: str) -> Layer | None:
    items = layer.get("items")
    if isinstance(items, list) and part.isdigit() and int(part) < len(items):
        return items[int(part)]
    if isinstance(items, dict):
        return items.get(part)
    entries = layer.get("entries")
    if isinstance(entries, dict):
        return entries.get(part)
    item = layer.get("item")
    if item is not None and part.isdigit():
        return item
    return None


def write_checkpoint(entries: list[WeightEntry], arrays: Mapping[str, Any], path: Path) -> None:
    """Save the renamed tensors with ``mindspore.save_checkpoint``."""
    try:
        import mindspore
    except ImportError as exc:
        raise ConverterError(
            ErrorCode.MISSING_DEPENDENCY, "writing a checkpoint needs mindspore"
        ) from exc
    params = []
    for entry in entries:
        array = arrays[entry.source].reshape(entry.target_shape)
        params.append({"name": entry.target, "data": mindspore.Tensor(array)})
    mindspore.save_checkpoint(params, str(path))


def weight_map(stem: str, entries: list[WeightEntry]) -> str:
    """``weight_map_of_<stem>.json``: converted ↔ source name, shape and dtype per tensor."""
    rows = [
        {
            "converted_weight": {
                "name": e.target,
                "shape": list(e.target_shape),
                "data_type": e.dtype,
            },
            "source_weight": {
                "name": e.source,
                "shape": list(e.source_shape),
                "data_type": e.dtype,
            },
        }
        for e in entries
    ]
    return json.dumps({stem: rows}, indent=2) + "\n"
