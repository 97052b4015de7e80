"""Every MindSpore name in the data exists in the installed MindSpore (import + getattr)."""

from __future__ import annotations

import inspect

import pytest

from tests.mappings.conftest import TABLE_FILES, read_json, resolve


def _targets(raw_tables):
    for tier, table in raw_tables.items():
        for source, entry in table.items():
            if entry["target"]:
                yield tier, source, entry


@pytest.mark.parametrize("tier", sorted(TABLE_FILES))
def test_every_api_target_resolves(mindspore_module, raw_tables, tier):
    missing = []
    for _, source, entry in _targets({tier: raw_tables[tier]}):
        try:
            resolve(entry["target"])
        except LookupError:
            missing.append((source, entry["target"]))
    assert missing == []


def test_every_onnx_target_resolves(mindspore_module):
    missing = [
        (op, target)
        for op, entry in read_json("onnx_ops.json").items()
        for target in entry["targets"]
        if not _resolves(target)
    ]
    assert missing == []


def _resolves(name: str) -> bool:
    try:
        resolve(name)
    except LookupError:
        return False
    return True


def test_names_missing_from_mindspore_2_10_are_not_emitted(mindspore_module, raw_tables):
    # The r2.4 docs name these, MindSpore 2.10 lacks them.
    for gone in ("mindspore.nn.Hsigmoid", "mindspore.nn.Hswish", "mindspore.nn.LogSoftMax"):
        assert not _resolves(gone)
        assert all(e["target"] != gone for _, _, e in _targets(raw_tables))
    assert raw_tables["nn_ops"]["torch.nn.Hardsigmoid"]["target"] == "mindspore.nn.HSigmoid"


def test_torch_classes_map_to_classes(mindspore_module, raw_tables):
    wrong = [
        (tier, source, entry["target"])
        for tier, source, entry in _targets(raw_tables)
        if entry["kind"] == "class"
        and not entry["matcher"]
        and not inspect.isclass(resolve(entry["target"]))
    ]
    assert wrong == []


def _keyword_names(target: str, receiver_call: bool) -> set[str] | None:
    """Keyword-capable parameter names of a target, or None if not introspectable."""
    obj = resolve(target)
    func = obj.__init__ if inspect.isclass(obj) else obj
    for cell in getattr(func, "__closure__", None) or ():  # undecorated MindSpore __init__
        if inspect.isfunction(cell.cell_contents) and cell.cell_contents.__name__ == "__init__":
            func = cell.cell_contents
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return None
    params = [p for p in params if p.name not in ("self", "cls")]
    if receiver_call:
        params = params[1:]
    kinds = {p.kind.name for p in params}
    if not params or kinds <= {"VAR_POSITIONAL", "VAR_KEYWORD"}:
        return None
    return {p.name for p in params if p.kind.name in ("POSITIONAL_OR_KEYWORD", "KEYWORD_ONLY")}


def test_renamed_and_default_arguments_exist_on_the_target(mindspore_module, raw_tables):
    problems = []
    for tier, source, entry in _targets(raw_tables):
        if entry["kind"] == "attribute":
            continue
        receiver_call = entry["kind"] in ("tensor_method", "method") and not inspect.isclass(
            resolve(entry["target"].rpartition(".")[0])
        )
        names = _keyword_names(entry["target"], receiver_call)
        if names is None:
            continue
        wanted = {v for v in entry["rename"].values() if v} | set(entry["defaults"])
        if wanted - names:
            problems.append((tier, source, sorted(wanted - names)))
    assert problems == []
