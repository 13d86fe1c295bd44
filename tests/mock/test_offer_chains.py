"""Offer chains: steps in order; a paid step completes only when its order is settled."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from liveops_async.testing import LiveOpsMock, ManualClock, OrderStatus

from .conftest import Api


class Player:
    def __init__(self, api: Api, mock: LiveOpsMock, chain_id: int) -> None:
        self.api, self.chain_id = api, chain_id
        self.jwt = mock.issue_jwt("p1")

    async def step(self, action: str, number: int) -> tuple[int, Any]:
        return await self.api.call(
            f"{action}-user-offer-chain-step-reward",
            auth=self.jwt,
            path={"offer_chain_id": self.chain_id, "step_number": number},
        )

    async def chain(self) -> dict[str, Any]:
        where = {"offer_chain_id": self.chain_id}
        status, chain = await self.api.call("get-user-offer-chain-by-id", path=where, auth=self.jwt)
        assert status == 200, chain
        return dict(chain)


async def _player(api: Api, mock: LiveOpsMock) -> Player:
    # The spec's example: step 1 free, step 2 paid, steps 3.. alternate.
    status, created = await api.call(
        "admin-create-offer-chain", body=api.example("admin-create-offer-chain")
    )
    assert status == 201
    return Player(api, mock, created["offer_chain_id"])


async def test_steps_are_taken_in_order_and_by_their_kind(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    player = await _player(api, liveops_mock)
    assert (await player.step("claim", 3))[0] == 422  # out of order
    assert (await player.step("order", 1))[0] == 422  # step 1 is free: claimed, not ordered
    status, claimed = await player.step("claim", 1)
    assert status == 200 and isinstance(claimed["order_id"], int)
    status, error = await player.step("claim", 1)
    assert status == 422 and error["errorMessage"].endswith("Reward already claimed.")
    assert (await player.step("claim", 2))[0] == 422  # step 2 is paid: ordered
    [free_order] = liveops_mock.offer_chain_orders("p1")
    assert free_order.status is OrderStatus.DONE and free_order.step_number == 1


async def test_a_paid_step_waits_for_its_order_to_be_settled(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    player = await _player(api, liveops_mock)
    assert (await player.step("claim", 1))[0] == 200
    status, ordered = await player.step("order", 2)
    assert status == 200 and ordered["token"]
    order = liveops_mock.offer_chain_orders("p1")[-1]
    assert (order.order_id, order.status, order.step_number) == (
        ordered["order_id"],
        OrderStatus.NEW,
        2,
    )
    chain = await player.chain()
    assert chain["next_step_number"] == 2  # not complete until paid
    assert [s["is_claimed"] for s in chain["steps"][:3]] == [True, False, False]
    assert (await player.step("claim", 3))[0] == 422  # the next step stays locked

    canceled = liveops_mock.cancel_order(order.order_id)
    assert canceled.status is OrderStatus.CANCELED
    assert (await player.chain())["next_step_number"] == 2
    _, again = await player.step("order", 2)  # a canceled order can be placed again
    settled = liveops_mock.settle_order(again["order_id"])
    assert settled.status is OrderStatus.PAID
    chain = await player.chain()
    assert chain["next_step_number"] == 3
    assert [s["is_claimed"] for s in chain["steps"][:3]] == [True, True, False]
    assert (await player.step("claim", 3))[0] == 200


async def test_settling_a_second_order_for_a_paid_step_is_refused(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    player = await _player(api, liveops_mock)
    await player.step("claim", 1)
    _, first = await player.step("order", 2)
    _, second = await player.step("order", 2)  # the player opened Pay Station twice
    liveops_mock.settle_order(second["order_id"])
    by_id = {o.order_id: o.status for o in liveops_mock.offer_chain_orders()}
    assert by_id[first["order_id"]] is OrderStatus.CANCELED  # paid once, the other closes
    with pytest.raises(ValueError, match="not new"):
        liveops_mock.settle_order(first["order_id"])
    with pytest.raises(ValueError, match="is paid"):
        liveops_mock.cancel_order(second["order_id"])
    with pytest.raises(KeyError):
        liveops_mock.settle_order(999)


async def test_toggle_keeps_progress_and_delete_forgets_the_chain(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    player = await _player(api, liveops_mock)
    await player.step("claim", 1)
    where = {"offer_chain_id": player.chain_id}
    for _ in range(2):
        await api.call("admin-toggle-offer-chain", path=where)
    assert (await player.chain())["next_step_number"] == 2
    await api.call("admin-delete-offer-chain", path=where)
    status, _ = await api.call("get-user-offer-chain-by-id", path=where, auth=player.jwt)
    assert status == 404


async def test_a_scheduled_reset_starts_the_chain_over(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    """S2: an offer chain's `recurrent_schedule` resets the chain; the admin reads answer it
    with `reset_next_date` and the displayable dates, players get `{interval_type,
    reset_next_date}` (Unix seconds, the spec's choice). The example resets monthly on day 1
    at 00:00 UTC, so after 2026-12-10 the next reset is 2027-01-01."""
    status, created = await api.call(
        "admin-create-offer-chain", body=api.example("admin-create-offer-chain")
    )
    assert status == 201
    where = {"offer_chain_id": created["offer_chain_id"]}
    reset = datetime(2027, 1, 1, tzinfo=timezone.utc)
    _, chain = await api.call("admin-get-offer-chain", path=where)
    assert chain["recurrent_schedule"] == {
        "interval_type": "monthly",
        "day_of_week": None,
        "day_of_month": 1,
        "time": "00:00:00+00:00",
        "reset_next_date": int(reset.timestamp()),
        "displayable_reset_start_date": "2027-01-01T00:00:00+00:00",
        "displayable_reset_next_date": "2027-01-01T00:00:00+00:00",
    }
    player = liveops_mock.issue_jwt("p1", ttl=60 * 86400)
    step_1 = {**where, "step_number": 1}
    status, _ = await api.call("claim-user-offer-chain-step-reward", path=step_1, auth=player)
    assert status == 200

    clock.set(reset - timedelta(seconds=1))
    _, mine = await api.call("get-user-offer-chain-by-id", path=where, auth=player)
    assert mine["next_step_number"] == 2
    clock.set(reset)
    _, mine = await api.call("get-user-offer-chain-by-id", path=where, auth=player)
    assert mine["next_step_number"] == 1 and not mine["steps"][0]["is_claimed"]
    february = datetime(2027, 2, 1, tzinfo=timezone.utc)
    assert mine["recurrent_schedule"] == {
        "interval_type": "monthly",
        "reset_next_date": int(february.timestamp()),
    }


async def test_an_update_keeps_progress_only_on_steps_sent_back_with_their_step_id(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    """S2 `ModifyOfferChainStepModel.step_id`: "Specify it during update to retain user
    progress for this step." Progress follows the id to the step's new number; a step sent
    without its id starts over."""
    player = await _player(api, liveops_mock)
    assert (await player.step("claim", 1))[0] == 200
    _, order = await player.step("order", 2)
    liveops_mock.settle_order(order["order_id"])
    assert (await player.chain())["next_step_number"] == 3
    where = {"offer_chain_id": player.chain_id}
    await api.call("admin-toggle-offer-chain", path=where)  # only a disabled chain is edited
    _, admin = await api.call("admin-get-offer-chain", path=where)
    step_id = {s["step_number"]: s["step_id"] for s in admin["steps"]}
    body = api.example("admin-update-offer-chain", is_enabled=True)
    body["steps"] = [
        # the old step 1, moved to number 2, sent back with its id: still done
        {
            "step_id": step_id[1],
            "step_number": 2,
            "is_free": True,
            "items": [{"sku": "a", "quantity": 1}],
        },
        # the old step 2 without its id: starts over
        {"step_number": 1, "is_free": False, "items": [{"sku": "b", "quantity": 1}]},
        {
            "step_id": step_id[3],
            "step_number": 3,
            "is_free": True,
            "items": [{"sku": "c", "quantity": 1}],
        },
    ]
    status, error = await api.call("admin-update-offer-chain", path=where, body=body)
    assert status == 204, error
    chain = await player.chain()
    assert {s["step_number"]: s["is_claimed"] for s in chain["steps"]} == {
        1: False,
        2: True,
        3: False,
    }
    assert chain["next_step_number"] == 1
