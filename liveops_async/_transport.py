"""The one connection pool a client and all its views share.

The aiohttp session is created lazily inside the running loop and the transport stays bound to
that loop. A FIFO gate of the pool's size (`PoolGate`) sits in front of aiohttp so that waiting
for a free connection has its own timeout (`PoolTimeoutError`), distinct from connecting and
reading, and so that callers get connections in the order they asked for them.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ._exceptions import ClientClosedError, InvalidParameterError, WrongEventLoopError

if TYPE_CHECKING:
    import aiohttp

__all__ = ["PoolGate", "Transport", "default_ssl_context", "shared_default_ssl_context"]


def default_ssl_context() -> ssl.SSLContext:
    """System CA store, hostname checks, and nothing older than TLS 1.2 (Xsolla requires it)."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@functools.cache
def shared_default_ssl_context() -> ssl.SSLContext:
    """One `default_ssl_context()` for every session the SDK creates itself: loading the CA
    store costs ~20 ms of CPU, too long to repeat on the event loop for each client. Never
    handed out, so never changed after it is made."""
    return default_ssl_context()


# A pool wait may end this much before its deadline: timers fire up to a clock tick early.
_DEADLINE_SLACK = 0.001


class PoolGate:
    """At most `size` calls hold a connection at once; the others wait in arrival order.

    Like an asyncio.Semaphore, minus its per-call costs: taking a free slot is a method call,
    not a coroutine that checks its waiters twice; a freed slot goes straight to the first
    waiter; and one watchdog timer enforces every waiter's deadline, instead of a timer (or a
    task) per wait.

    Invariant: while a slot is free (`_value > 0`) no live call waits, so taking a free slot
    never jumps the queue. `_value` (the free slots) is named after the Semaphore counter it
    replaces.

    Memory: a queued call costs the gate its future, its deadline and two deque slots (~200
    bytes); waiters and deadlines are two parallel deques, not one of pairs, which saves a
    tuple per call (thousands of calls may queue).
    """

    __slots__ = ("_deadlines", "_loop", "_value", "_waiters", "_watchdog")

    def __init__(self, size: int, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._value = size
        # Waiters in arrival order, and their deadlines at the same positions; a waiter may be
        # done already (cancelled, expired): whoever meets it first drops it.
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._deadlines: deque[float] = deque()
        self._watchdog: asyncio.TimerHandle | None = None

    def try_acquire(self) -> bool:
        """Take a free slot if there is one."""
        if self._value > 0:
            self._value -= 1
            return True
        return False

    def wait(self, timeout: float) -> asyncio.Future[None]:
        """Queue for a slot (after `try_acquire` failed): the future completes when the slot is
        this caller's, or fails with asyncio.TimeoutError after `timeout` seconds. A caller
        that stops waiting for any other reason must call `abandon`."""
        loop = self._loop
        waiter: asyncio.Future[None] = loop.create_future()
        deadline = loop.time() + timeout
        self._waiters.append(waiter)
        self._deadlines.append(deadline)
        watchdog = self._watchdog
        if watchdog is None or deadline < watchdog.when():
            if watchdog is not None:
                watchdog.cancel()
            self._watchdog = loop.call_at(deadline, self._expire)
        return waiter

    def abandon(self, waiter: asyncio.Future[None]) -> None:
        """The caller stopped waiting (cancelled): pass on a slot it was handed meanwhile."""
        if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
            self.release()
        elif not waiter.done():
            waiter.cancel()  # dropped from the queue by whoever meets it first

    def release(self) -> None:
        """Give a slot back: to the first live waiter, else to the free count."""
        waiters, deadlines = self._waiters, self._deadlines
        while waiters:
            waiter = waiters.popleft()
            deadlines.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._value += 1

    def _expire(self) -> None:
        """Fail the waits past their deadline; arm the watchdog for the next deadline."""
        self._watchdog = None
        now = self._loop.time() + _DEADLINE_SLACK
        live: deque[asyncio.Future[None]] = deque()
        live_deadlines: deque[float] = deque()
        next_deadline: float | None = None
        for waiter, deadline in zip(self._waiters, self._deadlines, strict=True):
            if waiter.done():
                continue
            if deadline <= now:
                waiter.set_exception(asyncio.TimeoutError())
                continue
            live.append(waiter)
            live_deadlines.append(deadline)
            if next_deadline is None or deadline < next_deadline:
                next_deadline = deadline
        self._waiters, self._deadlines = live, live_deadlines
        if next_deadline is not None:
            self._watchdog = self._loop.call_at(next_deadline, self._expire)


class Transport:
    """Owns (or borrows) the aiohttp session; knows its loop, its pool gate and if closed."""

    __slots__ = (
        "_closed",
        "_keepalive_timeout",
        "_loop",
        "_owns_session",
        "_pool_per_host",
        "_pool_size",
        "_semaphore",
        "_session",
        "_ssl_context",
        "_trace_configs",
    )

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        pool_size: int,
        pool_size_per_host: int = 0,
        keepalive_timeout: float,
        ssl_context: ssl.SSLContext | None = None,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise InvalidParameterError("pool_size must be an integer >= 1")
        if pool_size_per_host < 0:
            raise InvalidParameterError("pool_size_per_host must be >= 0 (0: no extra limit)")
        if session is not None and (ssl_context is not None or trace_configs):
            raise InvalidParameterError(
                "ssl_context and trace_configs configure the SDK's own session; "
                "set them on the session you pass instead"
            )
        self._session = session
        self._owns_session = session is None
        self._pool_size = pool_size
        self._pool_per_host = pool_size_per_host
        self._keepalive_timeout = keepalive_timeout
        self._ssl_context = ssl_context
        self._trace_configs = list(trace_configs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: PoolGate | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def owns_session(self) -> bool:
        return self._owns_session

    @property
    def pool_size(self) -> int:
        return self._pool_size

    def session(self) -> tuple[aiohttp.ClientSession, PoolGate]:
        """The session and pool gate for the running loop (creating them on first use)."""
        loop = asyncio.get_running_loop()
        session, semaphore = self._session, self._semaphore
        if (
            loop is self._loop
            and session is not None
            and semaphore is not None
            and not self._closed
        ):
            if session.closed:
                raise ClientClosedError("the aiohttp session given to LiveOpsClient is closed")
            return session, semaphore
        return self._bind(loop)

    def _bind(self, loop: asyncio.AbstractEventLoop) -> tuple[aiohttp.ClientSession, PoolGate]:
        if self._closed:
            raise ClientClosedError("the LiveOps client is closed; create a new one")
        if self._loop is not None and self._loop is not loop:
            raise WrongEventLoopError(
                "this LiveOps client belongs to another event loop; create one client per loop"
            )
        if self._session is None:
            self._session = self._create_session()
        self._loop = loop
        self._semaphore = PoolGate(self._pool_size, loop)
        return self._session, self._semaphore

    def _create_session(self) -> aiohttp.ClientSession:
        import aiohttp  # imported with the first LiveOpsClient anyway; kept out of module import

        connector = aiohttp.TCPConnector(
            limit=self._pool_size,
            limit_per_host=self._pool_per_host,
            keepalive_timeout=self._keepalive_timeout,
            ssl=self._ssl_context or shared_default_ssl_context(),
        )
        session = aiohttp.ClientSession(
            connector=connector,
            # One session serves many players: cookies set for one must never reach another.
            cookie_jar=aiohttp.DummyCookieJar(),
            raise_for_status=False,
            trace_configs=self._trace_configs or None,
        )
        # aiohttp resends GET/PUT/DELETE once on a dropped keep-alive connection; some of our
        # DELETEs are not idempotent (decrease a limit), so the SDK's own retry rules decide.
        if hasattr(session, "_retry_connection"):
            session._retry_connection = False
        return session

    async def aclose(self) -> None:
        """Close the session if the SDK created it; idempotent; a borrowed session stays open."""
        if self._closed:
            return
        session = self._session if self._owns_session else None
        bound_loop = self._loop
        if (
            session is not None
            and bound_loop is not None
            and bound_loop is not asyncio.get_running_loop()
        ):
            if not bound_loop.is_closed():
                raise WrongEventLoopError(
                    "close the LiveOps client from the event loop that used it"
                )
            session = None  # its loop is gone, and its sockets with it
        self._closed = True
        self._session = None
        if session is not None:
            await session.close()
