"""A traceback formatted with its frames' local variables (Sentry's default, `rich`'s
`show_locals`, `traceback.TracebackException(..., capture_locals=True)`) shows no credential and
no echo of one, whatever the failure: the SDK's frames let go of the headers they sent and the
bytes they read, and the low-level causes it chains carry no frames (aiohttp's hold the request's
headers as locals)."""

from __future__ import annotations

import asyncio
import traceback
from collections.abc import Awaitable, Callable, Iterator

import pytest

from liveops_async import (
    APIConnectionError,
    APIStatusError,
    LiveOpsClient,
    LiveOpsError,
    RequestOptions,
    ResponseDecodeError,
    ResponseEvent,
    Timeouts,
)

from . import _fault_server as fs
from ._calls import ALL_CALLS, COUPON_GET, COUPON_REDEEM, Call
from ._proxy import PROXY_PASSWORD, Proxy, running_proxy
from ._secrets import CANARIES, assert_no_secret_in_locals, find_canary, with_locals
from .conftest import ROOMY_TIMEOUTS, outcome
from .test_echoed_secrets import GATEWAY_KEY, _echo_everywhere

ClientFactory = Callable[..., LiveOpsClient]


def _bad_gzip() -> fs.Action:
    return fs.reply(200, raw=b"\x1f\x8b\x08\x00garbage", headers={"Content-Encoding": "gzip"})


FAILURES: dict[str, Callable[[], fs.Action]] = {
    "status 404 echoing the credentials": lambda: _echo_everywhere(404),
    "status 429 with a long Retry-After": lambda: _echo_everywhere(429),
    "status 200 that does not fit, echoing": lambda: _echo_everywhere(200),
    "reset before the answer": fs.reset_before_response,
    "reset in the body": fs.reset_mid_body,
    "not HTTP": lambda: fs.garbage(b"HTTP/1.1 2xx Nope\r\n\r\n"),
    "not JSON": lambda: fs.reply(200, raw=b"<html>" + CANARIES.basic.encode()),
    "corrupt gzip": _bad_gzip,
}


