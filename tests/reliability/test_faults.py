"""Every fault, against retry-safe and non-idempotent operations: the typed error or the
successful retry, the server's count of what it received, and no canary secret anywhere."""

from __future__ import annotations

import asyncio
import email.utils
import socket
import time
from collections.abc import Callable

import orjson
import pytest

from liveops_async import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    LiveOpsClient,
    LiveOpsError,
    RateLimitError,
    ReadTimeoutError,
    RedirectError,
    ResponseDecodeError,
    ResponseTooLargeError,
    Timeouts,
    UnprocessableEntityError,
)
from liveops_async._retry import LONGEST_RETRY_AFTER

from . import _fault_server as fs
from ._calls import ALL_CALLS, NOT_IDEMPOTENT, RETRY_SAFE, Call
from ._secrets import assert_no_canary
from .conftest import FAST_RETRY, SHORT_TIMEOUTS, outcome

ClientFactory = Callable[..., LiveOpsClient]

every_call = pytest.mark.parametrize("call", ALL_CALLS, ids=repr)
retry_safe = pytest.mark.parametrize("call", RETRY_SAFE, ids=repr)
not_idempotent = pytest.mark.parametrize("call", NOT_IDEMPOTENT, ids=repr)


def expect_error(result: object, kind: type[LiveOpsError], client: LiveOpsClient) -> LiveOpsError:
    assert isinstance(result, kind), f"expected {kind.__name__}, got {result!r}"
    assert_no_canary(result, client, client.admin, client.user("x.y.z"))
    return result


def expect_success(result: object, call: Call, client: LiveOpsClient) -> None:
    assert not isinstance(result, BaseException), repr(result)
    assert_no_canary(result, client)


# Connection refused ----------------------------------------------------------------------


@every_call
async def test_connection_refused_is_retried_then_a_connection_error(
    call: Call, make_client: ClientFactory, server: fs.FaultServer, retry_sleeps: list[float]
) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        server.port = probe.getsockname()[1]
    client = make_client(server)
    error = expect_error(await outcome(call.invoke(client)), APIConnectionError, client)
    assert isinstance(error, APIConnectionError) and error.sent is False
    # Nothing can have been processed, so every operation may be resent.
    assert len(retry_sleeps) == FAST_RETRY.max_attempts - 1


# Resets ----------------------------------------------------------------------------------

reset_faults = pytest.mark.parametrize(
    "fault", [fs.reset_before_response, fs.reset_mid_body], ids=["before-response", "mid-body"]
)


