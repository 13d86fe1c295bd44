"""Raw responses, logging, hooks, trace_configs passthrough and the rate limiter protocol."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web
from aioresponses import aioresponses

from liveops_async import (
    AdminAuth,
    LiveOpsClient,
    RateLimitError,
    RequestEvent,
    ResponseEvent,
    UserAuth,
)
from liveops_async._operation import Operation

from . import _ops
from .conftest import API_KEY, JWT, MOCK_BASE, PROJECT_ID, ScriptedServer

COUPON_URL = f"{MOCK_BASE}/v3/project/{PROJECT_ID}/admin/coupon/c1"


async def test_raw_response_gives_status_headers_body_and_model(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    api.get(COUPON_URL, payload={"external_id": "c1", "extra": 1}, headers={"X-Request-Id": "r9"})
    client = make_client()
    raw = await client.requester(client._admin_auth).request_raw(
        _ops.GET_COUPON, path={"external_id": "c1"}
    )
    assert raw.status == 200 and raw.headers["X-Request-Id"] == "r9"
    assert raw.json() == {"external_id": "c1", "extra": 1}
    assert raw.parsed == _ops.Coupon("c1") and raw.attempts == 1
    assert raw.elapsed >= 0 and "get-coupon" in repr(raw)


async def test_empty_success_parses_to_none(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    api.put(COUPON_URL, status=204)
    client = make_client()
    raw = await client.requester(client._admin_auth).request_raw(
        _ops.UPDATE_COUPON, path={"external_id": "c1"}, body={"external_id": "c1"}
    )
    assert raw.status == 204 and raw.parsed is None and raw.json() is None


async def test_debug_log_names_route_status_and_attempt_only(
    server: ScriptedServer,
    make_client: Callable[..., LiveOpsClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="liveops_async")
    client = make_client(base_url=server.base_url)
    await client.requester(UserAuth(JWT)).request(
        _ops.GET_REWARDS, path={"coupon_code": "PLAYER-CODE-42"}
    )
    (record,) = [r for r in caplog.records if r.name == "liveops_async"]
    assert record.levelno == logging.DEBUG
    message = record.getMessage()
    assert message.startswith(
        "GET /v2/project/{project_id}/coupon/code/{coupon_code}/rewards -> 200"
    )
    assert "(attempt 1)" in message
    assert record.operation_id == "get-coupon-rewards"  # type: ignore[attr-defined]
    for secret in (JWT, API_KEY, "PLAYER-CODE-42", str(PROJECT_ID)):
        assert secret not in message


async def test_nothing_is_formatted_when_logging_is_off(
    make_client: Callable[..., LiveOpsClient],
    api: aioresponses,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = logging.getLogger("liveops_async")
    caplog.set_level(logging.WARNING, logger="liveops_async")

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("log call made while the level is off")

    monkeypatch.setattr(logger, "debug", boom)
    monkeypatch.setattr(logger, "info", boom)
    api.get(COUPON_URL, status=503)
    api.get(COUPON_URL, payload={"external_id": "c1"})
    client = make_client(max_retries=1)
    monkeypatch.setattr("liveops_async._engine._sleep", _instant)
    assert await client.requester(client._admin_auth).request(
        _ops.GET_COUPON, path={"external_id": "c1"}
    ) == _ops.Coupon("c1")


async def _instant(_delay: float) -> None:
    return None


async def test_hooks_see_every_attempt(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, retry_sleeps: list[float]
) -> None:
    requests: list[RequestEvent] = []
    responses: list[ResponseEvent] = []

    async def on_response(event: ResponseEvent) -> None:
        responses.append(event)

    api.get(COUPON_URL, status=503)
    api.get(COUPON_URL, payload={"external_id": "c1"})
    client = make_client(on_request=[requests.append], on_response=[on_response])
    await client.requester(client._admin_auth).request(_ops.GET_COUPON, path={"external_id": "c1"})
    assert [(e.operation_id, e.route, e.attempt) for e in requests] == [
        ("get-coupon", _ops.COUPON_PATH, 1),
        ("get-coupon", _ops.COUPON_PATH, 2),
    ]
    assert [(e.status, e.attempt, type(e.error).__name__) for e in responses] == [
        (503, 1, "InternalServerError"),
        (200, 2, "NoneType"),
    ]


class _AttemptsInFlight:
    """Hooks a user would write to count attempts in flight: +1 per request event, -1 per
    response event; the response events in order."""

    def __init__(self) -> None:
        self.count = 0
        self.ended: list[ResponseEvent] = []

    def on_request(self, event: RequestEvent) -> None:
        self.count += 1

    async def on_response(self, event: ResponseEvent) -> None:
        self.count -= 1
        self.ended.append(event)


@pytest.mark.parametrize("where", ["in_flight", "waiting_for_a_connection"])
async def test_a_cancelled_attempt_ends_with_a_response_event(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient], where: str
) -> None:
    """Every request event gets its response event: a call its caller cancels, while the server
    holds its request or while it waits for a pooled connection, reports its attempt as ended
    with the CancelledError (status None), so that attempts in flight are never leaked."""
    release = asyncio.Event()

    async def held(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.json_response({"external_id": "c1"})

    server.handler = held
    hooks = _AttemptsInFlight()
    client = make_client(
        base_url=server.base_url,
        pool_size=1,
        on_request=[hooks.on_request],
        on_response=[hooks.on_response],
    )
    requester = client.requester(client._admin_auth)
    holding = asyncio.create_task(requester.request(_ops.GET_COUPON, path={"external_id": "c1"}))
    for _ in range(1500):  # bounded: until the server holds the request
        if server.seen:
            break
        await asyncio.sleep(0.01)
    assert server.seen
    cancelled = holding
    if where == "waiting_for_a_connection":
        cancelled = asyncio.create_task(
            requester.request(_ops.GET_COUPON, path={"external_id": "c2"})
        )
        for _ in range(1000):  # bounded: until its request event came (it then waits)
            if hooks.count == 2:
                break
            await asyncio.sleep(0)
        assert hooks.count == 2
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    ended = hooks.ended[-1]
    assert isinstance(ended.error, asyncio.CancelledError), ended
    assert (ended.status, ended.attempt, ended.operation_id) == (None, 1, "get-coupon")
    release.set()
    if cancelled is not holding:
        assert await holding == _ops.Coupon("c1")
    assert hooks.count == 0, hooks.ended
    assert len(hooks.ended) == (2 if cancelled is not holding else 1)


async def test_an_attempt_answered_429_is_reported_before_the_limiter_hears_of_it(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    """A call cancelled while its limiter records a 429 (a Redis round trip, say) has already
    reported that attempt: its request event is not left without a response event."""

    async def throttled(request: web.Request) -> web.StreamResponse:
        return web.json_response({"errorCode": 0}, status=429, headers={"Retry-After": "1"})

    class SlowToRecord:
        def __init__(self) -> None:
            self.recording = asyncio.Event()

        async def acquire(self, key: str) -> None:
            pass

        async def on_rate_limited(self, key: str, retry_after: float) -> None:
            self.recording.set()
            await asyncio.Event().wait()  # until cancelled

        async def aclose(self) -> None:
            pass

    server.handler = throttled
    limiter = SlowToRecord()
    hooks = _AttemptsInFlight()
    client = make_client(
        base_url=server.base_url,
        rate_limiter=limiter,
        on_request=[hooks.on_request],
        on_response=[hooks.on_response],
    )
    call = asyncio.create_task(
        client.requester(client._admin_auth).request(_ops.GET_COUPON, path={"external_id": "c1"})
    )
    await asyncio.wait_for(limiter.recording.wait(), 15)  # a hang guard only
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert hooks.count == 0
    assert [(e.status, type(e.error).__name__) for e in hooks.ended] == [(429, "RateLimitError")]


async def test_trace_configs_are_passed_to_the_session(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    started: list[str] = []

    async def on_start(
        session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        started.append(params.method)

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    client = make_client(base_url=server.base_url, trace_configs=[trace])
    await client.requester(client._admin_auth).request(_ops.GET_COUPON, path={"external_id": "c1"})
    assert started == ["GET"]


class RecordingLimiter:
    def __init__(self) -> None:
        self.acquired: list[str] = []
        self.limited: list[tuple[str, float]] = []
        self.closed = False

    async def acquire(self, key: str) -> None:
        self.acquired.append(key)

    async def on_rate_limited(self, key: str, retry_after: float) -> None:
        self.limited.append((key, retry_after))

    async def aclose(self) -> None:
        self.closed = True


async def test_rate_limiter_is_called_per_attempt_and_told_about_429(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, retry_sleeps: list[float]
) -> None:
    limiter = RecordingLimiter()
    api.get(COUPON_URL, status=429, headers={"Retry-After": "1.5"})
    api.get(COUPON_URL, payload={"external_id": "c1"})
    client = make_client(rate_limiter=limiter)
    await client.requester(client._admin_auth).request(_ops.GET_COUPON, path={"external_id": "c1"})
    assert client._admin_auth is not None
    key = client._admin_auth.rate_limit_key()
    assert limiter.acquired == [key, key]
    assert limiter.limited == [(key, 1.5)]
    assert retry_sleeps == [1.5]
    await client.aclose()
    assert not limiter.closed  # the caller owns the limiter


async def _post_answered_429(
    make_client: Callable[..., LiveOpsClient],
    api: aioresponses,
    credential: AdminAuth | UserAuth,
    op: Operation,
    body: dict[str, str],
) -> tuple[RecordingLimiter, RateLimitError]:
    """One POST the server answers 429 without Retry-After, through a recording limiter."""
    limiter = RecordingLimiter()
    api.post(MOCK_BASE + op.path.format(project_id=PROJECT_ID), status=429)
    client = make_client(rate_limiter=limiter)
    with pytest.raises(RateLimitError) as info:
        await client.requester(credential).request(op, body=body)
    return limiter, info.value


async def test_429_without_retry_after_for_unsafe_op_reports_a_wait(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    admin = AdminAuth(PROJECT_ID, API_KEY)
    limiter, error = await _post_answered_429(
        make_client, api, admin, _ops.CREATE_COUPON, {"external_id": "X", "name": "X"}
    )
    assert error.retry_after is None
    assert limiter.acquired == [admin.rate_limit_key()]
    assert len(limiter.limited) == 1 and limiter.limited[0][1] > 0


async def test_player_calls_bypass_the_rate_limiter(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    limiter, _ = await _post_answered_429(
        make_client, api, UserAuth(JWT), _ops.REDEEM_COUPON, {"coupon_code": "X"}
    )
    assert limiter.acquired == [] and limiter.limited == []
