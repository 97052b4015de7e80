"""Settings payloads from initializationOptions and didChangeConfiguration."""

from __future__ import annotations

from lsprotocol import types
from mindconverter.server.settings import Settings, merge, unwrap


def test_defaults() -> None:
    settings = Settings()
    assert settings.target == "nn_ops"
    assert settings.severity_of("convertible") == types.DiagnosticSeverity.Information
    assert settings.severity_of("unconvertible") == types.DiagnosticSeverity.Warning
    assert settings.severity_of("placeholder") == types.DiagnosticSeverity.Warning
    assert settings.output_folder is None


def test_the_vscode_payload_is_applied() -> None:
    payload = {
        "settings": {
            "target": "mint",
            "severity": {"convertible": "hint", "unconvertible": "error", "placeholder": "off"},
            "outputFolder": "/tmp/out",
        }
    }
    settings, problems = merge(Settings(), payload)
    assert problems == []
    assert settings.target == "mint"
    assert settings.severity_of("convertible") == types.DiagnosticSeverity.Hint
    assert settings.severity_of("unconvertible") == types.DiagnosticSeverity.Error
    assert settings.severity_of("placeholder") is None
    assert settings.output_folder == "/tmp/out"


def test_partial_updates_keep_other_values() -> None:
    first, _ = merge(Settings(), {"settings": {"target": "mint", "outputFolder": "/o"}})
    second, _ = merge(first, {"settings": {"severity": {"convertible": "warning"}}})
    assert (second.target, second.output_folder) == ("mint", "/o")
    assert second.severity["convertible"] == "warning"
    assert second.severity["unconvertible"] == "warning"
    cleared, _ = merge(second, {"settings": {"outputFolder": None}})
    assert cleared.output_folder is None


def test_invalid_values_are_reported_and_ignored() -> None:
    payload = {
        "target": "tf",
        "severity": {"convertible": "loud", "colour": "red"},
        "outputFolder": 3,
    }
    settings, problems = merge(Settings(), payload)
    assert settings == Settings()
    assert len(problems) == 4
    assert any("'tf'" in p for p in problems)


def test_payload_shapes() -> None:
    assert unwrap({"settings": {"target": "mint"}}) == {"target": "mint"}
    assert unwrap({"mindconverter": {"target": "mint"}}) == {"target": "mint"}
    assert unwrap([{"target": "mint"}]) == {"target": "mint"}
    assert unwrap(None) == {}
    assert merge(Settings(), {"settings": {"target": "nn/ops"}})[0].target == "nn_ops"
