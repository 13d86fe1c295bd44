"""Hand-made operations and small attrs models standing in for the generated layer."""

from __future__ import annotations

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


COUPON_PATH = "/v3/project/{project_id}/admin/coupon/{external_id}"

GET_COUPON = Operation(
    operation_id="get-coupon",
    method="GET",
    path=COUPON_PATH,
    auth=AuthGroup.ADMIN,
    retry_safe=True,
    version_confirmed=True,
    success_status=200,
    response_type=Coupon,
)

UPDATE_COUPON = Operation(
    operation_id="update-coupon",
    method="PUT",
    path=COUPON_PATH,
    auth=AuthGroup.ADMIN,
    retry_safe=True,
    version_confirmed=True,
    success_status=204,
)

CREATE_COUPON = Operation(
    operation_id="create-coupon",
    method="POST",
    path="/v3/project/{project_id}/admin/coupon",
    auth=AuthGroup.ADMIN,
    retry_safe=False,
    version_confirmed=True,
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

DECREASE_LIMIT = Operation(
    operation_id="decrease-limit",
    method="DELETE",
    path="/v2/project/{project_id}/admin/user/limit/coupon/external_id/{external_id}",
    auth=AuthGroup.ADMIN,
    retry_safe=False,
    version_confirmed=True,
    success_status=204,
)

REDEEM_COUPON = Operation(
    operation_id="redeem-coupon",
    method="POST",
    path="/v2/project/{project_id}/coupon/redeem",
    auth=AuthGroup.USER,
    retry_safe=False,
    version_confirmed=True,
    success_status=200,
    response_type=Rewards,
)

GET_REWARDS = Operation(
    operation_id="get-coupon-rewards",
    method="GET",
    path="/v2/project/{project_id}/coupon/code/{coupon_code}/rewards",
    auth=AuthGroup.USER,
    retry_safe=True,
    version_confirmed=True,
    success_status=200,
    response_type=Rewards,
)

REDEEM_PROMO = Operation(
    operation_id="redeem-promo-code",
    method="POST",
    path="/v2/project/{project_id}/promocode/redeem",
    auth=AuthGroup.CART,
    retry_safe=False,
    version_confirmed=True,
    success_status=200,
    response_type=Rewards,
)

GET_UPSELL = Operation(
    operation_id="get-upsell",
    method="GET",
    path="/v2/project/{project_id}/admin/items/upsell",
    auth=AuthGroup.ADMIN_OR_USER,
    retry_safe=True,
    version_confirmed=True,
    success_status=200,
    response_type=Rewards,
)

LIST_COUPONS = Operation(
    operation_id="list-coupons",
    method="GET",
    path="/v3/project/{project_id}/admin/coupon",
    auth=AuthGroup.ADMIN,
    retry_safe=True,
    version_confirmed=True,
    success_status=200,
    response_type=CouponPage,
    pagination=Pagination(
        items="items",
        items_attr="items",
        has_more="has_more",
        has_more_attr="has_more",
        max_limit=2,
    ),
)

LIST_CODES = Operation(
    operation_id="list-codes",
    method="GET",
    path="/v3/project/{project_id}/admin/coupon/{external_id}/code",
    auth=AuthGroup.ADMIN,
    retry_safe=True,
    version_confirmed=True,
    success_status=200,
    response_type=CodesPage,
    pagination=Pagination(
        items="codes", items_attr="codes", total="total_count", total_attr="total_count"
    ),
)

LIST_PROMOTIONS = Operation(
    operation_id="list-promotions",
    method="GET",
    path="/v3/project/{project_id}/admin/promotion",
    auth=AuthGroup.ADMIN,
    retry_safe=True,
    version_confirmed=True,
    success_status=200,
    response_type=PromotionsPage,
    pagination=Pagination(items="promotions", items_attr="promotions"),
)

NO_PROJECT = Operation(
    operation_id="ping",
    method="GET",
    path="/ping/{thing}",
    auth=AuthGroup.ADMIN,
    retry_safe=True,
    version_confirmed=True,
    success_status=200,
)
