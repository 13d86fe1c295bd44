"""Extension points: a rate limiter protocol and request/response hooks for metrics or tracing.

Hook events hold no credential and no filled-in path: only the route template.

A hook that raises is logged, never raised (see `HookFailureLog`): its first failure at WARNING
with the traceback, later ones at DEBUG, and at most once a minute per hook a WARNING saying
how many failures were logged at DEBUG since its last WARNING, so a hook failing on every call
cannot flood the logs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, runtime_checkable

import attrs

from ._exceptions import shown_text

__all__ = [
    "HookFailureLog",
    "RateLimiter",
    "RequestEvent",
    "RequestHook",
    "ResponseEvent",
    "ResponseHook",
]


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


# A failing hook's WARNING repeats at most this often (seconds) per hook.
HOOK_WARNING_INTERVAL = 60.0


class HookFailureLog:
    """Logs the failures of hooks on the `liveops_async` logger without flooding it.

    Per hook (its module and qualified name) and event type: the first failure is a WARNING
    with the traceback; every later one is a DEBUG line; and a later failure that comes at
    least `interval` seconds (by `clock`) after the hook's last WARNING logs a WARNING again,
    saying how many failures went to DEBUG since then. Failures that stop inside a window are
    counted in the next one's WARNING, if one comes. Bounded: one entry per distinct hook name.
    """

    __slots__ = ("_clock", "_interval", "_lock", "_log", "_seen")

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        interval: float = HOOK_WARNING_INTERVAL,
        logger: logging.Logger | None = None,
    ) -> None:
        self._clock = clock
        self._interval = interval
        self._log = logger if logger is not None else logging.getLogger("liveops_async")
        self._lock = threading.Lock()  # clients on other threads' loops share the process's log
        # (event type, hook name) -> [time of the last WARNING, failures logged at DEBUG since]
        self._seen: dict[tuple[str, str], list[Any]] = {}

    def failed(self, hook: object, event: object, exc: Exception) -> None:
        """Log that `hook`, called with `event`, raised `exc` (the call went on)."""
        name = _hook_name(hook)
        kind = type(event).__name__
        now = self._clock()
        with self._lock:
            seen = self._seen.get((kind, name))
            if seen is None:
                self._seen[(kind, name)] = [now, 0]
                suppressed = -1
            elif now - seen[0] >= self._interval:
                suppressed = seen[1]
                seen[0], seen[1] = now, 0
            else:
                seen[1] += 1
                suppressed = None
        text = shown_text(str(exc))
        if suppressed is None:
            self._log.debug(
                "%s hook %s raised %s: %s; the call goes on",
                kind, name, type(exc).__name__, text,
            )  # fmt: skip
        elif suppressed < 0:
            self._log.warning(
                "%s hook %s raised %s: %s; the call goes on (later failures of this hook are "
                "logged at DEBUG, with a WARNING at most every %g s)",
                kind, name, type(exc).__name__, text, self._interval,
                exc_info=(type(exc), exc, exc.__traceback__),
            )  # fmt: skip
        else:
            self._log.warning(
                "%s hook %s raised %s again: %s; the call goes on (%d more failures of this "
                "hook were logged at DEBUG since its last WARNING)",
                kind, name, type(exc).__name__, text, suppressed,
            )  # fmt: skip


def _hook_name(hook: object) -> str:
    qualname = getattr(hook, "__qualname__", None) or type(hook).__qualname__
    module = getattr(hook, "__module__", None) or type(hook).__module__
    return f"{module}.{qualname}" if module else str(qualname)


# The process's one log of hook failures (the engine's `_call_hooks` reports to it).
hook_failures = HookFailureLog()
