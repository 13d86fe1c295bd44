"""The one connection pool a client and all its views share.

The aiohttp session is created lazily inside the running loop and the transport stays bound to
that loop; if that loop ends (`asyncio.run` returns) before `aclose()`, the session is closed
while the loop can still do it. Every transport option (the SDK's own session, through a proxy
or the environment's proxy, over a connector the caller shares, or a session the caller owns)
keeps the SDK's guarantees: no silent resend by aiohttp, no exception for an error status, no
cookie shared between players; a session configured so they cannot hold is refused with
InvalidParameterError naming the setting.

A FIFO gate of the pool's size (`PoolGate`) sits in front of aiohttp so that waiting for a free
connection has its own timeout (`PoolTimeoutError`), distinct from connecting and reading, and
so that callers get connections in the order they asked for them.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import math
import os
import ssl
import sys
from collections import deque
from collections.abc import Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote, urlsplit, urlunsplit

from ._auth import RefusesPickling
from ._exceptions import ClientClosedError, InvalidParameterError, WrongEventLoopError
from ._gc_credit import Credit, collector_credit
from ._options import header_refusal
from ._redact import credential_header_values, display_url

if TYPE_CHECKING:
    import aiohttp
    from yarl import URL

__all__ = [
    "AttemptDeadlines",
    "PoolGate",
    "Transport",
    "default_ssl_context",
    "shared_default_ssl_context",
]


def default_ssl_context(ca_bundle: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """System CA store (or the PEM file `ca_bundle` instead), hostname checks, and nothing
    older than TLS 1.2 (Xsolla requires it)."""
    if ca_bundle is None:
        context = ssl.create_default_context()
    else:
        try:
            context = ssl.create_default_context(cafile=os.fspath(ca_bundle))
        except (OSError, ssl.SSLError) as exc:
            raise InvalidParameterError(
                f"ca_bundle {os.fspath(ca_bundle)!r} is not a readable PEM file of CA "
                f"certificates: {type(exc).__name__}"
            ) from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


@functools.cache
def shared_default_ssl_context() -> ssl.SSLContext:
    """One `default_ssl_context()` for every session the SDK creates itself: loading the CA
    store costs ~20 ms of CPU, too long to repeat on the event loop for each client. Never
    handed out, so never changed after it is made."""
    return default_ssl_context()


def _proxy_parts(proxy: str) -> tuple[str, dict[str, str], tuple[str, ...]]:
    """The proxy URL without credentials, the Proxy-Authorization header for its credentials,
    and the secrets to scrub (password and header value)."""
    if not isinstance(proxy, str):
        raise InvalidParameterError("proxy must be an http:// URL string")
    try:
        parts = urlsplit(proxy)
        parts.port  # noqa: B018 - a port out of range or not a number raises ValueError
    except ValueError:
        parts = None  # refused below, outside this handler: its text may quote the URL
    if (
        parts is None
        or parts.scheme != "http"
        or not parts.hostname
        or any(ch <= " " or ch == "\x7f" for ch in proxy)
    ):
        raise InvalidParameterError(
            "proxy must be an http:// URL with a host (and a port from 1 to 65535, if any; "
            f"aiohttp tunnels https:// calls through it), got {display_url(proxy)}"
        )
    if parts.username is None and parts.password is None:
        return proxy, {}, ()
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return bare, {"Proxy-Authorization": f"Basic {token}"}, (password, token)


def _borrowed_session_secrets(session: aiohttp.ClientSession) -> tuple[str, ...]:
    """The credentials a caller's session sends by itself, for the scrubber: the password of
    its `proxy=` URL, its `proxy_auth=` and their Proxy-Authorization values, and the values of
    credential-like default headers. A broken proxy may echo them back as it would the SDK's
    own `proxy=`."""
    found: list[str] = []
    proxy = getattr(session, "_default_proxy", None)
    if proxy is not None:
        parts = urlsplit(str(proxy))
        if parts.password:
            user, password = unquote(parts.username or ""), unquote(parts.password)
            token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
            found += [password, token]
    auth = getattr(session, "_default_proxy_auth", None)
    if auth is not None and auth.password:
        found += [auth.password, auth.encode().split(" ", 1)[1]]
    found += credential_header_values(session.headers)  # a gateway key of the caller's, say
    return tuple(found)


def check_borrowed_session(session: aiohttp.ClientSession) -> None:
    """Refuse a caller's session on which a guarantee of the SDK cannot hold, naming the
    setting. (`raise_for_status` needs no refusal: every call passes its own False.)"""
    import aiohttp

    if not isinstance(session, aiohttp.ClientSession):
        raise InvalidParameterError("session must be an aiohttp.ClientSession")
    if not isinstance(session.cookie_jar, aiohttp.DummyCookieJar):
        raise InvalidParameterError(
            "session: its cookie_jar would send cookies set for one player with other "
            "players' calls; create it with cookie_jar=aiohttp.DummyCookieJar(), or pass "
            "connector= to share only the connection pool"
        )
    if any(name.lower() == "cookie" for name in session.headers):
        raise InvalidParameterError(
            "session: its default headers hold a Cookie, which every player's call would send"
        )
    for name in session.headers:
        refusal = header_refusal(name)
        if refusal is not None:
            raise InvalidParameterError(f"session: its default headers: {refusal}")
    if not session.auto_decompress:
        raise InvalidParameterError(
            "session: auto_decompress=False leaves compressed answers undecoded; "
            "the SDK needs auto_decompress=True"
        )
    if getattr(session, "_default_auth", None) is not None:
        raise InvalidParameterError(
            "session: its auth= would clash with the credential's Authorization header"
        )
    if session.trust_env:
        raise InvalidParameterError(
            "session: its trust_env=True lets aiohttp add .netrc credentials that clash with "
            "the credential's Authorization header; pass trust_env=True to LiveOpsClient instead"
        )
    if getattr(session, "_middlewares", ()):
        raise InvalidParameterError(
            "session: its middlewares= run around every call and may resend it (a redeem "
            "applied twice), follow a redirect or change its credentials; use on_request / "
            "on_response hooks, or pass connector= to share only the connection pool"
        )
    if getattr(session, "_base_url", None) is not None:
        raise InvalidParameterError(
            "session: its base_url= conflicts with the SDK's absolute URLs; set base_url on "
            "LiveOpsClient instead"
        )


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

    __slots__ = ("_closed", "_deadlines", "_loop", "_value", "_waiters", "_watchdog")

    def __init__(self, size: int, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._value = size
        # Waiters in arrival order, and their deadlines at the same positions; a waiter may be
        # done already (cancelled, expired): whoever meets it first drops it.
        self._waiters: deque[asyncio.Future[Credit]] = deque()
        self._deadlines: deque[float] = deque()
        self._watchdog: asyncio.TimerHandle | None = None
        self._closed = False

    def try_acquire(self) -> bool:
        """Take a free slot if there is one."""
        if self._value > 0:
            self._value -= 1
            return True
        return False

    def wait(self, timeout: float) -> asyncio.Future[Credit]:
        """Queue for a slot (after `try_acquire` failed): the future completes when the slot is
        this caller's, or fails with asyncio.TimeoutError after `timeout` seconds. A caller
        that stops waiting for any other reason must call `abandon`. The future's result is a
        collector credit (`_gc_credit`): drop the future as soon as the caller resumes."""
        loop = self._loop
        waiter: asyncio.Future[Credit] = loop.create_future()
        if self._closed:
            waiter.set_exception(_closed_while_waiting())
            return waiter
        deadline = loop.time() + timeout
        self._waiters.append(waiter)
        self._deadlines.append(deadline)
        watchdog = self._watchdog
        if watchdog is None or deadline < watchdog.when():
            if watchdog is not None:
                watchdog.cancel()
            self._watchdog = loop.call_at(deadline, self._expire)
        return waiter

    def abandon(self, waiter: asyncio.Future[Credit]) -> None:
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
                # The woken call holds the credit until it resumes (see _gc_credit).
                waiter.set_result(collector_credit())
                return
        self._value += 1

    def close(self) -> None:
        """The client was closed: every waiting call fails with ClientClosedError (it was never
        sent), and so does every later wait. A free slot is never taken again: `_value` sinks
        so low that no release brings it back above zero."""
        self._closed = True
        self._value = -(2**62)
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        waiters, self._waiters, self._deadlines = self._waiters, deque(), deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(_closed_while_waiting())

    def _expire(self) -> None:
        """Fail the waits past their deadline; arm the watchdog for the next deadline."""
        self._watchdog = None
        now = self._loop.time() + _DEADLINE_SLACK
        live: deque[asyncio.Future[Credit]] = deque()
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


def _closed_while_waiting() -> ClientClosedError:
    return ClientClosedError(
        "the LiveOps client was closed while the call waited for a connection; it was not sent"
    )


# A total timeout at least this long fires at the next whole second of the loop clock, as
# aiohttp's own does (its `ceil_threshold`), so attempts that end in the same second share one
# loop timer; a shorter one fires at its exact time, with a timer of its own.
_SHARED_DEADLINE_MIN = 5.0


class AttemptDeadlines:
    """The total timeout of every attempt in flight on one loop, one loop timer per deadline.

    aiohttp's own total timeout costs every request a timer handle, a timer context, a loop
    timer and its cancellation (~17k instructions per call, ~4% of a 204 under uvloop); here
    an attempt costs two dict operations and shares the loop timer of its deadline second.
    The rules are aiohttp's TimerContext's: the task running an attempt that outlives its
    deadline is cancelled, and the attempt turns that CancelledError into a timeout
    (`expired`); on Python 3.11+ a cancellation someone else requested during the attempt
    still wins.

    Use, in the task running the attempt: `bucket = watch(task, total)`; on CancelledError
    ask `expired(task)`; and `unwatch(bucket, task)` when the attempt ends however it ends.

    `close` (the client's `aclose()`) cancels those attempts the same way, and also the calls
    that wait outside an attempt for something that has no deadline of its own here (the
    client-side rate limiter, a caller's token provider, the retry budget): `wait_started(task)`
    before such a wait, `expired(task)` on CancelledError (True only for the close's cancel),
    `wait_ended(task)` after it. A call that does not wait pays two dict operations (~100 ns);
    nothing races the wait.
    """

    __slots__ = ("_buckets", "_expired", "_loop", "_waiting", "closed")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        # Set by `close`: the attempts cancelled from then on were cancelled by the client's
        # closing, not by their deadline.
        self.closed: bool = False
        # deadline -> {task: its cancelling() count when the attempt started}
        self._buckets: dict[float, dict[asyncio.Task[Any], int]] = {}
        # tasks cancelled for their deadline (or by `close`) -> that count
        self._expired: dict[asyncio.Task[Any], int] = {}
        # tasks waiting outside an attempt (the rate limiter) -> that count
        self._waiting: dict[asyncio.Task[Any], int] = {}

    def watch(self, task: asyncio.Task[Any], timeout: float) -> dict[asyncio.Task[Any], int]:
        """Start `task`'s attempt, which may last `timeout` seconds; the answer goes to
        `unwatch`."""
        deadline = self._loop.time() + timeout
        if timeout >= _SHARED_DEADLINE_MIN:
            deadline = math.ceil(deadline)
        bucket = self._buckets.get(deadline)
        if bucket is None:
            bucket = self._buckets[deadline] = {}
            self._loop.call_at(deadline, self._expire, deadline)
        if sys.version_info >= (3, 11):
            bucket[task] = task.cancelling()
        else:
            bucket[task] = 0
        return bucket

    def unwatch(self, bucket: dict[asyncio.Task[Any], int], task: asyncio.Task[Any]) -> None:
        """`task`'s attempt ended (answered, failed or cancelled)."""
        bucket.pop(task, None)  # gone if it expired
        if self._expired:  # cancelled, but the attempt ended without seeing it: forget it
            self._expired.pop(task, None)

    def wait_started(self, task: asyncio.Task[Any]) -> None:
        """`task` starts a wait with no deadline here (the rate limiter, a token provider, the
        retry budget), which only `close` may cut short; `wait_ended(task)` must follow
        however the wait ends. Raises ClientClosedError (nothing was sent) when the client is
        closed already."""
        if self.closed:
            raise ClientClosedError("the LiveOps client was closed; the call was not sent")
        if sys.version_info >= (3, 11):
            self._waiting[task] = task.cancelling()
        else:
            self._waiting[task] = 0

    def wait_ended(self, task: asyncio.Task[Any]) -> None:
        """`task`'s wait (`wait_started`) ended: answered, failed or cancelled."""
        self._waiting.pop(task, None)  # gone if `close` cancelled it
        if self._expired:  # cancelled, but the wait ended without seeing it: forget it
            self._expired.pop(task, None)

    def expired(self, task: asyncio.Task[Any]) -> bool:
        """After a CancelledError in `task`'s attempt (or wait): whether its deadline or
        `close`, and nothing else, cancelled it (then the attempt raises a timeout, or the
        call ClientClosedError, instead)."""
        cancelling = self._expired.pop(task, None)
        if cancelling is None:
            return False
        if sys.version_info >= (3, 11):
            return task.uncancel() <= cancelling
        return True

    def close(self) -> None:
        """The client was closed: end every attempt in flight as its deadline would, and every
        wait `wait_started` announced (`expired` answers True; `closed` tells why). Their loop
        timers stay armed over empty buckets."""
        self.closed = True
        for bucket in (*self._buckets.values(), self._waiting):
            for task, cancelling in bucket.items():
                self._expired[task] = cancelling
                task.cancel()
            bucket.clear()

    def _expire(self, deadline: float) -> None:
        bucket = self._buckets.pop(deadline)
        for task, cancelling in bucket.items():
            self._expired[task] = cancelling
            task.cancel()
        bucket.clear()  # their `unwatch` finds nothing left to do


class Transport(RefusesPickling):
    """Owns (or borrows) the aiohttp session; knows its loop, its pool gate and if closed.

    `request_options` are the keyword arguments every `session.request(...)` call gets: the
    per-call settings that keep the SDK's guarantees whatever the session's defaults are.
    """

    # Every client, copy, view and resource holds its transport: none of them pickles.
    _holds: ClassVar[str] = "a connection pool and may hold proxy credentials"

    __slots__ = (
        "_closed",
        "_closing",
        "_connector",
        "_env_proxies",
        "_keepalive_timeout",
        "_loop",
        "_loop_ended",
        "_owns_session",
        "_pool_gate",
        "_pool_per_host",
        "_pool_size",
        "_secrets",
        "_session",
        "_ssl_context",
        "_trace_configs",
        "_trust_env",
        "attempt_deadlines",
        "plain_http_proxy_headers",
        "request_options",
    )

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        connector: aiohttp.BaseConnector | None = None,
        pool_size: int,
        pool_size_per_host: int = 0,
        keepalive_timeout: float,
        ssl_context: ssl.SSLContext | None = None,
        ca_bundle: str | os.PathLike[str] | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
            raise InvalidParameterError("pool_size must be an integer >= 1")
        if pool_size_per_host < 0:
            raise InvalidParameterError("pool_size_per_host must be >= 0 (0: no extra limit)")
        own_settings = {
            "connector": connector is not None,
            "ssl_context": ssl_context is not None,
            "ca_bundle": ca_bundle is not None,
            "proxy": proxy is not None,
            "trust_env": bool(trust_env),
            "trace_configs": bool(trace_configs),
        }
        secrets: tuple[str, ...] = ()
        if session is not None:
            given = [name for name, set_ in own_settings.items() if set_]
            if given:
                raise InvalidParameterError(
                    f"{', '.join(given)} configure the SDK's own session; set them on the "
                    "session you pass instead (or pass connector= instead of session=)"
                )
            check_borrowed_session(session)
            secrets = _borrowed_session_secrets(session)
            # aiohttp resends GET/PUT/DELETE once on a dropped keep-alive connection, and some
            # of those are not idempotent here (decrease a limit, generate codes): turned off
            # on the caller's session too, for every call made through it (documented).
            if hasattr(session, "_retry_connection"):
                session._retry_connection = False
        if ssl_context is not None and ca_bundle is not None:
            raise InvalidParameterError("pass ssl_context or ca_bundle, not both")
        if ca_bundle is not None:
            ssl_context = default_ssl_context(ca_bundle)
        options: dict[str, Any] = {"allow_redirects": False, "raise_for_status": False}
        # The proxy's credentials: aiohttp sends `proxy_headers` only with the CONNECT of an
        # https:// call; a plain http:// call carries them itself (and only such a call, so
        # that they never travel inside a tunnel to the API).
        self.plain_http_proxy_headers: Mapping[str, str] | None = None
        if proxy is not None:
            bare, proxy_headers, secrets = _proxy_parts(proxy)
            options["proxy"] = bare
            if proxy_headers:
                options["proxy_headers"] = proxy_headers
                self.plain_http_proxy_headers = proxy_headers
        if connector is not None:
            # A shared connector keeps its own TLS settings for others; the SDK's calls verify
            # by the SDK's rules (or the ssl_context / ca_bundle given).
            options["ssl"] = ssl_context or shared_default_ssl_context()
        self.request_options: Mapping[str, Any] = options
        # trust_env: the environment's proxy per (scheme, host, port), read once. The session
        # itself does not trust the environment: aiohttp would then also add .netrc
        # credentials for the API host, which clash with the credential's header.
        self._env_proxies: dict[
            tuple[str, str | None, int | None],
            tuple[Mapping[str, Any], Mapping[str, str] | None],
        ] = {}
        self._secrets = secrets
        self._session = session
        self._connector = connector
        self._owns_session = session is None
        self._pool_size = pool_size
        self._pool_per_host = pool_size_per_host
        self._keepalive_timeout = keepalive_timeout
        self._ssl_context = ssl_context
        self._trust_env = bool(trust_env) and proxy is None  # an explicit proxy wins
        self._trace_configs = list(trace_configs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_ended: asyncio.Future[None] | None = None
        self._closing: asyncio.Future[None] | None = None  # done once aclose() runs
        self._pool_gate: PoolGate | None = None
        # The attempts' total timeouts on the bound loop (set with the pool gate).
        self.attempt_deadlines: AttemptDeadlines | None = None
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def pool_size(self) -> int:
        return self._pool_size

    def secrets(self) -> tuple[str, ...]:
        """Transport credentials (proxy passwords), and those `scrub_also` added, that the
        errors of every call over this transport must never show."""
        return self._secrets

    def scrub_also(self, secrets: tuple[str, ...]) -> None:
        """Add secrets every call's errors must not show either (the client's own API key,
        which a call with another credential may meet echoed)."""
        self._secrets += secrets

    def request(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        headers: Mapping[str, str],
        payload: bytes | None,
        timeout: aiohttp.ClientTimeout,
    ) -> Any:
        """`session.request(...)` for one attempt, with this transport's options (TLS, proxy)
        for `url`; a plain http:// call through a proxy carries the proxy headers itself. It
        returns aiohttp's request context manager. (Building the call here, not in the
        engine's `_call`, keeps that coroutine's frame, which every call in flight holds,
        three locals smaller.)"""
        if self._trust_env:
            call_options, proxy_headers = self.env_call_options(url)
        else:
            call_options, proxy_headers = self.request_options, self.plain_http_proxy_headers
        if proxy_headers is not None and url.scheme == "http":
            headers = {**headers, **proxy_headers}
        return session.request(
            method, url, headers=headers, data=payload, timeout=timeout, **call_options
        )

    def env_call_options(self, url: URL) -> tuple[Mapping[str, Any], Mapping[str, str] | None]:
        """With `trust_env`: keyword arguments for `session.request` to `url` (the proxy the
        environment names for it), and the proxy headers a plain http:// call carries itself
        (None: none)."""
        key = (url.scheme, url.host, url.port)
        found = self._env_proxies.get(key)
        if found is None:
            found = self._env_proxies[key] = self._env_proxy(url)
        return found

    def _env_proxy(self, url: URL) -> tuple[Mapping[str, Any], Mapping[str, str] | None]:
        from aiohttp.helpers import get_env_proxy_for_url

        unusable = False
        try:
            proxy, auth = get_env_proxy_for_url(url)  # honours NO_PROXY, reads .netrc
        except LookupError:
            return self.request_options, None
        except ValueError:  # a port out of range, a broken IPv6 address: refused below
            unusable = True
        if unusable:  # outside the handler: the parser's text may quote the URL
            raise InvalidParameterError(
                f"trust_env: the proxy the environment names for {url.scheme}:// calls "
                f"({url.scheme.upper()}_PROXY or {url.scheme}_proxy) is not a valid URL; its "
                "value is not shown, it may hold credentials"
            )
        options = {**self.request_options, "proxy": str(proxy)}
        if auth is None:
            return options, None
        header = auth.encode()
        self._secrets += (auth.password, header.split(" ", 1)[1])
        headers = {"Proxy-Authorization": header}
        options["proxy_headers"] = headers
        return options, headers

    def session(self) -> tuple[aiohttp.ClientSession, PoolGate]:
        """The session and pool gate for the running loop (creating them on first use)."""
        loop = asyncio.get_running_loop()
        session, pool_gate = self._session, self._pool_gate
        if (
            loop is self._loop
            and session is not None
            and pool_gate is not None
            and not self._closed
        ):
            if session.closed:  # closed by its owner: the caller's session, or connector
                given = "connector" if self._connector is not None else "session"
                raise ClientClosedError(f"the aiohttp {given} given to LiveOpsClient is closed")
            return session, pool_gate
        return self._bind(loop)

    def _bind(self, loop: asyncio.AbstractEventLoop) -> tuple[aiohttp.ClientSession, PoolGate]:
        if self._closed:
            raise ClientClosedError("the LiveOps client is closed; create a new one")
        if self._loop is not None and self._loop is not loop:
            raise WrongEventLoopError(
                "this LiveOps client belongs to another event loop; create one client per loop"
            )
        # aiohttp's objects belong to the loop that made them; from another, a call fails with
        # a bare RuntimeError ("attached to a different loop") once it is under way.
        borrowed: dict[str, object] = {
            "session": None if self._owns_session else self._session,
            "connector": self._connector,
        }
        for what, given in borrowed.items():
            if given is not None and getattr(given, "_loop", loop) is not loop:
                raise WrongEventLoopError(
                    f"the aiohttp {what} given to LiveOpsClient belongs to another event loop "
                    "than the one making this call; create it inside that loop"
                )
        if self._session is None:
            self._session = self._create_session()
            self._watch_loop_end(loop)
        self._loop = loop
        self._pool_gate = PoolGate(self._gate_size(), loop)
        self.attempt_deadlines = AttemptDeadlines(loop)
        self._closing = loop.create_future()
        return self._session, self._pool_gate

    async def unless_closed(self, wait: Coroutine[Any, Any, Any]) -> None:
        """Await `wait` (a call's pause between attempts), or stop it as soon as the client is
        closed: the call then ends at once with ClientClosedError instead of after its
        backoff (up to a minute). Raises what `wait` raises."""
        closing = self._closing
        if closing is None:
            await wait
            return
        if closing.done():
            wait.close()
            return
        task = asyncio.ensure_future(wait)
        try:
            await asyncio.wait((task, closing), return_when=asyncio.FIRST_COMPLETED)
        finally:
            task.cancel()
        if task.done() and not task.cancelled():
            task.result()

    def _gate_size(self) -> int:
        """`pool_size`, or the session's connector's limit if that is smaller (its total or
        per-host limit: the calls go to one host; `pool_size_per_host`, a borrowed connector or
        session): a call waiting for one of its connections then waits at the gate, bounded by
        the pool timeout (PoolTimeoutError), not in aiohttp's queue under the connect
        timeout."""
        connector = self._session.connector if self._session is not None else None
        limits = [getattr(connector, name, 0) for name in ("limit", "limit_per_host")]
        return min([self._pool_size, *(n for n in limits if isinstance(n, int) and n > 0)])

    def _watch_loop_end(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close the SDK's session when its loop ends without `aclose()`.

        `asyncio.run` (and `asyncio.Runner`) cancel the tasks left over when the main coroutine
        returns, while the loop still runs: this task's cancellation is the last moment at
        which the session's sockets can be closed properly. `aclose()` ends it quietly.
        """
        ended = self._loop_ended = loop.create_future()

        async def close_when_the_loop_ends() -> None:
            try:
                await ended
            except asyncio.CancelledError:
                session, self._session = self._session, None
                if session is not None and not self._closed:
                    await session.close()

        loop.create_task(close_when_the_loop_ends())

    def _create_session(self) -> aiohttp.ClientSession:
        import aiohttp  # imported with the first LiveOpsClient anyway; kept out of module import

        connector = self._connector
        if connector is None:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size,
                limit_per_host=self._pool_per_host,
                keepalive_timeout=self._keepalive_timeout,
                ssl=self._ssl_context or shared_default_ssl_context(),
            )
        session = aiohttp.ClientSession(
            connector=connector,
            connector_owner=self._connector is None,
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
        """Close the session if the SDK created it; idempotent; a borrowed session (or
        connector) stays open."""
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
        if bound_loop is not None and bound_loop is asyncio.get_running_loop():
            # The calls of this client end now on every transport, also on a borrowed session
            # or connector that stays open: those waiting for a connection or for the rate
            # limiter unsent, those in flight cancelled, those pausing between attempts not
            # retried.
            if self._closing is not None and not self._closing.done():
                self._closing.set_result(None)
            if self._pool_gate is not None:
                self._pool_gate.close()
            if self.attempt_deadlines is not None:
                self.attempt_deadlines.close()
        ended = self._loop_ended
        if ended is not None and not ended.done() and bound_loop is asyncio.get_running_loop():
            ended.set_result(None)
        if session is not None:
            await session.close()
