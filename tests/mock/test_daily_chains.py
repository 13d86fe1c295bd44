"""Daily chains follow the calendar (`calendar_hard`) or the player's last claim (rolling)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from liveops_async.testing import LiveOpsMock, ManualClock

from .conftest import START, Api

LONG = 90 * 86400  # JWT lifetime that outlasts the clock moves below
TODAY = START.replace(hour=0)  # START is 12:00 UTC


async def _chain(api: Api, kind: str = "calendar_hard", start: datetime = TODAY) -> int:
    steps = [{"step_number": n, "items": [{"sku": "gold", "quantity": n}]} for n in (1, 2, 3)]
    body = api.example(
        "admin-create-daily-chain", type=kind, date_start=start.isoformat(), steps=steps
    )
    status, created = await api.call("admin-create-daily-chain", body=body)
    assert status == 201, created
    return int(created["daily_chain_id"])


class Player:
    def __init__(self, api: Api, mock: LiveOpsMock, chain_id: int) -> None:
        self.api, self.chain_id = api, chain_id
        self.jwt = mock.issue_jwt("p1", ttl=LONG)

    async def claim(self, step: int) -> tuple[int, Any]:
        where = {"daily_chain_id": self.chain_id, "step_number": step}
        return await self.api.call("claim-user-daily-chain-step-reward", path=where, auth=self.jwt)

    async def steps(self) -> list[dict[str, Any]]:
        where = {"daily_chain_id": self.chain_id}
        status, chain = await self.api.call("get-user-daily-chain-by-id", path=where, auth=self.jwt)
        assert status == 200, chain
        return list(chain["steps"])

    async def statuses(self) -> list[str]:
        return [s["status"] for s in await self.steps()]


async def test_calendar_chain_blocks_a_missed_day_and_follows_the_calendar(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    player = Player(api, liveops_mock, await _chain(api))
    assert await player.statuses() == ["claimable", "claim_in_future", "claim_in_future"]
    unlocked = [s["unlocked_date"] for s in await player.steps()]
    day = int(timedelta(days=1).total_seconds())
    assert unlocked == [int(TODAY.timestamp()) + n * day for n in range(3)]

    status, error = await player.claim(2)  # tomorrow's step, today
    assert status == 422 and error["errorCode"] == 9912
    assert (await player.claim(1))[0] == 204
    assert await player.statuses() == ["claimed", "claim_in_future", "claim_in_future"]

    clock.advance(timedelta(days=2))  # day 2 passes without a claim
    assert await player.statuses() == ["claimed", "blocked", "claimable"]
    status, error = await player.claim(2)
    assert status == 422 and error["errorCode"] == 9912 and "missed" in error["errorMessage"]
    assert (await player.claim(3))[0] == 204
    status, error = await player.claim(1)
    assert status == 422 and error["errorMessage"].endswith("Reward already claimed.")
    assert liveops_mock.daily_chain_progress("p1", player.chain_id) == [1, 3]


async def test_calendar_days_start_at_midnight_of_the_chains_own_offset(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    # Midnight in UTC+05 is 19:00 UTC the day before; START (12:00 UTC) is day 1 there.
    start = datetime.fromisoformat("2026-12-10T00:00:00+05:00")
    player = Player(api, liveops_mock, await _chain(api, start=start))
    assert (await player.claim(1))[0] == 204
    clock.advance(timedelta(hours=6, minutes=59))  # 18:59 UTC: still day 1 in UTC+05
    assert await player.statuses() == ["claimed", "claim_in_future", "claim_in_future"]
    clock.advance(timedelta(minutes=1))  # 19:00 UTC: midnight in UTC+05, day 2
    assert await player.statuses() == ["claimed", "claimable", "claim_in_future"]


async def test_calendar_chain_reset_is_refused_with_an_xsolla_error(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    player = Player(api, liveops_mock, await _chain(api))
    assert (await player.claim(1))[0] == 204
    status, error = await api.call("admin-reset-daily-chain", path={"daily_chain_id": 1})
    assert status == 422
    assert error["statusCode"] == 422 and error["errorCode"] == 1019
    assert error["errorMessage"] == "[0401-1019]: Only rolling daily chains can be reset."
    assert error["transactionId"]
    assert liveops_mock.daily_chain_progress("p1", player.chain_id) == [1]  # kept


async def test_rolling_chain_waits_for_the_player_and_can_be_reset(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    player = Player(api, liveops_mock, await _chain(api, kind="rolling"))
    assert (await player.claim(1))[0] == 204
    assert (await player.claim(2))[0] == 422  # one step per day
    clock.advance(timedelta(days=3))  # missed days only pause a rolling chain
    assert await player.statuses() == ["claimed", "claimable", "claim_in_future"]
    assert (await player.claim(2))[0] == 204
    where = {"daily_chain_id": player.chain_id}
    assert (await api.call("admin-reset-daily-chain", path=where))[0] == 204
    assert liveops_mock.daily_chain_progress("p1", player.chain_id) == []
    assert await player.statuses() == ["claimable", "claim_in_future", "claim_in_future"]


async def test_players_see_a_chain_only_while_enabled_and_in_its_period(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    chain_id = await _chain(api, start=TODAY + timedelta(days=1))
    player = Player(api, liveops_mock, chain_id)
    where = {"daily_chain_id": chain_id}
    status, _ = await api.call("get-user-daily-chain-by-id", path=where, auth=player.jwt)
    assert status == 404  # not started
    clock.advance(timedelta(days=1))
    _, listing = await api.call("get-daily-chains-list", auth=player.jwt)
    assert [c["id"] for c in listing["items"]] == [chain_id]
    await api.call("admin-toggle-daily-chain", path=where)  # disabled
    _, listing = await api.call("get-daily-chains-list", auth=player.jwt)
    assert listing["items"] == []
    assert (await player.claim(1))[0] == 404
