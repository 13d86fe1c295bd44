"""What every kind of promotion shares: the kinds, one promotion's data, codes, periods and
redemption counters, and the project's store of promotions (no handlers: those sit in the
module of each SDK resource)."""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from .._errors import MockApiError, not_found, unprocessable
from ._core import RequestContext, int_path
from ._rules import check_promotion, parse_time
from ._schedules import next_reset, schedule_view

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@attrs.frozen
class Kind:
    """One kind of promotion and the words its errors use."""

    type: str  # the kind's own name (the `type` a verified code reports)
    label: str  # "Coupon", for "Coupon not found"
    code_word: str = ""  # "coupon", for "Enter valid coupon code."
    limit_word: str = "promotion"  # for "Available coupon limit is out of range."
    list_type: str = ""  # the `type` the all-promotions list reports (the 2025 example's)


COUPON = Kind("coupon", "Coupon", "coupon", "coupon", "coupon_bonus")
PROMO_CODE = Kind("promocode", "Promocode", "promo", "promo code", "promocode_bonus_discount")
UNIQUE_CATALOG_OFFER = Kind(
    "unique_catalog_offer",
    "Unique catalog offer",
    "unique catalog offer",
    "unique catalog offer",
    "unique_catalog_offer",
)
DISCOUNT = Kind("item_discount", "Promotion", list_type="item_discount")
BONUS = Kind("item_bonus", "Promotion", list_type="item_bonus")


