"""Dropped answers (`_faults.py`, `drop_after_apply_next`): the mock handles a request, then cuts
the connection without answering. Seen through the SDK's public API: a call that is not safe to
repeat fails with `sent=True` and is not resent, a read is retried, and settling finds the
effect in the mock's state."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from liveops_async import (
    APIConnectionError,
    LiveOpsClient,
    RequestOptions,
    RetryPolicy,
    SettleEvent,
    Settlement,
    models,
)
from liveops_async.testing import LiveOpsMock, MockFaults

from .conftest import API_KEY, Api
from .test_reward_chains import _reward_chain

# Retries without real waits: what is checked is which requests reached the mock.
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.004)
PLAYER = "player-1"


@pytest.fixture
async def settled() -> list[SettleEvent]:
    return []


@pytest.fixture
async def client(liveops_mock: LiveOpsMock, settled: list[SettleEvent]) -> AsyncIterator[Any]:
    async with LiveOpsClient(
        base_url=liveops_mock.base_url,
        project_id=liveops_mock.project_id,
        api_key=API_KEY,
        retry=FAST_RETRY,
        on_settle=[settled.append],
    ) as sdk:
        yield sdk


async def _coupon(client: Any, external_id: str = "gift", code: str = "GIFT1") -> None:
    """An active coupon with one code and a per-player limit of 2."""
    coupons = client.admin.coupons
    await coupons.create(**_coupon_fields(external_id))
    await coupons.activate(external_id)
    await coupons.create_code(external_id, coupon_code=code)


def _coupon_fields(external_id: str) -> dict[str, Any]:
    return {
        "external_id": external_id,
        "name": {"en-US": "Gift"},
        "bonus": [models.BonusItem(sku="gold-coins", quantity=50)],
        "redeem_user_limit": 2,
    }


def _log(mock: LiveOpsMock, operation_id: str) -> list[tuple[int, bool]]:
    """(status, dropped) of every logged request of an operation, oldest first."""
    return [(r.status, r.dropped) for r in mock.requests if r.operation_id == operation_id]


async def _create(api: Api, operation_id: str, external_id: str) -> int | None:
    """Create a promotion with plain aiohttp; the answer's status, None when none came.

    POSTs only in these tests: aiohttp itself resends a GET whose reused connection drops, which
    would hide what the mock did (the SDK turns that off)."""
    body = api.example(operation_id, external_id=external_id)
    try:
        return (await api.call(operation_id, body=body))[0]
    except aiohttp.ClientError:
        return None


async def _coupon_ids(client: Any) -> list[str]:
    return [coupon.external_id async for coupon in client.admin.coupons.list()]


# --- (1) not safe to repeat: the effect happened, the client is told it may have ---------------


async def test_a_redemption_whose_answer_is_lost_counts_and_is_not_resent(
    liveops_mock: LiveOpsMock, client: Any, settled: list[SettleEvent]
) -> None:
    await _coupon(client)
    player = client.user(liveops_mock.issue_jwt(PLAYER))
    liveops_mock.drop_after_apply_next(operation_id="redeem-coupon")

    with pytest.raises(APIConnectionError) as caught:
        await player.coupons.redeem(coupon_code="GIFT1")

    assert caught.value.sent is True  # the request may have reached the server
    assert "after sending" in str(caught.value)
    # One request, handled (200) but never answered: the SDK did not send it again.
    assert _log(liveops_mock, "redeem-coupon") == [(200, True)]
    assert settled == []  # a redemption cannot be settled (docs/settling.md)
    # The redemption counted: one of the player's two uses is gone.
    limit = await client.admin.coupons.get_user_limit("gift", user_external_id=PLAYER)
    assert limit.per_user is not None and limit.per_user.available == 1


async def test_a_create_whose_answer_is_lost_without_settling_raises_and_is_not_resent(
    liveops_mock: LiveOpsMock, client: Any, settled: list[SettleEvent]
) -> None:
    liveops_mock.drop_after_apply_next(operation_id="admin-create-coupon")

    with pytest.raises(APIConnectionError) as caught:
        await client.admin.coupons.create(
            **_coupon_fields("gift"), options=RequestOptions(settle=False)
        )

    assert caught.value.sent is True
    assert _log(liveops_mock, "admin-create-coupon") == [(201, True)]
    assert settled == []
    assert await _coupon_ids(client) == ["gift"]  # it was created all the same


# --- (2) retry-safe: the read is asked again -------------------------------------------------


async def test_a_read_whose_answer_is_lost_is_retried(
    liveops_mock: LiveOpsMock, client: Any
) -> None:
    await _coupon(client)
    liveops_mock.drop_after_apply_next(operation_id="get-coupon")

    raw = await client.admin.coupons.with_raw_response.get("gift")

    assert raw.parsed.external_id == "gift" and raw.attempts == 2
    assert raw.settlement is None
    assert _log(liveops_mock, "get-coupon") == [(200, True), (200, False)]


# --- (3) settling finds the effect: exactly one, and the caller gets the result --------------


async def test_a_keyed_create_whose_answer_is_lost_is_settled_as_applied(
    liveops_mock: LiveOpsMock, client: Any, settled: list[SettleEvent]
) -> None:
    liveops_mock.drop_after_apply_next(operation_id="admin-create-coupon")

    raw = await client.admin.coupons.with_raw_response.create(**_coupon_fields("gift"))

    assert raw.settlement == "applied" and raw.parsed == models.CreatedExternalId(
        external_id="gift"
    )
    assert [e.outcome for e in settled] == [Settlement.APPLIED]
    # The first create acted, its resend was refused as a duplicate (422), one read compared.
    assert _log(liveops_mock, "admin-create-coupon") == [(201, True), (422, False)]
    assert liveops_mock.count("get-coupon") == 1
    assert await _coupon_ids(client) == ["gift"]


async def test_a_code_whose_answer_is_lost_is_settled_as_applied(
    liveops_mock: LiveOpsMock, client: Any, settled: list[SettleEvent]
) -> None:
    await _coupon(client)
    liveops_mock.drop_after_apply_next(operation_id="create-coupon-code")

    raw = await client.admin.coupons.with_raw_response.create_code("gift", coupon_code="GIFT2")

    assert raw.settlement == "applied" and raw.parsed == models.CreatedCode(code="GIFT2")
    assert [e.outcome for e in settled] == [Settlement.APPLIED]
    # The set-up's code, the code whose answer was lost, its resend refused as a duplicate.
    codes_log = _log(liveops_mock, "create-coupon-code")
    assert codes_log == [(201, False), (201, True), (422, False)]
    codes = [code.code async for code in client.admin.coupons.list_codes("gift")]
    assert sorted(codes) == ["GIFT1", "GIFT2"]


async def test_a_step_claim_whose_answer_is_lost_is_settled_as_applied(
    liveops_mock: LiveOpsMock, api: Api, client: Any, settled: list[SettleEvent]
) -> None:
    chain_id, (first, *_) = await _reward_chain(api)  # first step's price: 100 points
    liveops_mock.grant_value_points(PLAYER, chain_id, 100)
    player = client.user(liveops_mock.issue_jwt(PLAYER))
    liveops_mock.drop_after_apply_next(operation_id="claim-user-reward-chain-step-reward")

    raw = await player.reward_chains.with_raw_response.claim_step(chain_id, first)

    assert raw.settlement == "applied"
    assert [e.outcome for e in settled] == [Settlement.APPLIED]
    # Claimed once, by the request whose answer was lost; the settle read saw it.
    assert _log(liveops_mock, "claim-user-reward-chain-step-reward") == [(204, True)]
    listing = await player.reward_chains.list().first_page()
    assert [s.is_claimed for s in listing.items[0].steps][:2] == [True, False]


# --- which request is taken, and the seeded rate ---------------------------------------------


async def test_queued_drops_take_only_their_operation_after_queued_429s(
    liveops_mock: LiveOpsMock, api: Api
) -> None:
    liveops_mock.throttle_next()
    liveops_mock.drop_after_apply_next(operation_id="admin-create-coupon")
    assert await _create(api, "admin-create-coupon", "a") == 429  # the queued 429 goes first
    assert await _create(api, "create-promo-code", "p1") == 201  # not the coupon's entry to take
    assert await _create(api, "admin-create-coupon", "a") is None
    assert await _create(api, "admin-create-coupon", "b") == 201  # used up
    liveops_mock.drop_after_apply_next(2)  # the next two requests, whatever their operation
    assert await _create(api, "create-promo-code", "p2") is None
    assert await _create(api, "admin-create-coupon", "c") is None
    assert await _create(api, "create-promo-code", "p3") == 201

    assert [(r.operation_id, r.status, r.dropped) for r in liveops_mock.requests] == [
        ("admin-create-coupon", 429, False),
        ("create-promo-code", 201, False),
        ("admin-create-coupon", 201, True),
        ("admin-create-coupon", 201, False),
        ("create-promo-code", 201, True),
        ("admin-create-coupon", 201, True),
        ("create-promo-code", 201, False),
    ]


async def test_drop_after_apply_rate_is_seeded_and_replays(
    liveops_mock: LiveOpsMock, api: Api
) -> None:
    async def run() -> list[tuple[int, bool]]:
        liveops_mock.reset_state()
        liveops_mock.faults = MockFaults(drop_after_apply_rate=0.4, seed=3)
        for n in range(30):
            await _create(api, "admin-create-coupon", f"c{n}")
        return _log(liveops_mock, "admin-create-coupon")

    first = await run()
    assert first == await run()  # same seed, same requests dropped
    assert 4 <= sum(dropped for _, dropped in first) <= 20
    assert {status for status, _ in first} == {201}  # dropped or not, every create acted
    liveops_mock.faults = MockFaults()
    _, page = await api.call("get-coupons", query={"limit": 50})
    assert len(page["items"]) == 30


async def test_drop_after_apply_is_drawn_last(liveops_mock: LiveOpsMock, api: Api) -> None:
    liveops_mock.faults = MockFaults(drop_connection_rate=1.0, drop_after_apply_rate=1.0)
    assert await _create(api, "admin-create-coupon", "a") is None
    liveops_mock.faults = MockFaults(rate_429=1.0, drop_after_apply_rate=1.0)
    assert await _create(api, "admin-create-coupon", "a") == 429
    # Cut before handling (status 0), then answered 429: the drop after applying never drawn.
    assert _log(liveops_mock, "admin-create-coupon") == [(0, True), (429, False)]
    liveops_mock.faults = MockFaults()
    assert (await api.call("get-coupons"))[1]["items"] == []  # neither created anything


# --- (5) bad arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"count": 0}, "count must be an integer >= 1, got 0"),
        ({"count": 1.5}, "count must be an integer >= 1, got 1.5"),
        ({"count": True}, "count must be an integer >= 1, got True"),
        ({"operation_id": "redeem-coupons"}, "operation_id must be an operation id"),
        ({"operation_id": 7}, "operation_id must be an operation id .* got 7"),
    ],
)
async def test_drop_after_apply_next_refuses_bad_arguments(
    liveops_mock: LiveOpsMock, api: Api, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        liveops_mock.drop_after_apply_next(**arguments)
    assert (await api.call("get-coupons"))[0] == 200  # nothing was queued


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [
        (1.5, ValueError, "drop_after_apply_rate must be between 0 and 1, got 1.5"),
        (float("nan"), ValueError, "drop_after_apply_rate must be between 0 and 1"),
        ("0.5", TypeError, "drop_after_apply_rate must be a number between 0 and 1, got '0.5'"),
    ],
)
def test_drop_after_apply_rate_is_checked(value: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        MockFaults(drop_after_apply_rate=value)  # type: ignore[arg-type]
    faults = MockFaults()
    with pytest.raises(error, match=message):  # setting it later is checked too
        faults.drop_after_apply_rate = value  # type: ignore[assignment]


async def test_a_request_the_client_gave_up_on_during_latency_is_still_handled() -> None:
    """`count` records a request once handled, after its latency; a client that timed out
    meanwhile does not stop the mock from applying it, as a real server would not know."""
    from liveops_async import APITimeoutError, Timeouts

    release = asyncio.Event()

    async def held_latency(_: float) -> None:
        await release.wait()

    async with LiveOpsMock(api_key=API_KEY, sleep=held_latency) as mock:
        mock.faults = MockFaults(latency=1.0)
        async with LiveOpsClient(
            base_url=mock.base_url, project_id=mock.project_id, api_key=API_KEY
        ) as sdk:
            with pytest.raises(APITimeoutError) as timed_out:
                await sdk.admin.coupons.create(
                    **_coupon_fields("late"), options=RequestOptions(timeout=Timeouts(total=0.2))
                )
            assert timed_out.value.sent is True
            assert mock.count("admin-create-coupon") == 0  # still in its latency
            release.set()
            for _ in range(500):  # bounded: the handler runs as soon as the wait ends
                if mock.count("admin-create-coupon"):
                    break
                await asyncio.sleep(0.01)
            assert mock.count("admin-create-coupon") == 1
            mock.faults = MockFaults()
            assert (await sdk.admin.coupons.get("late")).external_id == "late"
