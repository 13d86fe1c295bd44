"""Write rules beyond the request schema: 422 with Xsolla's errorCode 1102 naming the field;
duplicates with their own codes (4002 external id or SKU, 9803 code)."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api

DAY1, DAY2, DAY3 = ("2026-12-01T00:00:00+00:00", "2026-12-02T00:00:00+00:00",
                    "2026-12-03T00:00:00+00:00")  # fmt: skip


def _assert_1102(status: int, body: Any, *words: str) -> None:
    assert status == 422, body
    assert body["errorCode"] == 1102 and body["errorMessage"].startswith("[0401-1102]: ")
    for word in words:
        assert word in body["errorMessage"], body


@pytest.mark.parametrize(
    ("periods", "field"),
    [
        ([{"date_from": DAY2, "date_until": DAY1}], "promotion_periods[0].date_until"),
        ([{"date_from": DAY1, "date_until": DAY1}], "promotion_periods[0].date_until"),
        (
            [{"date_from": DAY1, "date_until": None}, {"date_from": DAY2, "date_until": DAY3}],
            "promotion_periods[0].date_until",
        ),
        (
            [{"date_from": DAY1, "date_until": DAY2}, {"date_from": DAY3}],
            "promotion_periods[1].date_until",
        ),
    ],
    ids=["ends-before-start", "ends-at-start", "open-then-another", "another-then-open"],
)
async def test_bad_promotion_periods_are_refused(
    api: Api, periods: list[dict[str, Any]], field: str
) -> None:
    body = api.example("admin-create-coupon", external_id="c1", promotion_periods=periods)
    status, error = await api.call("admin-create-coupon", body=body)
    _assert_1102(status, error, f"`{field}`")
    assert (await api.call("get-coupon", path={"external_id": "c1"}))[0] == 404  # not created


async def test_a_single_open_ended_period_is_fine(api: Api) -> None:
    body = api.example("admin-create-coupon", promotion_periods=[{"date_from": DAY1}])
    assert (await api.call("admin-create-coupon", body=body))[0] == 201


async def test_bad_periods_are_refused_on_put_too(api: Api) -> None:
    body = api.example("admin-create-coupon", external_id="c1")
    assert (await api.call("admin-create-coupon", body=body))[0] == 201
    update = api.example(
        "update-coupon-promotion", promotion_periods=[{"date_from": DAY2, "date_until": DAY1}]
    )
    status, error = await api.call(
        "update-coupon-promotion", path={"external_id": "c1"}, body=update
    )
    _assert_1102(status, error, "date_until")


@pytest.mark.parametrize("percent", ["100.01", "150", "1000.00"])
async def test_a_discount_above_100_percent_is_refused(api: Api, percent: str) -> None:
    body = api.example("create-item-promotion", discount={"percent": percent})
    status, error = await api.call("create-item-promotion", body=body)
    # the spec bounds the percent, so schema validation names it first (`body.discount.percent`)
    _assert_1102(status, error, "discount.percent`")


async def test_a_promo_code_item_discount_above_100_percent_is_refused(api: Api) -> None:
    body = api.example(
        "create-promo-code",
        discount=None,
        discounted_items=[{"sku": "a", "discount": {"percent": "101"}}],
    )
    status, error = await api.call("create-promo-code", body=body)
    _assert_1102(status, error, "discounted_items", "discount.percent`")
    body["discounted_items"][0]["discount"]["percent"] = "100.00"
    assert (await api.call("create-promo-code", body=body))[0] == 201


async def test_a_discount_by_price_range_names_no_items(api: Api) -> None:
    """2025 schema: with `price_conditions`, `items` must be null, on create and on PUT."""
    price_range = [{"operator": "ge", "value": "10.00"}]
    body = api.example("create-item-promotion", price_conditions=price_range)
    status, error = await api.call("create-item-promotion", body=body)
    _assert_1102(status, error, "`items`", "`price_conditions`")
    body["items"] = None
    status, created = await api.call("create-item-promotion", body=body)
    assert status == 201
    where = {"promotion_id": created["promotion_id"]}
    update = api.example("update-item-promotion", items=[{"sku": "elven_sword_1"}])
    _assert_1102(*await api.call("update-item-promotion", path=where, body=update), "`items`")


@pytest.mark.parametrize(
    ("op_id", "price_range", "target", "value"),
    [
        ("create-bonus-promotion", "price_conditions", "condition", [{"sku": "elven_boots_1"}]),
        ("create-promo-code", "price_conditions", "discounted_items", None),
        ("create-promo-code", "item_price_conditions", "discounted_items", None),
    ],
)
async def test_bonuses_and_promo_codes_by_price_range_name_no_items(
    api: Api, op_id: str, price_range: str, target: str, value: Any
) -> None:
    """2025 schema: a bonus with `price_conditions` has `condition` null; a promo code with
    `price_conditions` or `item_price_conditions` has `discounted_items` null."""
    body = api.example(op_id, **{price_range: [{"operator": "ge", "value": "10.00"}]})
    if value is not None:
        body[target] = value
    assert body[target] is not None
    _assert_1102(*await api.call(op_id, body=body), f"`{target}`", f"`{price_range}`")
    body[target] = None
    assert (await api.call(op_id, body=body))[0] == 201


@pytest.mark.parametrize(
    "extra",
    [
        {"day_of_month": None},  # another branch's field, even as a null placeholder
        {"day_of_month": 3},
        {"reset_next_date": 1765180800},  # computed fields of the answer
        {"displayable_reset_next_date": "2026-12-14T11:00:00+03:00"},
    ],
)
async def test_a_limit_schedule_carries_only_its_own_keys(
    api: Api, extra: dict[str, object]
) -> None:
    """Inventory §3.1 (S6): a written `limits.recurrent_schedule.per_user` with keys of
    another interval kind or the answer's computed dates is 422 / 1102."""
    body = api.example("create-item-promotion")
    schedule = body["limits"]["recurrent_schedule"]["per_user"]
    assert schedule["interval_type"] == "weekly"
    schedule.update(extra)
    status, error = await api.call("create-item-promotion", body=body)
    _assert_1102(status, error, f"`limits.recurrent_schedule.per_user.{next(iter(extra))}`")


