"""Stable issue codes of the AST converter.

Every :class:`~mindconverter.converter.issues.ConversionIssue` the AST converter records carries
one of these codes. The language server keys diagnostics and quick fixes on them; do not renumber.

| code    | kind      | counted | meaning                                                  |
| ------- | --------- | ------- | -------------------------------------------------------- |
| MC-A001 | convert   | yes     | torch call converted through the mapping table           |
| MC-A002 | unconvert | yes     | torch API with no counterpart in the selected tier       |
| MC-A003 | unconvert | yes     | mapped API whose arguments cannot be converted here      |
| MC-A004 | convert   | yes     | converted, with a difference to review (dropped arg...)  |
| MC-A005 | insert    | no      | MindSpore import inserted                                |
| MC-A006 | convert   | no      | torch import replaced or removed                         |
| MC-A007 | convert   | no      | nn.Module structure rewritten (forward → construct...)   |
| MC-A008 | convert   | yes     | Tensor method converted                                  |
| MC-A009 | unconvert | yes     | Tensor method with no MindSpore counterpart              |
| MC-A010 | convert   | no      | torch name used as a value (base class, dtype...)        |
| MC-A011 | unconvert | no      | torch name used as a value, with no counterpart          |
| MC-A012 | convert   | yes     | training step, optimizer, scheduler or data rewritten    |
| MC-A013 | unconvert | yes     | training or data code whose shape is not recognised      |
| MC-A014 | convert   | yes     | nn.Module method converted (eval, parameters, to...)     |
| MC-A015 | note      | no      | file left unchanged (too deeply nested, internal error)  |

"counted" sites are torch call sites: they make up ``total`` (and ``converted`` for the convert
kinds) of the conversion rate.

``data`` of call-site issues holds what a quick fix needs: ``replacement`` (the converted code of
the whole site, when converted), ``imports`` (import lines the replacement needs), and the mapping
facts ``args``, ``rename``, ``unsupported``, ``defaults``, ``value_transforms``, ``dropped``,
``added`` and ``diff_page``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IssueCode:
    """One row of the issue-code table."""

    code: str
    kind: str
    counted: bool
    summary: str


_ROWS = (
    IssueCode("MC-A001", "convert", True, "torch call converted through the mapping table"),
    IssueCode("MC-A002", "unconvert", True, "torch API with no MindSpore counterpart"),
    IssueCode("MC-A003", "unconvert", True, "arguments cannot be converted at this call site"),
    IssueCode("MC-A004", "convert", True, "converted, with a difference to review"),
    IssueCode("MC-A005", "insert", False, "MindSpore import inserted"),
    IssueCode("MC-A006", "convert", False, "torch import replaced or removed"),
    IssueCode("MC-A007", "convert", False, "nn.Module structure rewritten"),
    IssueCode("MC-A008", "convert", True, "Tensor method converted"),
    IssueCode("MC-A009", "unconvert", True, "Tensor method with no MindSpore counterpart"),
    IssueCode("MC-A010", "convert", False, "torch name used as a value converted"),
    IssueCode("MC-A011", "unconvert", False, "torch name used as a value, no counterpart"),
    IssueCode("MC-A012", "convert", True, "training, optimizer or data code rewritten"),
    IssueCode("MC-A013", "unconvert", True, "training or data code not recognised"),
    IssueCode("MC-A014", "convert", True, "nn.Module method converted"),
    IssueCode("MC-A015", "note", False, "part of the file left unchanged"),
)

CODES: dict[str, IssueCode] = {row.code: row for row in _ROWS}

CALL_CONVERTED = "MC-A001"
API_UNKNOWN = "MC-A002"
ARGS_UNCONVERTIBLE = "MC-A003"
CONVERTED_WITH_NOTE = "MC-A004"
IMPORT_INSERTED = "MC-A005"
IMPORT_CONVERTED = "MC-A006"
MODULE_STRUCTURE = "MC-A007"
TENSOR_METHOD = "MC-A008"
TENSOR_METHOD_UNKNOWN = "MC-A009"
REFERENCE_CONVERTED = "MC-A010"
REFERENCE_UNKNOWN = "MC-A011"
TRAINING_CONVERTED = "MC-A012"
TRAINING_UNRECOGNISED = "MC-A013"
MODULE_METHOD = "MC-A014"
LEFT_UNCHANGED = "MC-A015"


def is_counted(code: str) -> bool:
    """Whether issues with ``code`` are torch call sites (part of the conversion rate)."""
    row = CODES.get(code)
    return bool(row and row.counted)
