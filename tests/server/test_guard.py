"""A failing feature handler is logged and answered neutrally; intended errors pass."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from mindconverter.server.guard import guarded
from pygls.exceptions import JsonRpcServerError


def boom(ls, params):
    raise RuntimeError("bug")


async def aboom(ls, params):
    raise RuntimeError("bug")


def refuse(ls, params):
    raise JsonRpcServerError("no", -32001)


def test_sync_and_async_failures_return_the_fallback(caplog: pytest.LogCaptureFixture) -> None:
    assert guarded(boom, fallback=[])(None, None) == []
    assert asyncio.run(guarded(aboom)(None, None)) is None
    assert caplog.text.count("RuntimeError: bug") == 2


def test_wrappers_keep_what_pygls_inspects() -> None:
    wrapped = guarded(aboom)
    assert inspect.iscoroutinefunction(wrapped)
    assert list(inspect.signature(wrapped).parameters) == ["ls", "params"]


def test_intended_errors_pass_and_commands_can_fail_visibly() -> None:
    with pytest.raises(JsonRpcServerError):
        guarded(refuse)(None, None)
    with pytest.raises(ValueError, match="wrapped: bug"):
        guarded(boom, error=lambda exc: ValueError(f"wrapped: {exc}"))(None, None)
