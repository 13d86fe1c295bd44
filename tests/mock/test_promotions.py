"""The calls common to every kind of promotion (`_state/promotions.py`): look-ups of a code by
an admin and by a player, and what players without credentials get."""

from __future__ import annotations

import base64
from typing import Any

from .conftest import Api

OPEN_ENDED = [{"date_from": "2026-01-01T00:00:00+00:00", "date_until": None}]


async def _coupon_with_code(api: Api, code: str, **changes: Any) -> dict[str, str]:
    body = api.example("admin-create-coupon", promotion_periods=OPEN_ENDED, **changes)
    status, created = await api.call("admin-create-coupon", body=body)
    assert status == 201
    where = {"external_id": created["external_id"]}
    status, _ = await api.call("create-coupon-code", path=where, body={"coupon_code": code})
    assert status == 201
    return where


async def test_redeemable_by_code_answers_the_code_errors_xsolla_documents(api: Api) -> None:
    """The 2025 schema's examples: an unknown code is 404 / 9811 "Code not found."; a code
    that is not only letters and digits is a bare 405 (errorCode 0, no bracketed code)."""
    await _coupon_with_code(api, "GIFT2026")
    status, found = await api.call("get-redeemable-promotion-by-code", path={"code": "GIFT2026"})
    assert status == 200 and found["external_id"]
    # Codes are case-sensitive (2025 schema: "Unique case-sensitive code").
    status, error = await api.call("get-redeemable-promotion-by-code", path={"code": "gift2026"})
    assert (status, error["errorCode"]) == (404, 9811)

    status, error = await api.call("get-redeemable-promotion-by-code", path={"code": "NOPE"})
    assert status == 404 and error["errorCode"] == 9811
    assert error["errorMessage"] == "[0401-9811]: Code not found."

    for bad in ("GIFT-2026", "GIFT_2026", "CAFÉ1"):  # "É" is a letter, but not an ASCII one
        status, error = await api.call("get-redeemable-promotion-by-code", path={"code": bad})
        assert status == 405 and error["errorCode"] == 0, (bad, error)
        assert not error["errorMessage"].startswith("[0401-")


async def test_verify_tells_whether_the_player_can_apply_the_code(api: Api) -> None:
    """ "Determines ... if the user can apply it" (2025 schema): a code the player could not
    redeem now is 422 with the reason (a reached limit: 9804, the schema's example); an unknown
    code is 404 / 9811. Verifying uses nothing up."""
    where = await _coupon_with_code(api, "ONCE1", redeem_user_limit=1, redeem_code_limit=None)
    player = api.mock.issue_jwt("p1")
    path = {"code": "ONCE1"}

    status, error = await api.call("verify-promotion-code", path=path, auth=player)
    assert status == 422 and error["errorCode"] == 9807  # not activated yet
    await api.call("activate-coupon", path=where)
    for _ in range(2):
        status, verified = await api.call("verify-promotion-code", path=path, auth=player)
        assert status == 200 and verified["type"] == "coupon"
    assert (await api.call("redeem-coupon", body={"coupon_code": "ONCE1"}, auth=player))[0] == 200
    status, error = await api.call("verify-promotion-code", path=path, auth=player)
    assert status == 422 and error["errorCode"] == 9804
    assert error["errorMessage"].startswith("[0401-9804]: You have reached the coupon redemption")
    other = api.mock.issue_jwt("p2")
    assert (await api.call("verify-promotion-code", path=path, auth=other))[0] == 200

    status, error = await api.call("verify-promotion-code", path={"code": "NOPE"}, auth=player)
    assert status == 404 and error["errorCode"] == 9811