@attrs.define
class Promotion:
    promotion_id: int
    kind: Kind
    data: dict[str, Any]  # the last written body
    external_id: str | None = None
    is_enabled: bool = False
    codes: dict[str, int] = attrs.field(factory=dict)  # code -> redemptions
    total_used: int = 0
    user_used: dict[str, int] = attrs.field(factory=dict)
    user_extra: dict[str, int] = attrs.field(factory=dict)  # admin changes to "available"
    # When the limits were last written, and since when the players' counters run: a
    # scheduled reset (`limits.recurrent_schedule.per_user`) after that clears them.
    limits_written_at: datetime | None = None
    counters_since: datetime | None = None

    # --- limits -------------------------------------------------------------------------
    @property
    def user_total(self) -> int | None:
        if self.kind in (DISCOUNT, BONUS):
            return (self.data.get("limits") or {}).get("per_user")
        return self.data.get("redeem_user_limit")

    @property
    def user_schedule(self) -> dict[str, Any] | None:
        """The scheduled reset of the per-player limit (discounts and bonuses only)."""
        if self.kind not in (DISCOUNT, BONUS):
            return None
        schedule = (self.data.get("limits") or {}).get("recurrent_schedule") or {}
        found: dict[str, Any] | None = schedule.get("per_user")
        return found

    def write(self, data: Mapping[str, Any], now: datetime) -> None:
        """Replace the promotion's settings (create or PUT) at `now`: a reset scheduled by the
        old settings that fell before now still happens first; players' uses are kept."""
        self.refresh_limits(now)
        self.data = normalize_periods(data)
        self.limits_written_at = self.counters_since = now

    def refresh_limits(self, now: datetime) -> None:
        """Apply the scheduled reset: once a reset moment has passed since the counters
        started, every player's uses start over (as `reset_user(None)` does)."""
        schedule = self.user_schedule
        if schedule is None or self.counters_since is None:
            return
        if next_reset(schedule, self.counters_since) <= now:
            self.user_used.clear()
            self.user_extra.clear()
            self.counters_since = now

    def configured_user_total(self) -> int:
        """The per-player limit; a promotion without one has no limit to read, change or
        reset: 422 / 4509 (Xsolla's answer to the user-limit calls)."""
        total = self.user_total
        if total is None:
            raise unprocessable(4509, "Promotion does not have configured user limits.")
        return total

    def user_available(self, user: str) -> int:
        total = self.configured_user_total()
        return total + self.user_extra.get(user, 0) - self.user_used.get(user, 0)

    def change_user_available(self, user: str, delta: int) -> None:
        """Move the player's remaining uses by `delta`; they stay within the limit applied
        (0 to the per-player total), else 422 / 4511 "out of range"."""
        if not 0 <= self.user_available(user) + delta <= self.configured_user_total():
            raise unprocessable(4511, f"Available {self.kind.limit_word} limit is out of range.")
        self.user_extra[user] = self.user_extra.get(user, 0) + delta

    def reset_user(self, user: str | None) -> None:
        self.configured_user_total()
        for counters in (self.user_used, self.user_extra):
            if user is None:
                counters.clear()
            else:
                counters.pop(user, None)

    def user_limit_view(self, user: str) -> dict[str, Any]:
        return {"per_user": {"total": self.user_total, "available": self.user_available(user)}}

    def code_limit_view(self, code: str) -> dict[str, Any]:
        total = self.data.get("redeem_code_limit")
        used = self.codes.get(code, 0)
        available = None if total is None else max(total - used, 0)
        return {
            "code": code,
            "per_code": {"total": total, "available": available, "used": used, "reserved": 0},
        }

    def total_limit_state(self) -> dict[str, int] | None:
        total = self.data.get("redeem_total_limit")
        if total is None:
            return None
        return {
            "available": max(total - self.total_used, 0),
            "reserved": 0,
            "used": self.total_used,
        }

    # --- redemption -----------------------------------------------------------------------
    def is_running(self, now: datetime) -> bool:
        periods = self.data.get("promotion_periods") or []
        if not periods:
            return True
        return any(
            parse_time(p["date_from"]) <= now
            and (p.get("date_until") is None or now < parse_time(p["date_until"]))
            for p in periods
        )

    def check_redeemable(self, code: str, user: str, now: datetime) -> None:
        """Whether the player may use `code` now: the promotion is enabled and inside one of
        its periods (422 / 9807 otherwise), and no limit (total, per code, per player) is
        reached (422 / 9804, "You have reached the coupon redemption limit.")."""
        if not self.is_enabled:
            raise unprocessable(9807, f"The {self.kind.code_word} code is not active.")
        if not self.is_running(now):
            raise unprocessable(9807, f"The {self.kind.code_word} code is outside its period.")
        self.check_limits(code, user)

    def check_limits(self, code: str, user: str) -> None:
        """No limit (total, per code, per player) is reached for the player's use of `code`:
        422 / 9804 otherwise."""
        user_total = self.user_total
        user_used = self.user_used.get(user, 0) - self.user_extra.get(user, 0)
        for total, used, what in (
            (self.data.get("redeem_total_limit"), self.total_used, "total"),
            (self.data.get("redeem_code_limit"), self.codes.get(code, 0), "per-code"),
            (user_total, user_used, "per-user"),
        ):
            if total is not None and used >= total:
                raise unprocessable(
                    9804,
                    f"You have reached the {self.kind.limit_word} redemption limit "
                    f"(the {what} limit).",
                )

    def redeem(self, code: str, user: str, now: datetime) -> None:
        """Count one redemption, after every check of `check_redeemable`."""
        self.check_redeemable(code, user, now)
        self.total_used += 1
        self.codes[code] = self.codes.get(code, 0) + 1
        self.user_used[user] = self.user_used.get(user, 0) + 1

    # --- views ----------------------------------------------------------------------------
    def view(self, now: datetime | None = None) -> dict[str, Any]:
        """Everything the various response schemas may want; `Spec.shape` keeps what fits.
        `now` dates the next scheduled reset of the limits (discounts and bonuses)."""
        out = copy.deepcopy(self.data)
        out.update(
            id=self.promotion_id,
            promotion_id=self.promotion_id,
            is_enabled=self.is_enabled,
            type=self.kind.type,
            total_limit_state=self.total_limit_state(),
            total_codes_count=len(self.codes),
        )
        if self.external_id is not None:
            out["external_id"] = self.external_id
        if self.kind in (DISCOUNT, BONUS):
            out["limits"] = self._limits_view(now)
        return out

    def _limits_view(self, now: datetime | None) -> dict[str, Any]:
        """The limits as answered: the per-player total, and the schedule as written with its
        computed reset dates (S1 `recurrent_schedule_response`)."""
        written = self.data.get("limits") or {}
        per_user = written.get("per_user")
        schedule, since = self.user_schedule, self.limits_written_at
        recurrent = None
        if schedule is not None and since is not None:
            recurrent = {"per_user": schedule_view(schedule, since, now or since)}
        return {
            "per_user": None if per_user is None else {"total": per_user},
            "per_item": None,
            "recurrent_schedule": recurrent,
        }

    def rewards_view(self) -> dict[str, Any]:
        return {
            "bonus": [
                {"item": item_view(b["sku"]), "quantity": b.get("quantity", 1)}
                for b in self.data.get("bonus") or []
            ],
            "discount": self.data.get("discount"),
            "discounted_items": self.data.get("discounted_items"),
            "is_selectable": False,
        }


