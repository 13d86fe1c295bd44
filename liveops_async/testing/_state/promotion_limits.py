"""Promotion limits (`client.admin.promotion_limits`): per-player limits of discounts and
bonuses, named by promotion id (coupons and promo codes have their own limit calls)."""

from __future__ import annotations

from .._errors import not_found
from ._core import RequestContext, handles, handles_each
from ._promotion_state import BONUS, DISCOUNT, Promotion, PromotionsState, promotion_in_path
from ._redemption_limits import RedemptionLimitCalls, body_user


def _limited_promotion(ctx: RequestContext) -> Promotion:
    """The discount or bonus the path names: only they have these limits."""
    promotion = promotion_in_path(ctx)
    if promotion.kind not in (DISCOUNT, BONUS):
        raise not_found("Promotion not found")
    return promotion


_limits = RedemptionLimitCalls(_limited_promotion)

handles_each(
    {
        "get-user-promotion-limit": _limits.get_limit,
        "add-user-promotion-limit": _limits.increase,
        "set-user-promotion-limit": _limits.set_limit,
        "remove-user-promotion-limit": _limits.decrease,
    }
)


@handles("reset-user-promotion-limit")
def reset_one_promotion(ctx: RequestContext) -> None:
    """Without a `user`, every player's counters of the promotion are reset."""
    user = (ctx.body or {}).get("user")
    _limited_promotion(ctx).reset_user(None if user is None else str(user["user_external_id"]))


@handles("reset-all-user-promotions-limit")
def reset_all_promotions(ctx: RequestContext) -> None:
    user = body_user(ctx)
    for promotion in ctx.state(PromotionsState).of_kind(DISCOUNT, BONUS):
        promotion.reset_user(user)
