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

    async def acquire(self, key: str) -> None: ...

    async def on_rate_limited(self, key: str, retry_after: float) -> None: ...

    async def aclose(self) -> None: ...


@attrs.frozen
class RequestEvent:
    """An attempt is about to be sent."""

    operation_id: str
    method: str
    route: str
    attempt: int


@attrs.frozen
class ResponseEvent:
    """An attempt ended: `status` is None when it failed without an HTTP answer (see `error`)."""

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
