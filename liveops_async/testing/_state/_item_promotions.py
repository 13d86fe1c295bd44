"""What discounts and bonuses share: admin CRUD by promotion id, and the shape of the lists of
promotions by id (also the all-promotions list of `promotions.py`). Each kind binds these
calls to its own operation ids in its module (`discounts.py`, `bonuses.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ._core import RequestContext, body_copy, page
from ._promotion_state import Kind, Promotion, PromotionsState, promotion_in_path


def list_body(
    promotions: list[Promotion], ctx: RequestContext, view: Callable[[Promotion], Any]
) -> dict[str, Any]:
    """One page of `promotions` (each through `view`) with the total, active and inactive
    counts (all three in the 2025 schema and the July 2025 client)."""
    chunk, _ = page(promotions, ctx)
    active = sum(1 for p in promotions if p.is_enabled)
    return {
        "promotions": [view(p) for p in chunk],
        "total_promotions_count": len(promotions),
        "active_promotions_count": active,
        "inactive_promotions_count": len(promotions) - active,
    }


@attrs.frozen
class ItemPromotionCalls:
    """The admin calls of one kind of promotion named by id; each method is a handler."""

    kind: Kind

    def create(self, ctx: RequestContext) -> Any:
        body = body_copy(ctx)
        body.pop("id", None)
        promotion = ctx.state(PromotionsState).create(self.kind, body)
        promotion.write(body, ctx.now())  # dates the limits' reset schedule
        return {"promotion_id": promotion.promotion_id}

    def list_(self, ctx: RequestContext) -> Any:
        promotions = ctx.state(PromotionsState).of_kind(self.kind)
        return list_body(promotions, ctx, lambda p: p.view(ctx.now()))

    def update(self, ctx: RequestContext) -> None:
        body = body_copy(ctx)
        body.pop("id", None)
        promotion_in_path(ctx, self.kind).write(body, ctx.now())

    def get(self, ctx: RequestContext) -> Any:
        return promotion_in_path(ctx, self.kind).view(ctx.now())

    def delete(self, ctx: RequestContext) -> None:
        ctx.state(PromotionsState).delete(promotion_in_path(ctx, self.kind))
