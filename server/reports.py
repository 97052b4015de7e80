"""Read the graph converter's JSON report and weight map that sit beside a generated script.

For ``out/mobilenet.py`` the converter writes ``report_of_mobilenet.json`` and
``weight_map_of_mobilenet.json`` (in the output folder, or in a separate report folder). The
server looks beside the script first, then in the extra folders it is given (the configured
output folder). Files are parsed once and cached until their modification time changes.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mindconverter.converter.report import ConversionResult, NodeTrace, UnconvertedNode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WeightInfo:
    """One checkpoint parameter and the source weight it came from."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    source_name: str
    source_shape: tuple[int, ...]
    source_dtype: str


@dataclass
class ReportIndex:
    """A report and weight map, indexed for the editor's questions.

    Attributes:
        path: The JSON report's path.
        result: The parsed report.
        weights: Converted parameter name → weight facts.
    """

    path: Path
    result: ConversionResult
    weights: dict[str, WeightInfo] = field(default_factory=dict)
    _by_attr: dict[str, UnconvertedNode] = field(default_factory=dict)
    _by_name: dict[str, UnconvertedNode] = field(default_factory=dict)
    _by_line: dict[int, list[NodeTrace]] = field(default_factory=dict)
    _by_prefix: dict[str, list[NodeTrace]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in self.result.unconverted:
            self._by_attr.setdefault(node.attr_name, node)
            self._by_name.setdefault(node.name, node)
        for trace in self.result.nodes:
            for line in trace.lines:
                self._by_line.setdefault(line, []).append(trace)
            for param in trace.params:
                prefix = param.rsplit(".", 1)[0]
                bucket = self._by_prefix.setdefault(prefix, [])
                if trace not in bucket:
                    bucket.append(trace)

    def unconverted(self, attr_name: str, node_name: str | None = None) -> UnconvertedNode | None:
        """The report entry of a placeholder, by attribute name, else by ONNX node name."""
        found = self._by_attr.get(attr_name)
        if found is None and node_name:
            found = self._by_name.get(node_name)
        return found

    def traces_at_line(self, line: int) -> list[NodeTrace]:
        """Nodes whose generated code includes the 1-based script ``line``."""
        return list(self._by_line.get(line, ()))

    def traces_of_attr(self, attr_name: str) -> list[NodeTrace]:
        """Nodes whose parameters live under ``self.<attr_name>``."""
        return list(self._by_prefix.get(attr_name, ()))


MTIME_SLACK_NS = 5_000_000_000


def lines_match(script: str | Path, text: str, report: ReportIndex) -> bool:
    """Whether a report's line numbers still describe ``text``.

    True when ``text`` is the script on disk and the script was not saved after the report was
    written (allowing a few seconds: the converter writes both in one go).
    """
    path = Path(script)
    try:
        if path.stat().st_mtime_ns > report.path.stat().st_mtime_ns + MTIME_SLACK_NS:
            return False
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def report_candidates(script: Path, extra_dirs: Iterable[str | Path] = ()) -> list[Path]:
    """Where the report of ``script`` may be, in search order."""
    name = f"report_of_{script.stem}.json"
    folders = [script.parent, *(Path(d) for d in extra_dirs if d)]
    return [folder / name for folder in folders]


class ReportCache:
    """Loads reports on demand and keeps them until their files change (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple[int, int], ReportIndex | None]] = {}

    def for_script(
        self, script: str | Path, extra_dirs: Iterable[str | Path] = ()
    ) -> ReportIndex | None:
        """The report index of a generated script, or ``None`` when there is none."""
        for candidate in report_candidates(Path(script), extra_dirs):
            index = self.load(candidate)
            if index is not None:
                return index
        return None

    def load(self, path: Path) -> ReportIndex | None:
        """Parse (or reuse) the report at ``path``; ``None`` if absent or unreadable."""
        try:
            stat = path.stat()
        except OSError:
            return None
        key = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None and cached[0] == key:
            return cached[1]
        index = _read_index(path)
        with self._lock:
            self._cache[path] = (key, index)
        return index


def _read_index(path: Path) -> ReportIndex | None:
    try:
        result = ConversionResult.load(path)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        logger.warning("cannot read report %s: %s", path, exc)
        return None
    stem = path.stem.removeprefix("report_of_")
    weight_paths = [path.with_name(f"weight_map_of_{stem}.json")]
    if result.weight_map:
        weight_paths.append(Path(result.weight_map))
    weights: dict[str, WeightInfo] = {}
    for weight_path in weight_paths:
        weights = read_weight_map(weight_path)
        if weights:
            break
    return ReportIndex(path=path, result=result, weights=weights)


def read_weight_map(path: Path) -> dict[str, WeightInfo]:
    """Parse ``weight_map_of_<stem>.json`` into converted name → :class:`WeightInfo`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    weights: dict[str, WeightInfo] = {}
    groups = data.values() if isinstance(data, dict) else [data]
    for entries in groups:
        for entry in entries if isinstance(entries, list) else []:
            info = _weight_info(entry)
            if info is not None:
                weights[info.name] = info
    return weights


def _weight_info(entry: Any) -> WeightInfo | None:
    if not isinstance(entry, dict):
        return None
    converted = entry.get("converted_weight") or {}
    source = entry.get("source_weight") or {}
    if not isinstance(converted, dict) or "name" not in converted:
        return None
    return WeightInfo(
        name=str(converted["name"]),
        shape=tuple(converted.get("shape") or ()),
        dtype=str(converted.get("data_type", "")),
        source_name=str(source.get("name", "")) if isinstance(source, dict) else "",
        source_shape=tuple(source.get("shape") or ()) if isinstance(source, dict) else (),
        source_dtype=str(source.get("data_type", "")) if isinstance(source, dict) else "",
    )
