"""Coupons, promo codes and unique catalog offers: CRUD, codes, redemption, rewards by code."""

from __future__ import annotations

import functools
from typing import Any

from .._errors import MockApiError
from ._core import RequestContext, body_copy, handles, handles_each, page
from ._rules import refuse_read_only
from .promotions import (
    COUPON,
    PROMO_CODE,
    UNIQUE_OFFER,
    Kind,
    Promotion,
    PromotionsState,
    item_view,
    normalize_periods,
)


def _promotion(ctx: RequestContext, kind: Kind) -> Promotion:
    return ctx.state(PromotionsState).by_external(kind, str(ctx.path["external_id"]))


def create(kind: Kind, ctx: RequestContext) -> Any:
    body = body_copy(ctx)
    external_id = str(body.pop("external_id"))
    ctx.state(PromotionsState).create(kind, body, external_id)
    return {"external_id": external_id}


def list_(kind: Kind, ctx: RequestContext) -> Any:
    promotions = ctx.state(PromotionsState).of_kind(kind)
    chunk, _ = page(promotions, ctx)
    active = sum(1 for p in promotions if p.is_enabled)
    return {
        "items": [p.view() for p in chunk],
        "active_promotions_count": active,
        "inactive_promotions_count": len(promotions) - active,
        "total_promotions_count": len(promotions),
    }


def update(kind: Kind, ctx: RequestContext) -> None:
    promotion = _promotion(ctx, kind)
    body = body_copy(ctx)
    refuse_read_only(body, "code_promotion")
    promotion.data = normalize_periods(body)


def get(kind: Kind, ctx: RequestContext) -> Any:
    return _promotion(ctx, kind).view()


def delete(kind: Kind, ctx: RequestContext) -> None:
    ctx.state(PromotionsState).delete(_promotion(ctx, kind))


def create_code(kind: Kind, ctx: RequestContext) -> Any:
    code = str(ctx.body["coupon_code"])
    ctx.state(PromotionsState).add_code(_promotion(ctx, kind), code)
    return {"code": code}


def list_codes(kind: Kind, ctx: RequestContext) -> Any:
    codes = list(_promotion(ctx, kind).codes)
    chunk, _ = page(codes, ctx)
    return {"codes": [{"code": c} for c in chunk], "total_count": len(codes)}


def generate_codes(kind: Kind, ctx: RequestContext) -> Any:
    count = int(ctx.body["count"])
    ctx.state(PromotionsState).generate_codes(_promotion(ctx, kind), count)
    return {"count": count}


def activate(kind: Kind, ctx: RequestContext) -> None:
    _promotion(ctx, kind).is_enabled = True


def deactivate(kind: Kind, ctx: RequestContext) -> None:
    _promotion(ctx, kind).is_enabled = False


handles_each(
    {
        "admin-create-coupon": functools.partial(create, COUPON),
        "get-coupons": functools.partial(list_, COUPON),
        "update-coupon-promotion": functools.partial(update, COUPON),
        "get-coupon": functools.partial(get, COUPON),
        "delete-coupon-promotion": functools.partial(delete, COUPON),
        "activate-coupon": functools.partial(activate, COUPON),
        "deactivate-coupon": functools.partial(deactivate, COUPON),
        "create-coupon-code": functools.partial(create_code, COUPON),
        "get-coupon-codes": functools.partial(list_codes, COUPON),
        "generate-coupon-codes": functools.partial(generate_codes, COUPON),
        "create-promo-code": functools.partial(create, PROMO_CODE),
        "get-promo-codes": functools.partial(list_, PROMO_CODE),
        "update-promo-code": functools.partial(update, PROMO_CODE),
        "get-promo-code": functools.partial(get, PROMO_CODE),
        "delete-promo-code": functools.partial(delete, PROMO_CODE),
        "activate-promo-code": functools.partial(activate, PROMO_CODE),
        "deactivate-promo-code": functools.partial(deactivate, PROMO_CODE),
        "create-promo-code-code": functools.partial(create_code, PROMO_CODE),
        "get-promocode-codes": functools.partial(list_codes, PROMO_CODE),
        "generate-promo-code-codes": functools.partial(generate_codes, PROMO_CODE),
        "admin-create-unique-catalog-offer": functools.partial(create, UNIQUE_OFFER),
        "get-unique-catalog-offers": functools.partial(list_, UNIQUE_OFFER),
        "update-unique-catalog-offer-promotion": functools.partial(update, UNIQUE_OFFER),
        "get-unique-catalog-offer": functools.partial(get, UNIQUE_OFFER),
        "delete-unique-catalog-offer-promotion": functools.partial(delete, UNIQUE_OFFER),
        "activate-unique-catalog-offer": functools.partial(activate, UNIQUE_OFFER),
        "deactivate-unique-catalog-offer": functools.partial(deactivate, UNIQUE_OFFER),
        "create-unique-catalog-offer-code": functools.partial(create_code, UNIQUE_OFFER),
        "get-unique-catalog-offer-codes": functools.partial(list_codes, UNIQUE_OFFER),
        "generate-unique-catalog-offer-codes": functools.partial(generate_codes, UNIQUE_OFFER),
    }
)


# --- player calls ---------------------------------------------------------------------------
@handles("redeem-coupon")
def redeem_coupon(ctx: RequestContext) -> Any:
    promotion = _redeem(ctx, COUPON)
    items = [
        {**item_view(b["sku"]), "quantity": b.get("quantity", 1)}
        for b in promotion.data.get("bonus") or []
    ]
    return {"items": items}


@handles("redeem-promo-code")
def redeem_promo_code(ctx: RequestContext) -> Any:
    promotion = _redeem(ctx, PROMO_CODE)
    return _cart(ctx, promotion)


@handles("remove-cart-promo-code")
def remove_cart_promo_code(ctx: RequestContext) -> Any:
    ctx.require_user()
    return _cart(ctx, None)


def _redeem(ctx: RequestContext, kind: Kind) -> Promotion:
    user = ctx.require_user()
    promotion, code = ctx.state(PromotionsState).by_code_of(str(ctx.body["coupon_code"]), (kind,))
    promotion.redeem(code, user, ctx.now())
    return promotion


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


@handles("get-coupon-rewards-by-code")
def coupon_rewards(ctx: RequestContext) -> Any:
    ctx.require_user()
    promotion, _ = ctx.state(PromotionsState).by_code_of(str(ctx.path["coupon_code"]), (COUPON,))
    return promotion.rewards_view()


@handles("get-promo-code-rewards-by-code")
def promo_code_rewards(ctx: RequestContext) -> Any:
    ctx.require_user()
    code = str(ctx.path["promocode_code"])
    promotion, _ = ctx.state(PromotionsState).by_code_of(code, (PROMO_CODE,))
    return promotion.rewards_view()


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
