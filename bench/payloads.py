"""Deterministic LiveOps-shaped response bodies for the benchmark server.

Shapes follow the spec's `CouponList` (GET /v3/project/{project_id}/admin/coupon) and
`CouponRedeemResult` (POST /v2/project/{project_id}/coupon/redeem): nested periods, localized
names, bonus items, limit state, and attribute conditions of the three tagged kinds, so that
structuring exercises every kind of field a real page has. No randomness: every run and every
client sees byte-identical bodies.
"""

from __future__ import annotations

from typing import Any

import orjson

PROJECT_ID = 44056
API_KEY = "bench-api-key"
PLAYER_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaC1wbGF5ZXIifQ.c2lnbmF0dXJl"
COUPON_CODE = "WINTER2026"
ACTIVATE_ID = "winter_coupon_7"
LIST_SIZE = 50

LIST_PATH = f"/v3/project/{PROJECT_ID}/admin/coupon"
REDEEM_PATH = f"/v2/project/{PROJECT_ID}/coupon/redeem"
ACTIVATE_PATH = f"/v2/project/{PROJECT_ID}/admin/coupon/{ACTIVATE_ID}/activate"

REDEEM_REQUEST: dict[str, Any] = {"coupon_code": COUPON_CODE}

_LOCALES = ("en", "de", "fr", "ja")
_NAMES = {
    "en": "Gift {n}",
    "de": "Geschenk {n}",
    "fr": "Cadeau {n}",
    "ja": "冬のギフト {n}",
}


def _conditions(n: int) -> list[dict[str, Any]]:
    """One condition of each tagged kind in turn (string, number, date)."""
    kind = n % 3
    if kind == 0:
        return [{"attribute": "class", "type": "string", "operator": "eq", "value": "warrior"}]
    if kind == 1:
        return [{"attribute": "level", "type": "number", "operator": "lt", "value": str(10 + n)}]
    return [
        {
            "attribute": "registered",
            "type": "date",
            "operator": "ee",
            "value": "2026-01-01",
            "can_be_missing": True,
        }
    ]


def _name(n: int) -> dict[str, str]:
    locales = _LOCALES[: 2 + (n % 3 == 0) + (n % 7 == 0)]
    return {loc: _NAMES[loc].format(n=n) for loc in locales}


def _coupon(n: int) -> dict[str, Any]:
    periods: list[dict[str, Any]] = [{"date_from": f"2026-{1 + n % 12:02d}-01T00:00:00+00:00"}]
    if n % 5 == 1:
        periods[0]["date_until"] = None
    if n % 5 == 0:
        periods = [
            {"date_from": "2026-12-01T00:00:00+00:00", "date_until": "2026-12-31T23:59:59Z"},
            {"date_from": "2027-01-10T10:00:00+03:00", "date_until": "2027-01-20T10:00:00+03:00"},
        ]
    coupon: dict[str, Any] = {
        "external_id": f"winter_{n}",
        "promotion_periods": periods,
        "name": _name(n),
        "is_enabled": n % 5 != 0,
        "bonus": [{"sku": f"gems_{n % 7}", "quantity": 1 + n % 4}],
        "redeem_total_limit": None if n % 4 == 0 else 1000 + n,
        "total_codes_count": 500 + 10 * n,
    }
    if n % 3 == 0:
        coupon["total_limit_state"] = {"available": 900 - n, "reserved": n % 3, "used": 100 + n}
    if n % 2 == 1:
        coupon["redeem_user_limit"] = 1
    if n % 4 == 1:
        coupon["attribute_conditions"] = _conditions(n // 4)
    return coupon


def coupon_list() -> dict[str, Any]:
    items = [_coupon(n) for n in range(LIST_SIZE)]
    enabled = sum(1 for c in items if c["is_enabled"])
    return {
        "items": items,
        "total_promotions_count": LIST_SIZE,
        "active_promotions_count": enabled,
        "inactive_promotions_count": LIST_SIZE - enabled,
    }


def redeem_result() -> dict[str, Any]:
    return {
        "items": [
            {
                "sku": "booster_xp",
                "name": "XP booster",
                "type": "virtual_good",
                "description": "Doubles experience for one hour.",
                "image_url": "https://cdn.example.com/booster_xp.png",
                "groups": [{"external_id": "powerups", "name": "Power-ups"}],
                "attributes": [],
                "is_free": True,
                "price": None,
                "virtual_prices": [],
                "virtual_item_type": "consumable",
                "inventory_options": {
                    "consumable": {"usages_count": 1},
                    "expiration_period": {"type": "hour", "value": 1},
                },
                "quantity": 2,
            }
        ]
    }


LIST_BODY: bytes = orjson.dumps(coupon_list())
REDEEM_BODY: bytes = orjson.dumps(redeem_result())
