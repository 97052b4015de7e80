"""The packaged JSON itself: schema, formatting, internal consistency."""

from __future__ import annotations

import json

import jsonschema
import pytest
from mindconverter.mappings import KNOWN_MATCHERS, KNOWN_VALUE_TRANSFORMS

from tests.mappings.conftest import DATA, TABLE_FILES, read_json

ALL_FILES = [*TABLE_FILES.values(), "onnx_ops.json", "torch_aliases.json", "schema.json"]


def _validator(schema: dict, ref: str | None = None) -> jsonschema.Draft202012Validator:
    root = schema if ref is None else {"$defs": schema["$defs"], "$ref": f"#/$defs/{ref}"}
    return jsonschema.Draft202012Validator(root)


def test_schema_is_a_valid_draft_2020_12_schema(schema):
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("tier", sorted(TABLE_FILES))
def test_every_api_entry_matches_the_schema(schema, raw_tables, tier):
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}"
        for e in _validator(schema).iter_errors(raw_tables[tier])
    ]
    assert errors == []


def test_schema_rejects_broken_entries(schema, raw_tables):
    entry = dict(raw_tables["nn_ops"]["torch.nn.Conv2d"])
    validator = _validator(schema)
    assert validator.is_valid({"torch.nn.Conv2d": entry})
    for bad in (
        {"status": "maybe"},
        {"target": "mindspore nn.Conv2d"},
        {"rename": {"dim": "axis, keep"}},
        {"status": "unsupported"},  # unsupported needs target null
        {"target": None, "matcher": None, "status": "consistent"},
        {"extra_field": 1},
    ):
        assert not validator.is_valid({"torch.nn.Conv2d": {**entry, **bad}}), bad
    missing = {k: v for k, v in entry.items() if k != "positional"}
    assert not validator.is_valid({"torch.nn.Conv2d": missing})


def test_onnx_table_and_aliases_match_the_schema(schema):
    assert list(_validator(schema, "onnx_table").iter_errors(read_json("onnx_ops.json"))) == []
    assert list(_validator(schema, "aliases").iter_errors(read_json("torch_aliases.json"))) == []


@pytest.mark.parametrize("name", ALL_FILES)
def test_files_are_canonical_json_with_sorted_keys(name):
    text = (DATA / name).read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _entries(raw_tables):
    for tier, table in raw_tables.items():
        for source, entry in table.items():
            yield tier, source, entry


def test_matchers_are_declared_and_all_declared_ones_are_used(raw_tables):
    used = {e["matcher"] for _, _, e in _entries(raw_tables) if e["matcher"]}
    assert used <= set(KNOWN_MATCHERS), used - set(KNOWN_MATCHERS)
    assert set(KNOWN_MATCHERS) <= used, set(KNOWN_MATCHERS) - used


def test_value_transforms_use_the_known_vocabulary(raw_tables):
    used = {t for _, _, e in _entries(raw_tables) for t in e["value_transforms"].values()}
    assert used <= set(KNOWN_VALUE_TRANSFORMS)
    assert "1-x" in used


def test_argument_fields_only_name_torch_parameters(raw_tables):
    problems = []
    for tier, source, e in _entries(raw_tables):
        params = {a.lstrip("*") for a in e["args"] if a != "*"}
        named = set(e["rename"]) | set(e["unsupported"]) | set(e["value_transforms"])
        if named - params:
            problems.append((tier, source, sorted(named - params)))
        if set(e["rename"]) & set(e["unsupported"]):
            problems.append((tier, source, "renamed and unsupported"))
    assert problems == []


def test_counts_fit_the_argument_lists(raw_tables):
    for tier, source, e in _entries(raw_tables):
        head = e["args"][: e["args"].index("*")] if "*" in e["args"] else e["args"]
        assert e["min_args"] <= len(head), (tier, source)
        assert e["positional"] <= len(head), (tier, source)


def test_status_agrees_with_the_fields(raw_tables):
    for tier, source, e in _entries(raw_tables):
        where = (tier, source)
        if e["status"] == "consistent":
            assert not (e["defaults"] or e["value_transforms"] or e["matcher"]), where
            assert not e["rename"], where
        if e["status"] == "unsupported":
            assert e["target"] is None and e["matcher"] is None, where
        if e["target"] is None:
            assert e["status"] == "unsupported" or e["matcher"], where
        if e["value_transforms"] or e["matcher"] or e["defaults"]:
            assert e["status"] in ("inconsistent", "unsupported"), where


def test_aliases_point_at_table_keys_and_never_shadow_them(raw_tables):
    aliases = read_json("torch_aliases.json")
    keys = set(raw_tables["nn_ops"]) | set(raw_tables["mint"])
    assert len(aliases) > 100
    assert set(aliases.values()) <= keys
    assert not set(aliases) & keys


def test_tier_sizes_and_status_mix(raw_tables):
    nn_ops, mint = raw_tables["nn_ops"], raw_tables["mint"]
    assert len(nn_ops) >= 900  # r2.4.10 table (887 rows, 11 duplicates) + hand entries
    assert len(mint) == 514  # r2.6.0 table
    statuses = {e["status"] for e in nn_ops.values()}
    assert statuses == {"consistent", "renamed_args", "inconsistent", "unsupported"}
    targets = [e["target"] for e in mint.values() if e["target"]]
    assert sum(t.startswith("mindspore.mint.") for t in targets) > len(targets) // 2
