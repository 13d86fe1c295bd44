"""Every transport option keeps every guarantee: the never-sent-twice, typed-error and
player-isolation suites run on the SDK's own session, through a real forward proxy (given as
`proxy=` and found in the environment with `trust_env=True`), over a connector the caller
shares, and on sessions the caller owns, one of them with `raise_for_status=True`. A session on
which a guarantee cannot hold is refused, naming the setting."""

from __future__ import annotations

import asyncio
import gzip
import shutil
import ssl
import subprocess  # nosec B404 - openssl makes a throwaway certificate
import uuid
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from liveops_async import (
    APIConnectionError,
    APIStatusError,
    ClientClosedError,
    InternalServerError,
    InvalidParameterError,
    LiveOpsClient,
    NotFoundError,
    PoolTimeoutError,
    RateLimitError,
    RequestEvent,
    RequestOptions,
    ResponseDecodeError,
    ResponseEvent,
    RetryPolicy,
    Timeouts,
)
from liveops_async.lib.ratelimit import RateLimiter, RedisTokenBucketLimiter, TokenBucketLimiter
from tests._ports import refusing_port
from tests.ratelimit._support import RedisServer

from . import _fault_server as fs
from ._calls import COUPON_GET, COUPON_REDEEM, LIMIT_DECREASE, Call
from ._proxy import PROXY_PASSWORD, PROXY_USER, Proxy, running_proxy
from ._secrets import CANARIES, assert_no_canary, assert_no_secret_in_locals, shown_text
from .conftest import FAST_RETRY, PROJECT_ID, ROOMY_TIMEOUTS, outcome

_PROXY_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "WS_PROXY", "WSS_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "no_proxy", "ws_proxy", "wss_proxy",
)  # fmt: skip

TRANSPORTS = ("own", "proxy", "trust_env", "connector", "session", "session_raise_for_status")


async def _generate_codes(client: LiveOpsClient) -> object:
    return await client.admin.coupons.generate_codes("c1", count=5)


GENERATE_CODES = Call(
    "coupons.generate_codes", False, "/admin/coupon/c1/code/generate", None, _generate_codes
)
NEVER_TWICE = (COUPON_REDEEM, LIMIT_DECREASE, GENERATE_CODES)


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    with running_proxy() as started:
        yield started


@pytest.fixture(autouse=True)
def _no_proxy_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


ClientFactory = Callable[..., LiveOpsClient]
DUMMY_JAR = aiohttp.DummyCookieJar


@pytest.fixture(params=TRANSPORTS)
async def via(
    request: pytest.FixtureRequest, proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ClientFactory]:
    """A factory of clients to a fault server, all using one transport option."""
    option: str = request.param
    clients: list[LiveOpsClient] = []
    owned: list[Any] = []  # sessions and connectors the "caller" made and must close

    def transport_kwargs() -> dict[str, Any]:
        if option == "proxy":
            return {"proxy": proxy.url()}
        if option == "trust_env":
            monkeypatch.setenv("HTTP_PROXY", proxy.url())
            return {"trust_env": True}
        if option == "connector":
            connector = aiohttp.TCPConnector(limit=10)
            owned.append(connector)
            return {"connector": connector}
        if option.startswith("session"):
            session = aiohttp.ClientSession(
                cookie_jar=aiohttp.DummyCookieJar(),
                raise_for_status=option == "session_raise_for_status",
            )
            owned.append(session)
            return {"session": session}
        return {}

    def factory(server: fs.FaultServer, **kwargs: Any) -> LiveOpsClient:
        kwargs.setdefault("project_id", PROJECT_ID)
        kwargs.setdefault("api_key", CANARIES.api_key)
        kwargs.setdefault("retry", FAST_RETRY)
        kwargs.setdefault("timeout", ROOMY_TIMEOUTS)
        client = LiveOpsClient(base_url=server.base_url, **transport_kwargs(), **kwargs)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        await client.aclose()
    for thing in owned:
        await thing.close()


def _gzip_corrupt(body: bytes) -> bytes:
    packed = gzip.compress(body)
    return packed[:12] + b"\xff" * 8 + packed[20:]


