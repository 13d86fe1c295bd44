"""Hand-made operations and small attrs models standing in for the generated layer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from liveops_async._operation import AuthGroup, Operation, Pagination


@attrs.frozen
class Coupon:
    external_id: str
    name: str | None = None


@attrs.frozen
class CouponCreate:
    external_id: str
    name: str
    note: str | None = None


@attrs.frozen
class CouponPage:
    items: list[Coupon]
    has_more: bool | None = None


@attrs.frozen
class CodesPage:
    codes: list[Coupon]
    total_count: int | None = None


@attrs.frozen
class PromotionsPage:
    promotions: list[Coupon]


@attrs.frozen
class Rewards:
    bonus: int


def _operation(
    operation_id: str,
    method: str,
    path: str,
    *,
    auth: AuthGroup = AuthGroup.ADMIN,
    success_status: int = 200,
    response_type: Any = None,
    pagination: Pagination | None = None,
    body_schema: Mapping[str, Any] | None = None,
) -> Operation:
    """An admin operation answering 200 unless told otherwise; retry-safe when GET or PUT."""
    return Operation(
        operation_id=operation_id,
        method=method,
        path=path,
        auth=auth,
        retry_safe=method in ("GET", "PUT"),
        version_confirmed=True,
        success_status=success_status,
        response_type=response_type,
        pagination=pagination,
        body_schema=body_schema,
    )


COUPON_PATH = "/v3/project/{project_id}/admin/coupon/{external_id}"

GET_COUPON = _operation("get-coupon", "GET", COUPON_PATH, response_type=Coupon)

UPDATE_COUPON = _operation("update-coupon", "PUT", COUPON_PATH, success_status=204)

CREATE_COUPON = _operation(
    "create-coupon",
    "POST",
    "/v3/project/{project_id}/admin/coupon",
    success_status=201,
    response_type=Coupon,
    body_schema={
        "type": "object",
        "required": ["external_id", "name"],
        "properties": {
            "external_id": {"type": "string", "minLength": 1, "maxLength": 8},
            "name": {"type": "string"},
            "note": {"type": ["string", "null"]},
        },
        "additionalProperties": False,
    },
)

DECREASE_LIMIT = _operation(
    "decrease-limit",
    "DELETE",
    "/v2/project/{project_id}/admin/user/limit/coupon/external_id/{external_id}",
    success_status=204,
)

REDEEM_COUPON = _operation(
    "redeem-coupon",
    "POST",
    "/v2/project/{project_id}/coupon/redeem",
    auth=AuthGroup.USER,
    response_type=Rewards,
)

GET_REWARDS = _operation(
    "get-coupon-rewards",
    "GET",
    "/v2/project/{project_id}/coupon/code/{coupon_code}/rewards",
    auth=AuthGroup.USER,
    response_type=Rewards,
)

REDEEM_PROMO = _operation(
    "redeem-promo-code",
    "POST",
    "/v2/project/{project_id}/promocode/redeem",
    auth=AuthGroup.CART,
    response_type=Rewards,
)

GET_UPSELL = _operation(
    "get-upsell",
    "GET",
    "/v2/project/{project_id}/admin/items/upsell",
    auth=AuthGroup.ADMIN_OR_USER,
    response_type=Rewards,
)

LIST_COUPONS = _operation(
    "list-coupons",
    "GET",
    "/v3/project/{project_id}/admin/coupon",
    response_type=CouponPage,
    pagination=Pagination(
        items="items",
        items_attr="items",
        has_more="has_more",
        has_more_attr="has_more",
        max_limit=2,
    ),
)

LIST_CODES = _operation(
    "list-codes",
    "GET",
    "/v3/project/{project_id}/admin/coupon/{external_id}/code",
    response_type=CodesPage,
    pagination=Pagination(
        items="codes", items_attr="codes", total="total_count", total_attr="total_count"
    ),
)

LIST_PROMOTIONS = _operation(
    "list-promotions",
    "GET",
    "/v3/project/{project_id}/admin/promotion",
    response_type=PromotionsPage,
    pagination=Pagination(items="promotions", items_attr="promotions"),
)
