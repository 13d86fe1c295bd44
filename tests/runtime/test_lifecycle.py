"""One pooled session: lazy, loop-bound, closed once; cancellation frees its connection."""

from __future__ import annotations

import asyncio
import ssl
import sys
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from multidict import istr

from liveops_async import (
    AdminAuth,
    APIStatusError,
    ClientClosedError,
    InvalidParameterError,
    LiveOpsClient,
    RequestOptions,
    RetryBudget,
    RetryPolicy,
    UserAuth,
    WrongEventLoopError,
    __version__,
)
from liveops_async._transport import AttemptDeadlines, default_ssl_context
from liveops_async.lib.ratelimit import TokenBucketLimiter

from . import _ops
from .conftest import JWT, PROJECT_ID, ScriptedServer


async def _get(client: LiveOpsClient, options: RequestOptions | None = None) -> object:
    return await client.requester(client._admin_auth).request(
        _ops.GET_COUPON, path={"external_id": "c1"}, options=options
    )


async def test_session_is_created_lazily_and_closed_by_async_with(server: ScriptedServer) -> None:
    client = LiveOpsClient(project_id=1, api_key="k", base_url=server.base_url)
    assert client._transport._session is None
    async with client as entered:
        assert entered is client
        await _get(client)
        session = client._transport._session
        assert session is not None and not session.closed
    assert session.closed and client.closed
    await client.aclose()  # idempotent
    with pytest.raises(ClientClosedError):
        await _get(client)
    assert len(server.seen) == 1


async def test_closing_a_copy_or_the_original_closes_the_shared_pool(
    server: ScriptedServer,
) -> None:
    client = LiveOpsClient(project_id=1, api_key="k", base_url=server.base_url)
    copy = client.with_options(max_retries=0)
    player = client.requester(UserAuth(JWT))
    assert copy._transport is client._transport is player._transport
    await _get(copy)
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await _get(copy)
    with pytest.raises(ClientClosedError):
        await player.request(_ops.GET_REWARDS, path={"coupon_code": "x"})


async def test_entering_a_closed_client_or_its_copy_is_refused(server: ScriptedServer) -> None:
    """`async with` a client closed earlier raised nothing: the block ran and only its first
    call failed. It fails at the door now, before the block runs."""
    client = LiveOpsClient(project_id=1, api_key="k", base_url=server.base_url)
    async with client:
        await _get(client)
    entered = []
    for closed in (client, client.with_options(max_retries=0)):
        with pytest.raises(ClientClosedError, match="create a new one"):
            async with closed:
                entered.append(closed)
    assert entered == [] and len(server.seen) == 1


async def test_callers_session_is_used_and_never_closed(server: ScriptedServer) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        client = LiveOpsClient(project_id=1, api_key="k", base_url=server.base_url, session=session)
        await _get(client)
        await client.aclose()
        assert not session.closed
    other = LiveOpsClient(project_id=1, api_key="k", base_url=server.base_url, session=session)
    with pytest.raises(ClientClosedError, match="session"):
        await _get(other)


def test_session_and_own_session_settings_conflict() -> None:
    with pytest.raises(InvalidParameterError):
        LiveOpsClient(session=object(), ssl_context=ssl.create_default_context())  # type: ignore[arg-type]


async def test_use_from_another_loop_is_refused(server: ScriptedServer) -> None:
    client = LiveOpsClient(project_id=1, api_key="k", base_url=server.base_url)
    await _get(client)
    errors: list[BaseException] = []

    def other_thread() -> None:
        try:
            asyncio.run(_get(client))
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=10)
    assert len(errors) == 1 and isinstance(errors[0], WrongEventLoopError)
    await client.aclose()
    assert len(server.seen) == 1