# Never sent twice ------------------------------------------------------------------------------


@pytest.mark.parametrize("call", NEVER_TWICE, ids=repr)
async def test_dropped_keep_alive_never_resends_a_non_idempotent_call(
    via: ClientFactory, server: fs.FaultServer, call: Call
) -> None:
    client = via(server)
    await COUPON_GET.invoke(client)  # a kept-alive connection for the next call to reuse
    server.then(fs.close_before_response())

    error = await outcome(call.invoke(client))

    assert server.count(call.route) == 1, server.per_route
    assert isinstance(error, (APIConnectionError, APIStatusError)), repr(error)
    if isinstance(error, APIConnectionError):
        assert error.sent is True
    assert_no_canary(error)


# Typed errors ----------------------------------------------------------------------------------


async def test_error_statuses_are_typed_and_retried_by_the_rules(
    via: ClientFactory, server: fs.FaultServer
) -> None:
    client = via(server)
    server.then(fs.reply(404, {"errorCode": 4001, "errorMessage": "[0401-4001]: Not found"}))
    missing = await outcome(COUPON_GET.invoke(client))
    assert isinstance(missing, NotFoundError) and missing.code == "0401-4001", repr(missing)
    assert server.count(COUPON_GET.route) == 1

    server.then(*(fs.reply(503, {"errorMessage": "busy"}) for _ in range(3)))
    down = await outcome(COUPON_GET.invoke(client))
    assert isinstance(down, InternalServerError), repr(down)
    assert server.count(COUPON_GET.route) == 1 + FAST_RETRY.max_attempts

    server.then(fs.reply(429, {"errorMessage": "slow down"}, headers={"Retry-After": "0"}))
    throttled = await outcome(COUPON_REDEEM.invoke(client))
    assert isinstance(throttled, RateLimitError), repr(throttled)
    assert server.count(COUPON_REDEEM.route) == 1


async def test_no_failure_shows_a_credential_in_a_traceback_with_locals_on_any_transport(
    via: ClientFactory, server: fs.FaultServer
) -> None:
    """The traceback-with-locals promise (`test_traceback_locals.py`) on every transport: a
    borrowed session's or connector's aiohttp frames hold the headers as the SDK's own do."""
    client = via(server, max_retries=0)
    for action in (fs.reset_before_response(), fs.reply(404, {"errorMessage": "gone"})):
        server.then(action)
        error = await outcome(COUPON_REDEEM.invoke(client))
        assert isinstance(error, (APIConnectionError, APIStatusError)), repr(error)
        assert_no_secret_in_locals(error, PROXY_PASSWORD)


async def test_a_corrupt_compressed_answer_is_a_decode_error_not_retried(
    via: ClientFactory, server: fs.FaultServer
) -> None:
    client = via(server)
    body = _gzip_corrupt(b'{"external_id": "c1"}' * 50)
    server.then(fs.reply(200, raw=body, headers={"Content-Encoding": "gzip"}))
    error = await outcome(COUPON_GET.invoke(client))
    assert type(error) is ResponseDecodeError, repr(error)
    assert error.status == 200
    assert server.count(COUPON_GET.route) == 1


async def test_error_bodies_in_codings_and_charsets_aiohttp_leaves_keep_their_fields(
    via: ClientFactory, server: fs.FaultServer
) -> None:
    """The SDK's own decoding of what aiohttp leaves (tests/reliability/test_body_codings.py)
    holds on every transport: stacked codings, a declared charset, a body cut short."""
    from .test_body_codings import _cut_short, _error_body

    client = via(server, max_retries=0)
    body = _error_body(404, "Купон не найден").encode()
    answers = [
        fs.reply(
            404, raw=gzip.compress(gzip.compress(body)), headers={"Content-Encoding": "gzip, gzip"}
        ),
        fs.reply(
            404, raw=body.decode().encode("cp1251"), content_type="text/plain; charset=cp1251"
        ),
    ]
    for answer in answers:
        for call in (COUPON_GET, COUPON_REDEEM):
            server.then(answer)
            error = await outcome(call.invoke(client))
            assert isinstance(error, NotFoundError), repr(error)
            assert (error.error_code, error.message) == (4001, "Купон не найден"), repr(error)
    server.then(_cut_short(404, body, "close"))
    error = await outcome(COUPON_GET.invoke(client))
    assert isinstance(error, NotFoundError) and server.count(COUPON_GET.route) == 3, repr(error)


