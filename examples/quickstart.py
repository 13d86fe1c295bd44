"""Quickstart: an admin sets up a coupon campaign, a crowd of players redeems it at once, and
one player walks a daily chain and an offer chain.

    python examples/quickstart.py                   # no credentials set: everything, against
                                                    # an in-process mock (as --embedded-mock)
    LIVEOPS_PROJECT_ID=... LIVEOPS_API_KEY=... python examples/quickstart.py
                                                    # the admin part, against the real API

Against the real API (`LIVEOPS_BASE_URL` optional) the script creates one coupon named
"liveops-async quickstart (test, safe to delete)" (external id `liveops-async-quickstart-...`),
active for one hour and without rewards, generates a few codes, reads them back, and
deactivates and deletes the coupon at the end, also when a step fails. It makes no player
calls and creates no chains there: those need players' Login JWTs and would be visible to
players.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from _sandbox import Sandbox, sandbox

from liveops_async import (
    UNSET,
    LiveOpsClient,
    LiveOpsError,
    NotFoundError,
    UnprocessableEntityError,
    models,
)

REWARD_SKU = "gold-coins"  # the mock has no catalog: any SKU works there
CAMPAIGN_LIFETIME = timedelta(hours=1)  # a test coupon left behind by a crash expires soon
REAL_API_CODE_COUNT = 5
DEFAULT_PLAYERS = 300


# --- admin: a coupon campaign ---------------------------------------------------------------
@dataclass(frozen=True)
class Campaign:
    external_id: str
    name: str
    generated: int  # as the generate call answered
    codes: list[str]  # as read back by paging through the codes


async def create_coupon_campaign(
    client: LiveOpsClient,
    *,
    external_id: str,
    name: str,
    code_count: int,
    now: datetime,
    rewards: Sequence[models.BonusItem] = (),
) -> Campaign:
    """Create a coupon (one redemption per player), activate it, generate codes, list them."""
    await client.admin.coupons.create(
        external_id=external_id,
        name={"en-US": name},
        promotion_periods=[
            models.PromotionPeriod(
                date_from=now - timedelta(minutes=1), date_until=now + CAMPAIGN_LIFETIME
            )
        ],
        bonus=list(rewards) if rewards else UNSET,
        redeem_user_limit=1,
    )
    await client.admin.coupons.activate(external_id)  # new coupons start disabled
    generated = await client.admin.coupons.generate_codes(external_id, count=code_count)
    codes = [c.code async for c in client.admin.coupons.list_codes(external_id) if c.code]
    return Campaign(external_id, name, generated.count or 0, codes)


async def delete_coupon_campaign(client: LiveOpsClient, external_id: str) -> bool:
    """Deactivate and delete the coupon; False if it did not exist (creation failed)."""
    try:
        await client.admin.coupons.deactivate(external_id)
        await client.admin.coupons.delete(external_id)
    except NotFoundError:
        return False
    return True


# --- players: concurrent redemptions --------------------------------------------------------
@dataclass
class Redemptions:
    players: int
    attempts: int
    succeeded: int = 0
    rewards: Counter[str] = field(default_factory=Counter)  # SKU -> total quantity received
    refused: list[tuple[str, UnprocessableEntityError]] = field(default_factory=list)
    failed: list[tuple[str, LiveOpsError]] = field(default_factory=list)  # anything else
    elapsed: float = 0.0


async def redeem_concurrently(
    client: LiveOpsClient,
    player_jwts: Mapping[str, str],
    codes: Sequence[str],
    *,
    repeat_player: str | None = None,
) -> Redemptions:
    """Every player redeems a different code, all at once over the client's one connection
    pool; `repeat_player` also tries a second code, which the per-user limit refuses."""
    attempts = list(zip(player_jwts, codes, strict=False))  # spare codes stay unused
    if repeat_player is not None:
        attempts.append((repeat_player, codes[len(attempts)]))
    if len(attempts) > len(codes):
        raise ValueError(f"{len(attempts)} redemptions need as many codes, got {len(codes)}")

    async def redeem(player: str, code: str) -> models.CouponRedeemResult | LiveOpsError:
        try:
            return await client.user(player_jwts[player]).coupons.redeem(coupon_code=code)
        except LiveOpsError as exc:
            return exc

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(redeem(player, code) for player, code in attempts))
    report = Redemptions(len(player_jwts), len(attempts), elapsed=time.perf_counter() - started)
    for (player, _), outcome in zip(attempts, outcomes, strict=True):
        if isinstance(outcome, UnprocessableEntityError):
            report.refused.append((player, outcome))
        elif isinstance(outcome, LiveOpsError):
            report.failed.append((player, outcome))
        else:
            report.succeeded += 1
            for item in outcome.items or []:
                report.rewards[item.sku or "?"] += item.quantity or 0
    return report


# --- a daily chain: one step per day ---------------------------------------------------------
def _start_of_day(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day, tzinfo=now.tzinfo)


async def create_daily_chain(client: LiveOpsClient, *, now: datetime, days: int = 3) -> int:
    created = await client.admin.daily_chains.create(
        name={"en": "Daily login reward"},
        date_start=_start_of_day(now),
        type="calendar_hard",
        is_enabled=True,
        steps=[
            models.DailyChainStepCreate(
                step_number=day, items=[models.ItemQuantity(sku=REWARD_SKU, quantity=10 * day)]
            )
            for day in range(1, days + 1)
        ],
    )
    if created.daily_chain_id is None:
        raise RuntimeError("the API did not answer the new daily chain's id")
    return created.daily_chain_id


@dataclass(frozen=True)
class DailyClaim:
    day: date
    step_number: int
    rewards: list[str]


@dataclass
class DailyWalk:
    claims: list[DailyClaim] = field(default_factory=list)
    early_claim_refused: UnprocessableEntityError | None = None  # tomorrow's step, today


async def walk_daily_chain(
    client: LiveOpsClient,
    player_jwt: str,
    chain_id: int,
    *,
    today: Callable[[], date],
    next_day: Callable[[], None],
) -> DailyWalk:
    """Claim each day's step, then let a day pass; on the first day also try to claim the
    next step early, which the API refuses."""
    player = client.user(player_jwt)
    walk = DailyWalk()
    chain = await player.daily_chains.get(chain_id)
    for _ in range(len(chain.steps or []) + 1):  # bounded: one claim per day at most
        step = next(
            (s for s in chain.steps or [] if s.status == models.DailyChainStepStatus.CLAIMABLE),
            None,
        )
        if step is None or step.step_number is None:
            break
        await player.daily_chains.claim_step(chain_id, step.step_number)
        rewards = [f"{i.quantity} x {i.sku}" for i in step.items or []]
        walk.claims.append(DailyClaim(today(), step.step_number, rewards))
        if len(walk.claims) == 1:
            try:
                await player.daily_chains.claim_step(chain_id, step.step_number + 1)
            except UnprocessableEntityError as exc:
                walk.early_claim_refused = exc
        next_day()
        chain = await player.daily_chains.get(chain_id)
    return walk


# --- an offer chain: free steps are claimed, paid ones ordered -------------------------------
async def create_offer_chain(client: LiveOpsClient, *, now: datetime) -> int:
    steps = [(True, REWARD_SKU, 50), (False, "epic-sword", 1), (True, REWARD_SKU, 100)]
    created = await client.admin.offer_chains.create(
        name={"en": "Starter offers"},
        date_start=_start_of_day(now),
        is_enabled=True,
        steps=[
            models.OfferChainStepCreate(
                step_number=number,
                is_free=is_free,
                items=[models.OfferChainStepItemSpec(sku=sku, quantity=quantity)],
            )
            for number, (is_free, sku, quantity) in enumerate(steps, start=1)
        ],
    )
    return created.offer_chain_id


@dataclass(frozen=True)
class OfferStep:
    step_number: int
    is_free: bool
    order_id: int | None
    payment_token_issued: bool
    # A paid step: whether the chain still waited on it after ordering (the order is `new`
    # until the player pays), and the order's status once paid (None for free steps).
    locked_until_paid: bool = False
    paid_status: str | None = None


@dataclass
class OfferWalk:
    steps: list[OfferStep] = field(default_factory=list)
    completed: bool = False


async def walk_offer_chain(
    client: LiveOpsClient,
    player_jwt: str,
    chain_id: int,
    *,
    pay: Callable[[int], str] | None = None,
) -> OfferWalk:
    """Take the chain's steps in order until the API reports no next step.

    A paid step is complete only once its order is paid: the player opens Pay Station with the
    order's token. `pay(order_id)` stands in for that (on the mock, its test control
    `settle_order`) and returns the order's new status; without it the walk stops at the first
    paid step.
    """
    player = client.user(player_jwt)
    walk = OfferWalk()
    chain = await player.offer_chains.get(chain_id)
    for _ in range(len(chain.steps or [])):  # bounded by the number of steps
        number = chain.next_step_number
        if not isinstance(number, int):
            break
        step = next(s for s in chain.steps or [] if s.step_number == number)
        if step.is_free:
            claimed = await player.offer_chains.claim_step(chain_id, number)
            walk.steps.append(OfferStep(number, True, claimed.order_id, False))
        else:
            order = await player.offer_chains.order_step(chain_id, number)
            waiting = (await player.offer_chains.get(chain_id)).next_step_number == number
            paid = pay(order.order_id) if pay is not None and order.order_id else None
            walk.steps.append(
                OfferStep(number, False, order.order_id, bool(order.token), waiting, paid)
            )
            if paid is None:
                break
        chain = await player.offer_chains.get(chain_id)
    walk.completed = chain.next_step_number is None
    return walk


# --- the whole run ---------------------------------------------------------------------------
@dataclass
class QuickstartReport:
    base_url: str
    external_id: str
    campaign: Campaign | None = None
    redemptions: Redemptions | None = None
    repeat_player: str | None = None
    daily: DailyWalk | None = None
    offer: OfferWalk | None = None
    cleaned_up: bool = False
    cleanup_error: str | None = None


def campaign_id(now: datetime) -> str:
    """A unique, clearly labelled external id (letters, digits, `-`)."""
    return f"liveops-async-quickstart-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


async def run_quickstart(
    client: LiveOpsClient, *, now: datetime, sandbox: Sandbox | None = None, players: int = 0
) -> QuickstartReport:
    """The admin part always; with a `sandbox` (the mock) also the player part."""
    report = QuickstartReport(client.base_url, campaign_id(now))
    try:
        report.campaign = await create_coupon_campaign(
            client,
            external_id=report.external_id,
            name="liveops-async quickstart (test, safe to delete)",
            code_count=players + 1 if sandbox else REAL_API_CODE_COUNT,
            now=now,
            rewards=[models.BonusItem(sku=REWARD_SKU, quantity=100)] if sandbox else (),
        )
        if sandbox is not None:
            await _play(client, sandbox, report, players)
    finally:
        try:
            report.cleaned_up = await delete_coupon_campaign(client, report.external_id)
        except LiveOpsError as exc:
            report.cleanup_error = str(exc)
    return report


async def _play(client: LiveOpsClient, sb: Sandbox, report: QuickstartReport, players: int) -> None:
    assert report.campaign is not None
    jwts = {f"player-{n:03d}": sb.player_jwt(f"player-{n:03d}") for n in range(1, players + 1)}
    report.repeat_player = next(iter(jwts), None)
    report.redemptions = await redeem_concurrently(
        client, jwts, report.campaign.codes, repeat_player=report.repeat_player
    )
    walker = sb.player_jwt("player-chains")
    daily_id = await create_daily_chain(client, now=sb.clock.now())
    offer_id = await create_offer_chain(client, now=sb.clock.now())
    report.daily = await walk_daily_chain(
        client, walker, daily_id, today=lambda: sb.clock.now().date(), next_day=sb.next_day
    )
    report.offer = await walk_offer_chain(
        client, walker, offer_id, pay=lambda order_id: sb.mock.settle_order(order_id).status.value
    )


# --- the summary -----------------------------------------------------------------------------
def _error_label(exc: LiveOpsError) -> str:
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", str(exc))
    return f"{type(exc).__name__}" + (f" [{code}]" if code else "") + f" {message}"


def format_summary(report: QuickstartReport) -> str:
    lines = [f"LiveOps API at {report.base_url}", ""]
    campaign = report.campaign
    if campaign is not None:
        lines += [
            f"Coupon campaign  {campaign.external_id}",
            "  per-player limit        1 redemption",
            f"  codes generated  {campaign.generated:>8}",
            f"  codes read back  {len(campaign.codes):>8}  (paging with async for)",
        ]
    r = report.redemptions
    if r is not None:
        rate = r.attempts / r.elapsed if r.elapsed else 0.0
        rewards = ", ".join(f"{qty:g} x {sku}" for sku, qty in sorted(r.rewards.items()))
        lines += [
            "",
            f"Redemptions      {r.players} players, {r.attempts} attempts at once, one client",
            f"  succeeded        {r.succeeded:>8}  (in all: {rewards or 'nothing'})",
            f"  refused          {len(r.refused):>8}",
        ]
        lines += [f"    {player}: {_error_label(exc)}" for player, exc in r.refused]
        lines += [f"  other errors     {len(r.failed):>8}"]
        lines += [f"    {player}: {_error_label(exc)}" for player, exc in r.failed[:5]]
        lines += [f"  took             {r.elapsed:>8.2f} s  ({rate:,.0f} redemptions/s)"]
    if report.daily is not None:
        lines += ["", "Daily chain      one step per day"]
        early = report.daily.early_claim_refused
        for n, claim in enumerate(report.daily.claims):
            lines.append(
                f"  {claim.day}  claimed step {claim.step_number}: {', '.join(claim.rewards)}"
            )
            if n == 0 and early is not None:
                same_day = f"step {claim.step_number + 1} the same day"
                lines.append(f"              {same_day}: {_error_label(early)}")
    if report.offer is not None:
        lines += ["", "Offer chain      steps in order"]
        for step in report.offer.steps:
            how = "claimed (free)" if step.is_free else "ordered (paid)"
            token = ", payment token issued" if step.payment_token_issued else ""
            lines.append(f"  step {step.step_number}           {how}, order {step.order_id}{token}")
            if not step.is_free:
                if step.locked_until_paid:
                    lines.append("                   next step locked while the order is new")
                settled = step.paid_status or "not paid: the walk stops here"
                lines.append(
                    f"                   order settled by the mock's test control: {settled}"
                )
        lines.append(f"  completed        {'yes' if report.offer.completed else 'no'}")
    lines.append("")
    if report.cleanup_error:
        lines.append(f"Cleanup          FAILED: {report.cleanup_error}")
        lines.append(f"                 delete coupon {report.external_id} by hand")
    else:
        done = "deactivated and deleted" if report.cleaned_up else "nothing to delete"
        lines.append(f"Cleanup          coupon {done}")
    return "\n".join(lines)


# --- entry point -----------------------------------------------------------------------------
async def run_embedded(players: int) -> QuickstartReport:
    async with sandbox() as sb:
        return await run_quickstart(sb.client, now=sb.clock.now(), sandbox=sb, players=players)


async def run_against_api() -> QuickstartReport:
    async with LiveOpsClient() as client:  # LIVEOPS_PROJECT_ID, LIVEOPS_API_KEY, LIVEOPS_BASE_URL
        return await run_quickstart(client, now=datetime.now(timezone.utc))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--embedded-mock",
        action="store_true",
        help="run everything against a LiveOps mock started in this process on 127.0.0.1 "
        "(the default when LIVEOPS_PROJECT_ID or LIVEOPS_API_KEY is not set)",
    )
    parser.add_argument("--players", type=int, default=DEFAULT_PLAYERS, help="(mock only)")
    args = parser.parse_args(argv)
    missing = [n for n in ("LIVEOPS_PROJECT_ID", "LIVEOPS_API_KEY") if not os.environ.get(n)]
    if not args.embedded_mock and missing:
        print(
            f"{' and '.join(missing)} not set: running everything against a LiveOps mock "
            "started here on 127.0.0.1 (set both to run the admin part against the real API).",
            file=sys.stderr,
        )
    if args.embedded_mock or missing:
        runner = run_embedded(max(args.players, 1))
    else:
        runner = run_against_api()
    try:
        report = asyncio.run(runner)
    except LiveOpsError as exc:
        print(f"quickstart failed: {_error_label(exc)}", file=sys.stderr)
        return 1
    print(format_summary(report))
    return 1 if report.cleanup_error else 0


if __name__ == "__main__":
    sys.exit(main())
