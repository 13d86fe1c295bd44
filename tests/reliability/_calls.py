"""The operations the fault matrix drives, through the real generated methods."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs

from liveops_async import LiveOpsClient, models

from ._secrets import CANARIES


@attrs.frozen
class Call:
    """One generated method, the route the server sees, and a body it accepts as success."""

    name: str
    retry_safe: bool
    route: str
    success_body: object
    invoke: Callable[[LiveOpsClient], Awaitable[object]]

    def __repr__(self) -> str:  # pytest ids
        return self.name


async def _coupon_get(client: LiveOpsClient) -> object:
    return await client.admin.coupons.get("c1")


async def _coupon_list_page(client: LiveOpsClient) -> object:
    return await client.admin.coupons.list(limit=10).first_page()


async def _coupon_redeem(client: LiveOpsClient) -> object:
    return await client.user(CANARIES.jwt).coupons.redeem(coupon_code="WINTER2025")


async def _coupon_create(client: LiveOpsClient) -> object:
    return await client.admin.coupons.create(external_id="c1", name={"en-US": "Winter"})


async def _limit_decrease(client: LiveOpsClient) -> object:
    return await client.admin.promotion_limits.decrease_user_limit(
        7, user=models.LimitUser(user_external_id="player-1"), available=1
    )


COUPON_GET = Call("coupons.get", True, "/admin/coupon/c1", {"external_id": "c1"}, _coupon_get)
COUPON_LIST = Call(
    "coupons.list", True, "/admin/coupon", {"items": [{"external_id": "c1"}]}, _coupon_list_page
)
COUPON_REDEEM = Call("coupons.redeem", False, "/coupon/redeem", {"items": []}, _coupon_redeem)
COUPON_CREATE = Call(
    "coupons.create", False, "/admin/coupon", {"external_id": "c1"}, _coupon_create
)
LIMIT_DECREASE = Call(
    "promotion_limits.decrease_user_limit",
    False,
    "/admin/user/limit/promotion/id/7",
    {"per_user": {"total": 3, "available": 2}},
    _limit_decrease,
)

RETRY_SAFE = (COUPON_GET, COUPON_LIST)
NOT_IDEMPOTENT = (COUPON_REDEEM, COUPON_CREATE, LIMIT_DECREASE)
ALL_CALLS = RETRY_SAFE + NOT_IDEMPOTENT