@reset_faults
@retry_safe
async def test_reset_is_retried_for_retry_safe_operations(
    call: Call, fault: Callable[[], fs.Action], make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.then(fault(), fs.reply(200, call.success_body))
    client = make_client(server)
    expect_success(await outcome(call.invoke(client)), call, client)
    assert server.count(call.route) == 2


@reset_faults
@not_idempotent
async def test_reset_after_sending_is_never_resent(
    call: Call, fault: Callable[[], fs.Action], make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.then(fault(), fs.reply(200, call.success_body))
    client = make_client(server)
    error = expect_error(await outcome(call.invoke(client)), APIConnectionError, client)
    assert isinstance(error, APIConnectionError) and error.sent is True
    assert server.count(call.route) == 1


# Bodies that are not the answer ----------------------------------------------------------

BROKEN_BODIES = {
    "truncated-json": (b'{"external_id": "c1", "items": [{"externa', "application/json"),
    "html": (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
    "plain-text": (b"upstream connect error or disconnect/reset", "text/plain"),
    "json-scalar": (b"42", "application/json"),
    "empty": (b"", "application/json"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_BODIES))
@every_call
async def test_success_status_with_a_broken_body_is_a_decode_error(
    call: Call, broken: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    raw, content_type = BROKEN_BODIES[broken]
    server.then(fs.reply(200, raw=raw, content_type=content_type))
    client = make_client(server)
    error = expect_error(await outcome(call.invoke(client)), ResponseDecodeError, client)
    assert isinstance(error, ResponseDecodeError) and error.status == 200
    assert server.count(call.route) == 1  # a parse failure is never a reason to resend


# 5xx bursts ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503])
@retry_safe
async def test_5xx_burst_is_retried_through(
    call: Call, status: int, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.then(
        fs.reply(status, {"errorCode": 0}), fs.reply(status), fs.reply(200, call.success_body)
    )
    client = make_client(server)
    expect_success(await outcome(call.invoke(client)), call, client)
    assert server.count(call.route) == 3


@pytest.mark.parametrize("status", [500, 502, 503])
@retry_safe
async def test_5xx_burst_longer_than_the_attempts_is_raised(
    call: Call, status: int, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = fs.reply(status, {"errorMessage": "down"})
    client = make_client(server)
    error = expect_error(await outcome(call.invoke(client)), InternalServerError, client)
    assert isinstance(error, InternalServerError) and error.status == status
    assert server.count(call.route) == FAST_RETRY.max_attempts


@pytest.mark.parametrize("status", [500, 502, 503])
@not_idempotent
async def test_5xx_for_non_idempotent_is_raised_at_once(
    call: Call, status: int, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.then(fs.reply(status), fs.reply(status), fs.reply(200, call.success_body))
    client = make_client(server)
    error = expect_error(await outcome(call.invoke(client)), InternalServerError, client)
    assert isinstance(error, InternalServerError) and error.status == status
    assert server.count(call.route) == 1


HOSTILE_ERROR_BODIES = {
    "nested 1000 deep": (503, b"[" * 1000 + b"1" + b"]" * 1000),
    "errorCode in digits int() refuses": (
        503,
        '{"errorCode": "\u00b2", "errorMessage": "x"}'.encode(),
    ),
    "message nested 1000 deep": (503, b'{"errorMessage": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
}


@pytest.mark.parametrize("body", sorted(HOSTILE_ERROR_BODIES))
@every_call
async def test_an_error_body_built_to_break_the_parser_is_still_the_typed_error(
    call: Call, body: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """No RecursionError or ValueError out of the call: the status decides the error and
    the retry, whatever the body."""
    status, raw = HOSTILE_ERROR_BODIES[body]
    server.default = fs.reply(status, raw=raw)
    client = make_client(server)
    error = expect_error(await outcome(call.invoke(client)), InternalServerError, client)
    assert isinstance(error, InternalServerError) and error.status == status
    assert error.error_code is None
    assert server.count(call.route) == (FAST_RETRY.max_attempts if call.retry_safe else 1)


# 429 -------------------------------------------------------------------------------------

RETRY_AFTER = {
    # Built from the frozen wall clock (the `wall_clock` fixture): the wait is exact.
    "seconds": (lambda now: "2", 2.0, 2.0),
    "http-date": (lambda now: email.utils.formatdate(now + 3, usegmt=True), 3.0, 3.0),
    # The third HTTP-date form a recipient must accept (RFC 9110 5.6.7): it names no zone.
    "asctime-date": (lambda now: time.asctime(time.gmtime(now + 3)), 3.0, 3.0),
}


@pytest.mark.parametrize("form", sorted(RETRY_AFTER))
@retry_safe
async def test_429_waits_as_told_then_succeeds(
    call: Call,
    form: str,
    make_client: ClientFactory,
    server: fs.FaultServer,
    retry_sleeps: list[float],
    wall_clock: float,
) -> None:
    header, low, high = RETRY_AFTER[form]
    server.then(
        fs.reply(429, headers={"Retry-After": header(wall_clock)}), fs.reply(200, call.success_body)
    )
    client = make_client(server)
    expect_success(await outcome(call.invoke(client)), call, client)
    assert len(retry_sleeps) == 1 and low <= retry_sleeps[0] <= high
    assert server.count(call.route) == 2


@pytest.mark.parametrize("form", sorted(RETRY_AFTER))
@not_idempotent
async def test_429_for_non_idempotent_reports_the_wait(
    call: Call,
    form: str,
    make_client: ClientFactory,
    server: fs.FaultServer,
    retry_sleeps: list[float],
    wall_clock: float,
) -> None:
    header, low, high = RETRY_AFTER[form]
    server.then(
        fs.reply(429, headers={"Retry-After": header(wall_clock)}), fs.reply(200, call.success_body)
    )
    client = make_client(server)
    error = expect_error(await outcome(call.invoke(client)), RateLimitError, client)
    assert isinstance(error, RateLimitError) and error.retry_after is not None
    assert low <= error.retry_after <= high
    assert retry_sleeps == [] and server.count(call.route) == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    # delay-seconds is any number of digits: one too long for a float is the longest wait,
    # not a header to ignore (which retried at once after the backoff).
    [("3600", 3600.0), ("9" * 400, LONGEST_RETRY_AFTER)],
    ids=["3600", "400-digits"],
)
@pytest.mark.parametrize("status", [429, 503])
@every_call
async def test_retry_after_above_the_cap_is_raised_without_waiting(
    call: Call,
    status: int,
    header: str,
    seconds: float,
    make_client: ClientFactory,
    server: fs.FaultServer,
    retry_sleeps: list[float],
) -> None:
    server.then(fs.reply(status, headers={"Retry-After": header}), fs.reply(200, call.success_body))
    client = make_client(server)
    kind = RateLimitError if status == 429 else InternalServerError
    error = expect_error(await outcome(call.invoke(client)), kind, client)
    assert isinstance(error, kind) and error.retry_after == seconds
    assert retry_sleeps == [] and server.count(call.route) == 1


# Slow servers ----------------------------------------------------------------------------


@retry_safe
async def test_slow_headers_time_out_then_the_retry_succeeds(
    call: Call, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    # The first answer would come after a minute, far past the 2 s read timeout; the retry's
    # comes at once and has those 2 s (not 0.25 s) to arrive: only a 2 s stall could fail it.
    server.then(fs.slow_headers(60.0), fs.reply(200, call.success_body))
    client = make_client(server, timeout=Timeouts(total=60.0, read=2.0))
    expect_success(await outcome(call.invoke(client)), call, client)
    assert server.count(call.route) == 2


@pytest.mark.parametrize("fault", ["slow-headers", "slow-body"])
@not_idempotent
async def test_read_timeout_after_sending_is_never_resent(
    call: Call, fault: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    slow = fs.slow_headers(60.0) if fault == "slow-headers" else fs.slow_body(60.0, 1)
    server.default = slow
    client = make_client(server, timeout=SHORT_TIMEOUTS)
    error = expect_error(await outcome(call.invoke(client)), ReadTimeoutError, client)
    assert isinstance(error, ReadTimeoutError) and error.sent is True
    assert server.count(call.route) == 1


@retry_safe
async def test_slow_body_times_out_on_every_attempt(
    call: Call, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = fs.slow_body(60.0, 1)
    client = make_client(server, timeout=SHORT_TIMEOUTS)
    expect_error(await outcome(call.invoke(client)), ReadTimeoutError, client)
    assert server.count(call.route) == FAST_RETRY.max_attempts


@every_call
async def test_trickling_body_hits_the_total_timeout(
    call: Call, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    # Each byte comes before the read timeout, but the whole body would take 3 s.
    server.default = fs.slow_body(0.1, 30, b'{"external_id": "' + b"x" * 40 + b'"}')
    # The read timeout is far from any gap between bytes (0.1 s), so only a stall of the test
    # machine longer than 5 s could turn this into a read timeout.
    client = make_client(server, timeout=Timeouts(total=1.0, read=5.0), max_retries=0)
    error = expect_error(await outcome(call.invoke(client)), APITimeoutError, client)
    assert not isinstance(error, ReadTimeoutError)
    assert server.count(call.route) == 1


# Oversized bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "chunked"])
@every_call
async def test_body_far_larger_than_any_answer_is_refused(
    call: Call, announce: bool, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = fs.endless_body(limit=256 * 1024 * 1024, announce=announce)
    client = make_client(server, timeout=Timeouts(total=20.0, read=5.0))
    error = expect_error(await outcome(call.invoke(client)), ResponseTooLargeError, client)
    assert "too large" in str(error)
    assert server.count(call.route) == 1
    await server.stop()  # the connection handler has finished counting what it sent
    assert server.bytes_sent < 64 * 1024 * 1024


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("call", [RETRY_SAFE[0], NOT_IDEMPOTENT[0]], ids=repr)
async def test_an_error_status_with_a_body_far_too_large_keeps_its_typed_error(
    call: Call, status: int, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """The status says what went wrong: a 429 or 503 whose body passes the cap is the
    RateLimitError or InternalServerError (with the body's beginning), retried by the rules
    of its status, not a ResponseTooLargeError that hides it."""
    server.default = fs.endless_body(limit=48 * 1024 * 1024, announce=False, status=status)
    client = make_client(server, timeout=Timeouts(total=20.0, read=5.0))
    kind = RateLimitError if status == 429 else InternalServerError
    error = expect_error(await outcome(call.invoke(client)), kind, client)
    assert isinstance(error, kind) and error.status == status
    assert error.message == "0" * 500
    assert server.count(call.route) == (FAST_RETRY.max_attempts if call.retry_safe else 1)


# Redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@every_call
async def test_redirect_to_another_host_is_not_followed(
    call: Call,
    status: int,
    make_client: ClientFactory,
    server: fs.FaultServer,
    other_host: fs.FaultServer,
) -> None:
    server.default = fs.reply(status, headers={"Location": other_host.origin + "/steal"})
    client = make_client(server)
    error = expect_error(await outcome(call.invoke(client)), RedirectError, client)
    assert isinstance(error, RedirectError) and error.status == status
    assert server.count(call.route) == 1
    assert other_host.received == []  # the credentials never reached the other host


# Responses that are not HTTP -------------------------------------------------------------

GARBAGE = {
    "not-http": b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    "bad-status": b"HTTP/1.1 abc Broken\r\nContent-Length: 0\r\n\r\n",
    "huge-header": b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
    "bad-length": b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
}


@pytest.mark.parametrize("kind", sorted(GARBAGE))
@not_idempotent
async def test_malformed_response_is_a_connection_error_and_never_resent(
    call: Call, kind: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = fs.garbage(GARBAGE[kind])
    client = make_client(server)
    error = expect_error(await outcome(call.invoke(client)), APIConnectionError, client)
    assert isinstance(error, APIConnectionError) and error.sent is True
    assert server.count(call.route) == 1


@pytest.mark.parametrize("kind", sorted(GARBAGE))
@retry_safe
async def test_malformed_response_is_retried_for_retry_safe_operations(
    call: Call, kind: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.then(fs.garbage(GARBAGE[kind]), fs.reply(200, call.success_body))
    client = make_client(server)
    expect_success(await outcome(call.invoke(client)), call, client)
    assert server.count(call.route) == 2


# A byte order mark -------------------------------------------------------------------------


@every_call
async def test_a_body_led_by_a_byte_order_mark_is_read_as_json(
    call: Call, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """RFC 8259 lets a parser ignore a UTF-8 BOM, which some gateways add: a success is the
    model, and an error keeps Xsolla's errorCode and message."""
    bom = b"\xef\xbb\xbf"
    error_body = b'{"errorCode": 1102, "errorMessage": "[0401-1102]: Bad"}'
    server.then(
        fs.reply(200, raw=bom + orjson.dumps(call.success_body)),
        fs.reply(422, raw=bom + error_body),
    )
    client = make_client(server, strict_responses=True)
    expect_success(await outcome(call.invoke(client)), call, client)
    error = expect_error(await outcome(call.invoke(client)), UnprocessableEntityError, client)
    assert isinstance(error, UnprocessableEntityError)
    assert (error.error_code, error.code, error.message) == (1102, "0401-1102", "Bad")


@pytest.mark.parametrize("status", [429, 503])
@every_call
async def test_a_retry_after_date_beyond_any_calendar_is_ignored_not_raised(
    call: Call, status: int, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """`Retry-After` with a year beyond a C long made the date parser raise OverflowError out
    of the call: it is no Retry-After, and the status's own rules apply."""
    far = "Sun, 06 Nov 99999999999999999999 08:49:37 GMT"
    server.default = fs.reply(status, {"errorMessage": "busy"}, headers={"Retry-After": far})
    client = make_client(server)
    kind = RateLimitError if status == 429 else InternalServerError
    error = expect_error(await outcome(call.invoke(client)), kind, client)
    assert isinstance(error, kind) and error.retry_after is None
    assert server.count(call.route) == (FAST_RETRY.max_attempts if call.retry_safe else 1)


# A proxy that cannot open the tunnel ---------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "retried"), [(502, True), (503, True), (504, True), (407, False), (403, False)]
)
@every_call
async def test_a_tunnel_the_proxy_could_not_open_is_retried_for_every_operation(
    call: Call,
    status: int,
    retried: bool,
    make_client: ClientFactory,
    server: fs.FaultServer,
    retry_sleeps: list[float],
) -> None:
    """An https call through a proxy that answers CONNECT with 502/503/504 (it could not reach
    the API) never sent its request: like a refused connection, any operation is tried again.
    A refusal of the proxy itself (407 credentials, 403 policy) is not transient."""
    server.default = fs.reply(status, raw=b"upstream unreachable", content_type="text/plain")
    client = make_client(
        server, base_url="https://127.0.0.1:9/api", proxy=f"http://127.0.0.1:{server.port}"
    )
    error = expect_error(await outcome(call.invoke(client)), APIConnectionError, client)
    assert isinstance(error, APIConnectionError) and error.sent is False
    connects = [r for r in server.received if r.method == "CONNECT"]
    assert len(connects) == len(server.received)
    assert len(connects) == (FAST_RETRY.max_attempts if retried else 1)
    assert len(retry_sleeps) == len(connects) - 1


# Cancellation ----------------------------------------------------------------------------------


@retry_safe
async def test_cancelling_a_call_pausing_before_its_retry_sends_nothing_more(
    call: Call,
    make_client: ClientFactory,
    server: fs.FaultServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pausing = asyncio.Event()

    async def pause_forever(seconds: float) -> None:
        pausing.set()
        await asyncio.Event().wait()

    monkeypatch.setattr("liveops_async._engine._sleep", pause_forever)
    server.then(fs.reply(503, {"errorMessage": "busy"}), fs.reply(200, call.success_body))
    client = make_client(server)
    task = asyncio.ensure_future(call.invoke(client))
    await pausing.wait()

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert server.count(call.route) == 1
    expect_success(await outcome(call.invoke(client)), call, client)  # the pool is intact
    assert server.count(call.route) == 2
