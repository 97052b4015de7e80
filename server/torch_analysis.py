"""PyTorch call sites found by the AST converter, analysed incrementally.

The AST converter (LibCST with qualified-name metadata) is thorough but costs about a
millisecond per line, too slow to rerun on a large file at every keystroke. The server therefore
cuts a module into *chunks*, one per top-level statement, each prefixed with the module's
import header so names resolve as in the whole file, and converts chunks independently. Results
are cached by chunk text: after an edit only the edited chunk is converted again.

Positions of a chunk's issues are moved back to the document's coordinates. Chunks not
converted yet are covered by :mod:`mindconverter.server.torch_scan`'s preliminary findings, so
an analysis can be produced in milliseconds and completed later (``pending`` counts them).
"""

from __future__ import annotations

import ast
import bisect
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from lsprotocol import types
from mindconverter.converter.issues import ConversionIssue, SourceRange
from mindconverter.server.codes import SOURCE
from mindconverter.server.converter_pool import convert_chunk
from mindconverter.server.positions import UTF16, lsp_range_json, text_in, to_lsp_range
from mindconverter.server.script_analysis import ScriptAnalysis
from mindconverter.server.settings import Settings
from mindconverter.server.torch_scan import TorchScanner

logger = logging.getLogger(__name__)

CONVERTIBLE_KINDS = frozenset({"convert"})
UNCONVERTIBLE_KINDS = frozenset({"unconvert", "note"})
TORCH_ROOTS = ("torch", "torchvision", "torchaudio")


@dataclass(frozen=True)
class Chunk:
    """A piece of the document converted on its own.

    Attributes:
        text: The chunk's source: the import header, then the statement's lines.
        first_line: 1-based document line of the statement's first line.
        header_lines: Number of header lines at the top of ``text``.
        statements: The top-level statements (for the preliminary scan).
        last_line: 1-based document line of the statement's last line.
    """

    text: str
    first_line: int
    header_lines: int
    statements: tuple[ast.stmt, ...] = ()
    last_line: int = 0


@dataclass
class TorchAnalysis:
    """The AST converter's findings on a document.

    Attributes:
        issues: Conversion issues, in document coordinates and source order.
        pending: Chunks whose issues are still the preliminary scan's.
        error: Why the converter could not run (missing converter, internal error), if so.
    """

    issues: list[ConversionIssue] = field(default_factory=list)
    pending: int = 0
    error: str | None = None

    @property
    def complete(self) -> bool:
        """Whether every chunk has the converter's findings."""
        return self.pending == 0


Placed = tuple[list[ConversionIssue], list[ConversionIssue]]
"""A chunk's issues from the converter (chunk coordinates) and moved to the document."""


class DiagnosticMemo:
    """The JSON diagnostics of the issues last published, reused for the same issue objects.

    Issues of unchanged chunks are the same objects from one analysis to the next (see
    :attr:`TorchCache.placed`), and so are their diagnostics, as long as the severities and
    the position encoding are.
    """

    def __init__(self) -> None:
        self.key: tuple[object, ...] = ()
        self.items: dict[int, tuple[ConversionIssue, dict[str, object] | None]] = {}


class TorchCache:
    """Converted chunks of one document, keyed by (chunk text, target); bounded LRU."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._items: OrderedDict[tuple[str, str], list[ConversionIssue]] = OrderedDict()
        self._lock = threading.Lock()
        self.placed: dict[tuple[str, int, str], Placed] = {}
        """The last analysis' converted chunks in document coordinates, by (chunk text, first
        line, target): an edit elsewhere leaves them where they are, so they are reused."""
        self.memo = DiagnosticMemo()

    def get(self, key: tuple[str, str]) -> list[ConversionIssue] | None:
        """Cached issues of a chunk (chunk coordinates), or ``None``."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str], issues: list[ConversionIssue]) -> None:
        """Remember a chunk's issues."""
        with self._lock:
            self._items[key] = issues
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)


def mentions_torch(script: ScriptAnalysis) -> bool:
    """Whether the document imports torch (or a torch sibling package)."""
    return any(q.split(".")[0] in TORCH_ROOTS for q in script.imports.values())