async def test_player_calls_without_an_authorization_header_are_403(api: Api) -> None:
    """Inventory §4.1 and the 2025 schema: where a call documents 403, sending no Authorization
    header at all is 403 / errorCode 0 "Authorization header not sent" (no bracketed code); a
    header with a bad token is still 401 / 1501. Calls that document no 403 answer 401."""
    calls: list[tuple[str, dict[str, str], Any]] = [
        ("redeem-coupon", {}, {"coupon_code": "GIFT"}),
        ("get-coupon-rewards-by-code", {"coupon_code": "GIFT"}, None),
        ("verify-promotion-code", {"code": "GIFT"}, None),
        ("get-promo-code-rewards-by-code", {"promocode_code": "GIFT"}, None),
        ("redeem-promo-code", {}, {"coupon_code": "GIFT", "cart": {"id": "current"}}),
    ]
    for op_id, path, body in calls:
        status, error = await api.call(op_id, path=path, body=body, auth=None)
        assert status == 403, (op_id, status, error)
        assert error["errorCode"] == 0
        assert error["errorMessage"] == "Authorization header not sent", (op_id, error)
        status, error = await api.call(op_id, path=path, body=body, auth="not-a-jwt")
        assert status == 401 and error["errorCode"] == 1501, (op_id, error)
    status, error = await api.call("get-reward-chains-list", auth=None)
    assert status == 401 and error["errorCode"] == 1501
    # Admin calls answer 401: the catalog rule lists too although their pages show a 403
    # (they also show a 401 for the same missing header; the inventory gives the 403 to
    # client calls only).
    status, error = await api.call("get-coupons", auth=None)
    assert (status, error["errorCode"]) == (401, 1020)
    status, error = await api.call("get-filter-rules", auth=None)
    assert (status, error["errorCode"]) == (401, 1501)


async def test_catalog_rules_and_upsell_refuse_credentials_with_1501(api: Api) -> None:
    """Inventory §4.2 and the 2025 schema's examples: the catalog rule calls (Basic auth) and
    the upsell admin calls answer missing or wrong credentials with 401 / 1501
    "Authorization failed: ...", as player calls do; other admin calls with 1020."""
    wrong = {"Authorization": "Basic " + base64.b64encode(b"44056:wrong-key").decode()}
    for op_id in (
        "get-filter-rules",
        "get-all-filter-rules",
        "get-upsell-configurations-for-project-admin",
    ):
        status, error = await api.call(op_id, auth=None)
        assert (status, error["errorCode"]) == (401, 1501), (op_id, error)
        assert error["errorMessage"] == (
            "[0401-1501]: Authorization failed: Authorization header not sent"
        )
        status, error = await api.call(op_id, auth=None, headers=wrong)
        assert (status, error["errorCode"]) == (401, 1501), (op_id, error)
    status, error = await api.call("get-coupons", auth=None, headers=wrong)
    assert (status, error["errorCode"]) == (401, 1020)
    assert error["errorMessage"] == "[0401-1020]: Error in Authentication method occurred"


async def test_the_all_promotions_list_shows_code_promotions_as_xsolla_does(api: Api) -> None:
    """The 2025 example of the all-promotions list: a coupon is a `coupon_bonus` and a promo
    code a `promocode_bonus_discount`, each with the coupon or promo code itself as its
    condition; item promotions keep `item_discount` / `item_bonus`."""
    coupon = api.example("admin-create-coupon", external_id="winter", redeem_user_limit=1)
    assert (await api.call("admin-create-coupon", body=coupon))[0] == 201
    promo = api.example("create-promo-code", external_id="spring")
    assert (await api.call("create-promo-code", body=promo))[0] == 201
    assert (await api.call("create-item-promotion", body=api.example("create-item-promotion")))[
        0
    ] == 201
    await api.call("activate-coupon", path={"external_id": "winter"})

    status, listing = await api.call("get-promotion-list")
    assert status == 200
    by_type = {p["type"]: p for p in listing["promotions"]}
    assert set(by_type) == {"coupon_bonus", "promocode_bonus_discount", "item_discount"}
    assert by_type["coupon_bonus"]["condition"] == [
        {
            "item": {
                "external_id": "winter",
                "name": coupon["name"],
                "is_enabled": True,
                "redeem_total_limit": coupon["redeem_total_limit"],
                "redeem_user_limit": 1,
                "redeem_code_limit": coupon["redeem_code_limit"],
            }
        }
    ]
    target = by_type["promocode_bonus_discount"]["condition"][0]["item"]
    assert target["external_id"] == "spring" and target["is_enabled"] is False
