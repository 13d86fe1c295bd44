"""Settling: a server acts on a non-idempotent request and drops the connection (or answers 503);
the SDK finds out from the API's state. Each settleable operation ends with exactly one effect
and a settled result; the others raise the typed error as before; nothing is applied twice."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from liveops_async import (
    AdminAuth,
    APIConnectionError,
    ClientClosedError,
    InternalServerError,
    RateLimitError,
    ReadTimeoutError,
    RequestOptions,
    RetryPolicy,
    Settlement,
    Timeouts,
    UnprocessableEntityError,
    _settle,
    models,
)
from liveops_async._generated.operations import OPERATIONS
from liveops_async._settle import rule_for

from .conftest import API_KEY, PROJECT_ID, START, Rig

PROMOTIONS = [
    # create operation, read operation, codes list operation, create-code operation
    ("admin-create-coupon", "get-coupon", "get-coupon-codes", "create-coupon-code"),
    ("create-promo-code", "get-promo-code", "get-promocode-codes", "create-promo-code-code"),
    (
        "admin-create-unique-catalog-offer",
        "get-unique-catalog-offer",
        "get-unique-catalog-offer-codes",
        "create-unique-catalog-offer-code",
    ),
]


def _admin(rig: Rig) -> Any:
    return rig.client.requester(AdminAuth(PROJECT_ID, API_KEY))


def _suffix(operation_id: str, **values: object) -> str:
    path = OPERATIONS[operation_id].path.replace("{project_id}", str(PROJECT_ID))
    for name, value in values.items():
        path = path.replace("{" + name + "}", str(value))
    return path


async def _external_ids(rig: Rig, create_op: str) -> list[str]:
    """Every external id the mock holds for the promotion kind `create_op` makes."""
    list_op = {
        "admin-create-coupon": "get-coupons",
        "create-promo-code": "get-promo-codes",
        "admin-create-unique-catalog-offer": "get-unique-catalog-offers",
    }[create_op]
    page = await rig.admin_call(list_op)
    return [item.external_id for item in page.items or []]


# --- creates keyed by the caller's external_id ---------------------------------------------


@pytest.mark.parametrize(("create_op", "read_op", "_codes", "_code_op"), PROMOTIONS)
@pytest.mark.parametrize("fault", ["reset", 503])
async def test_create_that_acted_is_settled_as_applied(
    rig: Rig, create_op: str, read_op: str, _codes: str, _code_op: str, fault: object
) -> None:
    body = rig.example(create_op, external_id="settle-1")
    rig.proxy.drop("POST", _suffix(create_op), status=None if fault == "reset" else 503)

    result = await _admin(rig).request(OPERATIONS[create_op], body=body)

    assert result == models.CreatedExternalId(external_id="settle-1")
    assert [e.outcome for e in rig.settled] == [Settlement.APPLIED]
    assert rig.proxy.dropped == 1
    # The first request acted; the resend was refused as a duplicate; nothing else was sent.
    assert rig.mock.count(create_op) == 2
    assert rig.mock.count(read_op) == 1
    assert (await _external_ids(rig, create_op)).count("settle-1") == 1


@pytest.mark.parametrize(
    "date_until",
    # Each the same instant as the API's read spells it (2026-02-01T10:00:00+00:00).
    ["2026-02-01T10:00:00Z", "2026-02-01T10:00:00.000Z", "2026-02-01T13:00:00+03:00"],
)
@pytest.mark.parametrize(("create_op", "read_op", "_codes", "_code_op"), PROMOTIONS)
async def test_create_that_acted_is_applied_whatever_the_spelling_of_its_dates(
    rig: Rig, create_op: str, read_op: str, _codes: str, _code_op: str, date_until: str
) -> None:
    """The read gives a date-time back in another spelling of the same instant: it is what
    was sent. Compared as text it was "someone else holds the key": the duplicate error was
    raised, and the outcome reported unknown, for the caller's own create."""
    periods = [{"date_from": "2026-01-01T10:00:00+00:00", "date_until": date_until}]
    body = rig.example(create_op, external_id="dated", promotion_periods=periods)
    rig.proxy.drop("POST", _suffix(create_op))

    result = await _admin(rig).request(OPERATIONS[create_op], body=body)

    assert result == models.CreatedExternalId(external_id="dated")
    assert [e.outcome for e in rig.settled] == [Settlement.APPLIED]
    assert rig.mock.count(create_op) == 2 and rig.mock.count(read_op) == 1


