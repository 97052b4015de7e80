"""The convert_source contract: pure, errors only for invalid Python, output always parses."""

from __future__ import annotations

import pytest
from mindconverter.converter.ast import api, convert_source, pipeline
from mindconverter.converter.errors import ConverterError, ErrorCode


@pytest.mark.parametrize("source", ["def f(:\n", "x = (1,\n", "\x00", "return = 3\n"])
def test_syntax_errors_raise_python_syntax(source: str) -> None:
    with pytest.raises(ConverterError) as info:
        convert_source(source, filename="bad.py")
    assert info.value.code is ErrorCode.PYTHON_SYNTAX
    assert "bad.py" in info.value.message


def test_pure_and_repeatable() -> None:
    source = "import torch\ny = torch.cat([a, b], dim=0)\n"
    first = convert_source(source)
    first.issues.clear()  # callers may mutate what they get back
    second = convert_source(source)
    api._convert_cached.cache_clear()
    third = convert_source(source)
    assert second == third and second.issues


def test_internal_error_leaves_the_file_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(module: object, tier: str) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "run", broken)
    api._convert_cached.cache_clear()
    source = "import torch\ny = torch.cat([a, b, c])\n"
    result = convert_source(source)
    assert result.code == source
    assert [i.code for i in result.issues] == ["MC-A015"]
    assert "boom" in result.issues[0].message


def test_deeply_nested_source_does_not_raise() -> None:
    source = "import torch\ny = " + "(" * 150 + "torch.cat([a])" + ")" * 150 + "\n"
    result = convert_source(source)
    assert result.code.startswith(("from mindspore", "import torch"))


def test_bom_crlf_and_tabs_are_preserved() -> None:
    source = "import torch\r\nif x:\r\n\ty = torch.cat([a])\r\n"
    result = convert_source(source)
    assert result.code == "from mindspore import ops\r\nif x:\r\n\ty = ops.cat([a])\r\n"
