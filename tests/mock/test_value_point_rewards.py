"""Value point rewards (`_state/value_point_rewards.py`): PUT replaces, PATCH merges."""

from __future__ import annotations

from .conftest import Api


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
