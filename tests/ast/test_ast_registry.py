"""The matcher registry: names the mapping data uses are registered; no duplicates; no eval."""

from __future__ import annotations

from pathlib import Path

import pytest
from mindconverter.converter.ast.matchers import MATCHERS, CallMatcher, default_sources, register
from mindconverter.mappings import KNOWN_MATCHERS, load_api_table


def test_every_known_matcher_is_registered() -> None:
    missing = sorted(set(KNOWN_MATCHERS) - set(MATCHERS))
    assert not missing, missing


def test_every_matcher_named_by_the_data_is_registered() -> None:
    for tier in ("nn_ops", "mint"):
        for entry in load_api_table(tier).values():
            if entry.matcher:
                assert entry.matcher in MATCHERS, (tier, entry.source, entry.matcher)


def test_registry_holds_classes_with_docstrings() -> None:
    for name, cls in MATCHERS.items():
        assert issubclass(cls, CallMatcher), name
        assert name == cls.NAME
        assert (cls.__doc__ or "").strip(), name


def test_duplicate_names_are_refused() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register("ConvPadding")(type("Again", (CallMatcher,), {}))


def test_default_sources_only_cover_names_the_data_lacks_or_overrides() -> None:
    table = load_api_table("nn_ops")
    for source, name in default_sources().items():
        entry = table.get(source)
        assert entry is None or not entry.matcher or entry.matcher == name, source


def test_no_eval_or_exec_in_the_converter() -> None:
    root = Path(__file__).resolve().parents[2] / "converter" / "ast"
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert "eval(" not in text.replace("literal_eval(", "").replace(".eval(", ""), path
        assert "exec(" not in text, path