@pytest.mark.parametrize(("create_op", "read_op", "_codes", "_code_op"), PROMOTIONS)
async def test_create_that_never_acted_is_resent(
    rig: Rig, create_op: str, read_op: str, _codes: str, _code_op: str
) -> None:
    body = rig.example(create_op, external_id="settle-2")
    rig.proxy.drop("POST", _suffix(create_op), when="before")

    raw = await _admin(rig).request_raw(OPERATIONS[create_op], body=body)

    assert raw.parsed == models.CreatedExternalId(external_id="settle-2")
    assert raw.settlement == "not_applied" and raw.status == 201
    assert raw.settlement is Settlement.NOT_APPLIED  # the enum the README shows, not a str
    assert [e.outcome for e in rig.settled] == [Settlement.NOT_APPLIED]
    assert rig.mock.count(create_op) == 1  # the dropped request never reached the mock
    assert rig.mock.count(read_op) == 0
    assert (await _external_ids(rig, create_op)).count("settle-2") == 1


async def test_closing_the_client_ends_a_call_waiting_to_be_resent(rig: Rig) -> None:
    """aclose() during settling's pause before a resend (here a 503's Retry-After of 50 s) ends
    the call at once: no resend, ClientClosedError."""
    create_op = "admin-create-coupon"
    body = rig.example(create_op, external_id="settle-closed")
    rig.proxy.drop("POST", _suffix(create_op), when="before", status=503, retry_after="50")
    slow = RetryPolicy(max_attempts=3, retry_after_cap=60.0, total_budget=120.0)
    call = asyncio.create_task(
        _admin(rig).request(OPERATIONS[create_op], body=body, options=RequestOptions(retry=slow))
    )
    for _ in range(1000):  # bounded: the 503 came back; the call now pauses 50 s
        if rig.proxy.dropped or call.done():
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    assert not call.done(), call
    await rig.client.aclose()
    with pytest.raises(ClientClosedError, match="not resent"):
        await asyncio.wait_for(call, 15)  # a hang guard only: the pause is 50 s
    assert rig.mock.count(create_op) == 0  # answered 503 unforwarded, and never resent
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]


async def _closed_while_held(rig: Rig, call: asyncio.Task[Any]) -> ClientClosedError:
    """Close the client once the fault server holds the call's settle read (or resend); the
    call's error."""
    held = asyncio.create_task(rig.proxy.held.wait())
    await asyncio.wait((held, call), timeout=15, return_when=asyncio.FIRST_COMPLETED)
    assert rig.proxy.held.is_set(), call  # the settle read is in flight, unanswered
    held.cancel()
    await rig.client.aclose()
    with pytest.raises(ClientClosedError) as caught:
        await asyncio.wait_for(call, 15)  # a hang guard only: the read is never answered
    return caught.value


async def test_closing_the_client_during_a_claims_settle_read_ends_the_call_unknown(
    rig: Rig,
) -> None:
    """aclose() while settling reads the chain (the claim was applied and its answer lost)
    ends the call with ClientClosedError (not resent, outcome unknown), not with the original
    APIConnectionError as if settling had found nothing; that error is kept as the cause."""
    chain_id = await _daily_chain(rig)
    claim = "claim-user-daily-chain-step-reward"
    rig.proxy.drop("POST", _suffix(claim, daily_chain_id=chain_id, step_number=1))
    rig.proxy.hold("GET", _suffix("get-user-daily-chain-by-id", daily_chain_id=chain_id))
    call = asyncio.create_task(rig.player("p1").daily_chains.claim_step(chain_id, 1))

    closed = await _closed_while_held(rig, call)

    assert "not resent" in str(closed) and "unknown" in str(closed), closed
    assert isinstance(closed.__cause__, APIConnectionError) and closed.__cause__.sent
    assert rig.mock.count(claim) == 1  # applied once, never resent
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]


async def test_closing_the_client_during_a_creates_settle_read_ends_the_call_unknown(
    rig: Rig,
) -> None:
    """aclose() while settling reads the coupon back (the resend was refused as a duplicate)
    ends the call with ClientClosedError, outcome unknown, not with the duplicate's 422 as if
    the key held something else; the original error is kept as the cause."""
    create_op = "admin-create-coupon"
    rig.proxy.drop("POST", _suffix(create_op))
    rig.proxy.hold("GET", _suffix("get-coupon", external_id="settle-read"))
    body = rig.example(create_op, external_id="settle-read")
    call = asyncio.create_task(_admin(rig).request(OPERATIONS[create_op], body=body))

    closed = await _closed_while_held(rig, call)

    assert "duplicate" in str(closed) and "unknown" in str(closed), closed
    assert isinstance(closed.__cause__, APIConnectionError) and closed.__cause__.sent
    assert rig.mock.count(create_op) == 2  # the first acted; the resend was refused
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]


