"""Daily chains: one step per (clock) day, in order; missed days are not bought back."""

from __future__ import annotations

import copy
from datetime import datetime, time, timedelta
from typing import Any

import attrs

from .._errors import unprocessable
from ._chains import ChainBook, handle_admin_calls, localized, next_step, player_items
from ._core import Collection, RequestContext, counted_page, handles


def _book() -> ChainBook:
    return ChainBook(Collection("Daily chain"), "daily_chain_id")


@attrs.define
class DailyChainsState:
    book: ChainBook = attrs.field(factory=_book)
    last_claim_day: dict[tuple[str, int], datetime] = attrs.field(factory=dict)

    def claimed_steps(self, user: str, chain_id: int) -> list[int]:
        return sorted(self.book.progress.get((user, chain_id), set()))


def _day_start(now: datetime) -> datetime:
    return datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)


def _book_of(ctx: RequestContext) -> ChainBook:
    return ctx.state(DailyChainsState).book


@handles("admin-create-daily-chain")
def create(ctx: RequestContext) -> Any:
    chain_id = _book_of(ctx).create(ctx)
    return {"daily_chain_id": chain_id, "id": chain_id}


handle_admin_calls(
    _book_of,
    list_="admin-get-daily-chains",
    get="admin-get-daily-chain",
    update="admin-update-daily-chain",
    delete="admin-delete-daily-chain",
    toggle="admin-toggle-daily-chain",
)


@handles("admin-reset-daily-chain")
def reset(ctx: RequestContext) -> None:
    state = ctx.state(DailyChainsState)
    chain_id = state.book.chain_id(ctx)
    state.book.chains.get(chain_id)
    state.book.reset(chain_id)
    for key in [k for k in state.last_claim_day if k[1] == chain_id]:
        del state.last_claim_day[key]


def _claimable_today(state: DailyChainsState, user: str, chain_id: int, now: datetime) -> bool:
    last = state.last_claim_day.get((user, chain_id))
    return last is None or last < _day_start(now)


def _player_view(ctx: RequestContext, user: str, chain: dict[str, Any]) -> dict[str, Any]:
    state = ctx.state(DailyChainsState)
    done = state.book.done(user, chain)
    upcoming = next_step(chain, done)
    today = _day_start(ctx.now())
    first_day = (
        today
        if _claimable_today(state, user, chain["id"], ctx.now())
        else (today + timedelta(days=1))
    )
    view = copy.deepcopy(chain)
    view["name"] = localized(view.get("name"))
    view["description"] = localized(view.get("description"))
    steps = []
    for step in sorted(chain.get("steps", []), key=lambda s: s["step_number"]):
        number = step["step_number"]
        if number in done:
            status, unlocked = "claimed", today
        else:
            offset = number - (upcoming or number)
            unlocked = first_day + timedelta(days=offset)
            status = "claimable" if offset == 0 and unlocked == today else "claim_in_future"
        steps.append(
            {
                "step_number": number,
                "status": status,
                "unlocked_date": int(unlocked.timestamp()),
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
    done = state.book.done(user, chain)
    if number in done:
        raise unprocessable(9912, "Reward already claimed.")
    if number != next_step(chain, done) or not _claimable_today(
        state, user, chain["id"], ctx.now()
    ):
        raise unprocessable(9912, "Can't claim the step reward.")
    done.add(number)
    state.last_claim_day[(user, chain["id"])] = _day_start(ctx.now())