def _is_header(node: ast.stmt, imports: dict[str, str]) -> bool:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(node, (ast.If, ast.Try)):
        inner = [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])]
        for handler in getattr(node, "handlers", []):
            inner += handler.body
        return bool(inner) and all(
            isinstance(n, (ast.Import, ast.ImportFrom, ast.Pass, ast.Expr)) for n in inner
        )
    if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Attribute, ast.Name)):
        root: ast.AST = node.value
        while isinstance(root, ast.Attribute):
            root = root.value
        return isinstance(root, ast.Name) and root.id in imports
    return False


def _groups(tree: ast.Module) -> list[tuple[int, int, list[ast.stmt]]]:
    """Top-level statements grouped by shared lines: ``(first_line, last_line, statements)``."""
    groups: list[tuple[int, int, list[ast.stmt]]] = []
    for node in tree.body:
        decorators = getattr(node, "decorator_list", None)
        first = decorators[0].lineno if decorators else node.lineno
        last = node.end_lineno or node.lineno
        if groups and first <= groups[-1][1]:
            start, end, members = groups[-1]
            groups[-1] = (start, max(end, last), [*members, node])
        else:
            groups.append((first, last, [node]))
    return groups


def split_chunks(script: ScriptAnalysis) -> list[Chunk]:
    """Cut a parsed document into one chunk per group of top-level statements.

    Import statements (and aliases of imported names) form the header that prefixes every
    chunk; they get no chunk of their own: whether an import stays depends on the whole file,
    which only the whole-file conversion (``mindconverter.convertFile``) can tell.
    """
    assert script.tree is not None
    lines = script.lines
    header_parts: list[str] = []
    body: list[tuple[int, int, list[ast.stmt]]] = []
    for first, last, members in _groups(script.tree):
        if all(_is_header(m, script.imports) for m in members):
            header_parts.append("\n".join(lines[first - 1 : last]))
        else:
            body.append((first, last, members))
    header = "\n".join(header_parts)
    header_count = header.count("\n") + 1 if header else 0
    prefix = header + "\n" if header else ""
    return [
        Chunk(
            text=prefix + "\n".join(lines[first - 1 : last]) + "\n",
            first_line=first,
            header_lines=header_count,
            statements=tuple(members),
            last_line=last,
        )
        for first, last, members in body
    ]


Converter = Callable[[str, str], list[ConversionIssue]]
"""Converts one chunk: ``(text, target) -> issues`` (in-process, or in a process pool)."""


def _move(issue: ConversionIssue, chunk: Chunk) -> ConversionIssue | None:
    offset = chunk.first_line - 1 - chunk.header_lines
    rng = issue.range
    if issue.kind == "note":  # "left unchanged": about the whole chunk
        first = SourceRange(chunk.first_line, 0, chunk.first_line, 0)
        return replace(issue, range=first)
    if rng.start_line <= chunk.header_lines:
        return None
    moved = SourceRange(rng.start_line + offset, rng.start_col, rng.end_line + offset, rng.end_col)
    return replace(issue, range=moved)


BATCH_LINES = 200
"""Chunks converted together in one converter call, up to this many lines (a call has a fixed
cost of about as much as 25 lines)."""


def _batches(chunks: list[Chunk], max_lines: int) -> list[list[Chunk]]:
    batches: list[list[Chunk]] = []
    size = 0
    for chunk in chunks:
        lines = chunk.last_line - chunk.first_line + 1
        if not batches or size + lines > max_lines:
            batches.append([])
            size = 0
        batches[-1].append(chunk)
        size += lines
    return batches


def _body(chunk: Chunk) -> str:
    """The chunk's own lines (without the header)."""
    return chunk.text.split("\n", chunk.header_lines)[-1] if chunk.header_lines else chunk.text


def convert_batch(
    batch: list[Chunk], target: str, convert_one: Converter
) -> list[list[ConversionIssue]]:
    """Convert several chunks in one call; return each chunk's issues in its own coordinates.

    A batch the converter left unchanged (internal error) is retried chunk by chunk, so one
    troublesome statement does not hide the findings of its neighbours.
    """
    if len(batch) == 1:
        return [convert_one(batch[0].text, target)]
    header_lines = batch[0].header_lines
    header = batch[0].text.split("\n")[:header_lines]
    starts: list[int] = []  # first batch line of each chunk
    text = "\n".join(header) + "\n" if header_lines else ""
    line = header_lines + 1
    for chunk in batch:
        starts.append(line)
        body = _body(chunk)
        text += body
        line += body.count("\n")
    issues = convert_one(text, target)
    if any(issue.kind == "note" for issue in issues):
        return [convert_one(chunk.text, target) for chunk in batch]
    per_chunk: list[list[ConversionIssue]] = [[] for _ in batch]
    for issue in issues:
        index = bisect.bisect_right(starts, issue.range.start_line) - 1
        if index < 0:
            continue  # a header line (imports)
        shift = starts[index] - header_lines - 1
        rng = issue.range
        local = SourceRange(
            rng.start_line - shift, rng.start_col, rng.end_line - shift, rng.end_col
        )
        per_chunk[index].append(replace(issue, range=local))
    return per_chunk


