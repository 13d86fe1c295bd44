"""What daily and offer chains share (`_state/_chains.py`): an enabled chain cannot be
edited."""

from __future__ import annotations

from .conftest import Api


async def _daily_chain(api: Api) -> int:
    status, created = await api.call(
        "admin-create-daily-chain", body=api.example("admin-create-daily-chain")
    )
    assert status == 201
    return int(created["daily_chain_id"])


async def test_enabled_chains_cannot_be_updated(api: Api) -> None:
    chain_id = await _daily_chain(api)
    where = {"daily_chain_id": chain_id}
    body = api.example("admin-update-daily-chain")
    status, error = await api.call("admin-update-daily-chain", path=where, body=body)
    assert status == 422 and error["errorCode"] == 6209
    assert (await api.call("admin-toggle-daily-chain", path=where))[0] == 204
    assert (await api.call("admin-update-daily-chain", path=where, body=body))[0] == 204
    _, chain = await api.call("admin-get-daily-chain", path=where)
    assert chain["is_recurrent"] is True and chain["is_enabled"] is False