async def test_closing_the_client_during_a_settling_resend_ends_the_call_unknown(
    rig: Rig,
) -> None:
    """aclose() while settling's resend is in flight: ClientClosedError saying the outcome is
    unknown and that the resend may have arrived, caused by the call's original error."""
    create_op = "admin-create-coupon"
    rig.proxy.drop("POST", _suffix(create_op), when="before")  # nothing acted: resent
    rig.proxy.hold("POST", _suffix(create_op))
    body = rig.example(create_op, external_id="settle-resend")
    call = asyncio.create_task(_admin(rig).request(OPERATIONS[create_op], body=body))

    closed = await _closed_while_held(rig, call)

    assert "resend may have reached the server" in str(closed), closed
    assert "unknown" in str(closed), closed
    assert isinstance(closed.__cause__, APIConnectionError) and closed.__cause__.sent
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]


@pytest.mark.parametrize(("create_op", "read_op", "_codes", "_code_op"), PROMOTIONS)
async def test_create_whose_key_holds_something_else_raises(
    rig: Rig, create_op: str, read_op: str, _codes: str, _code_op: str
) -> None:
    await rig.admin_call(
        create_op, body=rig.example(create_op, external_id="taken", name={"en": "Someone else"})
    )
    rig.proxy.drop("POST", _suffix(create_op), when="before")

    with pytest.raises(UnprocessableEntityError):
        await _admin(rig).request(
            OPERATIONS[create_op],
            body=rig.example(create_op, external_id="taken", name={"en": "Mine"}),
        )
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]
    stored = await rig.admin_call(read_op, path={"external_id": "taken"})
    assert stored.name == {"en": "Someone else"}


async def test_raw_applied_result_is_marked_settled(rig: Rig) -> None:
    body = rig.example("admin-create-coupon", external_id="raw-1")
    rig.proxy.drop("POST", _suffix("admin-create-coupon"))

    raw = await _admin(rig).request_raw(OPERATIONS["admin-create-coupon"], body=body)

    assert raw.settlement == "applied" and raw.settlement is Settlement.APPLIED
    assert raw.parsed == models.CreatedExternalId(external_id="raw-1")
    assert raw.content == b"" and raw.attempts == 0


async def test_public_method_settles(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="liveops_async")
    rig.proxy.drop("POST", _suffix("admin-create-coupon"))
    created = await rig.client.admin.coupons.create(
        external_id="public-1", name={"en-US": "Gift"}, redeem_user_limit=1
    )
    assert created.external_id == "public-1"
    assert [e.operation_id for e in rig.settled] == ["admin-create-coupon"]
    assert rig.mock.count("admin-create-coupon") == 2
    messages = [r.getMessage() for r in caplog.records if r.name == "liveops_async"]
    assert "settled POST /v3/project/{project_id}/admin/coupon as applied after " in "\n".join(
        messages
    )
    # Only route templates: neither the key, the player's values nor the filled-in path.
    for text in messages + [repr(e) for e in rig.settled]:
        assert "public-1" not in text and API_KEY not in text and f"/{PROJECT_ID}/" not in text


# --- codes by value -------------------------------------------------------------------------


async def _codes_of(rig: Rig, list_op: str, external_id: str) -> list[str]:
    page = await rig.admin_call(list_op, path={"external_id": external_id})
    return [c.code for c in page.codes or []]


@pytest.mark.parametrize(("create_op", "_read", "list_op", "code_op"), PROMOTIONS)
@pytest.mark.parametrize("when", ["after", "before"])
async def test_code_create_settles(
    rig: Rig, create_op: str, _read: str, list_op: str, code_op: str, when: str
) -> None:
    await rig.admin_call(create_op, body=rig.example(create_op, external_id="promo"))
    rig.proxy.drop("POST", _suffix(code_op, external_id="promo"), when=when)

    result = await _admin(rig).request(
        OPERATIONS[code_op], path={"external_id": "promo"}, body={"coupon_code": "CODE1"}
    )

    assert result == models.CreatedCode(code="CODE1")
    expected = Settlement.APPLIED if when == "after" else Settlement.NOT_APPLIED
    assert [e.outcome for e in rig.settled] == [expected]
    assert (await _codes_of(rig, list_op, "promo")).count("CODE1") == 1
    assert rig.mock.count(code_op) == (2 if when == "after" else 1)


