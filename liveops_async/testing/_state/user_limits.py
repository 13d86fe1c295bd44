"""Per-player limits of promotions (increase, set, decrease, reset) and per-code limits."""

from __future__ import annotations

import functools
from typing import Any

from .._errors import not_found
from ._core import RequestContext, handles, int_path, page
from .promotions import BONUS, COUPON, DISCOUNT, PROMO_CODE, Kind, Promotion, PromotionsState

_BY_EXTERNAL_ID = {
    COUPON: (
        "get-coupon-user-limit",
        "add-coupon-user-promotion-limit",
        "set-coupon-user-promotion-limit",
        "remove-coupon-user-promotion-limit",
        "get-coupon-code-limit",
    ),
    PROMO_CODE: (
        "get-promo-code-user-limit",
        "add-promo-code-user-promotion-limit",
        "set-promo-code-user-promotion-limit",
        "remove-promo-code-user-promotion-limit",
        "get-promo-code-code-limit",
    ),
}
_BY_ID = (
    "get-user-promotion-limit",
    "add-user-promotion-limit",
    "set-user-promotion-limit",
    "remove-user-promotion-limit",
)


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


for _kind, _ops in [*_BY_EXTERNAL_ID.items(), (None, _BY_ID)]:
    # The promotion-id group has no code-limit call, hence strict=False.
    _funcs = (get_limit, increase, set_limit, decrease, code_limits)
    for _op_id, _func in zip(_ops, _funcs, strict=False):
        handles(_op_id)(functools.partial(_func, _kind))


@handles("reset-user-promotion-limit")
def reset_one_promotion(ctx: RequestContext) -> None:
    user = (ctx.body or {}).get("user")
    _target(None, ctx).reset_user(None if user is None else str(user["user_external_id"]))


@handles("reset-all-user-promotions-limit")
def reset_all_promotions(ctx: RequestContext) -> None:
    user = _body_user(ctx)
    for promotion in ctx.state(PromotionsState).of_kind(DISCOUNT, BONUS):
        promotion.reset_user(user)
