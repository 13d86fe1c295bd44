"""Promotions (`client.admin.promotions`, `client.user(jwt).promotions`): the calls common to
every kind of promotion: the all-promotions list, activation by id, and a player's look-up of
a code of any kind."""

from __future__ import annotations

from typing import Any

from .._errors import MockApiError
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


def _summary(promotion: Promotion) -> dict[str, Any]:
    """A promotion as the all-promotions list shows it: items expanded, rewards by kind."""
    view = promotion.view()
    # Descriptions as Xsolla's list shows them: a plain string on bonus items, null on
    # condition items (the 2025 reference example and schema).
    view["bonus"] = [
        {"item": {**item_view(b["sku"]), "description": b["sku"]}, "quantity": b.get("quantity", 1)}
        for b in promotion.data.get("bonus") or []
    ] or None
    view["condition"] = [
        {"item": {**item_view(c["sku"]), "description": None}}
        for c in promotion.data.get("condition") or []
    ] or None
    view["discount"] = promotion.data.get("discount")
    return view


@handles("get-promotion-list")
def list_all(ctx: RequestContext) -> Any:
    wanted = enabled_filter(ctx)
    kinds = (COUPON, PROMO_CODE, UNIQUE_CATALOG_OFFER, DISCOUNT, BONUS)
    promotions = [
        p
        for p in ctx.state(PromotionsState).of_kind(*kinds)
        if wanted is None or p.is_enabled == wanted
    ]
    return list_body(promotions, ctx, _summary)


@handles("activate-promotion")
def activate(ctx: RequestContext) -> None:
    promotion_in_path(ctx).is_enabled = True


@handles("deactivate-promotion")
def deactivate(ctx: RequestContext) -> None:
    promotion_in_path(ctx).is_enabled = False


# --- player calls ---------------------------------------------------------------------------
@handles("verify-promotion-code")
def verify_code(ctx: RequestContext) -> Any:
    ctx.require_user()
    code = str(ctx.path["code"])
    try:
        promotion, stored = ctx.state(PromotionsState).by_code_of(code, (PROMO_CODE, COUPON))
    except MockApiError as error:
        error.message_code = error.error_code = 9811
        error.message = "Code not found."
        raise
    return {"type": promotion.kind.type, "code": stored, "rewards": promotion.rewards_view()}


@handles("get-redeemable-promotion-by-code")
def redeemable_by_code(ctx: RequestContext) -> Any:
    code = str(ctx.path["code"])
    if not code.isalnum():
        raise MockApiError(405, 1019, "The code format is not supported")
    promotion, _ = ctx.state(PromotionsState).by_code_of(code, (COUPON, PROMO_CODE))
    return promotion.view()