async def test_code_that_exists_elsewhere_is_not_claimed_as_ours(rig: Rig) -> None:
    for external_id in ("first", "second"):
        await rig.admin_call(
            "admin-create-coupon", body=rig.example("admin-create-coupon", external_id=external_id)
        )
    await rig.admin_call(
        "create-coupon-code", path={"external_id": "first"}, body={"coupon_code": "SHARED"}
    )
    rig.proxy.drop("POST", _suffix("create-coupon-code", external_id="second"), when="before")

    with pytest.raises(UnprocessableEntityError):
        await _admin(rig).request(
            OPERATIONS["create-coupon-code"],
            path={"external_id": "second"},
            body={"coupon_code": "SHARED"},
        )
    assert await _codes_of(rig, "get-coupon-codes", "second") == []


# --- step claims ----------------------------------------------------------------------------


async def _daily_chain(rig: Rig) -> int:
    """A calendar chain whose first day is the mock clock's today (step 1 claimable)."""
    body = rig.example("admin-create-daily-chain", date_start=START.isoformat())
    await rig.admin_call("admin-create-daily-chain", body=body)
    listing = await rig.admin_call("admin-get-daily-chains")
    return int(listing.items[-1].id)


async def _offer_chain(rig: Rig) -> int:
    created = await rig.admin_call(
        "admin-create-offer-chain", body=rig.example("admin-create-offer-chain")
    )
    return int(created.offer_chain_id)


@pytest.mark.parametrize("when", ["after", "before"])
async def test_daily_claim_settles(rig: Rig, when: str) -> None:
    chain_id = await _daily_chain(rig)
    player = rig.player("p1")
    suffix = _suffix("claim-user-daily-chain-step-reward", daily_chain_id=chain_id, step_number=1)
    rig.proxy.drop("POST", suffix, when=when)

    assert await player.daily_chains.claim_step(chain_id, 1) is None

    expected = Settlement.APPLIED if when == "after" else Settlement.NOT_APPLIED
    assert [e.outcome for e in rig.settled] == [expected]
    assert rig.mock.daily_chain_progress("p1", chain_id) == [1]
    # After acting, the claim is never sent again; dropped before, the resend is the only one.
    assert rig.mock.count("claim-user-daily-chain-step-reward") == 1


@pytest.mark.parametrize("when", ["after", "before"])
async def test_offer_claim_settles(rig: Rig, when: str) -> None:
    chain_id = await _offer_chain(rig)
    player = rig.player("p1")
    suffix = _suffix("claim-user-offer-chain-step-reward", offer_chain_id=chain_id, step_number=1)
    rig.proxy.drop("POST", suffix, when=when)

    result = await player.offer_chains.claim_step(chain_id, 1)

    assert isinstance(result, models.OfferChainClaimResult)
    if when == "after":  # the chain read cannot show the order the claim made
        assert result.order_id is None
    else:
        assert result.order_id is not None
    chain = await player.offer_chains.get(chain_id)
    assert [s.is_claimed for s in chain.steps or []][:2] == [True, False]
    assert rig.mock.count("claim-user-offer-chain-step-reward") == 1


async def _claimable_reward_step(rig: Rig, player_id: str) -> tuple[int, Any]:
    """A new reward chain and its first step, with the value points to claim it granted."""
    created = await rig.admin_call(
        "admin-create-reward-chain", body=rig.example("admin-create-reward-chain")
    )
    chain_id = int(created.reward_chain_id)
    chain = await rig.admin_call("admin-get-reward-chain", path={"reward_chain_id": chain_id})
    rig.mock.grant_value_points(player_id, chain_id, chain.steps[0].price.amount)
    return chain_id, chain.steps[0].step_id


@pytest.mark.parametrize("when", ["after", "before"])
async def test_reward_claim_settles(rig: Rig, when: str) -> None:
    chain_id, step_id = await _claimable_reward_step(rig, "p1")
    player = rig.player("p1")
    suffix = _suffix(
        "claim-user-reward-chain-step-reward", reward_chain_id=chain_id, step_id=step_id
    )
    rig.proxy.drop("POST", suffix, when=when)

    assert await player.reward_chains.claim_step(chain_id, step_id) is None

    expected = Settlement.APPLIED if when == "after" else Settlement.NOT_APPLIED
    assert [e.outcome for e in rig.settled] == [expected]
    assert rig.mock.count("claim-user-reward-chain-step-reward") == 1
    listing = await player.reward_chains.list().first_page()
    assert [s.is_claimed for s in listing.items[0].steps][:2] == [True, False]