@pytest.mark.parametrize("borrowed", ["session", "connector"])
async def test_a_session_or_connector_of_another_loop_is_a_wrong_loop_error_not_a_bare_one(
    borrowed: str, server: ScriptedServer
) -> None:
    """aiohttp objects belong to the loop that made them: used from another, a call failed with
    a bare RuntimeError ("attached to a different loop"); it is WrongEventLoopError, unsent."""
    other_loop = asyncio.new_event_loop()
    thread = threading.Thread(target=other_loop.run_forever)
    thread.start()

    def in_other_loop(work: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
        return asyncio.run_coroutine_threadsafe(work(), other_loop).result(timeout=30)

    async def make() -> Any:
        if borrowed == "session":
            return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        return aiohttp.TCPConnector()

    thing = in_other_loop(make)
    try:
        client = LiveOpsClient(
            project_id=1, api_key="k", base_url=server.base_url, **{borrowed: thing}
        )
        with pytest.raises(WrongEventLoopError, match=f"{borrowed} .*another event loop"):
            await _get(client)
        await client.aclose()
        assert server.seen == []
    finally:
        in_other_loop(thing.close)
        other_loop.call_soon_threadsafe(other_loop.stop)
        thread.join(timeout=30)
        other_loop.close()


async def test_cancelled_call_is_not_retried_and_frees_its_connection(
    server: ScriptedServer,
) -> None:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(1.0)
        return web.json_response({"external_id": "c1"})

    server.handler = slow
    async with LiveOpsClient(
        project_id=1, api_key="k", base_url=server.base_url, pool_size=2
    ) as client:
        task = asyncio.create_task(_get(client))
        while not server.seen:  # cancel once the server has it, however busy the machine
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.sleep(0.2)
        assert len(server.seen) == 1
        session, pool = client._transport.session()
        connector = session.connector
        assert connector is not None
        assert len(connector._acquired) == 0  # type: ignore[attr-defined]
        assert pool._value == 2  # type: ignore[attr-defined]
        server.handler = None
        assert await _get(client) == _ops.Coupon("c1")


async def test_user_agent_default_and_per_call_headers(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=server.base_url, default_headers={"X-Game": "g1"})
    copy = client.with_options(headers={"X-Shard": "eu"})
    await _get(copy, RequestOptions(headers={"X-Trace": "t1"}))
    with pytest.raises(InvalidParameterError, match="credential"):  # only ever the credential's
        RequestOptions(headers={"X-Trace": "t1", "Authorization": "Bearer forged"})
    headers = server.seen[0].headers
    assert headers["User-Agent"].startswith(f"liveops-async/{__version__}")
    assert (headers["X-Game"], headers["X-Shard"], headers["X-Trace"]) == ("g1", "eu", "t1")
    assert headers["Authorization"].startswith("Basic ")
    assert headers["Accept"] == "application/json"


async def test_views_of_a_with_options_copy_carry_its_settings(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    # Views have no `with_options` of their own: settings for one player's calls come from a
    # copy's view (`client.with_options(...).user(jwt)`), and the client's own views keep its.
    async def answer(request: web.Request) -> web.StreamResponse:
        return web.json_response({"bonus": []})

    server.handler = answer
    client = make_client(base_url=server.base_url)
    shard = client.with_options(headers={"X-Shard": "eu"})
    await shard.user(JWT).coupons.get_rewards("code-1")
    await shard.admin.coupons.get("c1")
    await shard.admin_as(AdminAuth(PROJECT_ID, "second-key")).coupons.get("c1")
    await client.user(JWT).coupons.get_rewards("code-1")
    assert [r.headers.get("X-Shard") for r in server.seen] == ["eu", "eu", "eu", None]


async def test_fixed_headers_keep_their_spelling_and_need_no_case_folding(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    # The headers of a credential without a token provider are built once per requester, their
    # names as multidict `istr`s so that aiohttp does not fold their case on every request;
    # the names still go out exactly as spelt.
    client = make_client(base_url=server.base_url, default_headers={"x-Game-ID": "g1"})
    requester = client.requester(client._admin_auth)
    fixed = requester._static_headers  # type: ignore[attr-defined]
    assert fixed is not None
    for headers in fixed:
        assert all(type(name) is istr for name in headers), headers
    await _get(client)
    sent = set(server.seen[0].headers)
    assert {"x-Game-ID", "User-Agent", "Accept", "Authorization"} <= sent
    assert server.seen[0].headers["x-Game-ID"] == "g1"


@pytest.mark.parametrize("headers", [{"X-A": "v\r\nX-B: 1"}, {"X-A\n": "v"}, {"": "v"}])
def test_header_injection_is_refused(headers: dict[str, str]) -> None:
    with pytest.raises(InvalidParameterError):
        RequestOptions(headers=headers)
    with pytest.raises(InvalidParameterError):
        LiveOpsClient(default_headers=headers)


def test_with_options_refuses_an_unknown_setting() -> None:
    client = LiveOpsClient(project_id=1, api_key="k")
    with pytest.raises(TypeError, match="time_out"):
        client.with_options(time_out=5)  # type: ignore[call-arg]
    assert client.with_options(validate_requests=False, timeout=None).timeouts == client.timeouts


@pytest.mark.parametrize("retry", [3, "3", RetryPolicy])
def test_a_retry_that_is_no_retry_policy_is_refused_at_every_level(retry: object) -> None:
    """`retry=3` (meant: max_retries=3) was taken by the client, `with_options` and
    `RequestOptions`, and failed as an AttributeError ('int' object has no attribute
    'retry_statuses') only when a call needed a retry decision, in an outage."""
    client = LiveOpsClient(project_id=1, api_key="k")
    makers: list[Callable[[], object]] = [
        lambda: LiveOpsClient(project_id=1, api_key="k", retry=retry),  # type: ignore[arg-type]
        lambda: LiveOpsClient(project_id=1, api_key="k", retry=retry, max_retries=1),  # type: ignore[arg-type]
        lambda: client.with_options(retry=retry),  # type: ignore[arg-type]
        lambda: RequestOptions(retry=retry),  # type: ignore[arg-type]
    ]
    for make in makers:
        with pytest.raises(
            InvalidParameterError, match=r"retry must be a RetryPolicy.*max_retries="
        ):
            make()
    assert client.with_options(retry=None).retry == client.retry


def _log(event: object) -> None:
    pass


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ({"on_request": _log}, r"on_request must be a list of functions, got function \(pass"),
        ({"on_response": [_log, 3]}, r"on_response\[1\] must be a function"),
        ({"on_settle": "log"}, "on_settle must be a list of functions, got str"),
        ({"rate_limiter": 3}, "rate_limiter must be a RateLimiter"),
        ({"rate_limiter": TokenBucketLimiter}, "rate_limiter .* the class TokenBucketLimiter"),
        ({"retry_budget": RetryBudget}, "retry_budget .* the class RetryBudget"),
        ({"retry_budget": 3}, "retry_budget must be a RetryBudget"),
        ({"telemetry": object()}, "telemetry must be a Telemetry"),
        ({"connector": "tcp"}, "connector must be an aiohttp connector"),
        ({"keepalive_timeout": -1}, "keepalive_timeout must be a finite number"),
        ({"trust_env": "no"}, "trust_env must be True or False"),
    ],
)
def test_a_setting_of_the_wrong_kind_is_refused_naming_it(
    setting: dict[str, Any], named: str
) -> None:
    """These were taken as given and failed later, untyped: `on_request=log` as "'function'
    object is not iterable", `rate_limiter=3` at the first call and `retry_budget=RetryBudget`
    (the class) at the first retry, as an AttributeError or TypeError; a hook list item that
    cannot be called as a hook failure logged at every call; `connector="tcp"` at the first
    call; `trust_env="no"` turned the environment's proxies on."""
    with pytest.raises(InvalidParameterError, match=named):
        LiveOpsClient(project_id=1, api_key="k", **setting)
    good = {
        "on_request": [_log],
        "rate_limiter": TokenBucketLimiter(1.0),
        "retry_budget": RetryBudget(),
    }
    LiveOpsClient(project_id=1, api_key="k", **good)  # type: ignore[arg-type]


async def test_cookies_from_one_response_never_reach_another_call(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    async def set_cookie(request: web.Request) -> web.StreamResponse:
        response = web.json_response({"external_id": "c1", "bonus": 1})
        response.set_cookie("session", "player-1-private")
        return response

    server.handler = set_cookie
    client = make_client(base_url=server.base_url)
    await client.requester(UserAuth(JWT)).request(_ops.GET_REWARDS, path={"coupon_code": "a"})
    await client.requester(UserAuth(JWT + "b")).request(_ops.GET_REWARDS, path={"coupon_code": "b"})
    assert "Cookie" not in server.seen[1].headers


async def test_own_session_requires_tls_1_2(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    assert default_ssl_context().minimum_version == ssl.TLSVersion.TLSv1_2
    assert default_ssl_context().verify_mode == ssl.CERT_REQUIRED
    client = make_client(base_url=server.base_url)
    await _get(client)
    session, _ = client._transport.session()
    context = session.connector._ssl  # type: ignore[union-attr]
    assert isinstance(context, ssl.SSLContext)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


async def test_pool_size_configures_the_connector(
    make_client: Callable[..., LiveOpsClient],
) -> None:
    client = make_client(pool_size=7, pool_size_per_host=3)
    session, pool = client._transport.session()
    assert session.connector is not None
    assert (session.connector.limit, session.connector.limit_per_host) == (7, 3)
    # Every call goes to the one API host: the per-host limit bounds the calls in flight, and
    # a call waiting for one of those connections waits at the gate (PoolTimeoutError).
    assert pool._value == 3  # type: ignore[attr-defined]
    with pytest.raises(InvalidParameterError):
        LiveOpsClient(pool_size=0)


async def test_many_players_share_one_bounded_pool(server: ScriptedServer) -> None:
    peers: set[object] = set()

    async def handler(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        peers.add(request.transport.get_extra_info("peername"))
        await asyncio.sleep(0.001)
        return web.json_response({"bonus": 1})

    server.handler = handler
    async with LiveOpsClient(project_id=1, base_url=server.base_url, pool_size=8) as client:
        results = await asyncio.gather(
            *(
                client.requester(UserAuth(f"jwt.player-{n}.sig")).request(
                    _ops.GET_REWARDS, path={"coupon_code": f"code-{n}"}
                )
                for n in range(1000)
            )
        )
    assert results == [_ops.Rewards(bonus=1)] * 1000
    assert len({s.headers["Authorization"] for s in server.seen}) == 1000
    assert len(peers) <= 8


async def test_a_shared_connector_closed_by_its_owner_is_named_as_the_connector(
    server: ScriptedServer,
) -> None:
    connector = aiohttp.TCPConnector()
    async with LiveOpsClient(
        project_id=1, api_key="k", base_url=server.base_url, connector=connector
    ) as client:
        await _get(client)
        await connector.close()
        with pytest.raises(ClientClosedError, match="aiohttp connector given to LiveOpsClient"):
            await _get(client)


async def _unavailable(request: web.Request) -> web.StreamResponse:
    """A 503 asking for an immediate retry."""
    return web.json_response({"errorCode": 0}, status=503, headers={"Retry-After": "0"})


class _HeldLimiter:
    """A rate limiter that lets the first `passes` attempts go, and holds every later one until
    the test's end."""

    def __init__(self, passes: int = 0) -> None:
        self.waiting = asyncio.Event()
        self._passes = passes

    async def acquire(self, key: str) -> None:
        if self._passes:
            self._passes -= 1
            return
        self.waiting.set()
        await asyncio.Event().wait()

    async def on_rate_limited(self, key: str, retry_after: float) -> None:
        pass

    async def aclose(self) -> None:
        pass


async def _parked(client: LiveOpsClient, limiter: _HeldLimiter) -> asyncio.Task[object]:
    """A call waiting in the limiter, and the task running it."""
    call = asyncio.create_task(_get(client))
    await asyncio.wait_for(limiter.waiting.wait(), 15)  # a hang guard only
    return call


async def test_a_callers_cancel_of_a_call_waiting_for_the_rate_limiter_stays_a_cancel(
    server: ScriptedServer,
) -> None:
    """Only aclose()'s cancel of a call waiting for the limiter becomes ClientClosedError; the
    caller's own `task.cancel()` (or a timeout of its own) propagates as CancelledError, and
    the client stays usable."""
    limiter = _HeldLimiter()
    async with LiveOpsClient(
        project_id=1, api_key="k", base_url=server.base_url, rate_limiter=limiter
    ) as client:
        call = await _parked(client, limiter)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert not client.closed and server.seen == []
        assert client._transport.attempt_deadlines._waiting == {}  # type: ignore[union-attr]


async def test_aclose_of_a_call_waiting_for_the_rate_limiter_leaves_no_cancel_pending(
    server: ScriptedServer,
) -> None:
    """The ClientClosedError a close gives a call waiting for the limiter does not leave the
    task marked as cancelled (Python 3.11+ `uncancel`): an `asyncio.timeout` or TaskGroup
    around the call is not confused by it, and the task goes on normally."""
    limiter = _HeldLimiter()
    client = LiveOpsClient(
        project_id=1, api_key="k", base_url=server.base_url, rate_limiter=limiter
    )

    async def call_then_go_on() -> tuple[ClientClosedError, int]:
        try:
            await _get(client)
        except ClientClosedError as exc:
            await asyncio.sleep(0)  # still running: no cancel was left pending
            task = asyncio.current_task()
            assert task is not None
            return exc, task.cancelling() if sys.version_info >= (3, 11) else 0
        raise AssertionError("the call ended without ClientClosedError")

    call = asyncio.create_task(call_then_go_on())
    await asyncio.wait_for(limiter.waiting.wait(), 15)  # a hang guard only
    await client.aclose()
    closed, cancelling = await asyncio.wait_for(call, 15)
    assert "rate limiter" in str(closed) and "not sent" in str(closed)
    assert cancelling == 0
    assert server.seen == []


async def test_aclose_of_a_retry_waiting_for_the_rate_limiter_says_it_was_not_retried(
    server: ScriptedServer,
) -> None:
    """A retry (after a 503) that waits for the limiter when the client is closed: the call
    ends with ClientClosedError saying it was not retried; one request reached the server."""

    server.handler = _unavailable
    limiter = _HeldLimiter(passes=1)
    client = LiveOpsClient(
        project_id=1, api_key="k", base_url=server.base_url, rate_limiter=limiter, max_retries=2
    )
    call = await _parked(client, limiter)
    await client.aclose()
    with pytest.raises(ClientClosedError, match="rate limiter; it was not retried"):
        await asyncio.wait_for(call, 15)  # a hang guard only
    assert len(server.seen) == 1


async def test_closing_one_client_leaves_another_clients_wait_for_a_shared_limiter(
    server: ScriptedServer,
) -> None:
    """Two clients share one limiter: closing one ends its own waiting call only; the other
    client's call keeps waiting for its turn."""
    limiter = _HeldLimiter()
    closing = LiveOpsClient(
        project_id=1, api_key="k", base_url=server.base_url, rate_limiter=limiter
    )
    async with LiveOpsClient(
        project_id=1, api_key="k", base_url=server.base_url, rate_limiter=limiter
    ) as staying:
        ended = await _parked(closing, limiter)
        limiter.waiting.clear()
        waiting = await _parked(staying, limiter)
        await closing.aclose()
        with pytest.raises(ClientClosedError, match="rate limiter"):
            await asyncio.wait_for(ended, 15)  # a hang guard only
        for _ in range(20):  # the close had every chance to reach the other call
            await asyncio.sleep(0)
        assert not waiting.done()
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
    assert server.seen == []


@pytest.mark.skipif(sys.version_info < (3, 11), reason="who cancelled is known from 3.11 on")
async def test_a_callers_cancel_wins_over_a_close_at_the_same_time(
    server: ScriptedServer,
) -> None:
    """The caller cancels a call waiting for the limiter, and the client is closed before the
    call sees either: the caller's cancel is not swallowed into ClientClosedError."""
    limiter = _HeldLimiter()
    client = LiveOpsClient(
        project_id=1, api_key="k", base_url=server.base_url, rate_limiter=limiter
    )
    call = await _parked(client, limiter)
    call.cancel()
    await client.aclose()
    with pytest.raises(asyncio.CancelledError):
        await call


async def test_a_wait_announced_after_the_close_is_refused_at_once() -> None:
    """A call that reaches the limiter after aclose() (its token provider took that long)
    is not sent and does not wait for a token first."""
    deadlines = AttemptDeadlines(asyncio.get_running_loop())
    deadlines.close()
    task = asyncio.current_task()
    assert task is not None
    with pytest.raises(ClientClosedError, match="not sent"):
        deadlines.wait_started(task)


class _HeldTokens:
    """A token provider that answers the first `passes` times and then never again."""

    def __init__(self, passes: int = 0) -> None:
        self.waiting = asyncio.Event()
        self._passes = passes

    async def __call__(self) -> str:
        if self._passes:
            self._passes -= 1
            return JWT
        self.waiting.set()
        await asyncio.Event().wait()
        raise AssertionError("never answered")


async def _player_call(client: LiveOpsClient, tokens: _HeldTokens) -> object:
    return await client.requester(UserAuth(tokens)).request(
        _ops.GET_REWARDS, path={"coupon_code": "GIFT"}
    )


async def test_aclose_ends_a_call_waiting_for_its_token_provider(server: ScriptedServer) -> None:
    """A caller's token provider that never answers does not keep a call alive after
    aclose(): it ends with ClientClosedError, unsent, as a wait for the rate limiter does."""
    tokens = _HeldTokens()
    client = LiveOpsClient(project_id=1, base_url=server.base_url)
    call = asyncio.create_task(_player_call(client, tokens))
    await asyncio.wait_for(tokens.waiting.wait(), 15)  # a hang guard only
    await client.aclose()
    with pytest.raises(ClientClosedError, match="token provider; it was not sent"):
        await asyncio.wait_for(call, 15)  # a hang guard only
    assert server.seen == []


async def test_aclose_ends_a_retry_waiting_for_its_token_provider(server: ScriptedServer) -> None:
    server.handler = _unavailable
    tokens = _HeldTokens(passes=1)
    client = LiveOpsClient(project_id=1, base_url=server.base_url, max_retries=2)
    call = asyncio.create_task(_player_call(client, tokens))
    await asyncio.wait_for(tokens.waiting.wait(), 15)  # a hang guard only
    await client.aclose()
    with pytest.raises(ClientClosedError, match="token provider; it was not retried"):
        await asyncio.wait_for(call, 15)  # a hang guard only
    assert len(server.seen) == 1


async def test_a_callers_cancel_of_a_call_waiting_for_its_token_provider_stays_a_cancel(
    server: ScriptedServer,
) -> None:
    tokens = _HeldTokens()
    async with LiveOpsClient(project_id=1, base_url=server.base_url) as client:
        call = asyncio.create_task(_player_call(client, tokens))
        await asyncio.wait_for(tokens.waiting.wait(), 15)  # a hang guard only
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert not client.closed
        assert client._transport.attempt_deadlines._waiting == {}  # type: ignore[union-attr]


class _HeldBudget:
    """A retry budget of the caller's whose answer never comes (a shared store that hangs)."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()

    async def try_acquire(self) -> bool:
        self.waiting.set()
        await asyncio.Event().wait()
        return True

    def record_success(self) -> None:
        pass


class _HeldPause(_HeldLimiter):
    """A rate limiter whose pause after a 429 never returns."""

    def __init__(self) -> None:
        super().__init__(passes=1_000)

    async def on_rate_limited(self, key: str, retry_after: float) -> None:
        self.waiting.set()
        await asyncio.Event().wait()


@pytest.mark.parametrize("held", ["retry budget", "rate limiter pause"])
async def test_aclose_ends_a_call_waiting_for_the_retry_budget_or_a_429_pause(
    server: ScriptedServer, held: str
) -> None:
    """After a failed attempt the call may wait for the retry budget or for the limiter to
    hear of the 429: aclose() ends those waits too, not retried, the attempt's error as the
    cause."""
    status = 429 if held == "rate limiter pause" else 503

    async def failing(request: web.Request) -> web.StreamResponse:
        return web.json_response({"errorCode": 0}, status=status, headers={"Retry-After": "0"})

    server.handler = failing
    waiter: _HeldBudget | _HeldPause
    if held == "retry budget":
        waiter = _HeldBudget()
        settings: dict[str, Any] = {"retry_budget": waiter}
    else:
        waiter = _HeldPause()
        settings = {"rate_limiter": waiter}
    client = LiveOpsClient(
        project_id=1, api_key="k", base_url=server.base_url, max_retries=2, **settings
    )
    call = asyncio.create_task(_get(client))
    await asyncio.wait_for(waiter.waiting.wait(), 15)  # a hang guard only
    await client.aclose()
    with pytest.raises(ClientClosedError, match="it was not retried") as info:
        await asyncio.wait_for(call, 15)  # a hang guard only
    assert ("retry budget" if held == "retry budget" else "rate limiter") in str(info.value)
    assert isinstance(info.value.__cause__, APIStatusError)
    assert info.value.__cause__.status == status
    assert len(server.seen) == 1
