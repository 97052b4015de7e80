"""Wrap feature handlers so that one feature's bug never takes the server down.

pygls already turns an exception in a request handler into an error response, but an exception
in a notification handler is reported as a pop-up, and a failing ``register`` would stop the
server from starting. :func:`guarded` logs the traceback and returns a neutral result instead
(no hover, no code actions, no diagnostics), so the other features keep working.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from pygls.exceptions import JsonRpcException

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def guarded(
    handler: F, fallback: Any = None, error: Callable[[Exception], Exception] | None = None
) -> F:
    """Return ``handler`` wrapped to log exceptions and return ``fallback`` instead.

    JSON-RPC errors raised on purpose (:class:`pygls.exceptions.JsonRpcException`) and
    cancellation pass through: they are answers, not bugs. The wrapper keeps the handler's
    signature, so pygls still injects the server and structures command arguments.

    Args:
        handler: A sync or async feature handler.
        fallback: What to return when the handler fails (``None`` for notifications).
        error: For requests that must fail visibly (commands): builds the exception to raise
            instead of returning ``fallback``.
    """
    name = getattr(handler, "__qualname__", repr(handler))

    def failed(exc: Exception) -> Any:
        logger.exception("feature handler %s failed", name)
        if error is not None:
            raise error(exc) from exc
        return fallback

    if asyncio.iscoroutinefunction(handler):

        @functools.wraps(handler)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return await handler(*args, **kwargs)
            except (JsonRpcException, asyncio.CancelledError):
                raise
            except Exception as exc:
                return failed(exc)

        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(handler)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except JsonRpcException:
            raise
        except Exception as exc:
            return failed(exc)

    return wrapper  # type: ignore[return-value]
