"""convert_source pauses the cyclic collector only while it converts."""

from __future__ import annotations

import gc

import pytest
from mindconverter.converter.ast import api, convert_source


@pytest.mark.parametrize("enabled", [True, False])
def test_collector_state_is_restored(enabled: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    real = api._convert

    def spy(*args: object) -> api.AstConversion:
        seen.append(gc.isenabled())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "_convert", spy)
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        result = convert_source(f"import torch\ny = torch.cat([a])  # {enabled}\n")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
    assert seen == [False]
    assert result.converted == 1


def test_collector_comes_back_after_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "_convert", broken)
    assert gc.isenabled()
    result = convert_source("import torch\nz = torch.cat([b])  # error case\n")
    assert gc.isenabled()
    assert "internal error" in result.issues[0].message
