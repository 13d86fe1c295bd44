"""Coupons (`_state/coupons.py`): activation, periods, codes, the three limits and the
per-player limit calls."""

from __future__ import annotations

from datetime import timedelta

from liveops_async.testing import ManualClock

from .conftest import Api


async def _coupon(api: Api, *, codes: tuple[str, ...] = ("WINTER1",), **changes: object) -> str:
    body = api.example("admin-create-coupon", **changes)
    status, created = await api.call("admin-create-coupon", body=body)
    assert status == 201
    external_id = created["external_id"]
    for code in codes:
        status, _ = await api.call(
            "create-coupon-code", path={"external_id": external_id}, body={"coupon_code": code}
        )
        assert status == 201
    return str(external_id)


async def test_coupon_lifecycle(api: Api) -> None:
    external_id = await _coupon(api, redeem_user_limit=None)
    status, coupon = await api.call("get-coupon", path={"external_id": external_id})
    assert status == 200 and coupon["is_enabled"] is False  # new coupons start disabled

    status, listing = await api.call("get-coupons")
    assert [c["external_id"] for c in listing["items"]] == [external_id]

    assert (await api.call("activate-coupon", path={"external_id": external_id}))[0] == 204
    status, coupon = await api.call("get-coupon", path={"external_id": external_id})
    assert coupon["is_enabled"] is True

    body = api.example("update-coupon-promotion")
    body["name"] = {"en-US": "Renamed"}
    assert (
        await api.call("update-coupon-promotion", path={"external_id": external_id}, body=body)
    )[0] == 204
    _, coupon = await api.call("get-coupon", path={"external_id": external_id})
    assert coupon["name"] == {"en-US": "Renamed"} and coupon["is_enabled"] is True

    assert (await api.call("delete-coupon-promotion", path={"external_id": external_id}))[0] == 204
    status, error = await api.call("get-coupon", path={"external_id": external_id})
    assert status == 404 and error["errorCode"] == 4001
    assert error["errorMessage"].startswith("[0401-9802]")


async def test_codes_are_unique_and_generated(api: Api) -> None:
    external_id = await _coupon(api, codes=("ONE",))
    status, error = await api.call(
        "create-coupon-code", path={"external_id": external_id}, body={"coupon_code": "ONE"}
    )
    assert status == 422 and error["errorCode"] == 9803
    status, generated = await api.call(
        "generate-coupon-codes", path={"external_id": external_id}, body={"count": 5}
    )
    assert (status, generated) == (200, {"count": 5})
    _, page = await api.call(
        "get-coupon-codes", path={"external_id": external_id}, query={"limit": 4}
    )
    assert page["total_count"] == 6 and len(page["codes"]) == 4


async def test_redeem_needs_an_active_coupon_in_its_period(api: Api, clock: ManualClock) -> None:
    player = api.mock.issue_jwt("p1", ttl=365 * 86400)
    external_id = await _coupon(api, codes=("GIFT",), redeem_user_limit=None)
    status, error = await api.call("redeem-coupon", body={"coupon_code": "GIFT"}, auth=player)
    assert status == 422 and error["errorCode"] == 9807  # not activated yet

    await api.call("activate-coupon", path={"external_id": external_id})
    # Codes are case-sensitive (2025 schema: "Unique case sensitive code").
    status, error = await api.call("redeem-coupon", body={"coupon_code": "gift"}, auth=player)
    assert status == 404 and error["errorMessage"] == "[0401-9807]: Enter valid coupon code."
    status, redeemed = await api.call("redeem-coupon", body={"coupon_code": "GIFT"}, auth=player)
    assert status == 200
    assert [i["sku"] for i in redeemed["items"]] == ["elven_sword", "crystals_pack_100"]

    clock.advance(timedelta(days=60))  # the example period ends on 2026-12-31
    status, error = await api.call("redeem-coupon", body={"coupon_code": "GIFT"}, auth=player)
    assert status == 422 and "period" in error["errorMessage"]

    status, error = await api.call("redeem-coupon", body={"coupon_code": "NOPE"}, auth=player)
    assert status == 404 and error["errorMessage"].startswith("[0401-9807]")
    status, _ = await api.call("redeem-coupon", body={"coupon_code": "GIFT"}, auth="not-a-jwt")
    assert status == 401


async def test_total_and_per_code_limits(api: Api) -> None:
    external_id = await _coupon(
        api,
        codes=("AAA", "BBB", "CCC"),
        redeem_total_limit=2,
        redeem_code_limit=1,
        redeem_user_limit=None,
    )
    await api.call("activate-coupon", path={"external_id": external_id})
    p1, p2, p3 = (api.mock.issue_jwt(u) for u in ("p1", "p2", "p3"))
    assert (await api.call("redeem-coupon", body={"coupon_code": "AAA"}, auth=p1))[0] == 200
    status, error = await api.call("redeem-coupon", body={"coupon_code": "AAA"}, auth=p2)
    assert status == 422 and "per-code" in error["errorMessage"]
    assert (await api.call("redeem-coupon", body={"coupon_code": "BBB"}, auth=p2))[0] == 200
    status, error = await api.call("redeem-coupon", body={"coupon_code": "CCC"}, auth=p3)
    assert status == 422 and "total" in error["errorMessage"]

    _, coupon = await api.call("get-coupon", path={"external_id": external_id})
    assert coupon["total_limit_state"] == {"available": 0, "reserved": 0, "used": 2}
    status, limits = await api.call(
        "get-coupon-code-limit",
        path={"external_id": external_id},
        query=[("codes[]", "AAA"), ("codes[]", "CCC")],
    )
    assert status == 200
    assert {i["code"]: i["per_code"]["used"] for i in limits["items"]} == {"AAA": 1, "CCC": 0}