# Player isolation ------------------------------------------------------------------------------


async def test_one_players_cookies_and_token_never_reach_another(
    via: ClientFactory, server: fs.FaultServer
) -> None:
    client = via(server)
    server.then(
        fs.reply(
            200,
            {"items": []},
            headers={"Set-Cookie": "session=player-one-private; Path=/; HttpOnly"},
        )
    )
    first = client.user(CANARIES.jwt)
    second_jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGF5ZXItdHdvIn0.second-player-signature"
    second = client.user(second_jwt)
    await first.coupons.redeem(coupon_code="A")
    await second.coupons.redeem(coupon_code="B")
    await first.coupons.redeem(coupon_code="C")

    sent = [r for r in server.received if r.path.endswith(COUPON_REDEEM.route)]
    assert [r.headers["authorization"] for r in sent] == [
        f"Bearer {CANARIES.jwt}",
        f"Bearer {second_jwt}",
        f"Bearer {CANARIES.jwt}",
    ]
    assert all("cookie" not in r.headers for r in sent), [r.headers for r in sent]


async def test_a_guest_call_carries_no_one_elses_authorization(
    via: ClientFactory, server: fs.FaultServer
) -> None:
    """A guest cart call has no Authorization of its own: none may come from elsewhere (default
    headers, a call's options, the session's own defaults), or the API would act on another
    player's cart."""
    with pytest.raises(InvalidParameterError, match="Authorization"):
        via(server, default_headers={"authorization": f"Bearer {CANARIES.jwt}"})
    client = via(server)
    with pytest.raises(InvalidParameterError, match="Authorization"):
        client.with_options(headers={"Authorization": f"Bearer {CANARIES.jwt}"})
    with pytest.raises(InvalidParameterError, match="Authorization"):
        RequestOptions(headers={"AUTHORIZATION": f"Bearer {CANARIES.jwt}"})
    server.default = fs.reply(200, {"cart_id": "1", "items": []})
    await client.guest("guest-1", "guest@example.com").promo_codes.redeem(coupon_code="A")
    (sent,) = server.received
    assert "authorization" not in sent.headers and sent.headers["x-unauthorized-id"] == "guest-1"


@pytest.mark.parametrize("borrowed", ["connector", "session", "pool_size_per_host"])
async def test_waiting_for_a_borrowed_pools_connection_is_a_pool_timeout(
    borrowed: str, server: fs.FaultServer
) -> None:
    """A borrowed connector (or session) smaller than `pool_size`, or a `pool_size_per_host`
    below it, bounds the calls in flight as `pool_size` does: a call that waits for one of
    those connections ends with PoolTimeoutError after the pool timeout, not with a
    ConnectTimeoutError that names the wrong phase."""
    server.default = fs.slow_headers(30.0)
    connector = aiohttp.TCPConnector(limit=1)
    given: dict[str, Any] = {"connector": connector}
    if borrowed == "session":
        given = {"session": aiohttp.ClientSession(connector=connector, cookie_jar=DUMMY_JAR())}
    elif borrowed == "pool_size_per_host":
        await connector.close()
        given = {"pool_size_per_host": 1}
    client = LiveOpsClient(
        base_url=server.base_url,
        project_id=PROJECT_ID,
        api_key=CANARIES.api_key,
        timeout=Timeouts(total=60.0, connect=10.0, read=60.0, pool=0.2),
        max_retries=0,
        **given,
    )
    try:
        holding = asyncio.create_task(outcome(COUPON_GET.invoke(client)))
        while not server.received:
            await asyncio.sleep(0.01)
        waiting = await outcome(COUPON_GET.invoke(client))
        assert isinstance(waiting, PoolTimeoutError), waiting
        assert waiting.sent is False
        await client.aclose()
        assert isinstance(await holding, ClientClosedError)
    finally:
        await client.aclose()
        if borrowed != "pool_size_per_host":
            await given[borrowed].close()


