"""Shared state of one conversion: planned edits, findings and the import planner.

The rules (one visitor per concern) read the original tree with its metadata and *plan*: they
register edits keyed by original nodes and record sites. One transformer then applies the edits
bottom-up (see :mod:`mindconverter.converter.ast.pipeline`), so every position in the findings is
a position in the original source.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import libcst as cst
from mindconverter.converter.ast import codes
from mindconverter.converter.ast.render import ImportPlanner
from mindconverter.converter.issues import ConversionIssue, SourceRange

if TYPE_CHECKING:
    from mindconverter.converter.ast.metadata import ModuleMetadata

Edit = Callable[[cst.CSTNode], cst.CSTNode]


@dataclass
class Site:
    """One finding, completed with its replacement code once the edits are applied."""

    code: str
    kind: str
    source_api: str
    target: str | None
    range: SourceRange
    status: str = ""
    hint: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    node: cst.CSTNode | None = None
    message: str = ""

    def to_issue(self) -> ConversionIssue:
        """Freeze into the shared :class:`ConversionIssue`."""
        return ConversionIssue(
            code=self.code,
            kind=self.kind,
            source_api=self.source_api,
            target=self.target,
            message=self.message or self.default_message(),
            range=self.range,
            status=self.status,
            hint=self.hint,
            data=self.data,
        )

    def default_message(self) -> str:
        """The report text of the site, in the original tool's wording."""
        if self.kind == "convert":
            return f"'{self.source_api}' is converted to '{self.target}'."
        if self.kind == "unconvert":
            text = f"'{self.source_api}' didn't convert."
            return f"{text} {self.hint}" if self.hint else text
        return self.hint or self.source_api


class ConversionContext:
    """Everything the rules share while planning one file.

    Args:
        tier: Target tier (``nn_ops`` or ``mint``).
        meta: The module's metadata (scopes, qualified names, positions).
    """

    def __init__(self, tier: str, meta: ModuleMetadata | None = None) -> None:
        self.tier = tier
        self.meta = meta
        self.edits: dict[cst.CSTNode, list[Edit]] = {}
        self.dirty: set[cst.CSTNode] = set()
        self.markers: dict[cst.CSTNode, list[str]] = {}
        self.sites: list[Site] = []
        self.handled: set[cst.CSTNode] = set()
        self.consumed: set[cst.CSTNode] = set()
        self.imports = ImportPlanner()
        self.lines: list[cst.CSTNode] = []
        self.extra: dict[str, Any] = {}

    # --- planning -------------------------------------------------------------------------
    def edit(self, node: cst.CSTNode, fn: Edit, ancestors: list[cst.CSTNode] | None = None) -> None:
        """Register ``fn`` to rewrite ``node`` (it receives the node with its children done).

        Args:
            node: The original node.
            fn: The rewrite.
            ancestors: The statements enclosing ``node`` (default: the statements being
                visited); the applier only descends into statements marked this way.
        """
        self.edits.setdefault(node, []).append(fn)
        self.dirty.update(self.lines if ancestors is None else ancestors)

    def claim(self, node: cst.CSTNode) -> None:
        """Mark ``node`` and its dotted-name chain as dealt with by one rule."""
        current: cst.CSTNode | None = node
        while current is not None:
            self.handled.add(current)
            current = current.value if isinstance(current, cst.Attribute) else None

    def consume(self, node: cst.CSTNode) -> None:
        """Record that the import alias at the root of ``node`` is no longer referenced there."""
        current = node
        while isinstance(current, cst.Attribute):
            current = current.value
        if isinstance(current, cst.Call):
            self.consume(current.func)
        elif isinstance(current, cst.Name):
            self.consumed.add(current)

    def current_line(self) -> cst.CSTNode | None:
        """The innermost statement being visited (where a marker comment can go)."""
        return self.lines[-1] if self.lines else None

    def mark(self, text: str) -> None:
        """Put a ``# TODO(mindconverter): ...`` comment above the current statement."""
        line = self.current_line()
        if line is not None:
            self.dirty.update(self.lines)
            texts = self.markers.setdefault(line, [])
            if text not in texts:
                texts.append(text)

    def add_site(self, site: Site) -> Site:
        """Record a finding; unconverted ones also get a marker comment."""
        self.sites.append(site)
        if site.kind == "unconvert":
            self.mark(site.default_message())
        return site

    # --- results --------------------------------------------------------------------------
    def issues(self) -> list[ConversionIssue]:
        """All findings, in source order."""
        ordered = sorted(self.sites, key=lambda s: (s.range.start_line, s.range.start_col, s.code))
        return [site.to_issue() for site in ordered]

    def counts(self) -> tuple[int, int]:
        """(converted, total) torch call sites."""
        counted = [site for site in self.sites if codes.is_counted(site.code)]
        converted = sum(1 for site in counted if site.kind == "convert")
        return converted, len(counted)