def analyse_torch(
    script: ScriptAnalysis,
    target: str = "nn_ops",
    cache: TorchCache | None = None,
    convert: bool = True,
    budget: float | None = None,
    should_stop: Callable[[], bool] | None = None,
    focus: tuple[int, int] | None = None,
    converter: Converter | None = None,
) -> TorchAnalysis:
    """The converter's findings on a parsed document, chunk by chunk.

    Args:
        script: The parsed document (must have parsed).
        target: API tier (``nn_ops`` or ``mint``).
        cache: Chunk cache of this document; without one every chunk is converted.
        convert: Convert chunks missing from the cache; with ``False`` they get the
            preliminary scan (milliseconds for any size).
        budget: Seconds to spend converting (checked between batches of chunks); the rest
            stays preliminary.
        should_stop: Checked between batches; ``True`` leaves the rest preliminary.
        focus: Convert only the chunks overlapping these 1-based lines (first, last).
        converter: How to convert a text (default: in this process).
    """
    from mindconverter.converter.errors import ConverterError

    convert_one = converter or convert_chunk
    deadline = time.monotonic() + budget if budget is not None else None
    chunks = split_chunks(script)
    found: dict[int, list[ConversionIssue]] = {}
    todo: list[Chunk] = []
    for index, chunk in enumerate(chunks):
        cached = cache.get((chunk.text, target)) if cache is not None else None
        if cached is not None:
            found[index] = cached
        elif convert and (
            focus is None or (chunk.last_line >= focus[0] and chunk.first_line <= focus[1])
        ):
            todo.append(chunk)
    position = {id(chunk): index for index, chunk in enumerate(chunks)}
    try:
        for batch in _batches(todo, BATCH_LINES):
            late = deadline is not None and time.monotonic() > deadline
            if late or (should_stop is not None and should_stop()):
                break
            for chunk, result in zip(batch, convert_batch(batch, target, convert_one)):
                found[position[id(chunk)]] = result
                if cache is not None:
                    cache.put((chunk.text, target), result)
    except ImportError as exc:
        return TorchAnalysis(error=f"the AST converter is not available: {exc}")
    except ConverterError as exc:
        return TorchAnalysis(error=exc.one_line())
    issues: list[ConversionIssue] = []
    scanner = TorchScanner(script.lines, script.imports, target)
    placed_before = cache.placed if cache is not None else {}
    placed: dict[tuple[str, int, str], Placed] = {}
    for index, chunk in enumerate(chunks):
        if index not in found:
            issues += scanner.scan(chunk.statements)
            continue
        key = (chunk.text, chunk.first_line, target)
        entry = placed_before.get(key)
        if entry is None or entry[0] is not found[index]:
            moved = [m for issue in found[index] if (m := _move(issue, chunk)) is not None]
            entry = (found[index], moved)
        placed[key] = entry
        issues += entry[1]
    if cache is not None:
        cache.placed = placed
    issues.sort(key=lambda i: (i.range.start_line, i.range.start_col, i.range.end_line))
    return TorchAnalysis(issues=issues, pending=len(chunks) - len(found))


def category_of(issue: ConversionIssue) -> str | None:
    """The severity category of an issue (``convertible``/``unconvertible``), or ``None``."""
    if issue.kind in CONVERTIBLE_KINDS:
        return "convertible"
    if issue.kind in UNCONVERTIBLE_KINDS:
        return "unconvertible"
    return None