# Closing under traffic -------------------------------------------------------------------------


async def test_closing_the_client_ends_calls_in_flight_and_sends_no_waiting_call(
    via: ClientFactory, server: fs.FaultServer
) -> None:
    """aclose() keeps its promise on every transport: a borrowed session or connector stays
    open for its owner, but the client's own calls end (in flight: ClientClosedError; waiting
    for a pooled connection: never sent). Each attempt's request event gets its response
    event, with that ClientClosedError: hooks counting attempts in flight end at zero."""
    server.default = fs.slow_headers(30.0)  # answers long after the hang guard below
    in_flight: list[int] = [0]
    ended: list[ResponseEvent] = []

    def on_request(event: RequestEvent) -> None:
        in_flight[0] += 1

    def on_response(event: ResponseEvent) -> None:
        in_flight[0] -= 1
        ended.append(event)

    client = via(
        server,
        pool_size=2,
        timeout=Timeouts(total=60.0, read=60.0, pool=60.0),
        on_request=[on_request],
        on_response=[on_response],
    )
    player = client.user(CANARIES.jwt)
    calls = [
        asyncio.create_task(
            outcome(
                player.coupons.redeem(coupon_code=f"code-{n}")
                if n % 2
                else client.admin.coupons.get(f"c{n}")
            )
        )
        for n in range(6)
    ]
    while len(server.received) < 2:  # the pool is full; four calls wait for a connection
        await asyncio.sleep(0.01)
    await client.aclose()
    results = await asyncio.wait_for(asyncio.gather(*calls), 15)  # a hang guard only
    assert all(isinstance(r, ClientClosedError) for r in results), results
    assert len(server.received) == 2  # the waiting calls were not sent after the close
    assert in_flight == [0] and len(ended) == 6, ended
    assert all(isinstance(e.error, ClientClosedError) for e in ended), ended
    with pytest.raises(ClientClosedError):
        await client.admin.coupons.get("late")