# --- everything else stays as today ---------------------------------------------------------


async def _active_coupon_with_code(rig: Rig) -> None:
    await rig.admin_call(
        "admin-create-coupon",
        body=rig.example("admin-create-coupon", external_id="c", redeem_user_limit=5),
    )
    await rig.admin_call("activate-coupon", path={"external_id": "c"})
    await rig.admin_call("create-coupon-code", path={"external_id": "c"}, body={"coupon_code": "C"})


async def test_redeem_is_not_settled_and_never_resent(rig: Rig) -> None:
    await _active_coupon_with_code(rig)
    rig.proxy.drop("POST", _suffix("redeem-coupon"))
    with pytest.raises(APIConnectionError) as caught:
        await rig.player("p1").coupons.redeem(coupon_code="C")
    assert caught.value.sent is True
    assert rig.mock.count("redeem-coupon") == 1
    assert rig.settled == []


@pytest.mark.parametrize(
    ("operation_id", "path", "body_from"),
    [
        ("generate-coupon-codes", {"external_id": "c"}, "generate-coupon-codes"),
        ("create-bonus-promotion", None, "create-bonus-promotion"),
        ("admin-create-daily-chain", None, "admin-create-daily-chain"),
    ],
)
async def test_unsettleable_operations_raise_the_typed_error_once(
    rig: Rig, operation_id: str, path: dict[str, object] | None, body_from: str
) -> None:
    await _active_coupon_with_code(rig)
    assert rule_for(operation_id) is None
    method = OPERATIONS[operation_id].method
    rig.proxy.drop(method, _suffix(operation_id, **(path or {})), status=503)
    with pytest.raises(InternalServerError):
        await _admin(rig).request(OPERATIONS[operation_id], path=path, body=rig.example(body_from))
    assert rig.mock.count(operation_id) == 1
    assert rig.settled == []


async def test_toggle_is_not_settled(rig: Rig) -> None:
    chain_id = await _daily_chain(rig)
    rig.proxy.drop("PUT", _suffix("admin-toggle-daily-chain", daily_chain_id=chain_id))
    with pytest.raises(APIConnectionError):
        await rig.client.admin.daily_chains.toggle(chain_id)
    assert rig.mock.count("admin-toggle-daily-chain") == 1


# --- opt-outs and the retry policy ----------------------------------------------------------


@pytest.mark.parametrize("level", ["client", "call"])
async def test_settling_can_be_turned_off(rig: Rig, level: str) -> None:
    body = rig.example("admin-create-coupon", external_id="off")
    rig.proxy.drop("POST", _suffix("admin-create-coupon"))
    if level == "client":
        requester = rig.client.with_options(settle=False).requester(AdminAuth(PROJECT_ID, API_KEY))
        call = requester.request(OPERATIONS["admin-create-coupon"], body=body)
    else:
        call = _admin(rig).request(
            OPERATIONS["admin-create-coupon"], body=body, options=RequestOptions(settle=False)
        )
    with pytest.raises(APIConnectionError) as caught:
        await call
    assert caught.value.sent is True
    assert rig.mock.count("admin-create-coupon") == 1
    assert rig.settled == []


async def test_per_call_settle_wins_over_a_client_that_turned_it_off(rig: Rig) -> None:
    body = rig.example("admin-create-coupon", external_id="on")
    rig.proxy.drop("POST", _suffix("admin-create-coupon"))
    requester = rig.client.with_options(settle=False).requester(AdminAuth(PROJECT_ID, API_KEY))
    result = await requester.request(
        OPERATIONS["admin-create-coupon"], body=body, options=RequestOptions(settle=True)
    )
    assert result.external_id == "on"


async def test_no_resend_without_retries_left(rig: Rig) -> None:
    """Not applied, but the retry policy allows no resend: the original error, unsent twice."""
    chain_id = await _daily_chain(rig)
    suffix = _suffix("claim-user-daily-chain-step-reward", daily_chain_id=chain_id, step_number=1)
    rig.proxy.drop("POST", suffix, when="before")
    with pytest.raises(APIConnectionError):
        await rig.player("p1").daily_chains.claim_step(
            chain_id, 1, options=RequestOptions(max_retries=0)
        )
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]
    assert rig.mock.daily_chain_progress("p1", chain_id) == []


