"""The one connection pool a client and all its views share.

The aiohttp session is created lazily inside the running loop and the transport stays bound to
that loop. A semaphore of the pool's size sits in front of aiohttp so that waiting for a free
connection has its own timeout (`PoolTimeoutError`), distinct from connecting and reading.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence

import aiohttp

from ._exceptions import ClientClosedError, InvalidParameterError, WrongEventLoopError

__all__ = ["Transport", "default_ssl_context"]


def default_ssl_context() -> ssl.SSLContext:
    """System CA store, hostname checks, and nothing older than TLS 1.2 (Xsolla requires it)."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class Transport:
    """Owns (or borrows) the aiohttp session; knows its loop, its pool semaphore and if closed."""

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
        self._semaphore: asyncio.Semaphore | None = None
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

    def session(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        """The session and pool semaphore for the running loop (creating them on first use)."""
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

    def _bind(
        self, loop: asyncio.AbstractEventLoop
    ) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        if self._closed:
            raise ClientClosedError("the LiveOps client is closed; create a new one")
        if self._loop is not None and self._loop is not loop:
            raise WrongEventLoopError(
                "this LiveOps client belongs to another event loop; create one client per loop"
            )
        if self._session is None:
            self._session = self._create_session()
        self._loop = loop
        self._semaphore = asyncio.Semaphore(self._pool_size)
        return self._session, self._semaphore

    def _create_session(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._pool_size,
            limit_per_host=self._pool_per_host,
            keepalive_timeout=self._keepalive_timeout,
            ssl=self._ssl_context if self._ssl_context is not None else default_ssl_context(),
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
