"""Promotion limits of discounts and bonuses (`_state/promotion_limits.py`): change, read,
reset."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from liveops_async.testing import ManualClock

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
    """The 2025 schema's examples: the discount and bonus calls answer 404 / 9502 naming the id
    and the project; the user-limit calls 404 / 1101; activate and deactivate by id document
    no 404 and answer 422 / 9505."""
    for op_id in ("get-item-promotion", "delete-item-promotion", "get-bonus-promotion"):
        status, error = await api.call(op_id, path={"promotion_id": 999})
        assert status == 404 and error["errorCode"] == 9502, (op_id, error)
        assert error["errorMessage"] == (
            "[0401-9502]: Can not find promotion with ID = 999 in project 44056"
        )
    status, error = await api.call(
        "get-user-promotion-limit", path={"promotion_id": 999}, query={"user_external_id": "p1"}
    )
    assert status == 404 and error["errorCode"] == 1101
    assert error["errorMessage"] == "[0401-1101]: Promotion not found"
    for op_id in ("activate-promotion", "deactivate-promotion"):
        status, error = await api.call(op_id, path={"promotion_id": 999})
        assert status == 422 and error["errorCode"] == 9505, (op_id, error)


async def test_a_coupon_id_is_not_a_promotion_with_user_limits(api: Api) -> None:
    body = api.example("admin-create-coupon")
    assert (await api.call("admin-create-coupon", body=body))[0] == 201
    _, listing = await api.call("get-promotion-list")
    where = {"promotion_id": listing["promotions"][0]["id"]}
    status, error = await api.call(
        "get-user-promotion-limit", path=where, query={"user_external_id": "p1"}
    )
    assert status == 404 and error["errorCode"] == 1101


async def test_a_promotion_without_a_per_player_limit_has_none_to_read(api: Api) -> None:
    """The 2025 schema: every user-limit call on a promotion without one, the reset included,
    is 422 / 4509 "Promotion does not have configured user limits."."""
    body = api.example("create-item-promotion")
    body["limits"] = {"per_user": None}
    status, created = await api.call("create-item-promotion", body=body)
    assert status == 201
    where = {"promotion_id": created["promotion_id"]}
    user = {"user_external_id": "p1"}
    calls: list[tuple[str, dict[str, object] | None, dict[str, object] | None]] = [
        ("get-user-promotion-limit", {"user_external_id": "p1"}, None),
        ("add-user-promotion-limit", None, {"user": user, "available": 1}),
        ("set-user-promotion-limit", None, {"user": user, "available": 0}),
        ("remove-user-promotion-limit", None, {"user": user, "available": 1}),
        ("reset-user-promotion-limit", None, {"user": user}),
        ("reset-user-promotion-limit", None, {"user": None}),
    ]
    for op_id, query, sent in calls:
        status, error = await api.call(op_id, path=where, query=query, body=sent)
        assert status == 422 and error["errorCode"] == 4509, (op_id, error)
        assert error["errorMessage"] == (
            "[0401-4509]: Promotion does not have configured user limits."
        )
    # Resetting one player everywhere skips promotions that have no limit to reset.
    status, _ = await api.call("reset-all-user-promotions-limit", body={"user": user})
    assert status == 200


async def test_promotion_limit_changes_stay_within_the_limit_applied(api: Api) -> None:
    status, created = await api.call(
        "create-item-promotion", body=api.example("create-item-promotion")
    )
    where = {"promotion_id": created["promotion_id"]}
    user = {"user_external_id": "p1"}
    for op_id, available in (("add-user-promotion-limit", 1), ("remove-user-promotion-limit", 4)):
        status, error = await api.call(
            op_id, path=where, body={"user": user, "available": available}
        )
        assert status == 422 and error["errorCode"] == 4511, (op_id, error)
        assert error["errorMessage"] == "[0401-4511]: Available promotion limit is out of range."


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


async def test_a_scheduled_reset_refills_every_players_limit(api: Api, clock: ManualClock) -> None:
    """`limits.recurrent_schedule.per_user` is answered as written with its computed dates (2025
    schema `recurrent_schedule_response`), and at each reset every player's uses start over.
    The example resets weekly on Monday (1) at 11:00 +03:00; the clock starts on Thursday
    2026-12-10, so the first reset is Monday 2026-12-14 08:00 UTC."""
    status, created = await api.call(
        "create-item-promotion", body=api.example("create-item-promotion")
    )
    assert status == 201
    where = {"promotion_id": created["promotion_id"]}
    first = datetime(2026, 12, 14, 8, 0, tzinfo=timezone.utc)
    _, promotion = await api.call("get-item-promotion", path=where)
    assert promotion["limits"]["recurrent_schedule"]["per_user"] == {
        "interval_type": "weekly",
        "day_of_week": 1,
        "day_of_month": None,
        "time": "11:00:00+03:00",
        "reset_next_date": int(first.timestamp()),
        "displayable_reset_start_date": "2026-12-14T11:00:00+03:00",
        "displayable_reset_next_date": "2026-12-14T11:00:00+03:00",
    }
    body = {"user": {"user_external_id": "p1"}, "available": 2}
    assert (await api.call("remove-user-promotion-limit", path=where, body=body))[0] == 200

    async def available() -> int:
        _, limit = await api.call(
            "get-user-promotion-limit", path=where, query={"user_external_id": "p1"}
        )
        return int(limit["per_user"]["available"])

    clock.set(first - timedelta(seconds=1))
    assert await available() == 1
    clock.set(first)
    assert await available() == 3
    _, promotion = await api.call("get-item-promotion", path=where)
    schedule = promotion["limits"]["recurrent_schedule"]["per_user"]
    assert schedule["reset_next_date"] == int((first + timedelta(days=7)).timestamp())
    assert schedule["displayable_reset_start_date"] == "2026-12-14T11:00:00+03:00"


async def test_a_promotion_without_a_schedule_keeps_its_counters(
    api: Api, clock: ManualClock
) -> None:
    body = api.example("create-item-promotion")
    body["limits"] = {"per_user": 3}
    _, created = await api.call("create-item-promotion", body=body)
    where = {"promotion_id": created["promotion_id"]}
    _, promotion = await api.call("get-item-promotion", path=where)
    assert promotion["limits"]["recurrent_schedule"] is None
    change = {"user": {"user_external_id": "p1"}, "available": 2}
    await api.call("remove-user-promotion-limit", path=where, body=change)
    clock.advance(timedelta(days=400))
    _, limit = await api.call(
        "get-user-promotion-limit", path=where, query={"user_external_id": "p1"}
    )
    assert limit["per_user"]["available"] == 1


async def test_promotion_lists_count_the_promotions(api: Api) -> None:
    """The 2025 schema and the July 2025 client: every list of promotions answers
    `total_promotions_count` next to the active and inactive counts."""
    for _ in range(3):
        body = api.example("create-item-promotion")
        assert (await api.call("create-item-promotion", body=body))[0] == 201
    body = api.example("create-bonus-promotion")
    assert (await api.call("create-bonus-promotion", body=body))[0] == 201
    await api.call("activate-promotion", path={"promotion_id": 1})
    for op_id, total in (("get-item-promotion-list", 3), ("get-bonus-promotion-list", 1),
                         ("get-promotion-list", 4)):  # fmt: skip
        _, listing = await api.call(op_id, query={"limit": 2})
        counts = (
            listing["total_promotions_count"],
            listing["active_promotions_count"] + listing["inactive_promotions_count"],
        )
        assert counts == (total, total), op_id
