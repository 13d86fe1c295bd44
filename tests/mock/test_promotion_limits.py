"""Promotion limits of discounts and bonuses (`_state/promotion_limits.py`): change, read,
reset."""

from __future__ import annotations

from .conftest import Api


async def test_discount_user_limits_and_reset(api: Api) -> None:
    status, created = await api.call(
        "create-item-promotion", body=api.example("create-item-promotion")
    )
    assert status == 201
    where = {"promotion_id": created["promotion_id"]}
    user = {"user_external_id": "p1"}
    _, limit = await api.call(
        "get-user-promotion-limit", path=where, query={"user_external_id": "p1"}
    )
    assert limit == {"per_user": {"total": 3, "available": 3}}
    await api.call("remove-user-promotion-limit", path=where, body={"user": user, "available": 2})
    _, limit = await api.call(
        "get-user-promotion-limit", path=where, query={"user_external_id": "p1"}
    )
    assert limit["per_user"]["available"] == 1
    assert (await api.call("reset-user-promotion-limit", path=where, body={"user": None}))[0] == 200
    _, limit = await api.call(
        "get-user-promotion-limit", path=where, query={"user_external_id": "p1"}
    )
    assert limit["per_user"]["available"] == 3

    assert (await api.call("activate-promotion", path=where))[0] == 204
    _, listing = await api.call("get-promotion-list", query={"enabled": 1})
    assert [p["id"] for p in listing["promotions"]] == [created["promotion_id"]]
    _, listing = await api.call("get-promotion-list", query={"enabled": 0})
    assert listing["promotions"] == []


async def test_unknown_promotion_ids(api: Api) -> None:
    status, error = await api.call("get-item-promotion", path={"promotion_id": 999})
    assert status == 404 and error["statusCode"] == 404
    status, _ = await api.call(
        "get-user-promotion-limit", path={"promotion_id": 999}, query={"user_external_id": "p1"}
    )
    assert status == 404


async def test_a_promotion_without_a_per_player_limit_has_none_to_read(api: Api) -> None:
    body = api.example("create-item-promotion")
    body["limits"] = {"per_user": None}
    status, created = await api.call("create-item-promotion", body=body)
    assert status == 201
    status, error = await api.call(
        "get-user-promotion-limit",
        path={"promotion_id": created["promotion_id"]},
        query={"user_external_id": "p1"},
    )
    assert status == 422 and error["errorCode"] == 1102


async def test_reset_of_all_promotions_clears_one_players_counters(api: Api) -> None:
    wheres = []
    for _ in range(2):
        _, created = await api.call(
            "create-item-promotion", body=api.example("create-item-promotion")
        )
        wheres.append({"promotion_id": created["promotion_id"]})
    for where in wheres:
        for user in ("p1", "p2"):
            body = {"user": {"user_external_id": user}, "available": 1}
            assert (await api.call("remove-user-promotion-limit", path=where, body=body))[0] == 200

    body = {"user": {"user_external_id": "p1"}}
    assert (await api.call("reset-all-user-promotions-limit", body=body))[0] == 200
    for where in wheres:
        for user, available in (("p1", 3), ("p2", 2)):
            _, limit = await api.call(
                "get-user-promotion-limit", path=where, query={"user_external_id": user}
            )
            assert limit["per_user"]["available"] == available, (where, user)
