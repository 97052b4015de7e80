"""Server settings: API tier, diagnostic severities and output folder.

Clients send them as ``initializationOptions`` and in ``workspace/didChangeConfiguration``,
both shaped ``{"settings": {...}}`` (the VS Code extension sends exactly this)::

    {"settings": {"target": "nn_ops" | "mint",
                  "severity": {"convertible": "information", "unconvertible": "warning",
                               "placeholder": "warning"},
                  "outputFolder": "/abs/path" | null,
                  "convertInPlace": false}}

Unknown keys are ignored and invalid values keep their previous value; the problems are
returned so the server can log them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from lsprotocol import types

SEVERITIES: dict[str, types.DiagnosticSeverity | None] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
    "off": None,
}
"""Severity names accepted in settings; ``off`` hides the category."""

TARGET_ALIASES = {"nn_ops": "nn_ops", "nn/ops": "nn_ops", "nn": "nn_ops", "mint": "mint"}
CATEGORIES = ("convertible", "unconvertible", "placeholder")


def _default_severity() -> dict[str, str]:
    return {"convertible": "information", "unconvertible": "warning", "placeholder": "warning"}


@dataclass(frozen=True)
class Settings:
    """The server's configuration.

    Attributes:
        target: MindSpore API tier for conversions and hovers (``nn_ops`` or ``mint``).
        severity: Severity name per diagnostic category (``convertible``, ``unconvertible``,
            ``placeholder``).
        output_folder: Where "convert" commands write; ``None`` means beside the input.
        convert_in_place: "Convert this file" replaces the document instead of writing a file.
    """

    target: str = "nn_ops"
    severity: dict[str, str] = field(default_factory=_default_severity)
    output_folder: str | None = None
    convert_in_place: bool = False

    def severity_of(self, category: str) -> types.DiagnosticSeverity | None:
        """The LSP severity for a category, or ``None`` when the category is off."""
        return SEVERITIES[self.severity.get(category, "information")]

    def to_dict(self) -> dict[str, Any]:
        """The settings in the wire format (``settings`` payload)."""
        return {
            "target": self.target,
            "severity": dict(self.severity),
            "outputFolder": self.output_folder,
            "convertInPlace": self.convert_in_place,
        }


def unwrap(payload: Any) -> dict[str, Any]:
    """Find the settings dict in an ``initializationOptions`` or configuration payload.

    Accepts ``{"settings": {...}}``, ``{"mindconverter": {...}}``, a list of such dicts (the
    first one) or the flat settings dict.
    """
    if isinstance(payload, list):
        payload = payload[0] if payload else {}
    if not isinstance(payload, dict):
        return {}
    for key in ("settings", "mindconverter"):
        inner = payload.get(key)
        if isinstance(inner, list):
            inner = inner[0] if inner else {}
        if isinstance(inner, dict):
            return inner
    return payload


def merge(current: Settings, payload: Any) -> tuple[Settings, list[str]]:
    """Apply a settings payload on top of ``current``.

    Args:
        current: The settings in force.
        payload: What the client sent (see :func:`unwrap` for the accepted shapes).

    Returns:
        The new settings and a list of human-readable problems (invalid values kept out).
    """
    data = unwrap(payload)
    problems: list[str] = []
    changes: dict[str, Any] = {}
    if "target" in data:
        target = TARGET_ALIASES.get(str(data["target"]).strip().lower())
        if target is None:
            problems.append(f"unknown target {data['target']!r} (use 'nn_ops' or 'mint')")
        else:
            changes["target"] = target
    if "severity" in data:
        changes["severity"] = _merge_severity(current.severity, data["severity"], problems)
    if "outputFolder" in data:
        folder = data["outputFolder"]
        if folder is None or (isinstance(folder, str) and folder.strip() == ""):
            changes["output_folder"] = None
        elif isinstance(folder, str):
            changes["output_folder"] = folder
        else:
            problems.append(f"outputFolder must be a string, got {folder!r}")
    if "convertInPlace" in data:
        changes["convert_in_place"] = bool(data["convertInPlace"])
    return dataclasses.replace(current, **changes), problems


def _merge_severity(current: dict[str, str], value: Any, problems: list[str]) -> dict[str, str]:
    merged = dict(current)
    if not isinstance(value, dict):
        problems.append(f"severity must be an object, got {value!r}")
        return merged
    for category, name in value.items():
        if category not in CATEGORIES:
            problems.append(f"unknown severity category {category!r}")
        elif str(name).lower() not in SEVERITIES:
            problems.append(f"unknown severity {name!r} for {category!r}")
        else:
            merged[category] = str(name).lower()
    return merged