@pytest.mark.parametrize("settle", [False, True], ids=["settle off", "settle on"])
@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize("call", ALL_CALLS, ids=repr)
async def test_no_failure_shows_a_credential_in_a_traceback_with_locals(
    call: Call, failure: str, settle: bool, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = FAILURES[failure]()
    client = make_client(server, max_retries=0, settle=settle, strict_responses=True)
    error = await outcome(call.invoke(client))
    if not isinstance(error, LiveOpsError):
        assert failure.startswith("status 200"), error  # an echo that happens to fit
        return
    assert_no_secret_in_locals(error)


async def test_a_read_timeout_shows_no_credential_in_a_traceback_with_locals(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = fs.slow_headers(5.0)
    client = make_client(
        server, max_retries=0, timeout=Timeouts(total=30.0, connect=10.0, read=0.2, pool=30.0)
    )
    error = await outcome(COUPON_REDEEM.invoke(client))
    assert isinstance(error, APIConnectionError) and error.sent
    assert_no_secret_in_locals(error)


async def test_a_callers_credential_header_and_raw_responses_stay_out_of_locals(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """A credential the caller sends in a header of its own (a gateway key), through
    `with_raw_response`, and while walking a list."""
    server.default = fs.reply(404, {"errorMessage": "gone"})
    client = make_client(server, max_retries=0, default_headers={"X-Gateway-Key": GATEWAY_KEY})
    own_header = RequestOptions(headers={"X-Api-Key": GATEWAY_KEY + "-call"})
    calls = [
        client.admin.coupons.with_raw_response.get("c1", options=own_header),
        client.admin.coupons.get("c1", options=own_header),
    ]
    for call in calls:
        error = await outcome(call)
        assert isinstance(error, APIStatusError), error
        assert_no_secret_in_locals(error, GATEWAY_KEY)

    async def walk() -> None:
        async for _ in client.admin.coupons.list(options=own_header):
            pass

    error = await outcome(walk())
    assert isinstance(error, APIStatusError), error
    assert_no_secret_in_locals(error, GATEWAY_KEY)


async def test_a_token_provider_and_a_rate_limiter_that_fail_show_no_credential_in_locals(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """A provider's token refused before sending (a control character), and a rate limiter of
    the caller's that raises: the SDK's frames the error passed through keep no credential."""

    async def bad_token() -> str:
        return CANARIES.jwt + "\r\nX-Injected: 1"

    client = make_client(server, max_retries=0)
    error = await outcome(client.user(bad_token).coupons.redeem(coupon_code="A"))
    assert isinstance(error, LiveOpsError), error
    assert_no_secret_in_locals(error)

    class FailingLimiter:
        async def acquire(self, key: str) -> None:
            raise RuntimeError("limiter down")

        async def on_rate_limited(self, key: str, retry_after: float) -> None:
            pass

        async def aclose(self) -> None:
            pass

    limited = make_client(server, max_retries=0, rate_limiter=FailingLimiter())
    error = await outcome(COUPON_GET.invoke(limited))
    assert isinstance(error, RuntimeError), error
    assert_no_secret_in_locals(error)
    # The limiter's own frame (the caller's code) stays in the traceback.
    frames = [frame.name for frame in traceback.extract_tb(error.__traceback__)]
    assert frames[-1] == "acquire", frames


async def _cancelled_by_wait_for(client: LiveOpsClient) -> BaseException:
    try:
        await asyncio.wait_for(COUPON_REDEEM.invoke(client), 0.3)
    except BaseException as error:  # TimeoutError, its context the CancelledError
        return error
    raise AssertionError("the server never answers: the call must time out")


async def _ended_by_aclose(client: LiveOpsClient) -> BaseException:
    call = asyncio.ensure_future(outcome(COUPON_REDEEM.invoke(client)))
    await asyncio.sleep(0.3)
    await client.aclose()
    error = await call
    assert isinstance(error, BaseException)
    return error


@pytest.mark.parametrize(
    "end", [_cancelled_by_wait_for, _ended_by_aclose], ids=["wait_for", "aclose"]
)
async def test_a_call_cancelled_in_flight_shows_no_credential_in_locals(
    end: Callable[[LiveOpsClient], Awaitable[BaseException]],
    make_client: ClientFactory,
    server: fs.FaultServer,
) -> None:
    """A cancellation (asyncio.wait_for, a task cancelled, the client closed) reaches the call
    inside aiohttp, whose frames hold the request's headers: the traceback of what the caller
    gets, its context included, shows none of them."""
    server.default = fs.slow_headers(10.0)
    client = make_client(server, max_retries=0)
    error = await end(client)
    assert isinstance(error, (asyncio.TimeoutError, LiveOpsError)), repr(error)
    assert_no_secret_in_locals(error)


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    with running_proxy() as started:
        yield started


@pytest.mark.parametrize(
    "failure", ["reset before the answer", "status 404 echoing the credentials"]
)
async def test_proxy_credentials_stay_out_of_locals(
    failure: str, proxy: Proxy, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = FAILURES[failure]()
    client = make_client(server, max_retries=0, proxy=proxy.url(), timeout=ROOMY_TIMEOUTS)
    error = await outcome(COUPON_GET.invoke(client))
    assert isinstance(error, (APIConnectionError, APIStatusError)), error
    assert_no_secret_in_locals(error, PROXY_PASSWORD)


async def test_a_low_level_cause_stays_chained_without_its_frames(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """What the fix gives up: the low-level cause is still chained, by type and text, without
    the frames (the SDK's own traceback of the error is kept)."""
    server.default = fs.reset_mid_body()
    client = make_client(server, max_retries=0)
    error = await outcome(COUPON_GET.invoke(client))
    assert isinstance(error, APIConnectionError) and error.__cause__ is not None
    assert error.__cause__.__traceback__ is None
    assert error.__traceback__ is not None
    server.default = fs.reply(200, raw=b"not json")
    error = await outcome(COUPON_GET.invoke(client))
    assert isinstance(error, ResponseDecodeError) and error.__cause__ is not None


@pytest.mark.parametrize("failure", ["cancelled", "corrupt gzip", "not JSON", "reset in the body"])
async def test_a_hook_capturing_an_attempts_error_with_locals_sees_no_credential(
    failure: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """A response event carries the attempt's error while the call is still running: a hook
    that captures it there and then with its locals (as an error reporter does) sees no frame
    holding the headers, also for an error raised already (a cancel, a body that cannot be
    decoded) whose frames are the engine's and aiohttp's."""
    captured: list[str] = []

    def capture(event: ResponseEvent) -> None:
        if event.error is not None:
            captured.append(with_locals(event.error))

    client = make_client(server, max_retries=0, on_response=[capture])
    if failure == "cancelled":
        server.default = fs.slow_headers(10.0)
        error = await _cancelled_by_wait_for(client)
        assert isinstance(error, asyncio.TimeoutError), repr(error)
    else:
        server.default = FAILURES[failure]()
        error = await outcome(COUPON_GET.invoke(client))
        assert isinstance(error, LiveOpsError), repr(error)
    assert len(captured) == 1
    for line in captured[0].splitlines():
        assert find_canary(line) is None, line[:300]
