"""Value point rewards (`client.admin.value_point_rewards`): which items grant how many of a
value point, read, replaced, patched (amount 0 removes an item) and cleared."""

from __future__ import annotations

from typing import Any

import attrs

from ._core import RequestContext, handles
from ._rules import check_unique
from ._value_point_state import ValuePointsState


@attrs.define
class ValuePointRewardsState:
    # value point SKU -> item SKU -> the amount of the value point the item grants
    rewards: dict[str, dict[str, int]] = attrs.field(factory=dict)


def _rewards(ctx: RequestContext) -> dict[str, int]:
    """The rewards of the path's value point; 404 if there is no such value point."""
    sku = str(ctx.path["value_point_sku"])
    ctx.state(ValuePointsState).value_points.get(sku)
    return ctx.state(ValuePointRewardsState).rewards.setdefault(sku, {})


@handles("admin-get-items-value-point-reward")
def get(ctx: RequestContext) -> Any:
    return {
        "items": [
            {"item_id": n, "sku": sku, "amount": amount, "name": {"en": sku}, "image_url": None}
            for n, (sku, amount) in enumerate(_rewards(ctx).items(), start=1)
        ]
    }


@handles("admin-set-items-value-point-reward")
def replace(ctx: RequestContext) -> None:
    rewards = _rewards(ctx)
    rewards.clear()
    rewards.update({r["sku"]: int(r["amount"]) for r in ctx.body})


@handles("admin-patch-items-value-point-reward")
def patch(ctx: RequestContext) -> None:
    rewards = _rewards(ctx)
    check_unique((entry["sku"] for entry in ctx.body), "sku")
    for entry in ctx.body:
        if int(entry["amount"]) == 0:
            rewards.pop(entry["sku"], None)  # amount 0 removes the item
        else:
            rewards[entry["sku"]] = int(entry["amount"])


@handles("admin-delete-items-value-point-reward")
def delete(ctx: RequestContext) -> None:
    _rewards(ctx).clear()
