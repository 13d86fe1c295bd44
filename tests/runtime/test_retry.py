"""Retries: only retry-safe operations after the request may have arrived; any operation when it
provably never left; Retry-After honoured and capped; bounded attempts and budget."""

from __future__ import annotations

import asyncio
import email.utils
import math
import time
from collections.abc import Callable

import aiohttp
import pytest
from aiohttp import web
from aioresponses import aioresponses
from hypothesis import given
from hypothesis import strategies as st

from liveops_async import (
    APIConnectionError,
    ConnectTimeoutError,
    InternalServerError,
    LiveOpsClient,
    RateLimitError,
    ReadTimeoutError,
    ResponseEvent,
    RetryPolicy,
    Timeouts,
)
from liveops_async._retry import LONGEST_RETRY_AFTER, parse_retry_after
from tests._ports import refusing_port

from . import _ops
from .conftest import MOCK_BASE, PROJECT_ID, ScriptedServer

COUPON_URL = f"{MOCK_BASE}/v3/project/{PROJECT_ID}/admin/coupon/c1"
CREATE_URL = f"{MOCK_BASE}/v3/project/{PROJECT_ID}/admin/coupon"
NEW_COUPON = {"external_id": "c1", "name": "Winter"}


def _admin(client: LiveOpsClient):  # type: ignore[no-untyped-def]
    return client.requester(client._admin_auth)


async def test_retry_safe_operation_is_retried_on_503(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, retry_sleeps: list[float]
) -> None:
    api.get(COUPON_URL, status=503)
    api.get(COUPON_URL, payload={"external_id": "c1"})
    response = await _admin(make_client()).request_raw(_ops.GET_COUPON, path={"external_id": "c1"})
    assert response.attempts == 2 and response.parsed == _ops.Coupon("c1")
    assert len(retry_sleeps) == 1 and 0.25 <= retry_sleeps[0] <= 0.5


async def test_non_idempotent_operation_is_not_retried_on_503(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, retry_sleeps: list[float]
) -> None:
    api.post(CREATE_URL, status=503, repeat=True)
    with pytest.raises(InternalServerError):
        await _admin(make_client()).request(_ops.CREATE_COUPON, body=NEW_COUPON)
    assert len(next(iter(api.requests.values()))) == 1 and retry_sleeps == []


async def test_non_idempotent_operation_is_retried_when_it_never_left(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, retry_sleeps: list[float]
) -> None:
    api.post(CREATE_URL, exception=aiohttp.ConnectionTimeoutError())
    api.post(CREATE_URL, payload={"external_id": "c1"}, status=201)
    response = await _admin(make_client()).request_raw(_ops.CREATE_COUPON, body=NEW_COUPON)
    assert response.attempts == 2 and response.status == 201


async def test_refused_connection_is_retried_for_any_operation_then_raised(
    make_client: Callable[..., LiveOpsClient], retry_sleeps: list[float]
) -> None:
    events: list[ResponseEvent] = []
    with refusing_port() as port, pytest.raises(APIConnectionError) as info:
        client = make_client(base_url=f"http://127.0.0.1:{port}/api", on_response=[events.append])
        await _admin(client).request(_ops.CREATE_COUPON, body=NEW_COUPON)
    assert info.value.sent is False and not isinstance(info.value, ConnectTimeoutError)
    assert isinstance(info.value.__cause__, aiohttp.ClientConnectorError)
    assert [e.attempt for e in events] == [1, 2, 3] and len(retry_sleeps) == 2
    assert all(e.status is None and e.error is not None for e in events)


async def test_connect_timeout_maps_to_its_own_error(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, retry_sleeps: list[float]
) -> None:
    api.get(COUPON_URL, exception=aiohttp.ConnectionTimeoutError(), repeat=True)
    with pytest.raises(ConnectTimeoutError) as info:
        await _admin(make_client(max_retries=1)).request(
            _ops.GET_COUPON, path={"external_id": "c1"}
        )
    assert info.value.sent is False and len(retry_sleeps) == 1
    assert info.value.__cause__ is None  # aiohttp's text holds the URL with path values


