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


async def test_rewards_by_code_refuse_a_player_whose_limit_is_reached(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    """The 2025 schema's 422 examples of both rewards calls: 9804 "You have reached the coupon
    redemption limit." once the player's limit is used up; other players still see them."""
    for create, add_code, activate, redeem, rewards, code_param, extra in (
        (
            "admin-create-coupon",
            "create-coupon-code",
            "activate-coupon",
            "redeem-coupon",
            "get-coupon-rewards-by-code",
            "coupon_code",
            {},
        ),
        (
            "create-promo-code",
            "create-promo-code-code",
            "activate-promo-code",
            "redeem-promo-code",
            "get-promo-code-rewards-by-code",
            "promocode_code",
            {"cart": {"id": "current"}},
        ),
    ):
        code = f"LIMIT{create[:5].upper().replace('-', '')}"
        limits = {"redeem_user_limit": 1, "redeem_code_limit": None, "redeem_total_limit": None}
        limits["promotion_periods"] = [{"date_from": "2026-01-01T00:00:00+00:00"}]
        status, created = await api.call(create, body=api.example(create, **limits))
        assert status == 201, created
        where = {"external_id": created["external_id"]}
        assert (await api.call(add_code, path=where, body={"coupon_code": code}))[0] == 201
        assert (await api.call(activate, path=where))[0] == 204
        first, second = liveops_mock.issue_jwt("first"), liveops_mock.issue_jwt("second")
        status, before = await api.call(rewards, path={code_param: code}, auth=first)
        assert status == 200, before
        redeemed = await api.call(redeem, body={"coupon_code": code, **extra}, auth=first)
        assert redeemed[0] == 200, redeemed
        status, error = await api.call(rewards, path={code_param: code}, auth=first)
        assert (status, error["errorCode"]) == (422, 9804), (rewards, error)
        assert error["errorMessage"].startswith("[0401-9804]: You have reached the")
        assert (await api.call(rewards, path={code_param: code}, auth=second))[0] == 200
