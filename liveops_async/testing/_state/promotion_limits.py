"""Per-player limits of promotions (increase, set, decrease, reset) and per-code limits."""

from __future__ import annotations

import functools
from typing import Any

from .._errors import not_found
from ._core import RequestContext, handles, handles_each, int_path, page
from .promotions import BONUS, COUPON, DISCOUNT, PROMO_CODE, Kind, Promotion, PromotionsState


def _target(kind: Kind | None, ctx: RequestContext) -> Promotion:
    state = ctx.state(PromotionsState)
    if kind is None:
        promotion = state.by_id(int_path(ctx, "promotion_id"))
        if promotion.kind not in (DISCOUNT, BONUS):
            raise not_found("Promotion not found")  # only discounts and bonuses have these
        return promotion
    return state.by_external(kind, str(ctx.path["external_id"]))


def _body_user(ctx: RequestContext) -> str:
    return str(ctx.body["user"]["user_external_id"])


def get_limit(kind: Kind | None, ctx: RequestContext) -> Any:
    return _target(kind, ctx).user_limit_view(str(ctx.query["user_external_id"]))


def increase(kind: Kind | None, ctx: RequestContext) -> Any:
    promotion, user = _target(kind, ctx), _body_user(ctx)
    promotion.change_user_available(user, int(ctx.body["available"]))
    return promotion.user_limit_view(user)


def set_limit(kind: Kind | None, ctx: RequestContext) -> Any:
    promotion, user = _target(kind, ctx), _body_user(ctx)
    promotion.change_user_available(
        user, int(ctx.body["available"]) - promotion.user_available(user)
    )
    return promotion.user_limit_view(user)


def decrease(kind: Kind | None, ctx: RequestContext) -> Any:
    promotion, user = _target(kind, ctx), _body_user(ctx)
    promotion.change_user_available(user, -int(ctx.body["available"]))
    return promotion.user_limit_view(user)


def code_limits(kind: Kind | None, ctx: RequestContext) -> Any:
    promotion = _target(kind, ctx)
    wanted = ctx.query.get("codes[]") or list(promotion.codes)
    codes = [c for c in promotion.codes if c in wanted]
    chunk, has_more = page(codes, ctx)
    return {
        "promotion_id": promotion.promotion_id,
        "items": [promotion.code_limit_view(c) for c in chunk],
        "total_items_count": len(codes),
        "has_more": has_more,
    }


# Coupons and promo codes are named by external id; discount and bonus promotions (kind None)
# by promotion id, and have no per-code limits.
handles_each(
    {
        "get-coupon-user-limit": functools.partial(get_limit, COUPON),
        "add-coupon-user-promotion-limit": functools.partial(increase, COUPON),
        "set-coupon-user-promotion-limit": functools.partial(set_limit, COUPON),
        "remove-coupon-user-promotion-limit": functools.partial(decrease, COUPON),
        "get-coupon-code-limit": functools.partial(code_limits, COUPON),
        "get-promo-code-user-limit": functools.partial(get_limit, PROMO_CODE),
        "add-promo-code-user-promotion-limit": functools.partial(increase, PROMO_CODE),
        "set-promo-code-user-promotion-limit": functools.partial(set_limit, PROMO_CODE),
        "remove-promo-code-user-promotion-limit": functools.partial(decrease, PROMO_CODE),
        "get-promo-code-code-limit": functools.partial(code_limits, PROMO_CODE),
        "get-user-promotion-limit": functools.partial(get_limit, None),
        "add-user-promotion-limit": functools.partial(increase, None),
        "set-user-promotion-limit": functools.partial(set_limit, None),
        "remove-user-promotion-limit": functools.partial(decrease, None),
    }
)


@handles("reset-user-promotion-limit")
def reset_one_promotion(ctx: RequestContext) -> None:
    user = (ctx.body or {}).get("user")
    _target(None, ctx).reset_user(None if user is None else str(user["user_external_id"]))


@handles("reset-all-user-promotions-limit")
def reset_all_promotions(ctx: RequestContext) -> None:
    user = _body_user(ctx)
    for promotion in ctx.state(PromotionsState).of_kind(DISCOUNT, BONUS):
        promotion.reset_user(user)
