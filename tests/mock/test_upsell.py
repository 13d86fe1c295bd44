"""Upsell (`_state/upsell.py`): the player list follows the admin configuration, which the
admin calls change with a player's JWT (a project API key is refused, as Xsolla refuses it)."""

from __future__ import annotations

import base64

from liveops_async.testing import LiveOpsMock

from .conftest import Api

ADMIN_CALLS = (
    ("get-upsell-configurations-for-project-admin", {}),
    ("post-upsell", {}),
    ("put-upsell", {}),
    ("put-upsell-toggle-active-inactive", {"toggle": "activate"}),
)


async def test_upsell_client_list_follows_the_admin_config(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    player = liveops_mock.issue_jwt("p1")
    admin = liveops_mock.issue_jwt("admin-user")
    _, items = await api.call("get-upsell-for-project-client", auth=player)
    assert items["items"] == []
    assert (await api.call("put-upsell", body=api.example("put-upsell"), auth=admin))[0] == 404
    body = api.example("post-upsell")
    assert (await api.call("post-upsell", body=body, auth=admin))[0] == 202
    _, items = await api.call("get-upsell-for-project-client", auth=player)
    assert [i["sku"] for i in items["items"]] == body["items"]
    toggled = await api.call(
        "put-upsell-toggle-active-inactive", path={"toggle": "deactivate"}, auth=admin
    )
    assert toggled[0] == 202
    _, items = await api.call("get-upsell-for-project-client", auth=player)
    assert items["items"] == []
    _, config = await api.call("get-upsell-configurations-for-project-admin", auth=admin)
    assert config[0]["is_enabled"] is False


async def test_upsell_admin_calls_refuse_the_project_key_with_403(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    """Fidelity finding B7: S6 saw a project API key refused with 403 "Requested endpoint is
    forbidden"; the docs declare a player's JWT. The refusal changes nothing."""
    for op_id, path in ADMIN_CALLS:
        body = liveops_mock.spec.request_example(op_id)
        status, error = await api.call(op_id, path=path, body=body)
        assert status == 403, (op_id, error)
        assert (error["statusCode"], error["errorCode"]) == (403, 0)
        assert error["errorMessage"] == "Requested endpoint is forbidden"
    _, config = await api.call(
        "get-upsell-configurations-for-project-admin", auth=liveops_mock.issue_jwt("admin-user")
    )
    assert config == []  # the refused create made nothing
    # A wrong key is still a failed authentication, not a refusal of the endpoint.
    wrong = {"Authorization": "Basic " + base64.b64encode(b"44056:wrong-key").decode()}
    status, error = await api.call(ADMIN_CALLS[0][0], auth=None, headers=wrong)
    assert (status, error["errorCode"]) == (401, 1501)
    # The project key still serves every other admin call.
    assert (await api.call("get-coupons"))[0] == 200
