"""Promotions (`client.admin.promotions`, `client.user(jwt).promotions`): the calls common to
every kind of promotion: the all-promotions list, activation by id, and a player's look-up of
a code of any kind."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .._errors import MockApiError, unprocessable
from ._core import RequestContext, enabled_filter, handles
from ._item_promotions import list_body
from ._promotion_state import (
    BONUS,
    COUPON,
    DISCOUNT,
    PROMO_CODE,
    UNIQUE_CATALOG_OFFER,
    Promotion,
    PromotionsState,
    item_view,
    promotion_in_path,
)


def _summary(promotion: Promotion, now: datetime) -> dict[str, Any]:
    """A promotion as the all-promotions list shows it (the 2025 example): its list `type`
    (`coupon_bonus`, `promocode_bonus_discount`, ...), items expanded, and as the condition
    of a code promotion the coupon or promo code itself."""
    view = promotion.view(now)
    view["type"] = promotion.kind.list_type
    # Descriptions as Xsolla's list shows them: a plain string on bonus items, null on
    # condition items (the 2025 reference example and schema).
    view["bonus"] = [
        {"item": {**item_view(b["sku"]), "description": b["sku"]}, "quantity": b.get("quantity", 1)}
        for b in promotion.data.get("bonus") or []
    ] or None
    if promotion.external_id is not None:
        view["condition"] = [{"item": _code_promotion_target(promotion)}]
    else:
        view["condition"] = [
            {"item": {**item_view(c["sku"]), "description": None}}
            for c in promotion.data.get("condition") or []
        ] or None
    view["discount"] = promotion.data.get("discount")
    return view


def _code_promotion_target(promotion: Promotion) -> dict[str, Any]:
    """A coupon or promo code as the condition of its entry in the all-promotions list."""
    data = promotion.data
    return {
        "external_id": promotion.external_id,
        "name": data.get("name"),
        "is_enabled": promotion.is_enabled,
        "redeem_total_limit": data.get("redeem_total_limit"),
        "redeem_user_limit": data.get("redeem_user_limit"),
        "redeem_code_limit": data.get("redeem_code_limit"),
    }


@handles("get-promotion-list")
def list_all(ctx: RequestContext) -> Any:
    wanted = enabled_filter(ctx)
    kinds = (COUPON, PROMO_CODE, UNIQUE_CATALOG_OFFER, DISCOUNT, BONUS)
    promotions = [
        p
        for p in ctx.state(PromotionsState).of_kind(*kinds)
        if wanted is None or p.is_enabled == wanted
    ]
    return list_body(promotions, ctx, lambda p: _summary(p, ctx.now()))


def _promotion_to_switch(ctx: RequestContext) -> Promotion:
    """The promotion activate or deactivate by id acts on. These calls document no 404: an
    unknown id fails the update, 422 / 9505 (the 2025 schema's example)."""
    try:
        return promotion_in_path(ctx)
    except MockApiError:
        raise unprocessable(9505, "Error was occurred while promotion was being updated") from None


@handles("activate-promotion")
def activate(ctx: RequestContext) -> None:
    _promotion_to_switch(ctx).is_enabled = True


@handles("deactivate-promotion")
def deactivate(ctx: RequestContext) -> None:
    _promotion_to_switch(ctx).is_enabled = False


# --- player calls ---------------------------------------------------------------------------
def _code_of_a_promotion(ctx: RequestContext) -> tuple[Promotion, str]:
    """The coupon or promo code promotion of the path's `code`, and the code as stored;
    404 / 9811 "Code not found." otherwise (the answer of both look-ups by code)."""
    try:
        return ctx.state(PromotionsState).by_code_of(str(ctx.path["code"]), (PROMO_CODE, COUPON))
    except MockApiError:
        raise MockApiError(404, 9811, "Code not found.") from None


@handles("verify-promotion-code")
def verify_code(ctx: RequestContext) -> Any:
    """Whether the player can apply the code: a code they could not redeem now (disabled, out
    of its periods, a limit reached) is 422 with the reason redeeming would give."""
    user = ctx.require_user()
    promotion, stored = _code_of_a_promotion(ctx)
    promotion.check_redeemable(stored, user, ctx.now())
    return {"type": promotion.kind.type, "code": stored, "rewards": promotion.rewards_view()}


@handles("get-redeemable-promotion-by-code")
def redeemable_by_code(ctx: RequestContext) -> Any:
    """A code is ASCII letters and digits only; any other is refused by the router with a
    bare 405 (errorCode 0, no bracketed code), as the 2025 schema's example shows."""
    code = str(ctx.path["code"])
    if not (code.isascii() and code.isalnum()):
        raise MockApiError(405, 0, "Method is not allowed. Method must be one of: OPTIONS")
    promotion, _ = _code_of_a_promotion(ctx)
    return promotion.view()
