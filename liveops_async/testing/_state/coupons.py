"""Coupons (`client.admin.coupons`, `client.user(jwt).coupons`): CRUD, codes, per-player and
per-code limits, redemption and rewards by code."""

from __future__ import annotations

from typing import Any

from ._code_promotions import CodePromotionCalls
from ._core import RequestContext, handles, handles_each
from ._promotion_state import COUPON, item_view
from ._redemption_limits import RedemptionLimitCalls

_coupons = CodePromotionCalls(COUPON)
_limits = RedemptionLimitCalls(_coupons.promotion)

handles_each(
    {
        "admin-create-coupon": _coupons.create,
        "get-coupons": _coupons.list_,
        "update-coupon-promotion": _coupons.update,
        "get-coupon": _coupons.get,
        "delete-coupon-promotion": _coupons.delete,
        "activate-coupon": _coupons.activate,
        "deactivate-coupon": _coupons.deactivate,
        "create-coupon-code": _coupons.create_code,
        "get-coupon-codes": _coupons.list_codes,
        "generate-coupon-codes": _coupons.generate_codes,
        "get-coupon-user-limit": _limits.get_limit,
        "add-coupon-user-promotion-limit": _limits.increase,
        "set-coupon-user-promotion-limit": _limits.set_limit,
        "remove-coupon-user-promotion-limit": _limits.decrease,
        "get-coupon-code-limit": _limits.code_limits,
    }
)


@handles("redeem-coupon")
def redeem(ctx: RequestContext) -> Any:
    """A redeemed coupon answers the items it grants."""
    promotion = _coupons.redeem(ctx)
    items = [
        {**item_view(b["sku"]), "quantity": b.get("quantity", 1)}
        for b in promotion.data.get("bonus") or []
    ]
    return {"items": items}


@handles("get-coupon-rewards-by-code")
def rewards_by_code(ctx: RequestContext) -> Any:
    return _coupons.rewards_of_code(ctx, str(ctx.path["coupon_code"]))