async def test_resends_stop_within_the_retry_policy(rig: Rig) -> None:
    """Every resend dropped before acting: three sends at most (max_attempts=3), then the error."""
    body = rig.example("admin-create-coupon", external_id="never")
    rig.proxy.drop("POST", _suffix("admin-create-coupon"), when="before", times=10)
    with pytest.raises(APIConnectionError):
        await _admin(rig).request(OPERATIONS["admin-create-coupon"], body=body)
    assert rig.proxy.dropped == 3
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]


def test_settleable_names_the_operations_with_rules() -> None:
    from liveops_async._settle import SETTLEABLE
    from liveops_async._settle_rules import settle_rules

    assert set(settle_rules()) == SETTLEABLE
    assert all(not OPERATIONS[op_id].retry_safe for op_id in SETTLEABLE)


@pytest.mark.parametrize(("retry_after", "resent"), [("0.25", True), ("120", False)])
async def test_resends_obey_retry_after(
    rig: Rig, monkeypatch: pytest.MonkeyPatch, retry_after: str, resent: bool
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(_settle, "_sleep", record)
    body = rig.example("admin-create-coupon", external_id="throttled")
    rig.proxy.drop(
        "POST", _suffix("admin-create-coupon"), when="before", status=429, retry_after=retry_after
    )
    call = _admin(rig).request(OPERATIONS["admin-create-coupon"], body=body)
    if resent:
        assert (await call).external_id == "throttled"
        assert waits == [0.25]
        assert [e.outcome for e in rig.settled] == [Settlement.NOT_APPLIED]
    else:  # longer than RetryPolicy.retry_after_cap: the caller decides, as for retries
        with pytest.raises(RateLimitError):
            await call
        assert waits == []
        assert rig.mock.count("admin-create-coupon") == 0


# --- many calls, random faults --------------------------------------------------------------

FAULTS = [None, ("after", None), ("before", None), ("after", 503), ("before", 503)]


@pytest.mark.parametrize("seed", [3, 11])
async def test_random_faults_never_apply_anything_twice(rig: Rig, seed: int) -> None:
    """Creates and claims under seeded random faults (up to three in a row, acted on or not):
    every call that returns left exactly one effect; one that raises left at most one."""
    import random

    draw = random.Random(seed)
    chain_id = await _daily_chain(rig)
    results: dict[str, object] = {}
    for n in range(24):
        external_id, user = f"rnd-{n}", f"player-{n}"
        for suffix in (
            _suffix("admin-create-coupon"),
            _suffix("claim-user-daily-chain-step-reward", daily_chain_id=chain_id, step_number=1),
        ):
            for _ in range(draw.randint(0, 3)):
                fault = draw.choice(FAULTS)
                if fault is not None:
                    rig.proxy.drop("POST", suffix, when=fault[0], status=fault[1])
        body = rig.example("admin-create-coupon", external_id=external_id)
        try:
            results[external_id] = await _admin(rig).request(
                OPERATIONS["admin-create-coupon"], body=body
            )
        except (APIConnectionError, InternalServerError) as exc:
            results[external_id] = exc
        try:
            results[user] = await rig.player(user).daily_chains.claim_step(chain_id, 1)
        except (APIConnectionError, InternalServerError) as exc:
            results[user] = exc
        rig.proxy.clear()  # faults not consumed by this round do not spill over

    stored = await _external_ids(rig, "admin-create-coupon")
    for n in range(24):
        external_id, user = f"rnd-{n}", f"player-{n}"
        progress = rig.mock.daily_chain_progress(user, chain_id)
        if isinstance(results[external_id], Exception):
            assert stored.count(external_id) <= 1
        else:
            assert stored.count(external_id) == 1
        if isinstance(results[user], Exception):
            assert progress in ([], [1])
        else:
            assert progress == [1]
    outcomes = {e.outcome for e in rig.settled}
    assert Settlement.APPLIED in outcomes and Settlement.NOT_APPLIED in outcomes


# --- a claim that acts after settling read the chain ----------------------------------------


_CLAIM_OPS = {
    "daily": "claim-user-daily-chain-step-reward",
    "offer": "claim-user-offer-chain-step-reward",
    "reward": "claim-user-reward-chain-step-reward",
}


class _Buffered:
    """A connection stand-in that keeps what the relay would send, to send it later."""

    def __init__(self) -> None:
        self.sent = b""

    async def send(self, data: bytes) -> None:
        self.sent += data

    def reset(self) -> None:  # pragma: no cover - the read is never dropped here
        raise AssertionError("the settle read was not to be dropped")


async def _claim_setup(rig: Rig, kind: str) -> tuple[str, str, Any, Any]:
    """The claim's and the settle read's path suffixes, the claim as the player makes it
    through the fault server, and the same claim sent straight to the mock."""
    direct = rig.direct.user(rig.mock.issue_jwt("p1", ttl=90 * 86400))
    player = rig.player("p1")
    if kind in ("daily", "offer"):
        chain_id = await (_daily_chain if kind == "daily" else _offer_chain)(rig)
        id_name, resource = f"{kind}_chain_id", f"{kind}_chains"
        return (
            _suffix(
                f"claim-user-{kind}-chain-step-reward", **{id_name: chain_id, "step_number": 1}
            ),
            _suffix(f"get-user-{kind}-chain-by-id", **{id_name: chain_id}),
            lambda: getattr(player, resource).claim_step(chain_id, 1),
            lambda: getattr(direct, resource).claim_step(chain_id, 1),
        )
    chain_id, step_id = await _claimable_reward_step(rig, "p1")
    return (
        _suffix("claim-user-reward-chain-step-reward", reward_chain_id=chain_id, step_id=step_id),
        _suffix("get-reward-chains-list"),
        lambda: player.reward_chains.claim_step(chain_id, step_id),
        lambda: direct.reward_chains.claim_step(chain_id, step_id),
    )


@pytest.mark.parametrize("kind", ["daily", "offer", "reward"])
async def test_claim_that_acts_after_the_settle_read_is_applied_not_refused(
    rig: Rig, kind: str
) -> None:
    """The first claim timed out while the API was still working on it: settling's read shows
    the step claimable, the claim then acts, and the resend is refused as already claimed
    (422). The step was claimed once, by this call: applied, not the refusal (which a caller
    would read as "no reward") and not an unknown outcome."""
    claim_suffix, read_suffix, claim, late_claim = await _claim_setup(rig, kind)
    rig.proxy.drop("POST", claim_suffix, when="before")
    late = {"pending": True}

    async def read_then_act(request: Any, conn: Any) -> None:
        if request.method == "GET" and request.path.endswith(read_suffix) and late["pending"]:
            late["pending"] = False
            captured = _Buffered()
            await rig.proxy(request, captured)  # the chain as it was: the step claimable
            await late_claim()  # the first request acts now
            await conn.send(captured.sent)
            return
        await rig.proxy(request, conn)

    rig.server.default = read_then_act

    result = await claim()

    assert not late["pending"], "settling never read the chain"
    assert [e.outcome for e in rig.settled] == [Settlement.APPLIED]
    if kind == "offer":
        assert isinstance(result, models.OfferChainClaimResult) and result.order_id is None
    else:
        assert result is None
    # The late act and the refused resend reached the mock; the first was dropped before it.
    assert rig.mock.count(_CLAIM_OPS[kind]) == 2


@pytest.mark.parametrize("kind", ["daily", "offer", "reward"])
async def test_claim_resend_refused_while_the_step_stays_claimable_raises_the_refusal(
    rig: Rig, kind: str
) -> None:
    """The read after a refused resend still shows the step claimable: nothing acted, and
    the refusal is the caller's answer (the outcome is reported unknown, nothing resent)."""
    claim_suffix, _read, claim, _late = await _claim_setup(rig, kind)
    rig.proxy.drop("POST", claim_suffix, when="before")
    rig.proxy.drop("POST", claim_suffix, when="before", status=422)

    with pytest.raises(UnprocessableEntityError):
        await claim()

    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]
    assert rig.proxy.dropped == 2
    assert rig.mock.count(_CLAIM_OPS[kind]) == 0


