"""What coupons, promo codes and unique catalog offers share: admin CRUD by external id,
activation and codes, and a player's redemption of a code. Each kind binds these calls to its
own operation ids in its module (`coupons.py`, `promo_codes.py`, `unique_catalog_offers.py`)."""

from __future__ import annotations

from typing import Any

import attrs

from ._core import RequestContext, body_copy, page
from ._promotion_state import Kind, Promotion, PromotionsState
from ._rules import refuse_read_only


@attrs.frozen
class CodePromotionCalls:
    """The calls of one kind of code-based promotion; each method is a handler."""

    kind: Kind

    def promotion(self, ctx: RequestContext) -> Promotion:
        """The promotion of this kind the path's `external_id` names; 404 / 9802 otherwise."""
        return ctx.state(PromotionsState).by_external(self.kind, str(ctx.path["external_id"]))

    def create(self, ctx: RequestContext) -> Any:
        body = body_copy(ctx)
        external_id = str(body.pop("external_id"))
        ctx.state(PromotionsState).create(self.kind, body, external_id)
        return {"external_id": external_id}

    def list_(self, ctx: RequestContext) -> Any:
        promotions = ctx.state(PromotionsState).of_kind(self.kind)
        chunk, _ = page(promotions, ctx)
        active = sum(1 for p in promotions if p.is_enabled)
        return {
            "items": [p.view() for p in chunk],
            "active_promotions_count": active,
            "inactive_promotions_count": len(promotions) - active,
            "total_promotions_count": len(promotions),
        }

    def update(self, ctx: RequestContext) -> None:
        promotion = self.promotion(ctx)
        body = body_copy(ctx)
        refuse_read_only(body, "code_promotion")
        promotion.write(body, ctx.now())

    def get(self, ctx: RequestContext) -> Any:
        return self.promotion(ctx).view()

    def delete(self, ctx: RequestContext) -> None:
        ctx.state(PromotionsState).delete(self.promotion(ctx))

    def activate(self, ctx: RequestContext) -> None:
        self.promotion(ctx).is_enabled = True

    def deactivate(self, ctx: RequestContext) -> None:
        self.promotion(ctx).is_enabled = False

    def create_code(self, ctx: RequestContext) -> Any:
        code = str(ctx.body["coupon_code"])
        ctx.state(PromotionsState).add_code(self.promotion(ctx), code)
        return {"code": code}

    def list_codes(self, ctx: RequestContext) -> Any:
        codes = list(self.promotion(ctx).codes)
        chunk, _ = page(codes, ctx)
        return {"codes": [{"code": c} for c in chunk], "total_count": len(codes)}

    def generate_codes(self, ctx: RequestContext) -> Any:
        count = int(ctx.body["count"])
        ctx.state(PromotionsState).generate_codes(self.promotion(ctx), count)
        return {"count": count}

    # --- player calls -----------------------------------------------------------------------
    def redeem(self, ctx: RequestContext) -> Promotion:
        """Count the player's redemption of the body's `coupon_code` (a code of this kind)
        after every check of `Promotion.redeem`; the caller shapes the answer."""
        user = ctx.require_user()
        promotions = ctx.state(PromotionsState)
        promotion, code = promotions.by_code_of(str(ctx.body["coupon_code"]), (self.kind,))
        promotion.redeem(code, user, ctx.now())
        return promotion

    def rewards_of_code(self, ctx: RequestContext, code: str) -> Any:
        """What a player would get for `code` (a code of this kind); 422 / 9804 once a limit
        is reached for them (the 2025 schema's 422 examples of both rewards calls)."""
        user = ctx.require_user()
        promotion, stored = ctx.state(PromotionsState).by_code_of(code, (self.kind,))
        promotion.check_limits(stored, user)
        return promotion.rewards_view()
