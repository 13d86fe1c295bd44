"""Discount and bonus promotions, and the calls common to every promotion."""

from __future__ import annotations

import functools
from typing import Any

from ._core import (
    RequestContext,
    body_copy,
    enabled_filter,
    handles,
    handles_each,
    int_path,
    page,
)
from .promotions import (
    BONUS,
    COUPON,
    DISCOUNT,
    PROMO_CODE,
    UNIQUE_OFFER,
    Kind,
    Promotion,
    PromotionsState,
    item_view,
    normalize_periods,
)


def _promotion(ctx: RequestContext, kind: Kind | None = None) -> Promotion:
    return ctx.state(PromotionsState).by_id(int_path(ctx, "promotion_id"), kind)


def _list_body(promotions: list[Promotion], ctx: RequestContext, view: Any) -> dict[str, Any]:
    chunk, _ = page(promotions, ctx)
    active = sum(1 for p in promotions if p.is_enabled)
    return {
        "promotions": [view(p) for p in chunk],
        "active_promotions_count": active,
        "inactive_promotions_count": len(promotions) - active,
    }


def create(kind: Kind, ctx: RequestContext) -> Any:
    body = body_copy(ctx)
    body.pop("id", None)
    promotion = ctx.state(PromotionsState).create(kind, body)
    return {"promotion_id": promotion.promotion_id}


def list_(kind: Kind, ctx: RequestContext) -> Any:
    return _list_body(ctx.state(PromotionsState).of_kind(kind), ctx, Promotion.view)


def update(kind: Kind, ctx: RequestContext) -> None:
    body = body_copy(ctx)
    body.pop("id", None)
    _promotion(ctx, kind).data = normalize_periods(body)


def get(kind: Kind, ctx: RequestContext) -> Any:
    return _promotion(ctx, kind).view()


def delete(kind: Kind, ctx: RequestContext) -> None:
    ctx.state(PromotionsState).delete(_promotion(ctx, kind))


handles_each(
    {
        "create-item-promotion": functools.partial(create, DISCOUNT),
        "get-item-promotion-list": functools.partial(list_, DISCOUNT),
        "update-item-promotion": functools.partial(update, DISCOUNT),
        "get-item-promotion": functools.partial(get, DISCOUNT),
        "delete-item-promotion": functools.partial(delete, DISCOUNT),
        "create-bonus-promotion": functools.partial(create, BONUS),
        "get-bonus-promotion-list": functools.partial(list_, BONUS),
        "update-bonus-promotion": functools.partial(update, BONUS),
        "get-bonus-promotion": functools.partial(get, BONUS),
        "delete-bonus-promotion": functools.partial(delete, BONUS),
    }
)


# --- common ---------------------------------------------------------------------------------
def _summary(promotion: Promotion) -> dict[str, Any]:
    """A promotion as the all-promotions list shows it: items expanded, rewards by kind."""
    view = promotion.view()
    view["bonus"] = [
        {"item": item_view(b["sku"]), "quantity": b.get("quantity", 1)}
        for b in promotion.data.get("bonus") or []
    ] or None
    view["condition"] = [
        {"item": item_view(c["sku"])} for c in promotion.data.get("condition") or []
    ] or None
    view["discount"] = promotion.data.get("discount")
    return view


@handles("get-promotion-list")
def list_all(ctx: RequestContext) -> Any:
    wanted = enabled_filter(ctx)
    kinds = (COUPON, PROMO_CODE, UNIQUE_OFFER, DISCOUNT, BONUS)
    promotions = [
        p
        for p in ctx.state(PromotionsState).of_kind(*kinds)
        if wanted is None or p.is_enabled == wanted
    ]
    return _list_body(promotions, ctx, _summary)


@handles("activate-promotion")
def activate(ctx: RequestContext) -> None:
    _promotion(ctx).is_enabled = True


@handles("deactivate-promotion")
def deactivate(ctx: RequestContext) -> None:
    _promotion(ctx).is_enabled = False
