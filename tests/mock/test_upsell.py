"""Upsell (`_state/upsell.py`): the player list follows the admin configuration."""

from __future__ import annotations

from liveops_async.testing import LiveOpsMock

from .conftest import Api


async def test_upsell_client_list_follows_the_admin_config(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    player = liveops_mock.issue_jwt("p1")
    _, items = await api.call("get-upsell-for-project-client", auth=player)
    assert items["items"] == []
    assert (await api.call("put-upsell", body=api.example("put-upsell")))[0] == 404
    body = api.example("post-upsell")
    assert (await api.call("post-upsell", body=body))[0] == 202
    _, items = await api.call("get-upsell-for-project-client", auth=player)
    assert [i["sku"] for i in items["items"]] == body["items"]
    await api.call("put-upsell-toggle-active-inactive", path={"toggle": "deactivate"})
    _, items = await api.call("get-upsell-for-project-client", auth=player)
    assert items["items"] == []
    _, config = await api.call(
        "get-upsell-configurations-for-project-admin", auth=liveops_mock.issue_jwt("admin-user")
    )
    assert config[0]["is_enabled"] is False
