"""Spans and metrics of the OpenTelemetry integration, read back from the SDK's in-memory
exporters; secrets, codes and filled-in paths never reach them."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from liveops_async import LiveOpsClient, NotFoundError, Settlement
from liveops_async._generated.operations import OPERATIONS
from liveops_async.lib.otel import (
    ATTR_ERROR_CODE,
    ATTR_OPERATION_ID,
    ATTR_RETRY_COUNT,
    ATTR_SETTLE_OUTCOME,
    METRIC_DURATION,
    METRIC_RATE_LIMITED,
    METRIC_RETRIES,
    METRIC_SETTLED,
)
from liveops_async.testing import LiveOpsMock
from tests.reliability._fault_server import FaultServer, reply, slow_headers
from tests.reliability._secrets import CANARIES
from tests.settle.conftest import ActThenDrop

from .conftest import PROJECT_ID, Exported

GET_COUPON = OPERATIONS["get-coupon"].path
COUPON = {"external_id": "spring"}
NOT_FOUND = {
    "statusCode": 404,
    "errorCode": 4001,
    "errorMessage": "[0401-9802]: Coupon not found",
}


async def test_one_call_span_with_one_attempt_span(
    exported: Exported, server: FaultServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    server.default = reply(200, COUPON)
    client = make_client(server.base_url)
    await client.admin.coupons.get("spring")

    (call,) = exported.named("get-coupon")
    (attempt,) = exported.named(f"GET {GET_COUPON}")
    assert call.kind is SpanKind.INTERNAL and attempt.kind is SpanKind.CLIENT
    assert attempt.parent is not None and attempt.parent.span_id == call.context.span_id
    assert dict(call.attributes or {}) == {
        ATTR_OPERATION_ID: "get-coupon",
        "http.request.method": "GET",
        "url.template": GET_COUPON,
        "server.address": "127.0.0.1",
        "server.port": server.port,
        ATTR_RETRY_COUNT: 0,
    }
    assert (attempt.attributes or {})["http.response.status_code"] == 200
    (duration,) = exported.points(METRIC_DURATION)
    assert duration.count == 1
    assert duration.attributes["url.template"] == GET_COUPON
    assert duration.attributes["http.response.status_code"] == 200
    assert exported.points(METRIC_RETRIES) == []


async def test_retries_are_attempt_spans_and_counted(
    exported: Exported, server: FaultServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    server.then(reply(503, {"statusCode": 503, "errorCode": 1101}))
    server.then(reply(429, {"statusCode": 429}, headers={"Retry-After": "0"}))
    server.default = reply(200, COUPON)
    client = make_client(server.base_url)
    await client.admin.coupons.get("spring")

    (call,) = exported.named("get-coupon")
    attempts = exported.named(f"GET {GET_COUPON}")
    assert (call.attributes or {})[ATTR_RETRY_COUNT] == 2
    assert [(a.attributes or {}).get("http.response.status_code") for a in attempts] == [
        503,
        429,
        200,
    ]
    assert [(a.attributes or {}).get("http.request.resend_count") for a in attempts] == [
        None,
        1,
        2,
    ]
    assert [(a.attributes or {}).get("error.type") for a in attempts] == ["503", "429", None]
    assert call.status.status_code is not StatusCode.ERROR
    assert sum(p.value for p in exported.points(METRIC_RETRIES)) == 2
    assert sum(p.value for p in exported.points(METRIC_RATE_LIMITED)) == 1
    assert sum(p.count for p in exported.points(METRIC_DURATION)) == 3


async def test_failed_call_carries_error_type_and_xsolla_code(
    exported: Exported, server: FaultServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    server.default = reply(404, NOT_FOUND)
    client = make_client(server.base_url)
    with pytest.raises(NotFoundError):
        await client.admin.coupons.get("spring")

    (call,) = exported.named("get-coupon")
    attributes = dict(call.attributes or {})
    assert attributes["error.type"] == "NotFoundError"
    assert attributes[ATTR_ERROR_CODE] == 4001
    assert call.status.status_code is StatusCode.ERROR
    assert "Coupon not found" not in exported.everything()  # messages are never recorded


async def test_settle_outcome_and_the_settle_read_are_traced(
    exported: Exported, make_client: Callable[..., LiveOpsClient]
) -> None:
    import aiohttp

    async with (
        LiveOpsMock(project_id=PROJECT_ID, api_key="otel-test-key") as mock,
        aiohttp.ClientSession() as session,
        FaultServer() as proxy_server,
    ):
        proxy = ActThenDrop(mock, session)
        proxy_server.default = proxy
        client = make_client(proxy_server.base_url)
        proxy.drop("POST", "/admin/coupon")
        await client.admin.coupons.create(external_id="traced", name={"en": "Traced"})

    (call,) = exported.named("admin-create-coupon")
    attributes = dict(call.attributes or {})
    assert attributes[ATTR_SETTLE_OUTCOME] == Settlement.APPLIED.value
    assert attributes[ATTR_RETRY_COUNT] == 1  # the resend, refused as a duplicate
    (read,) = exported.named("get-coupon")
    assert read.parent is not None and read.parent.span_id == call.context.span_id
    (settled,) = exported.points(METRIC_SETTLED)
    assert settled.value == 1 and settled.attributes[ATTR_SETTLE_OUTCOME] == "applied"


SECRET_CODE = "CANARYCODE7F3E"
SECRET_ID = "player-canary-5d41"


async def test_no_secret_code_or_filled_path_anywhere(
    exported: Exported, server: FaultServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    # Answers that echo everything back, as a broken proxy might.
    echo = {"statusCode": 401, "errorCode": 1020, "errorMessage": f"{CANARIES.jwt} {SECRET_CODE}"}
    server.then(reply(200, {"external_id": SECRET_ID}))
    server.default = reply(401, echo)
    client = make_client(server.base_url, api_key=CANARIES.api_key)
    await client.admin.coupons.get(SECRET_ID)
    player = client.user(CANARIES.jwt)
    for call in (
        player.coupons.redeem(coupon_code=SECRET_CODE),
        player.coupons.get_rewards(SECRET_CODE),
        client.admin.coupons.create_code(SECRET_ID, coupon_code=SECRET_CODE),
    ):
        with pytest.raises(Exception):  # noqa: B017 - any typed error; only the traces matter
            await call

    shipped = exported.everything()
    assert len(exported.finished()) >= 8
    assert "/coupon/code/{coupon_code}/rewards" in shipped  # the template, not the code
    for secret in (*CANARIES.all(), SECRET_CODE, SECRET_ID, f"/project/{PROJECT_ID}/"):
        assert secret not in shipped, secret


def test_otel_is_not_imported_unless_enabled() -> None:
    script = (
        "import sys, liveops_async\n"
        "c = liveops_async.LiveOpsClient(project_id=1, api_key='k')\n"
        "c.admin\n"
        "assert not [m for m in sys.modules if m.startswith('opentelemetry')], 'imported'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_untraced_retry_safe_calls_skip_the_wrapper() -> None:
    client = LiveOpsClient(project_id=1, api_key="k")
    requester = client.requester(None)
    assert requester._entry(OPERATIONS["get-coupon"]) == requester._call
    assert requester._entry(OPERATIONS["redeem-coupon"]) == requester._call  # nothing to settle
    assert requester._entry(OPERATIONS["admin-create-coupon"]) != requester._call


def test_traced_clients_wrap_every_call(exported: Exported) -> None:
    client = LiveOpsClient(project_id=1, api_key="k", telemetry=exported.telemetry)
    requester = client.requester(None)
    assert requester._entry(OPERATIONS["get-coupon"]) != requester._call


async def test_a_cancelled_attempt_ends_its_span_and_is_measured(
    exported: Exported, server: FaultServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    """The attempt of a call its caller cancels ends its span (error.type CancelledError) and
    records its duration, like any other attempt: its response event is reported."""
    server.default = slow_headers(30.0)  # answers long after the test
    client = make_client(server.base_url)
    call = asyncio.create_task(client.admin.coupons.get("spring"))
    for _ in range(1500):  # bounded: until the server holds the request
        if server.received:
            break
        await asyncio.sleep(0.01)
    assert server.received
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call

    (attempt,) = exported.named(f"GET {GET_COUPON}")
    assert (attempt.attributes or {})["error.type"] == "CancelledError"
    assert attempt.status.status_code is StatusCode.ERROR
    (duration,) = exported.points(METRIC_DURATION)
    assert duration.count == 1 and duration.attributes["error.type"] == "CancelledError"