class _Turnstile:
    """A limiter of the caller's own (the `RateLimiter` protocol): the first call passes, every
    later one waits until `open` is called, which no test does."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()
        self._opened = asyncio.Event()
        self._passed = False

    async def acquire(self, key: str) -> None:
        if not self._passed:
            self._passed = True
            return
        self.waiting.set()
        await self._opened.wait()

    def open(self) -> None:
        self._opened.set()

    async def on_rate_limited(self, key: str, retry_after: float) -> None:
        pass

    async def aclose(self) -> None:
        pass


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not on PATH; scripts/ensure-redis.sh installs it")
    server = RedisServer.started(exe, tmp_path_factory.mktemp("redis"))
    try:
        yield server.url
    finally:
        server.stop()


LIMITERS = ("local", pytest.param("redis", marks=pytest.mark.redis), "callers_own")


@pytest.fixture(params=LIMITERS)
async def parked_limiter(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[RateLimiter, asyncio.Event]]:
    """A rate limiter that lets one call go and makes the next wait (for a token 100 s away,
    or for ever), and an event set once a call waits in it."""
    kind: str = request.param
    if kind == "callers_own":
        turnstile = _Turnstile()
        yield turnstile, turnstile.waiting
        return
    waiting = asyncio.Event()

    async def announcing_sleep(delay: float) -> None:
        waiting.set()
        await asyncio.sleep(delay)

    limiter: TokenBucketLimiter | RedisTokenBucketLimiter
    if kind == "local":
        limiter = TokenBucketLimiter(0.01, 1, sleep=announcing_sleep)
    else:
        url = request.getfixturevalue("redis_url")
        prefix = f"close-test:{uuid.uuid4().hex}:"  # a bucket of its own on the shared server
        limiter = RedisTokenBucketLimiter(url, 0.01, 1, key_prefix=prefix, sleep=announcing_sleep)
    yield limiter, waiting
    await limiter.aclose()


async def test_closing_the_client_ends_a_call_waiting_for_the_rate_limiter(
    via: ClientFactory,
    server: fs.FaultServer,
    parked_limiter: tuple[RateLimiter, asyncio.Event],
) -> None:
    """A call waiting for the client-side rate limiter (its token due in 100 s, or a limiter of
    the caller's own that never lets it go) ends at once on aclose() with ClientClosedError,
    unsent, on every transport and with every kind of limiter; another call's own cancel of
    a waiting call stays a CancelledError (tests/runtime/test_lifecycle.py)."""
    limiter, waiting = parked_limiter
    client = via(server, rate_limiter=limiter)
    await outcome(client.admin.coupons.get("c1"))  # takes the only token
    call = asyncio.create_task(outcome(client.admin.coupons.get("c2")))
    await asyncio.wait_for(waiting.wait(), 15)  # a hang guard only: it waits at once
    await client.aclose()
    result = await asyncio.wait_for(call, 15)  # a hang guard only: the token is 100 s away
    assert isinstance(result, ClientClosedError), repr(result)
    assert "rate limiter" in str(result) and "not sent" in str(result), result
    assert len(server.received) == 1  # the waiting call was never sent


async def test_closing_the_client_ends_a_call_pausing_between_attempts(
    via: ClientFactory, server: fs.FaultServer
) -> None:
    """A call waiting out its backoff (here a 503's Retry-After of 50 s) is not retried after
    aclose(): it ends at once with ClientClosedError, on every transport."""
    server.default = fs.reply(503, {"errorCode": 0}, headers={"Retry-After": "50"})
    retry = RetryPolicy(max_attempts=3, retry_after_cap=60.0, total_budget=120.0)
    client = via(server, retry=retry, timeout=ROOMY_TIMEOUTS)
    call = asyncio.create_task(outcome(client.admin.coupons.get("c1")))
    while len(server.received) < 1:  # answered 503: the call now pauses for 50 s
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    await client.aclose()
    result = await asyncio.wait_for(call, 15)  # a hang guard only: the pause is 50 s
    assert isinstance(result, ClientClosedError), repr(result)
    assert len(server.received) == 1  # not retried after the close


# The proxy is really used, and proxy settings are honoured -------------------------------------


async def test_calls_go_through_the_proxy_and_its_credentials_stay_secret(
    proxy: Proxy, server: fs.FaultServer
) -> None:
    wrong = "CANARY-wrong-proxy-pass"
    async with LiveOpsClient(
        base_url=server.base_url,
        project_id=PROJECT_ID,
        api_key=CANARIES.api_key,
        retry=FAST_RETRY,
        proxy=proxy.url(password=wrong),
    ) as client:
        refused = await outcome(COUPON_GET.invoke(client))
    # The proxy refused the credentials, so nothing reached the server.
    assert isinstance(refused, APIStatusError) and refused.status == 407, repr(refused)
    assert server.count(COUPON_GET.route) == 0
    assert wrong not in shown_text(refused)
    assert_no_canary(refused)

    async with LiveOpsClient(
        base_url=server.base_url, project_id=PROJECT_ID, api_key="k", proxy=proxy.url()
    ) as client:
        await COUPON_GET.invoke(client)
    [arrived] = server.received
    assert "proxy-authorization" not in arrived.headers  # the proxy consumed it


async def test_a_proxy_that_cannot_be_reached_is_named_as_the_proxy(
    server: fs.FaultServer,
) -> None:
    with refusing_port() as port:
        async with LiveOpsClient(
            base_url=server.base_url,
            project_id=PROJECT_ID,
            api_key="k",
            max_retries=0,
            proxy=f"http://127.0.0.1:{port}",
        ) as client:
            failed = await outcome(COUPON_GET.invoke(client))
    assert isinstance(failed, APIConnectionError), repr(failed)
    assert f"cannot connect to the proxy 127.0.0.1:{port}" in str(failed)
    assert failed.sent is False and server.count(COUPON_GET.route) == 0


async def test_no_proxy_in_the_environment_is_honoured(
    proxy: Proxy, server: fs.FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url(password="CANARY-wrong-proxy-pass"))
    async with LiveOpsClient(
        base_url=server.base_url, project_id=PROJECT_ID, api_key="k", trust_env=True
    ) as client:
        refused = await outcome(COUPON_GET.invoke(client))
        assert isinstance(refused, APIStatusError) and refused.status == 407, repr(refused)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with LiveOpsClient(
        base_url=server.base_url, project_id=PROJECT_ID, api_key="k", trust_env=True
    ) as client:
        await COUPON_GET.invoke(client)  # straight to the server
    assert server.count(COUPON_GET.route) == 1


@pytest.mark.parametrize(
    "proxy_url",
    [
        "http://proxy-user:CANARY-env-proxy-pass@127.0.0.1:99999",  # a port out of range
        "http://proxy-user:CANARY-env-proxy-pass@127.0.0.1:port",
        "http://proxy-user:CANARY-env-proxy-pass@[::1",  # a broken IPv6 address
    ],
)
async def test_an_environment_proxy_that_is_no_url_is_a_typed_error_without_its_password(
    proxy_url: str, server: fs.FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp's parser raised a bare ValueError out of every call; the call is refused
    naming the setting, nothing is sent, and the variable's value is not shown."""
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    async with LiveOpsClient(
        base_url=server.base_url, project_id=PROJECT_ID, api_key="k" * 8, trust_env=True
    ) as client:
        error = await outcome(client.admin.coupons.get("c1"))
    assert isinstance(error, InvalidParameterError), repr(error)
    assert "HTTP_PROXY" in str(error) and "CANARY-env-proxy-pass" not in shown_text(error)
    assert server.received == []


async def test_without_trust_env_the_environment_proxy_is_ignored(
    server: fs.FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    async with LiveOpsClient(base_url=server.base_url, project_id=PROJECT_ID, api_key="k") as c:
        await COUPON_GET.invoke(c)
    assert server.count(COUPON_GET.route) == 1


async def test_netrc_gives_proxy_credentials_and_never_clashes_with_the_api_credential(
    proxy: Proxy, server: fs.FaultServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # One .netrc entry for 127.0.0.1: the proxy's host and the API's. It may log in to the
    # proxy; it must not replace (or clash with) the credential sent to the API.
    netrc = tmp_path / "netrc"
    netrc.write_text(f"machine 127.0.0.1 login proxy-user password {PROXY_PASSWORD}\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.port}")
    async with LiveOpsClient(
        base_url=server.base_url, project_id=PROJECT_ID, api_key=CANARIES.api_key, trust_env=True
    ) as client:
        await COUPON_GET.invoke(client)
        server.default = fs.reply(400, {"errorMessage": f"echo {PROXY_PASSWORD}"})
        echoed = await outcome(COUPON_GET.invoke(client))
    [arrived, _] = server.received
    assert arrived.headers["authorization"] == f"Basic {CANARIES.basic}"
    assert isinstance(echoed, APIStatusError) and echoed.status == 400
    assert PROXY_PASSWORD not in shown_text(echoed)
    monkeypatch.delenv("HTTP_PROXY")
    server.default = fs.reply(200, {"external_id": "c1"})
    async with LiveOpsClient(
        base_url=server.base_url, project_id=PROJECT_ID, api_key=CANARIES.api_key, trust_env=True
    ) as client:
        await COUPON_GET.invoke(client)  # no proxy: .netrc is not used for the API host
    assert server.received[-1].headers["authorization"] == f"Basic {CANARIES.basic}"


async def test_https_calls_tunnel_through_the_proxy_with_its_credentials(
    proxy: Proxy, tmp_path: Path
) -> None:
    from .test_security import _server_context

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    _make_certificate(cert, key)
    async with fs.FaultServer(ssl_context=_server_context((cert, key), legacy=False)) as tls:
        async with LiveOpsClient(
            base_url=tls.base_url,
            project_id=PROJECT_ID,
            api_key=CANARIES.api_key,
            proxy=proxy.url(),
            ca_bundle=cert,
        ) as client:
            await COUPON_GET.invoke(client)
        async with LiveOpsClient(
            base_url=tls.base_url,
            project_id=PROJECT_ID,
            api_key=CANARIES.api_key,
            proxy=proxy.url(password="CANARY-wrong-proxy-pass"),
            ca_bundle=cert,
            max_retries=0,
        ) as client:
            refused = await outcome(COUPON_GET.invoke(client))
    [arrived] = tls.received  # the tunnel carried the call; the refused one never arrived
    assert "proxy-authorization" not in arrived.headers
    assert isinstance(refused, APIConnectionError) and refused.sent is False, repr(refused)
    assert "CANARY-wrong-proxy-pass" not in shown_text(refused)


def test_proxy_must_be_an_http_url() -> None:
    for bad in ("socks5://127.0.0.1:1080", "127.0.0.1:8080", "ftp://x"):
        with pytest.raises(InvalidParameterError, match="proxy"):
            LiveOpsClient(proxy=bad)


async def test_a_shared_connector_stays_open_and_tls_follows_the_sdk_rules(
    server: fs.FaultServer,
) -> None:
    connector = aiohttp.TCPConnector()
    try:
        async with LiveOpsClient(
            base_url=server.base_url, project_id=PROJECT_ID, api_key="k", connector=connector
        ) as client:
            await COUPON_GET.invoke(client)
            context = client._transport.request_options["ssl"]
            assert isinstance(context, ssl.SSLContext)
            assert context.minimum_version == ssl.TLSVersion.TLSv1_2
        assert not connector.closed
    finally:
        await connector.close()


# CA bundle -------------------------------------------------------------------------------------


def _make_certificate(cert: Path, key: Path) -> None:
    """A throwaway self-signed certificate for 127.0.0.1 (openssl CLI, EC key: fast)."""
    subprocess.run(  # nosec B603 B607 - openssl with fixed arguments
        [
            "openssl", "req", "-x509", "-nodes", "-days", "1",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip


async def test_ca_bundle_trusts_a_private_ca(tmp_path: Path) -> None:
    from .test_security import _server_context

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    _make_certificate(cert, key)
    async with fs.FaultServer(ssl_context=_server_context((cert, key), legacy=False)) as tls:
        async with LiveOpsClient(
            base_url=tls.base_url, project_id=PROJECT_ID, api_key="k", ca_bundle=cert
        ) as client:
            await COUPON_GET.invoke(client)
        async with LiveOpsClient(base_url=tls.base_url, project_id=PROJECT_ID, api_key="k") as c:
            untrusted = await outcome(COUPON_GET.invoke(c))
        assert isinstance(untrusted, APIConnectionError) and "TLS" in str(untrusted)
    assert tls.count(COUPON_GET.route) == 1
    with pytest.raises(InvalidParameterError, match="ca_bundle"):
        LiveOpsClient(ca_bundle=tmp_path / "missing.pem")
    with pytest.raises(InvalidParameterError, match="ssl_context or ca_bundle"):
        LiveOpsClient(ca_bundle=cert, ssl_context=ssl.create_default_context())


# Sessions that cannot keep the guarantees are refused ------------------------------------------


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({}, "cookie_jar"),  # aiohttp's default jar shares cookies between players
        ({"cookie_jar": "dummy", "headers": {"Cookie": "a=b"}}, "Cookie"),
        # Sent with every call that has no Authorization of its own: a guest's cart call.
        ({"cookie_jar": "dummy", "headers": {"authorization": "Bearer x"}}, "Authorization"),
        # Would frame every request wrongly: the rest of a body became a second request.
        ({"cookie_jar": "dummy", "headers": {"Content-Length": "5"}}, "Content-Length"),
        ({"cookie_jar": "dummy", "headers": {"Host": "admin.internal.example"}}, "Host"),
        # Every body call sent plain JSON labelled gzip.
        ({"cookie_jar": "dummy", "headers": {"Content-Encoding": "gzip"}}, "Content-Encoding"),
        ({"cookie_jar": "dummy", "headers": {"Proxy-Authorization": "Basic eA=="}}, "Proxy"),
        ({"cookie_jar": "dummy", "auto_decompress": False}, "auto_decompress"),
        ({"cookie_jar": "dummy", "auth": "basic"}, "auth"),
        ({"cookie_jar": "dummy", "base_url": "http://127.0.0.1:1"}, "base_url"),
        # A client middleware may resend a request (a retry middleware would redeem twice),
        # follow a redirect or add credentials: none of that can be allowed under the SDK.
        ({"cookie_jar": "dummy", "middlewares": "resend"}, "middlewares"),
    ],
    ids=[
        "cookie_jar",
        "cookie_header",
        "authorization_header",
        "framing_header",
        "host_header",
        "content_encoding_header",
        "proxy_authorization_header",
        "auto_decompress",
        "auth",
        "base_url",
        "middlewares",
    ],
)
async def test_a_session_that_breaks_a_guarantee_is_refused(
    settings: dict[str, Any], named: str
) -> None:
    kwargs = dict(settings)
    if kwargs.get("cookie_jar") == "dummy":
        kwargs["cookie_jar"] = aiohttp.DummyCookieJar()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # auth= is deprecated in aiohttp
        if kwargs.get("auth") == "basic":
            kwargs["auth"] = aiohttp.BasicAuth("u", "p")
        if kwargs.get("middlewares") == "resend":
            kwargs["middlewares"] = (_resend_on_5xx,)
        session = aiohttp.ClientSession(**kwargs)
    try:
        with pytest.raises(InvalidParameterError, match=named):
            LiveOpsClient(project_id=PROJECT_ID, api_key="k", session=session)
    finally:
        await session.close()


async def _resend_on_5xx(
    request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
) -> aiohttp.ClientResponse:
    response = await handler(request)
    return await handler(request) if response.status >= 500 else response


async def test_a_session_trusting_the_environment_is_refused() -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), trust_env=True) as s:
        with pytest.raises(InvalidParameterError, match="trust_env"):
            LiveOpsClient(project_id=PROJECT_ID, api_key="k", session=s)


@pytest.mark.parametrize("setting", ["proxy", "trust_env", "connector", "ca_bundle"])
async def test_own_session_settings_with_a_borrowed_session_are_refused(setting: str) -> None:
    values: dict[str, Any] = {
        "proxy": "http://127.0.0.1:3128",
        "trust_env": True,
        "connector": aiohttp.TCPConnector(),
        "ca_bundle": "/nonexistent.pem",
    }
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        with pytest.raises(InvalidParameterError, match=setting):
            LiveOpsClient(session=session, **{setting: values[setting]})
    await values["connector"].close()


@pytest.mark.parametrize("given", ["proxy", "trust_env", "session_proxy", "session_proxy_auth"])
async def test_proxy_password_is_scrubbed_from_what_a_server_echoes(
    given: str, server: fs.FaultServer, proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.default = fs.reply(
        400, {"errorMessage": f"proxy said {PROXY_PASSWORD}", "x": PROXY_PASSWORD}
    )
    session: aiohttp.ClientSession | None = None
    if given == "trust_env":
        monkeypatch.setenv("HTTP_PROXY", proxy.url())
        settings: dict[str, Any] = {"trust_env": True}
    elif given == "proxy":
        settings = {"proxy": proxy.url()}
    else:  # a session of the caller's that goes through the proxy itself
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # proxy_auth= is deprecated
            session = aiohttp.ClientSession(
                cookie_jar=aiohttp.DummyCookieJar(),
                **(
                    {"proxy": proxy.url()}
                    if given == "session_proxy"
                    else {
                        "proxy": proxy.url().replace(f"{PROXY_USER}:{PROXY_PASSWORD}@", ""),
                        "proxy_auth": aiohttp.BasicAuth(PROXY_USER, PROXY_PASSWORD),
                    }
                ),
            )
        settings = {"session": session}
    try:
        async with LiveOpsClient(
            base_url=server.base_url, project_id=PROJECT_ID, api_key=CANARIES.api_key, **settings
        ) as client:
            error = await outcome(COUPON_GET.invoke(client))
    finally:
        if session is not None:
            await session.close()
    assert isinstance(error, APIStatusError) and error.status == 400
    assert PROXY_PASSWORD not in shown_text(error) + repr(error.body)
