"""Promotion limits (`client.admin.promotion_limits`): per-player limits of discounts and
bonuses, named by promotion id (coupons and promo codes have their own limit calls)."""

from __future__ import annotations

from .._errors import MockApiError, not_found
from ._core import RequestContext, handles, handles_each
from ._promotion_state import BONUS, DISCOUNT, Promotion, PromotionsState, promotion_in_path
from ._redemption_limits import RedemptionLimitCalls, body_user


def _limited_promotion(ctx: RequestContext) -> Promotion:
    """The discount or bonus the path names: only they have these limits. Any other id is
    404 with the user-limit service's own code, 1101 (the 2025 schema's examples)."""
    try:
        promotion = promotion_in_path(ctx)
    except MockApiError:
        promotion = None
    if promotion is None or promotion.kind not in (DISCOUNT, BONUS):
        raise not_found("Promotion not found", message_code=1101, error_code=1101)
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
    """Every discount and bonus with a per-player limit; the others have nothing to reset."""
    user = body_user(ctx)
    for promotion in ctx.state(PromotionsState).of_kind(DISCOUNT, BONUS):
        if promotion.user_total is not None:
            promotion.reset_user(user)
