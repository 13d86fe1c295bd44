"""Reward chains (`_state/reward_chains.py`): balances, claims and visibility."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from liveops_async.testing import LiveOpsMock, ManualClock

from .conftest import Api

LONG = 90 * 86400  # JWT lifetime that outlasts the clock moves below


async def _reward_chain(api: Api, **changes: object) -> tuple[int, list[int]]:
    body = api.example("admin-create-reward-chain", **changes)
    status, created = await api.call("admin-create-reward-chain", body=body)
    assert status == 201
    chain_id = created["reward_chain_id"]
    _, chain = await api.call("admin-get-reward-chain", path={"reward_chain_id": chain_id})
    return chain_id, [s["step_id"] for s in chain["steps"]]


async def test_reward_chain_claims_need_the_balance_and_happen_once(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    status, created = await api.call(
        "admin-create-reward-chain", body=api.example("admin-create-reward-chain")
    )
    assert status == 201
    chain_id = created["reward_chain_id"]
    _, chain = await api.call("admin-get-reward-chain", path={"reward_chain_id": chain_id})
    first, second = (s["step_id"] for s in chain["steps"][:2])
    player = liveops_mock.issue_jwt("p1")
    where = {"reward_chain_id": chain_id, "step_id": first}

    status, error = await api.call("claim-user-reward-chain-step-reward", path=where, auth=player)
    assert status == 422 and error["errorCode"] == 9913  # balance 0 < price 100 (2025 schema)
    assert error["errorMessage"] == "[0401-9913]: Not enough value points to claim step reward."

    assert liveops_mock.grant_value_points("p1", chain_id, 120) == 120
    _, balance = await api.call(
        "get-user-reward-chain-balance", path={"reward_chain_id": chain_id}, auth=player
    )
    assert balance["amount"] == 120, balance
    assert (await api.call("claim-user-reward-chain-step-reward", path=where, auth=player))[
        0
    ] == 204
    status, error = await api.call("claim-user-reward-chain-step-reward", path=where, auth=player)
    assert status == 422 and error["errorCode"] == 9912
    status, error = await api.call(
        "claim-user-reward-chain-step-reward", path={**where, "step_id": second}, auth=player
    )
    assert status == 422 and error["errorCode"] == 9913  # price 250 not reached
    status, error = await api.call(
        "claim-user-reward-chain-step-reward", path={**where, "step_id": 99999}, auth=player
    )
    assert status == 404 and error["errorCode"] == 9911

    _, listing = await api.call("get-reward-chains-list", auth=player)
    steps = listing["items"][0]["steps"]
    assert [s["is_claimed"] for s in steps[:2]] == [True, False]

    assert (await api.call("admin-reset-reward-chain", path={"reward_chain_id": chain_id}))[
        0
    ] == 204
    _, balance = await api.call(
        "get-user-reward-chain-balance", path={"reward_chain_id": chain_id}, auth=player
    )
    assert balance["amount"] == 0


async def test_claiming_a_reward_chain_step_does_not_spend_value_points(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    chain_id, (first, second, *_) = await _reward_chain(api)  # prices 100 and 250
    player = liveops_mock.issue_jwt("p1")
    where = {"reward_chain_id": chain_id}
    liveops_mock.grant_value_points("p1", chain_id, 260)

    async def claim(step_id: int) -> int:
        path = {**where, "step_id": step_id}
        return (await api.call("claim-user-reward-chain-step-reward", path=path, auth=player))[0]

    assert await claim(first) == 204
    _, balance = await api.call("get-user-reward-chain-balance", path=where, auth=player)
    assert balance["amount"] == 260  # progress, not a purse: still 260 after a 100 step
    assert await claim(second) == 204  # 260 >= 250 although 100 were "used" above


async def test_reward_chains_are_visible_to_players_only_in_their_period(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    end = clock.now() + timedelta(days=1)
    chain_id, _ = await _reward_chain(api, date_end=end.isoformat())
    player = liveops_mock.issue_jwt("p1", ttl=LONG)
    where = {"reward_chain_id": chain_id}
    assert (await api.call("get-user-reward-chain-balance", path=where, auth=player))[0] == 200
    clock.advance(timedelta(days=1))
    assert (await api.call("get-user-reward-chain-balance", path=where, auth=player))[0] == 404
    _, listing = await api.call("get-reward-chains-list", auth=player)
    assert listing["items"] == []


async def test_an_unknown_reward_chain_is_404_with_errorcode_9901(api: Api) -> None:
    """The 2025 schema's example: errorCode 9901, message "[0401-4001]: Reward chain not found"."""
    for op_id in ("admin-get-reward-chain", "admin-toggle-reward-chain"):
        status, error = await api.call(op_id, path={"reward_chain_id": 4242})
        assert status == 404 and error["errorCode"] == 9901, (op_id, error)
        assert error["errorMessage"] == "[0401-4001]: Reward chain not found"


