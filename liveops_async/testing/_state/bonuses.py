"""Bonuses (`client.admin.bonuses`): bonus promotions, named by promotion id. Activation and
per-player limits are the promotions and promotion limits calls."""

from __future__ import annotations

from ._core import handles_each
from ._item_promotions import ItemPromotionCalls
from ._promotion_state import BONUS

_bonuses = ItemPromotionCalls(BONUS)

handles_each(
    {
        "create-bonus-promotion": _bonuses.create,
        "get-bonus-promotion-list": _bonuses.list_,
        "update-bonus-promotion": _bonuses.update,
        "get-bonus-promotion": _bonuses.get,
        "delete-bonus-promotion": _bonuses.delete,
    }
)
