"""Discounts (`client.admin.discounts`): item discount promotions, named by promotion id.
Activation and per-player limits are the promotions and promotion limits calls."""

from __future__ import annotations

from ._core import handles_each
from ._item_promotions import ItemPromotionCalls
from ._promotion_state import DISCOUNT

_discounts = ItemPromotionCalls(DISCOUNT)

handles_each(
    {
        "create-item-promotion": _discounts.create,
        "get-item-promotion-list": _discounts.list_,
        "update-item-promotion": _discounts.update,
        "get-item-promotion": _discounts.get,
        "delete-item-promotion": _discounts.delete,
    }
)
