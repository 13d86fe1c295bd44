"""Personalized catalog rules (`_state/catalog_rules.py`): full replace on PUT, partial
PATCH."""

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
