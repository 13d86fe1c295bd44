"""Promo codes (`_state/promo_codes.py`): redemption in a cart."""

from __future__ import annotations

from liveops_async.testing import LiveOpsMock

from .conftest import Api


async def test_promo_code_redeem_for_a_guest_cart(api: Api, liveops_mock: LiveOpsMock) -> None:
    open_ended = [{"date_from": "2026-01-01T00:00:00+00:00", "date_until": None}]
    body = api.example("create-promo-code", promotion_periods=open_ended, redeem_user_limit=1)
    status, created = await api.call("create-promo-code", body=body)
    assert status == 201
    where = {"external_id": created["external_id"]}
    await api.call("create-promo-code-code", path=where, body={"coupon_code": "SPRING"})
    await api.call("activate-promo-code", path=where)
    guest = {"x-unauthorized-id": "g-77", "x-user": "Z0BleGFtcGxlLmNvbQ=="}
    redeem = {"coupon_code": "SPRING", "cart": {"id": "current"}}
    status, cart = await api.call("redeem-promo-code", body=redeem, auth=None, headers=guest)
    assert status == 200 and cart["cart_id"] == "current", cart
    status, _ = await api.call("redeem-promo-code", body=redeem, auth=None, headers=guest)
    assert status == 422  # one use per player
    status, _ = await api.call(
        "redeem-promo-code", body=redeem, auth=liveops_mock.issue_jwt("someone-else")
    )
    assert status == 200
