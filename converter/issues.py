"""Source-level conversion findings, shared by the AST converter and the language server.

A :class:`ConversionIssue` describes one site in a Python source: a torch API that was (or
could be, or could not be) converted. The AST converter produces them; the language server turns
them into diagnostics and code actions without re-deriving anything.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceRange:
    """A range in a source file, as LibCST reports it.

    Lines are 1-based; columns are 0-based and count Unicode code points (not UTF-16 units:
    the language server converts them in one helper).
    """

    start_line: int
    start_col: int
    end_line: int
    end_col: int


@dataclass(frozen=True)
class ConversionIssue:
    """One call site or construct the converter looked at.

    Attributes:
        code: Stable code the editor keys on (``MC-A001``... see the AST converter's table).
        kind: ``convert`` (rewritten), ``unconvert`` (left as is), ``insert`` (import added)
            or ``note``.
        source_api: Fully qualified source API, e.g. ``torch.nn.Linear``.
        target: Fully qualified MindSpore API, or ``None`` when there is none.
        message: Human-readable one-liner (the report line's text).
        range: Where in the original source.
        status: Mapping status (``consistent``, ``renamed_args``, ``inconsistent``,
            ``unsupported``), empty when not from the mapping table.
        hint: Suggestion shown to the user (e.g. ``Maybe could convert to mindspore.ops.Bar``).
        data: Extra structured facts (argument renames, dropped arguments).
    """

    code: str
    kind: str
    source_api: str
    target: str | None
    message: str
    range: SourceRange
    status: str = ""
    hint: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly form (used in ``report_of_<file>.json``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversionIssue:
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["range"] = SourceRange(**data["range"])
        return cls(**data)
