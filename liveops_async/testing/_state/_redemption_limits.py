"""The per-player and per-code redemption limit calls that coupons, promo codes and the
promotion limits of discounts and bonuses share. Each binds them to its own operation ids in
its module (`coupons.py`, `promo_codes.py`, `promotion_limits.py`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs

from ._core import RequestContext, page
from ._promotion_state import Promotion


def body_user(ctx: RequestContext) -> str:
    """The player a limit change is for (`user.user_external_id` of the body)."""
    return str(ctx.body["user"]["user_external_id"])


@attrs.frozen
class RedemptionLimitCalls:
    """The limit calls on the promotion `find` reads from the request (by external id for
    coupons and promo codes, by promotion id for discounts and bonuses); each method is a
    handler."""

    find: Callable[[RequestContext], Promotion]

    def current(self, ctx: RequestContext) -> Promotion:
        """The promotion `find` names, its scheduled limit reset applied as of now."""
        promotion = self.find(ctx)
        promotion.refresh_limits(ctx.now())
        return promotion

    def get_limit(self, ctx: RequestContext) -> Any:
        return self.current(ctx).user_limit_view(str(ctx.query["user_external_id"]))

    def increase(self, ctx: RequestContext) -> Any:
        promotion, user = self.current(ctx), body_user(ctx)
        promotion.change_user_available(user, int(ctx.body["available"]))
        return promotion.user_limit_view(user)

    def set_limit(self, ctx: RequestContext) -> Any:
        promotion, user = self.current(ctx), body_user(ctx)
        promotion.change_user_available(
            user, int(ctx.body["available"]) - promotion.user_available(user)
        )
        return promotion.user_limit_view(user)

    def decrease(self, ctx: RequestContext) -> Any:
        promotion, user = self.current(ctx), body_user(ctx)
        promotion.change_user_available(user, -int(ctx.body["available"]))
        return promotion.user_limit_view(user)

    def code_limits(self, ctx: RequestContext) -> Any:
        """Per-code limits (coupons and promo codes only: discounts and bonuses have no codes)."""
        promotion = self.find(ctx)
        wanted = ctx.query.get("codes[]") or list(promotion.codes)
        codes = [c for c in promotion.codes if c in wanted]
        chunk, has_more = page(codes, ctx)
        return {
            "promotion_id": promotion.promotion_id,
            "items": [promotion.code_limit_view(c) for c in chunk],
            "total_items_count": len(codes),
            "has_more": has_more,
        }
