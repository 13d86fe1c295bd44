"""Promo codes (`client.admin.promo_codes`, `client.user(jwt).promo_codes`): CRUD, codes,
per-player and per-code limits, redemption in a cart and rewards by code."""

from __future__ import annotations

from typing import Any

from ._code_promotions import CodePromotionCalls
from ._core import RequestContext, handles, handles_each
from ._promotion_state import PROMO_CODE, Promotion
from ._redemption_limits import RedemptionLimitCalls

_promo_codes = CodePromotionCalls(PROMO_CODE)
_limits = RedemptionLimitCalls(_promo_codes.promotion)

handles_each(
    {
        "create-promo-code": _promo_codes.create,
        "get-promo-codes": _promo_codes.list_,
        "update-promo-code": _promo_codes.update,
        "get-promo-code": _promo_codes.get,
        "delete-promo-code": _promo_codes.delete,
        "activate-promo-code": _promo_codes.activate,
        "deactivate-promo-code": _promo_codes.deactivate,
        "create-promo-code-code": _promo_codes.create_code,
        "get-promocode-codes": _promo_codes.list_codes,
        "generate-promo-code-codes": _promo_codes.generate_codes,
        "get-promo-code-user-limit": _limits.get_limit,
        "add-promo-code-user-promotion-limit": _limits.increase,
        "set-promo-code-user-promotion-limit": _limits.set_limit,
        "remove-promo-code-user-promotion-limit": _limits.decrease,
        "get-promo-code-code-limit": _limits.code_limits,
    }
)


@handles("redeem-promo-code")
def redeem(ctx: RequestContext) -> Any:
    return _cart(ctx, _promo_codes.redeem(ctx))


@handles("remove-cart-promo-code")
def remove_from_cart(ctx: RequestContext) -> Any:
    ctx.require_user()
    return _cart(ctx, None)


def _cart(ctx: RequestContext, promotion: Promotion | None) -> dict[str, Any]:
    cart = (ctx.body or {}).get("cart") or {}
    rewards = promotion.rewards_view() if promotion else {"bonus": [], "is_selectable": False}
    # The mock keeps no cart contents, so the cart is empty and costs nothing.
    price = {"amount": "0.00", "amount_without_discount": "0.00", "currency": "USD"}
    return {
        "cart_id": str(cart.get("id", "current")),
        "price": price,
        "is_free": False,
        "items": [],
        "rewards": rewards,
    }


@handles("get-promo-code-rewards-by-code")
def rewards_by_code(ctx: RequestContext) -> Any:
    return _promo_codes.rewards_of_code(ctx, str(ctx.path["promocode_code"]))