def _argument_changes(data: dict[str, object]) -> list[str]:
    """``in_features→in_channels``, ``drops device``, ``adds pad_mode='pad'`` from a site's data."""
    rename, args = data.get("rename"), data.get("args")
    order = [str(a) for a in args] if isinstance(args, list) else []
    parts: list[str] = []
    if isinstance(rename, dict):
        renamed = [(k, v) for k, v in rename.items() if v and v != k]
        renamed.sort(key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order))
        parts += [f"{k}→{v}" for k, v in renamed]
    dropped = data.get("dropped")
    if isinstance(dropped, list) and dropped:
        parts.append("drops " + ", ".join(str(d) for d in dropped))
    added = data.get("added")
    if isinstance(added, dict) and added:
        parts.append("adds " + ", ".join(f"{k}={v}" for k, v in added.items()))
    return parts


def issue_message(issue: ConversionIssue) -> str:
    """``torch.nn.Linear → mindspore.nn.Dense (in_features→in_channels, bias→has_bias)``.

    Unconverted sites keep the converter's message and hint; converted ones name the target,
    the argument changes at this site and the converter's first note (a behaviour to review).
    """
    if issue.kind in UNCONVERTIBLE_KINDS or not issue.target:
        hint = f" {issue.hint}" if issue.hint and issue.hint not in issue.message else ""
        return f"{issue.message}{hint}".strip() or f"{issue.source_api} has no MindSpore mapping"
    parts = _argument_changes(issue.data)
    detail = f" ({', '.join(parts)})" if parts else ""
    notes = issue.data.get("notes")
    note = f" — {notes[0]}" if isinstance(notes, list) and notes else ""
    return f"{issue.source_api} → {issue.target}{detail}{note}"


def _shown(
    issue: ConversionIssue, lines: Sequence[str], settings: Settings
) -> tuple[types.DiagnosticSeverity, str, dict[str, object]] | None:
    """An issue's severity, message and diagnostic data (``None``: its category is off)."""
    category = category_of(issue)
    severity = settings.severity_of(category) if category else None
    if severity is None:
        return None
    data = {
        "kind": "torch",
        "site": text_in(lines, issue.range),
        "preliminary": bool(issue.data.get("preliminary")),
        "sourceApi": issue.source_api,
        "target": issue.target,
        "status": issue.status,
    }
    return severity, issue_message(issue), data


def torch_diagnostics(
    analysis: TorchAnalysis, lines: Sequence[str], settings: Settings, encoding: str = UTF16
) -> list[types.Diagnostic]:
    """Diagnostics for the converter's issues, with the configured severities."""
    diagnostics = []
    for issue in analysis.issues:
        shown = _shown(issue, lines, settings)
        if shown is not None:
            severity, message, data = shown
            rng = to_lsp_range(lines, issue.range, encoding)
            diagnostics.append(
                types.Diagnostic(rng, message, severity, issue.code, source=SOURCE, data=data)
            )
    return diagnostics


def _diagnostic_json(
    issue: ConversionIssue, lines: Sequence[str], settings: Settings, encoding: str
) -> dict[str, object] | None:
    shown = _shown(issue, lines, settings)
    if shown is None:
        return None
    severity, message, data = shown
    return {
        "range": lsp_range_json(lines, issue.range, encoding),
        "message": message,
        "severity": severity.value,
        "code": issue.code,
        "source": SOURCE,
        "data": data,
    }


def torch_diagnostics_json(
    analysis: TorchAnalysis,
    lines: Sequence[str],
    settings: Settings,
    encoding: str = UTF16,
    memo: DiagnosticMemo | None = None,
) -> list[dict[str, object]]:
    """:func:`torch_diagnostics` in the JSON form the client receives, built directly.

    Publishing thousands of diagnostics through ``lsprotocol`` objects and ``cattrs`` costs
    more than finding them; these dicts serialise as they are. With a ``memo``, the issues
    published last time keep their diagnostics (the dicts are shared: do not modify them).
    """
    memo = memo if memo is not None else DiagnosticMemo()
    key = (tuple(sorted(settings.severity.items())), encoding)
    before = memo.items if memo.key == key else {}
    items: dict[int, tuple[ConversionIssue, dict[str, object] | None]] = {}
    diagnostics = []
    for issue in analysis.issues:
        entry = before.get(id(issue))
        if entry is None or entry[0] is not issue:
            entry = (issue, _diagnostic_json(issue, lines, settings, encoding))
        items[id(issue)] = entry
        if entry[1] is not None:
            diagnostics.append(entry[1])
    memo.key, memo.items = key, items
    return diagnostics
