"""Reward chains (`client.admin.reward_chains`, `client.user(jwt).reward_chains`): CRUD,
toggle and reset, and each player's value-point balance and claimed steps."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

import attrs

from .._errors import MockApiError, not_found, unprocessable
from ._chains import is_live, localized
from ._core import (
    Collection,
    RequestContext,
    body_copy,
    counted_page,
    enabled_filter,
    handles,
    int_path,
    page,
)
from ._rules import check_reward_chain, refuse_read_only
from ._schedules import ResetClock
from ._value_point_state import ValuePointsState


@attrs.define
class RewardChainsState:
    # An unknown chain is 404 with errorCode 9901 and "[0401-4001]" (the 2025 schema).
    chains: Collection = attrs.field(
        factory=lambda: Collection(
            "Reward chain", key_field="reward_chain_id", not_found_error_code=9901
        )
    )
    next_step_id: int = 1
    balances: dict[tuple[str, int], int] = attrs.field(factory=dict)
    claimed: dict[tuple[str, int], set[int]] = attrs.field(factory=dict)
    # chain id -> when its settings were written, and since when players' progress runs: a
    # reset of its `recurrent_schedule` after that wipes the progress, as the reset call does.
    clock: ResetClock = attrs.field(factory=ResetClock)

    def grant(self, user: str, chain_id: int, amount: int, now: datetime | None = None) -> int:
        self.chains.get(chain_id)
        if now is not None:
            self.refresh(chain_id, now)  # points granted after a reset count from zero
        key = (user, chain_id)
        self.balances[key] = self.balances.get(key, 0) + amount
        return self.balances[key]

    def store_chain(self, body: dict[str, Any], chain_id: int) -> dict[str, Any]:
        for step in body.get("steps", []):
            if step.get("step_id") is None:
                step["step_id"] = self.next_step_id
                self.next_step_id += 1
        return body

    def forget_progress(self, chain_id: int) -> None:
        for table in (self.balances, self.claimed):
            for key in [k for k in table if k[1] == chain_id]:
                del table[key]

    def written(self, chain_id: int, now: datetime) -> None:
        """The chain's settings were (re)written at `now`: its schedule counts from now."""
        self.refresh(chain_id, now)
        self.clock.written(chain_id, now)

    def refresh(self, chain_id: int, now: datetime) -> None:
        """Apply the chain's scheduled reset: once a reset moment has passed since the
        progress started, every player's value points and claims are wiped."""
        chain = self.chains.records.get(chain_id)
        schedule = (chain or {}).get("recurrent_schedule")
        if self.clock.reset_due(chain_id, schedule, now):
            self.forget_progress(chain_id)

    def answered_schedule(self, chain: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """The admin form of the chain's schedule, with its computed dates; None if none."""
        return self.clock.view(chain["reward_chain_id"], chain.get("recurrent_schedule"), now)


def _chain_id(ctx: RequestContext) -> int:
    return int_path(ctx, "reward_chain_id")


# --- reward chains (admin) -----------------------------------------------------------------
@handles("admin-create-reward-chain")
def create_chain(ctx: RequestContext) -> Any:
    state = ctx.state(RewardChainsState)
    body = body_copy(ctx)
    check_reward_chain(body)
    chain_id = state.chains.new_id()
    state.chains.add(chain_id, state.store_chain(body, chain_id))
    state.written(chain_id, ctx.now())
    return {"reward_chain_id": chain_id}


@handles("admin-get-reward-chains")
def list_chains(ctx: RequestContext) -> Any:
    wanted = enabled_filter(ctx)
    chains = [
        c
        for c in ctx.state(RewardChainsState).chains
        if wanted is None or bool(c.get("is_enabled")) == wanted
    ]
    chunk, has_more = page(chains, ctx, default_limit=10)
    return {"has_more": has_more, "items": [_admin_view(ctx, c, listed=True) for c in chunk]}


@handles("admin-get-reward-chain")
def get_chain(ctx: RequestContext) -> Any:
    chain = ctx.state(RewardChainsState).chains.get(_chain_id(ctx))
    return _admin_view(ctx, chain, listed=False)


def _value_point_of(ctx: RequestContext, chain: dict[str, Any]) -> dict[str, Any] | None:
    """The value point item the chain collects, if it exists."""
    sku = (chain.get("value_point") or {}).get("sku")
    return ctx.state(ValuePointsState).value_points.records.get(sku) if sku else None


_VALUE_POINT_DETAILS = ("type", "is_enabled", "image_url", "media_list", "order", "is_clan")


def _admin_view(ctx: RequestContext, chain: dict[str, Any], *, listed: bool) -> Any:
    """The value point as Xsolla's admin reads show it: the list has its texts as plain strings
    (or null), the single chain as localized objects; a chain without a clan has null
    `top_contributors` there."""
    view = {k: v for k, v in chain.items() if not (listed and k == "steps")}
    view["recurrent_schedule"] = ctx.state(RewardChainsState).answered_schedule(chain, ctx.now())
    item = _value_point_of(ctx, chain)
    if item is not None:
        texts = {f: item.get(f) for f in ("description", "long_description")}
        if listed:
            texts = {f: localized(v) for f, v in texts.items()}
        # The whole value point item, as the 2025 schema's admin example answers it.
        details = {f: item.get(f) for f in _VALUE_POINT_DETAILS}
        view["value_point"] = {"sku": item["sku"], "name": item.get("name"), **texts, **details}
    if not listed:
        view.setdefault("top_contributors", None)
    return view


@handles("admin-update-reward-chain")
def update_chain(ctx: RequestContext) -> None:
    state = ctx.state(RewardChainsState)
    chain_id = _chain_id(ctx)
    body = body_copy(ctx)
    refuse_read_only(body, "reward_chain")
    check_reward_chain(body)
    state.chains.replace(
        chain_id, state.store_chain(body, chain_id), keep=("value_point", "clan_type")
    )
    state.written(chain_id, ctx.now())


@handles("admin-delete-reward-chain")
def delete_chain(ctx: RequestContext) -> None:
    state = ctx.state(RewardChainsState)
    state.chains.delete(_chain_id(ctx))
    state.forget_progress(_chain_id(ctx))


@handles("admin-toggle-reward-chain")
def toggle_chain(ctx: RequestContext) -> None:
    chain = ctx.state(RewardChainsState).chains.get(_chain_id(ctx))
    chain["is_enabled"] = not chain.get("is_enabled", False)


@handles("admin-reset-reward-chain")
def reset_chain(ctx: RequestContext) -> None:
    state = ctx.state(RewardChainsState)
    state.chains.get(_chain_id(ctx))
    state.forget_progress(_chain_id(ctx))


# --- player calls --------------------------------------------------------------------------
def _player_chain(ctx: RequestContext, chain_id: int) -> dict[str, Any]:
    state = ctx.state(RewardChainsState)
    chain = state.chains.records.get(chain_id)
    if chain is None or not is_live(chain, ctx.now()):
        raise not_found("Reward chain not found")
    state.refresh(chain_id, ctx.now())
    return chain


def _balance_view(ctx: RequestContext, user: str, chain: dict[str, Any]) -> dict[str, Any]:
    sku = (chain.get("value_point") or {}).get("sku", "")
    item = _value_point_of(ctx, chain) or {}
    state = ctx.state(RewardChainsState)
    return {
        "sku": sku,
        "name": localized(item.get("name")) or sku,
        "image_url": item.get("image_url"),
        "description": localized(item.get("description")),
        "long_description": localized(item.get("long_description")),
        "amount": state.balances.get((user, chain["reward_chain_id"]), 0),
        "is_clan": bool(item.get("is_clan", False)),
    }


def _player_view(ctx: RequestContext, user: str, chain: dict[str, Any]) -> dict[str, Any]:
    claimed = ctx.state(RewardChainsState).claimed.get((user, chain["reward_chain_id"]), set())
    view = copy.deepcopy(chain)
    for field in ("name", "description", "long_description"):
        view[field] = localized(view.get(field))
    view["value_point"] = _balance_view(ctx, user, chain)
    schedule = ctx.state(RewardChainsState).answered_schedule(chain, ctx.now())
    view["recurrent_schedule"] = schedule and {
        "interval_type": schedule["interval_type"],
        "reset_next_date": schedule["reset_next_date"],
    }
    view["steps"] = [
        {
            **step,
            "name": localized(step.get("name")),
            "is_claimed": step["step_id"] in claimed,
            "reward": [
                {
                    "sku": r["sku"],
                    "name": r["sku"],
                    "type": "virtual_good",
                    "quantity": r["quantity"],
                }
                for r in step.get("reward", [])
            ],
        }
        for step in chain.get("steps", [])
    ]
    return view


@handles("get-reward-chains-list")
def player_chains(ctx: RequestContext) -> Any:
    user = ctx.require_user()
    state = ctx.state(RewardChainsState)
    chains = [c for c in state.chains if is_live(c, ctx.now())]
    for chain in chains:
        state.refresh(chain["reward_chain_id"], ctx.now())
    return counted_page(chains, ctx, lambda chain: _player_view(ctx, user, chain))


@handles("get-user-reward-chain-balance")
def player_balance(ctx: RequestContext) -> Any:
    user = ctx.require_user()
    return _balance_view(ctx, user, _player_chain(ctx, _chain_id(ctx)))


@handles("claim-user-reward-chain-step-reward")
def claim_step(ctx: RequestContext) -> None:
    """A step is claimable once the balance reaches its price. Value points measure progress:
    the price is a threshold on the points collected in this chain, and claiming does not
    spend them (docs/mock.md, "Reward chains", says why)."""
    user = ctx.require_user()
    state = ctx.state(RewardChainsState)
    chain = _player_chain(ctx, _chain_id(ctx))
    step_id = int_path(ctx, "step_id")
    step = next((s for s in chain.get("steps", []) if s["step_id"] == step_id), None)
    if step is None:
        raise MockApiError(404, 9911, "Reward chain step not found.")
    claimed = state.claimed.setdefault((user, chain["reward_chain_id"]), set())
    if step_id in claimed:
        raise unprocessable(9912, "Reward already claimed.")
    price = int((step.get("price") or {}).get("amount", 0))
    if state.balances.get((user, chain["reward_chain_id"]), 0) < price:
        raise unprocessable(9913, "Not enough value points to claim step reward.")
    claimed.add(step_id)