async def test_user_limit_endpoints_change_remaining_uses(api: Api) -> None:
    external_id = await _coupon(
        api,
        codes=("A1", "A2", "A3", "A4"),
        redeem_user_limit=2,
        redeem_code_limit=None,
        redeem_total_limit=None,
    )
    await api.call("activate-coupon", path={"external_id": external_id})
    player = api.mock.issue_jwt("p1")
    where = {"external_id": external_id}
    user = {"user_external_id": "p1"}

    assert (await api.call("redeem-coupon", body={"coupon_code": "A1"}, auth=player))[0] == 200
    assert (await api.call("redeem-coupon", body={"coupon_code": "A2"}, auth=player))[0] == 200
    status, error = await api.call("redeem-coupon", body={"coupon_code": "A3"}, auth=player)
    assert status == 422 and error["errorCode"] == 9804
    assert error["errorMessage"].startswith("[0401-9804]: You have reached the coupon redemption")
    status, limit = await api.call(
        "get-coupon-user-limit", path=where, query={"user_external_id": "p1"}
    )
    assert limit == {"per_user": {"total": 2, "available": 0}}

    status, limit = await api.call(
        "add-coupon-user-promotion-limit", path=where, body={"user": user, "available": 1}
    )
    assert status == 200 and limit["per_user"]["available"] == 1
    assert (await api.call("redeem-coupon", body={"coupon_code": "A3"}, auth=player))[0] == 200
    _, limit = await api.call(
        "set-coupon-user-promotion-limit", path=where, body={"user": user, "available": 1}
    )
    assert limit["per_user"]["available"] == 1
    _, limit = await api.call(
        "remove-coupon-user-promotion-limit", path=where, body={"user": user, "available": 1}
    )
    assert limit["per_user"]["available"] == 0
    assert (await api.call("redeem-coupon", body={"coupon_code": "A4"}, auth=player))[0] == 422


async def test_user_limit_changes_stay_within_the_limit_applied(api: Api) -> None:
    """The 2025 schema: the calls change the remaining uses "within the limit applied"; below 0
    or above the per-player total is 422 / 4511 "Available coupon limit is out of range.",
    and nothing changes."""
    external_id = await _coupon(api, codes=(), redeem_user_limit=2)
    where = {"external_id": external_id}
    user = {"user_external_id": "p1"}
    for op_id, available in (
        ("add-coupon-user-promotion-limit", 1),  # 2 + 1 > 2
        ("remove-coupon-user-promotion-limit", 3),  # 2 - 3 < 0
        ("set-coupon-user-promotion-limit", 3),  # 3 > 2
    ):
        status, error = await api.call(
            op_id, path=where, body={"user": user, "available": available}
        )
        assert status == 422 and error["errorCode"] == 4511, (op_id, error)
        assert error["errorMessage"] == "[0401-4511]: Available coupon limit is out of range."
    _, limit = await api.call("get-coupon-user-limit", path=where, query={"user_external_id": "p1"})
    assert limit == {"per_user": {"total": 2, "available": 2}}


async def test_limits_without_a_documented_minimum_are_accepted(api: Api) -> None:
    """No reference bounds the three limits (the spec marks that choice, `x-liveops-choice`):
    the mock takes 0 and negative values as written and answers them back, like any other."""
    external_id = await _coupon(
        api, codes=(), redeem_user_limit=-1, redeem_total_limit=0, redeem_code_limit=-5
    )
    status, coupon = await api.call("get-coupon", path={"external_id": external_id})
    assert status == 200
    assert (coupon["redeem_user_limit"], coupon["redeem_total_limit"]) == (-1, 0)
    assert coupon["redeem_code_limit"] == -5


async def test_codes_of_a_deleted_coupon_can_be_added_to_another_promotion(api: Api) -> None:
    """S1 (delete-coupon-promotion): "Coupon codes from the deleted promotion can be added to
    existing promotions"; until then a code stays taken (9803), and once deleted the code
    redeems nothing (404)."""
    first = await _coupon(api, codes=("REUSE1",), external_id="first")
    second = await _coupon(api, codes=(), external_id="second")
    where = {"external_id": second}
    status, error = await api.call("create-coupon-code", path=where, body={"coupon_code": "REUSE1"})
    assert status == 422 and error["errorCode"] == 9803
    assert (await api.call("delete-coupon-promotion", path={"external_id": first}))[0] == 204
    player = api.mock.issue_jwt("p1")
    status, _ = await api.call("redeem-coupon", body={"coupon_code": "REUSE1"}, auth=player)
    assert status == 404
    status, _ = await api.call("create-coupon-code", path=where, body={"coupon_code": "REUSE1"})
    assert status == 201
