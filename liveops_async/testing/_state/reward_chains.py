"""Value points, reward chains, and each player's balance and claimed steps."""

from __future__ import annotations

import copy
from typing import Any

import attrs

from .._errors import MockApiError, not_found, unprocessable
from ._chains import is_live
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
from ._rules import check_reward_chain, check_unique, refuse_read_only


@attrs.define
class RewardChainsState:
    value_points: Collection = attrs.field(factory=lambda: Collection("Item", key_field="sku"))
    item_rewards: dict[str, dict[str, int]] = attrs.field(factory=dict)  # vp sku -> sku -> amount
    chains: Collection = attrs.field(
        factory=lambda: Collection("Reward chain", key_field="reward_chain_id")
    )
    next_step_id: int = 1
    balances: dict[tuple[str, int], int] = attrs.field(factory=dict)
    claimed: dict[tuple[str, int], set[int]] = attrs.field(factory=dict)

    def grant(self, user: str, chain_id: int, amount: int) -> int:
        self.chains.get(chain_id)
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


def _chain_id(ctx: RequestContext) -> int:
    return int_path(ctx, "reward_chain_id")


# --- value points (admin) ------------------------------------------------------------------
@handles("admin-create-value-points")
def create_value_point(ctx: RequestContext) -> Any:
    state = ctx.state(RewardChainsState)
    body = body_copy(ctx)
    if body["sku"] in state.value_points.records:
        raise unprocessable(4002, "Item with this sku already exists")
    item_id = state.value_points.new_id()
    state.value_points.add(body["sku"], {**body, "item_id": item_id, "type": "value_point"})
    return {"sku": body["sku"], "item_id": item_id}


@handles("admin-get-value-points-list")
def list_value_points(ctx: RequestContext) -> Any:
    chunk, _ = page(list(ctx.state(RewardChainsState).value_points), ctx)
    return {"items": chunk}


@handles("admin-get-value-point")
def get_value_point(ctx: RequestContext) -> Any:
    return ctx.state(RewardChainsState).value_points.get(ctx.path["item_sku"])


@handles("admin-update-value-point")
def update_value_point(ctx: RequestContext) -> None:
    body = body_copy(ctx)
    refuse_read_only(body, "value_point")
    ctx.state(RewardChainsState).value_points.replace(
        ctx.path["item_sku"], body, keep=("item_id", "type")
    )


@handles("admin-delete-value-point")
def delete_value_point(ctx: RequestContext) -> None:
    ctx.state(RewardChainsState).value_points.delete(ctx.path["item_sku"])


def _rewards(ctx: RequestContext) -> dict[str, int]:
    state = ctx.state(RewardChainsState)
    sku = str(ctx.path["value_point_sku"])
    state.value_points.get(sku)
    return state.item_rewards.setdefault(sku, {})


@handles("admin-get-items-value-point-reward")
def get_item_rewards(ctx: RequestContext) -> Any:
    return {
        "items": [
            {"item_id": n, "sku": sku, "amount": amount, "name": {"en": sku}, "image_url": None}
            for n, (sku, amount) in enumerate(_rewards(ctx).items(), start=1)
        ]
    }


@handles("admin-set-items-value-point-reward")
def set_item_rewards(ctx: RequestContext) -> None:
    rewards = _rewards(ctx)
    rewards.clear()
    rewards.update({r["sku"]: int(r["amount"]) for r in ctx.body})


@handles("admin-patch-items-value-point-reward")
def patch_item_rewards(ctx: RequestContext) -> None:
    rewards = _rewards(ctx)
    check_unique((entry["sku"] for entry in ctx.body), "sku")
    for entry in ctx.body:
        if int(entry["amount"]) == 0:
            rewards.pop(entry["sku"], None)  # amount 0 removes the item
        else:
            rewards[entry["sku"]] = int(entry["amount"])


@handles("admin-delete-items-value-point-reward")
def delete_item_rewards(ctx: RequestContext) -> None:
    _rewards(ctx).clear()


# --- reward chains (admin) -----------------------------------------------------------------
@handles("admin-create-reward-chain")
def create_chain(ctx: RequestContext) -> Any:
    state = ctx.state(RewardChainsState)
    body = body_copy(ctx)
    check_reward_chain(body)
    chain_id = state.chains.new_id()
    state.chains.add(chain_id, state.store_chain(body, chain_id))
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
    return {"has_more": has_more, "items": chunk}


@handles("admin-get-reward-chain")
def get_chain(ctx: RequestContext) -> Any:
    return ctx.state(RewardChainsState).chains.get(_chain_id(ctx))


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
    chain = ctx.state(RewardChainsState).chains.records.get(chain_id)
    if chain is None or not is_live(chain, ctx.now()):
        raise not_found("Reward chain not found")
    return chain


def _localized(value: Any) -> Any:
    """Player calls answer text in one language, not the admin's per-language map."""
    if isinstance(value, dict):
        return value.get("en") or value.get("en-US") or next(iter(value.values()), None)
    return value


def _balance_view(state: RewardChainsState, user: str, chain: dict[str, Any]) -> dict[str, Any]:
    sku = (chain.get("value_point") or {}).get("sku", "")
    item = state.value_points.records.get(sku, {})
    return {
        "sku": sku,
        "name": _localized(item.get("name")) or sku,
        "image_url": item.get("image_url"),
        "description": _localized(item.get("description")),
        "long_description": _localized(item.get("long_description")),
        "amount": state.balances.get((user, chain["reward_chain_id"]), 0),
        "is_clan": bool(item.get("is_clan", False)),
    }


def _player_view(state: RewardChainsState, user: str, chain: dict[str, Any]) -> dict[str, Any]:
    claimed = state.claimed.get((user, chain["reward_chain_id"]), set())
    view = copy.deepcopy(chain)
    for field in ("name", "description", "long_description"):
        view[field] = _localized(view.get(field))
    view["value_point"] = _balance_view(state, user, chain)
    view["steps"] = [
        {
            **step,
            "name": _localized(step.get("name")),
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
    return counted_page(chains, ctx, lambda chain: _player_view(state, user, chain))


@handles("get-user-reward-chain-balance")
def player_balance(ctx: RequestContext) -> Any:
    user = ctx.require_user()
    return _balance_view(ctx.state(RewardChainsState), user, _player_chain(ctx, _chain_id(ctx)))


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
        raise unprocessable(9912, "Can't claim the step reward.")
    claimed.add(step_id)