@pytest.mark.parametrize("op_id", ["admin-create-daily-chain", "admin-create-offer-chain"])
async def test_chains_end_after_they_start_and_number_steps_once(api: Api, op_id: str) -> None:
    body = api.example(op_id, date_start=DAY2, date_end=DAY1)
    _assert_1102(*await api.call(op_id, body=body), "`date_end`", "later than `date_start`")
    body = api.example(op_id)
    body["steps"][1]["step_number"] = body["steps"][0]["step_number"]
    _assert_1102(*await api.call(op_id, body=body), "`steps[].step_number`", "twice")


async def test_reward_chain_end_after_start(api: Api) -> None:
    body = api.example("admin-create-reward-chain", date_start=DAY2, date_end=DAY1)
    _assert_1102(*await api.call("admin-create-reward-chain", body=body), "`date_end`")


async def test_schema_value_ranges_are_1102_naming_the_field(api: Api) -> None:
    body = api.example("admin-create-coupon", external_id="c1")
    assert (await api.call("admin-create-coupon", body=body))[0] == 201
    for count in (0, 100_001):
        status, error = await api.call(
            "generate-coupon-codes", path={"external_id": "c1"}, body={"count": count}
        )
        _assert_1102(status, error, "count")


@pytest.mark.parametrize(
    ("create", "update", "path", "field"),
    [
        ("admin-create-coupon", "update-coupon-promotion", {"external_id": "c1"}, "is_enabled"),
        ("admin-create-coupon", "update-coupon-promotion", {"external_id": "c1"}, "external_id"),
        (
            "admin-create-coupon",
            "update-coupon-promotion",
            {"external_id": "c1"},
            "total_codes_count",
        ),
        (
            "admin-create-value-points",
            "admin-update-value-point",
            {"item_sku": "vp"},
            "can_delete",
        ),
        (
            "admin-create-daily-chain",
            "admin-update-daily-chain",
            {"daily_chain_id": 1},
            "number_of_steps",
        ),
        (
            "admin-create-offer-chain",
            "admin-update-offer-chain",
            {"offer_chain_id": 1},
            "number_of_steps",
        ),
        (
            "admin-create-reward-chain",
            "admin-update-reward-chain",
            {"reward_chain_id": 1},
            "reward_chain_id",
        ),
    ],
)
async def test_read_only_fields_on_put_are_refused(
    api: Api, create: str, update: str, path: dict[str, Any], field: str
) -> None:
    changes = {"external_id": "c1"} if create == "admin-create-coupon" else {}
    changes |= {"sku": "vp"} if create == "admin-create-value-points" else {}
    changes |= {"is_enabled": False} if "chain" in create else {}
    assert (await api.call(create, body=api.example(create, **changes)))[0] == 201
    body = api.example(update, **{field: 1})
    status, error = await api.call(update, path=path, body=body)
    _assert_1102(status, error, f"`{field}` is read-only")
    del body[field]
    assert (await api.call(update, path=path, body=body))[0] == 204


