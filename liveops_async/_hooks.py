"""Extension points: a rate limiter protocol and request/response hooks for metrics or tracing.

Hook events hold no credential and no filled-in path: only the route template.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, runtime_checkable

import attrs

__all__ = ["RateLimiter", "RequestEvent", "RequestHook", "ResponseEvent", "ResponseHook"]


@runtime_checkable
class RateLimiter(Protocol):
    """Called around every attempt; implementations live in `liveops_async.lib.ratelimit`.

    `key` identifies the credential without revealing it (a hash).
    """

    async def acquire(self, key: str) -> None:
        """Wait until an attempt with the credential `key` may be sent."""
        ...

    async def on_rate_limited(self, key: str, retry_after: float) -> None:
        """The API answered 429 for `key`: pause it `retry_after` seconds (the server's
        Retry-After, or the client's backoff when the answer gave none)."""
        ...

    async def aclose(self) -> None:
        """Release what the limiter holds (connections, tasks); called by its owner."""
        ...


@attrs.frozen
class RequestEvent:
    """An attempt is about to be sent. Exactly one `ResponseEvent` of the same attempt follows,
    however the attempt ends (a hook counting attempts in flight stays balanced)."""

    operation_id: str
    method: str
    route: str
    attempt: int


@attrs.frozen
class ResponseEvent:
    """An attempt ended: `status` is None when it failed without an HTTP answer (see `error`).

    `error` is None for a success, else what ended the attempt: the typed error (a
    `LiveOpsError`; `ClientClosedError` when `aclose()` ended it), or the
    `asyncio.CancelledError` when the call was cancelled by its caller (`task.cancel()`,
    `asyncio.wait_for`, a timeout of the caller's); `status` is then the answer's status if
    its head had arrived. Hooks run while the cancellation propagates: keep them short.
    """

    operation_id: str
    method: str
    route: str
    attempt: int
    status: int | None
    elapsed: float
    error: BaseException | None = None


# A hook may be a plain function or a coroutine function; its result is awaited if awaitable.
RequestHook = Callable[[RequestEvent], Awaitable[None] | None]
ResponseHook = Callable[[ResponseEvent], Awaitable[None] | None]