async def test_a_scheduled_reset_wipes_progress_and_the_answers_date_it(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    """S1: a chain's `recurrent_schedule` resets it like the reset call (points and claims of
    every player); the admin reads answer the schedule with its computed dates, players get
    `{interval_type, reset_next_date}`. The example resets on Mondays at 01:00 +08:00, so
    the first reset after Thursday 2026-12-10 is 2026-12-13 17:00 UTC."""
    chain_id, (first, *_) = await _reward_chain(api)
    reset = datetime(2026, 12, 13, 17, 0, tzinfo=timezone.utc)
    where = {"reward_chain_id": chain_id}
    _, chain = await api.call("admin-get-reward-chain", path=where)
    assert chain["recurrent_schedule"] == {
        "interval_type": "weekly",
        "day_of_week": 1,
        "day_of_month": None,
        "time": "01:00:00+08:00",
        "reset_next_date": int(reset.timestamp()),
        "displayable_reset_start_date": "2026-12-14T01:00:00+08:00",
        "displayable_reset_next_date": "2026-12-14T01:00:00+08:00",
    }
    player = liveops_mock.issue_jwt("p1", ttl=LONG)
    liveops_mock.grant_value_points("p1", chain_id, 120)
    path = {**where, "step_id": first}
    assert (await api.call("claim-user-reward-chain-step-reward", path=path, auth=player))[0] == 204

    clock.set(reset - timedelta(seconds=1))
    _, balance = await api.call("get-user-reward-chain-balance", path=where, auth=player)
    assert balance["amount"] == 120
    clock.set(reset)
    _, balance = await api.call("get-user-reward-chain-balance", path=where, auth=player)
    assert balance["amount"] == 0
    _, listing = await api.call("get-reward-chains-list", auth=player)
    assert listing["items"][0]["recurrent_schedule"] == {
        "interval_type": "weekly",
        "reset_next_date": int((reset + timedelta(days=7)).timestamp()),
    }
    assert listing["items"][0]["steps"][0]["is_claimed"] is False
    assert liveops_mock.grant_value_points("p1", chain_id, 100) == 100
    assert (await api.call("claim-user-reward-chain-step-reward", path=path, auth=player))[0] == 204


async def test_a_player_without_a_clan_has_no_contributors_and_no_clan_rewards(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    """The mock has no clans, so every player is clan-less: S1 answers such a player's top
    contributors with an empty array, and a clan update has no earlier clan's rewards."""
    chain_id, _ = await _reward_chain(api)
    player = liveops_mock.issue_jwt("p1")
    status, top = await api.call(
        "get-user-clan-top-contributors", path={"reward_chain_id": chain_id}, auth=player
    )
    assert (status, top) == (200, [])
    status, updated = await api.call("user-clan-update", auth=player)
    assert (status, updated) == (200, {"reward": []})


async def test_admin_reads_answer_the_whole_value_point(api: Api) -> None:
    """The 2025 schema's admin example: the chain's `value_point` is the whole value point item
    (type, is_enabled, image_url, media_list, order, is_clan next to the texts)."""
    value_point = api.example("admin-create-value-points")
    assert (await api.call("admin-create-value-points", body=value_point))[0] == 201
    chain_id, _ = await _reward_chain(api, value_point={"sku": value_point["sku"]})
    _, chain = await api.call("admin-get-reward-chain", path={"reward_chain_id": chain_id})
    _, listing = await api.call("admin-get-reward-chains")
    for answered in (chain["value_point"], listing["items"][0]["value_point"]):
        assert answered["type"] == "value_point"
        for field in ("is_enabled", "image_url", "media_list", "order", "is_clan"):
            assert answered[field] == value_point[field], field