async def test_external_ids_codes_and_skus_are_unique(api: Api) -> None:
    body = api.example("admin-create-coupon", external_id="c1")
    assert (await api.call("admin-create-coupon", body=body))[0] == 201
    status, error = await api.call("admin-create-coupon", body=body)
    assert status == 422 and error["errorCode"] == 4002
    promo = api.example("create-promo-code", external_id="c1")  # another kind: its own ids
    assert (await api.call("create-promo-code", body=promo))[0] == 201

    where = {"external_id": "c1"}
    assert (await api.call("create-coupon-code", path=where, body={"coupon_code": "ABC1"}))[
        0
    ] == 201
    # Codes are unique across promotions, and case-sensitive (2025 schema: "Unique case
    # sensitive code"): "abc1" is another code than "ABC1".
    status, error = await api.call(
        "create-promo-code-code", path=where, body={"coupon_code": "ABC1"}
    )
    assert status == 422 and error["errorCode"] == 9803, error
    status, _ = await api.call("create-promo-code-code", path=where, body={"coupon_code": "abc1"})
    assert status == 201

    vp = api.example("admin-create-value-points", sku="vp")
    assert (await api.call("admin-create-value-points", body=vp))[0] == 201
    status, error = await api.call("admin-create-value-points", body=vp)
    assert status == 422 and error["errorCode"] == 4002


async def test_a_value_point_reward_patch_names_each_sku_once(api: Api) -> None:
    vp = api.example("admin-create-value-points", sku="vp")
    assert (await api.call("admin-create-value-points", body=vp))[0] == 201
    status, error = await api.call(
        "admin-patch-items-value-point-reward",
        path={"value_point_sku": "vp"},
        body=[{"sku": "a", "amount": 1}, {"sku": "a", "amount": 2}],
    )
    _assert_1102(status, error, "`sku`", "twice")


async def test_reward_chains_have_1_to_31_steps_of_1_to_10_rewards(api: Api) -> None:
    example = api.example("admin-create-reward-chain")
    step = example["steps"][0]
    reward = step["reward"][0]
    # the spec bounds both arrays (maxItems), so schema validation names them first
    cases = {
        ("`body.steps`", "too long"): [step] * 32,
        ("`body.steps.0.reward`", "too long"): [{**step, "reward": [reward] * 11}],
        ("`body.steps.0.reward`", "non-empty"): [{**step, "reward": []}],
    }
    for words, steps in cases.items():
        body = {**example, "steps": steps}
        _assert_1102(*await api.call("admin-create-reward-chain", body=body), *words)
    body = {**example, "steps": [{**step, "reward": [reward] * 10}] * 31}
    assert (await api.call("admin-create-reward-chain", body=body))[0] == 201