async def test_resends_count_the_total_budget_from_the_first_attempt(rig: Rig) -> None:
    """`total_budget` bounds every send of a call from its first attempt on. The first create
    timed out after 0.3 s (read timeout; the server holds it) against a budget of 0.2 s, so
    settling has no time left to resend: it counted from the timeout and resent."""
    body = rig.example("admin-create-coupon", external_id="late")
    rig.proxy.hold("POST", _suffix("admin-create-coupon"))
    options = RequestOptions(
        timeout=Timeouts(read=0.3),
        retry=RetryPolicy(
            max_attempts=3, initial_backoff=0.001, max_backoff=0.002, total_budget=0.2
        ),
    )

    with pytest.raises(ReadTimeoutError):
        await _admin(rig).request(OPERATIONS["admin-create-coupon"], body=body, options=options)

    assert rig.proxy.held.is_set()
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]
    assert rig.mock.count("admin-create-coupon") == 0  # the held one never reached the mock


@pytest.mark.parametrize(
    ("sent", "read", "same"),
    [
        ("2026-02-01T10:00:00Z", "2026-02-01T10:00:00+00:00", True),
        ("2026-02-01T10:00:00.000Z", "2026-02-01T13:00:00+03:00", True),
        ("2026-02-01T10:00:00Z", "2026-02-01T10:00:01+00:00", False),  # another instant
        ("2026-02-01T10:00:00", "2026-02-01T10:00:00+00:00", False),  # no zone: no instant
        ("Winter", "winter", False),
    ],
)
def test_sent_values_match_a_read_by_instant_for_date_times(
    sent: str, read: str, same: bool
) -> None:
    from liveops_async._settle_rules import sent_matches

    assert (
        sent_matches({"periods": [{"date_until": sent}]}, {"periods": [{"date_until": read}]})
        is same
    )


