"""A hook that raises never changes the outcome of the call it observes."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from liveops_async import LiveOpsClient, RequestEvent, ResponseEvent, SettleEvent, models
from liveops_async._hooks import HookFailureLog
from liveops_async.testing import LiveOpsMock


def _failing(event: object) -> None:
    raise RuntimeError("metrics backend down")


async def _failing_async(event: object) -> None:
    raise RuntimeError("tracing backend down")


def _client_of(mock: LiveOpsMock, **hooks: Any) -> LiveOpsClient:
    """An admin client of `mock` with the given hooks."""
    return LiveOpsClient(
        base_url=mock.base_url, project_id=mock.project_id, api_key="mock-api-key", **hooks
    )


async def test_a_raising_hook_does_not_turn_an_applied_redemption_into_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    requests: list[RequestEvent] = []
    responses: list[ResponseEvent] = []
    settled: list[SettleEvent] = []
    async with (
        LiveOpsMock() as mock,
        _client_of(
            mock,
            # the failing hooks come first: the hooks after them still run
            on_request=[_failing, _failing_async, requests.append],
            on_response=[_failing_async, _failing, responses.append],
            on_settle=[_failing, settled.append],
        ) as client,
    ):
        coupons = client.admin.coupons
        mock.drop_after_apply_next(1, operation_id="admin-create-coupon")
        created = await coupons.create(
            external_id="gift",
            name={"en-US": "Gift"},
            bonus=[models.BonusItem(sku="gold", quantity=5)],
        )
        await coupons.activate("gift")
        await coupons.create_code("gift", coupon_code="GIFT1")
        player = client.user(mock.issue_jwt("player-1"))
        with caplog.at_level(logging.WARNING, logger="liveops_async"):
            result = await player.coupons.redeem(coupon_code="GIFT1")

    assert created.external_id == "gift"
    assert [(i.sku, i.quantity) for i in result.items or []] == [("gold", 5)]
    assert mock.count("redeem-coupon") == 1
    assert [e.operation_id for e in settled] == ["admin-create-coupon"]
    assert len(requests) == len(responses) and requests[-1].operation_id == "redeem-coupon"
    assert responses[-1].status == 200
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    here = _failing.__module__
    assert any(f"RequestEvent hook {here}._failing raised RuntimeError" in m for m in warned)
    assert any(f"ResponseEvent hook {here}._failing_async raised Runtime" in m for m in warned)


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_hook_failing_on_every_call_warns_once_then_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = _Clock()
    failures = HookFailureLog(clock=clock)
    event = RequestEvent("get-coupon", "GET", "/r", 1)
    with caplog.at_level(logging.DEBUG, logger="liveops_async"):
        for second in range(0, 150, 5):  # a failure every 5 s for 150 s: 30 failures
            clock.now = 1000.0 + second
            try:
                raise RuntimeError(f"backend down at {second}")
            except RuntimeError as exc:
                failures.failed(_failing, event, exc)
        clock.now = 1000.0
        failures.failed(_failing_async, event, RuntimeError("another hook"))
    mine = [r for r in caplog.records if r.name == "liveops_async"]
    warnings = [r for r in mine if r.levelno == logging.WARNING]
    debugs = [r for r in mine if r.levelno == logging.DEBUG]
    # at 0 s (first, with traceback), 60 s and 120 s; then the other hook's first failure
    assert [r.getMessage().split(": ", 1)[1][:18] for r in warnings] == [
        "backend down at 0;",
        "backend down at 60",
        "backend down at 12",
        "another hook; the ",
    ]
    assert warnings[0].exc_info is not None and warnings[0].exc_info[1] is not None
    assert "_failing raised RuntimeError" in warnings[0].getMessage()
    assert "11 more failures" in warnings[1].getMessage()  # 5 s .. 55 s
    assert "11 more failures" in warnings[2].getMessage()  # 65 s .. 115 s
    assert warnings[1].exc_info is None and warnings[3].exc_info is not None
    assert len(debugs) == 30 - 3 and "backend down at 5;" in debugs[0].getMessage()


def test_a_failing_hook_message_is_bounded(caplog: pytest.LogCaptureFixture) -> None:
    failures = HookFailureLog(clock=_Clock())
    with caplog.at_level(logging.WARNING, logger="liveops_async"):
        failures.failed(_failing, object(), RuntimeError("x" * 100_000))
    (record,) = caplog.records
    assert len(record.getMessage()) < 2_000 and "more characters" in record.getMessage()


async def test_an_async_request_hook_cancelled_while_it_runs_gets_its_response_event() -> None:
    """The request event went out (to every hook before the one that hangs, and to it): the
    response event of that attempt follows, with the CancelledError, and the call is
    cancelled as its caller asked."""
    requests: list[RequestEvent] = []
    responses: list[ResponseEvent] = []
    entered = asyncio.Event()

    async def hangs(event: RequestEvent) -> None:
        entered.set()
        await asyncio.Event().wait()

    async with (
        LiveOpsMock() as mock,
        _client_of(
            mock,
            on_request=[requests.append, hangs],
            on_response=[responses.append],
        ) as client,
    ):
        call = asyncio.ensure_future(client.admin.coupons.get("nope"))
        await entered.wait()
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert mock.count("get-coupon") == 0
    assert [e.attempt for e in requests] == [1]
    assert len(responses) == 1
    (response,) = responses
    assert (response.attempt, response.status) == (1, None)
    assert isinstance(response.error, asyncio.CancelledError)
