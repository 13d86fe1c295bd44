"""Personalized catalog rules and value points: full replace on PUT, partial PATCH."""

from __future__ import annotations

from .conftest import Api


async def test_rule_put_replaces_and_patch_keeps_omitted_fields(api: Api) -> None:
    status, created = await api.call(
        "create-filter-rule", body=api.example("create-filter-rule", is_enabled=True)
    )
    assert status == 201
    where = {"rule_id": created["rule_id"]}
    assert (await api.call("patch-filter-rule-by-id", path=where, body={"name": "Renamed"}))[
        0
    ] == 204
    _, rule = await api.call("get-filter-rule-by-id", path=where)
    assert rule["name"] == "Renamed" and rule["is_enabled"] is True  # PATCH kept the rest
    body = api.example("update-filter-rule-by-id", is_enabled=False)
    body.pop("is_satisfied_for_unauth", None)
    assert (await api.call("update-filter-rule-by-id", path=where, body=body))[0] == 204
    _, rule = await api.call("get-filter-rule-by-id", path=where)
    assert rule["name"] == body["name"] and rule["is_enabled"] is False
    assert rule["is_satisfied_for_unauth"] is False  # PUT: omitted means the default
    _, enabled = await api.call("get-filter-rules", query={"is_enabled": 1})
    assert enabled["items"] == []
    assert (await api.call("delete-filter-rule-by-id", path=where))[0] == 204
    assert (await api.call("get-filter-rule-by-id", path=where))[0] == 404


async def test_value_point_rewards_put_replaces_patch_merges_and_zero_removes(api: Api) -> None:
    vp = api.example("admin-create-value-points", sku="vp")
    assert (await api.call("admin-create-value-points", body=vp))[0] == 201
    where = {"value_point_sku": "vp"}

    async def rewards() -> dict[str, int]:
        _, body = await api.call("admin-get-items-value-point-reward", path=where)
        return {item["sku"]: item["amount"] for item in body["items"]}

    put = [{"sku": "a", "amount": 10}, {"sku": "b", "amount": 20}]
    assert (await api.call("admin-set-items-value-point-reward", path=where, body=put))[0] == 204
    put = [{"sku": "c", "amount": 5}]
    assert (await api.call("admin-set-items-value-point-reward", path=where, body=put))[0] == 204
    assert await rewards() == {"c": 5}  # PUT overwrites every item's reward
    patch = [{"sku": "d", "amount": 7}, {"sku": "c", "amount": 0}]
    assert (await api.call("admin-patch-items-value-point-reward", path=where, body=patch))[
        0
    ] == 204
    assert await rewards() == {"d": 7}  # PATCH merges; amount 0 removes the item
    assert (await api.call("admin-delete-items-value-point-reward", path=where))[0] == 204
    assert await rewards() == {}
