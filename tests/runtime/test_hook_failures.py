"""A hook that raises never changes the outcome of the call it observes."""

from __future__ import annotations

import logging

import pytest

from liveops_async import LiveOpsClient, RequestEvent, ResponseEvent, SettleEvent, models
from liveops_async.testing import LiveOpsMock


def _failing(event: object) -> None:
    raise RuntimeError("metrics backend down")


async def _failing_async(event: object) -> None:
    raise RuntimeError("tracing backend down")


async def test_a_raising_hook_does_not_turn_an_applied_redemption_into_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    requests: list[RequestEvent] = []
    responses: list[ResponseEvent] = []
    settled: list[SettleEvent] = []
    async with (
        LiveOpsMock() as mock,
        LiveOpsClient(
            base_url=mock.base_url,
            project_id=mock.project_id,
            api_key="mock-api-key",
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
    assert any("RequestEvent hook _failing raised RuntimeError" in m for m in warned)
    assert any("ResponseEvent hook _failing_async raised RuntimeError" in m for m in warned)