def _silent_then_fast(server: ScriptedServer) -> None:
    """The first request seen gets no answer at all (it waits for an event nobody sets), the
    others one at once: only the read timeout ends the first, however busy the machine."""
    never = asyncio.Event()

    async def handler(request: web.Request) -> web.StreamResponse:
        if len(server.seen) == 1:
            await never.wait()
        return web.json_response(
            {"external_id": "c1"}, status=201 if request.method == "POST" else 200
        )

    server.handler = handler


async def test_read_timeout_retried_only_for_retry_safe(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient], retry_sleeps: list[float]
) -> None:
    _silent_then_fast(server)
    # Roomy enough for the answered attempt on a loaded machine (the silent one takes all of it).
    client = make_client(base_url=server.base_url, timeout=Timeouts(read=1.0))
    response = await _admin(client).request_raw(_ops.GET_COUPON, path={"external_id": "c1"})
    assert response.attempts == 2 and len(server.seen) == 2

    server.seen.clear()
    with pytest.raises(ReadTimeoutError) as info:
        await _admin(client).request(_ops.CREATE_COUPON, body=NEW_COUPON)
    assert info.value.sent is True and len(server.seen) == 1


@pytest.mark.parametrize("op", [_ops.CREATE_COUPON, _ops.DECREASE_LIMIT])
async def test_dropped_connection_after_sending_is_not_resent_for_unsafe_ops(
    server: ScriptedServer,
    make_client: Callable[..., LiveOpsClient],
    retry_sleeps: list[float],
    op: object,
) -> None:
    async def drop(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(0.05)
        return web.Response()

    server.handler = drop
    client = make_client(base_url=server.base_url)
    path = {"external_id": "c1"} if op is _ops.DECREASE_LIMIT else None
    body = NEW_COUPON if op is _ops.CREATE_COUPON else None
    with pytest.raises(APIConnectionError) as info:
        await _admin(client).request(op, path=path, body=body)  # type: ignore[arg-type]
    assert info.value.sent is True
    assert len(server.seen) == 1, "a non-idempotent request was sent twice"


async def test_retry_after_seconds_and_date(
    make_client: Callable[..., LiveOpsClient],
    api: aioresponses,
    retry_sleeps: list[float],
    wall_clock: float,
) -> None:
    in_30s = email.utils.formatdate(wall_clock + 30, usegmt=True)
    api.get(COUPON_URL, status=429, headers={"Retry-After": "2"})
    api.get(COUPON_URL, status=503, headers={"Retry-After": in_30s})
    api.get(COUPON_URL, payload={"external_id": "c1"})
    response = await _admin(make_client(max_retries=2)).request_raw(
        _ops.GET_COUPON, path={"external_id": "c1"}
    )
    assert response.attempts == 3
    assert retry_sleeps == [2.0, 30.0]


async def test_retry_after_beyond_cap_is_not_waited_for(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, retry_sleeps: list[float]
) -> None:
    api.get(COUPON_URL, status=429, headers={"Retry-After": "120"}, repeat=True)
    with pytest.raises(RateLimitError) as info:
        await _admin(make_client()).request(_ops.GET_COUPON, path={"external_id": "c1"})
    assert info.value.retry_after == 120 and retry_sleeps == []
    capped = make_client(retry=RetryPolicy(retry_after_cap=300, total_budget=600))
    with pytest.raises(RateLimitError):
        await _admin(capped).request(_ops.GET_COUPON, path={"external_id": "c1"})
    assert retry_sleeps == [120.0, 120.0]


async def test_attempts_and_budget_are_bounded(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, retry_sleeps: list[float]
) -> None:
    api.get(COUPON_URL, status=500, repeat=True)
    with pytest.raises(InternalServerError):
        await _admin(make_client(retry=RetryPolicy(max_attempts=4))).request(
            _ops.GET_COUPON, path={"external_id": "c1"}
        )
    assert len(next(iter(api.requests.values()))) == 4 and len(retry_sleeps) == 3

    retry_sleeps.clear()
    tight = RetryPolicy(max_attempts=10, initial_backoff=2.0, total_budget=1.0)
    with pytest.raises(InternalServerError):
        await _admin(make_client(retry=tight)).request(_ops.GET_COUPON, path={"external_id": "c1"})
    assert retry_sleeps == []


async def test_statuses_outside_the_retry_set_are_not_retried(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, retry_sleeps: list[float]
) -> None:
    api.get(COUPON_URL, status=520, repeat=True)
    with pytest.raises(InternalServerError):
        await _admin(make_client()).request(_ops.GET_COUPON, path={"external_id": "c1"})
    assert len(next(iter(api.requests.values()))) == 1


def test_parse_retry_after() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("3", lambda: now) == 3.0
    assert parse_retry_after(" 1.5 ", lambda: now) == 1.5
    for bad in (None, "", "-1", "soon", "nan", "inf"):
        assert parse_retry_after(bad, lambda: now) is None
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after(date, lambda: now) == pytest.approx(42, abs=1)
    assert parse_retry_after(email.utils.formatdate(now - 50, usegmt=True), lambda: now) == 0.0


@pytest.mark.parametrize(
    "value",
    # Not delay-seconds (`1*DIGIT`), though `float()` reads each as a number of seconds.
    ["1_000", "1e3", "+5", "-0", "0x10", "\u0665", "\uff15", "1e400", "Infinity"],
)
def test_retry_after_seconds_are_ascii_digits_only(value: str) -> None:
    assert parse_retry_after(value, lambda: 1_700_000_000.0) is None


def test_retry_after_seconds_too_long_for_a_float_are_the_longest_wait() -> None:
    """RFC 9111 has an overflowing delta-seconds count as 2**31: above any cap, never None."""
    assert parse_retry_after("9" * 400, lambda: 0.0) == LONGEST_RETRY_AFTER == 2.0**31
    assert parse_retry_after("99999999999999999999", lambda: 0.0) == LONGEST_RETRY_AFTER
    assert parse_retry_after("86400", lambda: 0.0) == 86400.0


def test_retry_after_asctime_date_is_gmt() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after(time.asctime(time.gmtime(now + 42)), lambda: now) == 42.0
    assert parse_retry_after("Sun Nov  6 08:49:37 1994", lambda: now) == 0.0
    # RFC 850, the obsolete form, is read as well
    assert parse_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", lambda: now) == 0.0


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(initial_backoff=1.0, max_backoff=5.0, multiplier=2.0)
    assert [policy.backoff(n, lambda: 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    assert [policy.backoff(n, lambda: 0.0) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 2.5]
    assert policy.delay(1, retry_after=7.0) == 7.0
    assert RetryPolicy(retry_after_cap=5).delay(1, retry_after=7.0) is None
    assert RetryPolicy().with_max_retries(0).max_attempts == 1


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 99999999999999999999 08:49:37 GMT",  # a year beyond a C long
        "Sun, 06 Nov 1994 08:49:37 +9999",  # an offset beyond a day
        "Mon, 99 Jan 2026 00:00:00 GMT",  # a day beyond the month
        "Sun, 06 Nov 1994 08:49:37",  # no zone
    ],
)
def test_a_retry_after_date_python_cannot_hold_is_no_retry_after(value: str) -> None:
    assert parse_retry_after(value, lambda: 1_700_000_000.0) is None


@given(
    st.one_of(
        st.text(max_size=40),
        st.text(max_size=20).map(lambda tail: "Sun, 06 Nov 1994 08:49:37 " + tail),
        st.from_regex(
            r"\A[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} -?\d{1,30} \d\d:\d\d:\d\d [+-]?\w{0,5}\Z"
        ),
    )
)
def test_parse_retry_after_never_raises(value: str) -> None:
    """Whatever a server sends, a Retry-After is a wait in seconds (finite, >= 0) or None."""
    seconds = parse_retry_after(value, lambda: 1_700_000_000.0)
    assert seconds is None or (math.isfinite(seconds) and seconds >= 0)