async def test_a_refusal_the_caller_made_retryable_is_not_settled(rig: Rig) -> None:
    """`retry_statuses` with 422 added (for retry-safe calls): a create refused because its
    key exists is still a refusal, not an outcome to settle. Settling resent it, read the
    entity someone else made with the same values and answered "applied" for a create that
    never acted."""
    body = rig.example("admin-create-coupon", external_id="existing")
    await rig.admin_call("admin-create-coupon", body=body)  # made by someone else, earlier
    retry = RetryPolicy(
        max_attempts=3, initial_backoff=0.001, max_backoff=0.002, retry_statuses={422, 503}
    )

    with pytest.raises(UnprocessableEntityError):
        await _admin(rig).request(
            OPERATIONS["admin-create-coupon"], body=body, options=RequestOptions(retry=retry)
        )

    assert rig.settled == []
    assert rig.mock.count("admin-create-coupon") == 2  # the earlier create, and this one once


async def test_cancelling_a_call_waiting_to_be_resent_sends_nothing_more(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller cancels while settling pauses before a resend: the cancel stays a cancel,
    nothing is resent, and `on_settle` hears the outcome stayed unknown."""
    pausing = asyncio.Event()

    async def pause_forever(seconds: float) -> None:
        pausing.set()
        await asyncio.Event().wait()

    monkeypatch.setattr(_settle, "_sleep", pause_forever)
    body = rig.example("admin-create-coupon", external_id="cancelled")
    rig.proxy.drop("POST", _suffix("admin-create-coupon"), when="before")
    call = asyncio.ensure_future(_admin(rig).request(OPERATIONS["admin-create-coupon"], body=body))
    await pausing.wait()

    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call

    assert rig.proxy.dropped == 1 and rig.mock.count("admin-create-coupon") == 0
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]
    assert len([r for r in rig.server.received if r.method == "POST"]) == 1


@pytest.mark.parametrize(
    ("create_op", "path", "body"),
    [
        ("admin-create-coupon", None, {"name": {"en": "No key"}}),
        ("admin-create-coupon", None, {"external_id": "", "name": {"en": "Empty key"}}),
        ("create-coupon-code", {"external_id": "c"}, {}),
    ],
    ids=["no-external-id", "empty-external-id", "no-coupon-code"],
)
async def test_a_create_sent_without_its_key_is_never_resent(
    rig: Rig, create_op: str, path: dict[str, object] | None, body: dict[str, Any]
) -> None:
    """With validation off, a keyed create can leave without its key: no duplicate refusal
    guards a resend then, so settling must not resend (it did: the resend reached the API)."""
    rig.proxy.drop("POST", _suffix(create_op, **(path or {})), when="before")

    with pytest.raises(APIConnectionError) as caught:
        await _admin(rig).request(
            OPERATIONS[create_op],
            path=path,
            body=body,
            options=RequestOptions(validate_requests=False),
        )

    assert caught.value.sent is True
    assert rig.proxy.dropped == 1 and rig.mock.count(create_op) == 0
    assert [e.outcome for e in rig.settled] == [Settlement.UNKNOWN]
