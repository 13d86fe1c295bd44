"""Daily chains: one step per day, claimed in order; which day is whose depends on the kind.

* `calendar_hard`: step n belongs to the n-th calendar day from `date_start` (days counted in
  `date_start`'s UTC offset). Only today's step is claimable; an earlier unclaimed step is
  `blocked` for good (a missed day cannot be bought back), a later one `claim_in_future`.
* any other `type` (the rolling kind, whose name the references do not give): the next unclaimed
  step becomes claimable on the day after the previous claim; missing days only pauses it.
  Only this kind can be reset.
"""

from __future__ import annotations

import copy
from datetime import datetime, time, timedelta
from typing import Any

import attrs

from .._errors import MockApiError, unprocessable
from ._chains import ChainBook, localized, next_step, on_book, player_items
from ._core import Collection, RequestContext, counted_page, handles, handles_each
from ._rules import parse_time

CALENDAR_HARD = "calendar_hard"
_DAY = timedelta(days=1)


def _book() -> ChainBook:
    return ChainBook(Collection("Daily chain"), "daily_chain_id", "daily_chain")


@attrs.define
class DailyChainsState:
    book: ChainBook = attrs.field(factory=_book)
    # (user, chain id) -> the day of the player's last claim: the rolling kind's clock
    last_claim_day: dict[tuple[str, int], datetime] = attrs.field(factory=dict)
    # (user, chain id, step number) -> the day it was claimed, for its `unlocked_date`
    claim_days: dict[tuple[str, int, int], datetime] = attrs.field(factory=dict)

    def forget(self, chain_id: int) -> None:
        """Every player's progress in one chain."""
        self.book.reset(chain_id)
        for key in [k for k in self.last_claim_day if k[1] == chain_id]:
            del self.last_claim_day[key]
        for step_key in [k for k in self.claim_days if k[1] == chain_id]:
            del self.claim_days[step_key]

    def claimed_steps(self, user: str, chain_id: int) -> list[int]:
        return sorted(self.book.progress.get((user, chain_id), set()))


def _book_of(ctx: RequestContext) -> ChainBook:
    return ctx.state(DailyChainsState).book


@handles("admin-create-daily-chain")
def create(ctx: RequestContext) -> Any:
    chain_id = _book_of(ctx).create(ctx)
    return {"daily_chain_id": chain_id, "id": chain_id}


handles_each(
    {
        "admin-get-daily-chains": on_book(_book_of, ChainBook.admin_list),
        "admin-get-daily-chain": on_book(_book_of, ChainBook.admin_get),
        "admin-update-daily-chain": on_book(_book_of, ChainBook.update),
        "admin-delete-daily-chain": on_book(_book_of, ChainBook.delete),
        "admin-toggle-daily-chain": on_book(_book_of, ChainBook.toggle),
    }
)


@handles("admin-reset-daily-chain")
def reset(ctx: RequestContext) -> None:
    state = ctx.state(DailyChainsState)
    chain_id = state.book.chain_id(ctx)
    chain = state.book.chains.get(chain_id)
    if chain.get("type") == CALENDAR_HARD:
        # The reference says only the rolling kind resets; it gives no error for the others.
        # 1019 is the store's "call not supported" code.
        raise MockApiError(422, 1019, "Only rolling daily chains can be reset.")
    state.forget(chain_id)


def _day_start(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo)


def _step_days(
    state: DailyChainsState, user: str, chain: dict[str, Any], now: datetime
) -> tuple[datetime, dict[int, datetime]]:
    """Today's start and, per unclaimed step number, the start of the day it belongs to; both
    in the chain's day boundaries."""
    numbers = sorted(int(s["step_number"]) for s in chain.get("steps", []))
    done = state.book.done(user, chain)
    if chain.get("type") == CALENDAR_HARD:
        first = _day_start(parse_time(chain["date_start"]))
        today = _day_start(now.astimezone(first.tzinfo))
        return today, {n: first + (n - 1) * _DAY for n in numbers if n not in done}
    today = _day_start(now)
    last = state.last_claim_day.get((user, chain["id"]))
    upcoming = next_step(chain, done)
    start = today if last is None or last < today else today + _DAY
    pending = [n for n in numbers if n not in done]
    return today, {n: start + (n - (upcoming or n)) * _DAY for n in pending}


def _status(day: datetime, today: datetime) -> str:
    if day < today:
        return "blocked"
    return "claimable" if day == today else "claim_in_future"


def _player_view(ctx: RequestContext, user: str, chain: dict[str, Any]) -> dict[str, Any]:
    state = ctx.state(DailyChainsState)
    today, days = _step_days(state, user, chain, ctx.now())
    view = copy.deepcopy(chain)
    view["name"] = localized(view.get("name"))
    view["description"] = localized(view.get("description"))
    steps = []
    for step in sorted(chain.get("steps", []), key=lambda s: s["step_number"]):
        number = step["step_number"]
        day = days.get(number)
        claimed_on = state.claim_days.get((user, chain["id"], number))
        steps.append(
            {
                "step_number": number,
                "status": "claimed" if day is None else _status(day, today),
                "unlocked_date": int((day or claimed_on or today).timestamp()),
                "items": player_items(step.get("items", [])),
            }
        )
    view["steps"] = steps
    return view


@handles("get-daily-chains-list")
def player_list(ctx: RequestContext) -> Any:
    user = ctx.require_user()
    chains = _book_of(ctx).live_chains(ctx)
    return counted_page(chains, ctx, lambda chain: _player_view(ctx, user, chain))


@handles("get-user-daily-chain-by-id")
def player_get(ctx: RequestContext) -> Any:
    return _player_view(ctx, ctx.require_user(), _book_of(ctx).player_chain(ctx))


@handles("claim-user-daily-chain-step-reward")
def claim(ctx: RequestContext) -> None:
    user = ctx.require_user()
    state = ctx.state(DailyChainsState)
    chain = state.book.player_chain(ctx)
    number = int(ctx.path["step_number"])
    state.book.step(chain, number)
    today, days = _step_days(state, user, chain, ctx.now())
    if number not in days:
        raise unprocessable(9912, "Reward already claimed.")
    status = _status(days[number], today)
    if status != "claimable":
        reason = "the day was missed" if status == "blocked" else "its day has not come"
        raise unprocessable(9912, f"Can't claim the step reward: {reason}.")
    state.book.done(user, chain).add(number)
    state.last_claim_day[(user, chain["id"])] = today
    state.claim_days[(user, chain["id"], number)] = today