def item_view(sku: str) -> dict[str, Any]:
    """A catalog item as promotion answers describe it; the mock has no catalog, so the SKU
    doubles as the name."""
    return {"sku": sku, "name": sku, "type": "virtual_good", "is_free": False, "quantity": 1}


@attrs.define
class PromotionsState:
    promotions: dict[int, Promotion] = attrs.field(factory=dict)
    by_external_id: dict[tuple[str, str], int] = attrs.field(factory=dict)
    # code -> promotion id; codes are case-sensitive (the 2025 schema: "Unique case sensitive
    # code"), so "GIFT" and "gift" are two codes
    by_code: dict[str, int] = attrs.field(factory=dict)
    next_id: int = 1

    def create(
        self, kind: Kind, data: Mapping[str, Any], external_id: str | None = None
    ) -> Promotion:
        if external_id is not None and (kind.type, external_id) in self.by_external_id:
            raise unprocessable(4002, f"{kind.label} with this external_id already exists")
        promotion = Promotion(
            self.next_id, kind, normalize_periods(data), external_id, is_enabled=False
        )
        self.next_id += 1
        self.promotions[promotion.promotion_id] = promotion
        if external_id is not None:
            self.by_external_id[(kind.type, external_id)] = promotion.promotion_id
        return promotion

    def by_id(self, promotion_id: int, kind: Kind | None = None) -> Promotion:
        found = self.promotions.get(promotion_id)
        if found is None or (kind is not None and found.kind != kind):
            raise not_found("Promotion not found", 4001)
        return found

    def by_external(self, kind: Kind, external_id: str) -> Promotion:
        pid = self.by_external_id.get((kind.type, external_id))
        if pid is None:
            raise not_found(f"{kind.label} not found", 9802)
        return self.promotions[pid]

    def delete(self, promotion: Promotion) -> None:
        del self.promotions[promotion.promotion_id]
        if promotion.external_id is not None:
            del self.by_external_id[(promotion.kind.type, promotion.external_id)]
        for code in promotion.codes:
            self.by_code.pop(code, None)

    def add_code(self, promotion: Promotion, code: str) -> None:
        if code in self.by_code:
            raise unprocessable(9803, "The code already exists.")
        self.by_code[code] = promotion.promotion_id
        promotion.codes[code] = 0

    def generate_codes(self, promotion: Promotion, count: int) -> None:
        made = 0
        while made < count:
            code = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
            if code not in self.by_code:
                self.add_code(promotion, code)
                made += 1

    def by_code_of(self, code: str, kinds: tuple[Kind, ...]) -> tuple[Promotion, str]:
        """The promotion a code belongs to (matched case-sensitively) and the code; 404 if
        none."""
        pid = self.by_code.get(code)
        promotion = self.promotions.get(pid) if pid is not None else None
        if promotion is None or promotion.kind not in kinds:
            word = kinds[0].code_word
            raise not_found(f"Enter valid {word} code.", 9807)
        return promotion, code

    def of_kind(self, *kinds: Kind) -> list[Promotion]:
        return [p for p in self.promotions.values() if p.kind in kinds]


def promotion_in_path(ctx: RequestContext, kind: Kind | None = None) -> Promotion:
    """The promotion the path's `promotion_id` names (of `kind`, if given); otherwise 404 /
    9502 "Can not find promotion with ID = ... in project ...", as Xsolla's promotion calls
    by id answer (the 2025 schema's examples)."""
    promotion_id = ctx.path["promotion_id"]
    try:
        return ctx.state(PromotionsState).by_id(int_path(ctx, "promotion_id"), kind)
    except MockApiError:
        raise not_found(
            f"Can not find promotion with ID = {promotion_id} in project {ctx.path['project_id']}",
            message_code=9502,
            error_code=9502,
        ) from None


def normalize_periods(data: Mapping[str, Any]) -> dict[str, Any]:
    """Store v3 `promotion_periods`; a v2-style `date_start`/`date_end` body becomes one period
    (the unique-catalog-offer create call still takes that form)."""
    out = dict(copy.deepcopy(data))
    check_promotion(out)
    if "promotion_periods" not in out and out.get("date_start"):
        out["promotion_periods"] = [
            {"date_from": out["date_start"], "date_until": out.get("date_end")}
        ]
    return out
