"""Static types of the public names for annotating your own helpers, checked by mypy
(`make typecheck`, strict) and pyright (`make verifytypes`), never run.

A user's helpers take the views and resources the client hands out, annotated with names from
`liveops_async` and `liveops_async.resources` only (no `_generated` path): `assert_type` fails
if a public name were not the type the client answers, and the ignores fail (strict mypy
reports an unused `type: ignore`) if a wrong type were accepted.
"""

from __future__ import annotations

from typing_extensions import assert_type

from liveops_async import (
    AdminResources,
    APIResponse,
    GuestResources,
    LiveOpsClient,
    TokenProvider,
    UserResources,
    models,
)
from liveops_async.resources import (
    AdminCouponsResource,
    AdminCouponsResourceWithRawResponse,
    UserCouponsResource,
)


async def redeem_for(player: UserResources, code: str) -> models.CouponRedeemResult:
    return await player.coupons.redeem(coupon_code=code)


async def activate(coupons: AdminCouponsResource, external_id: str) -> None:
    await coupons.activate(external_id)


def raw_coupons(coupons: AdminCouponsResource) -> AdminCouponsResourceWithRawResponse:
    return coupons.with_raw_response


async def fresh_token() -> str:
    return "a player's JWT"


async def helpers(client: LiveOpsClient, jwt: str) -> None:
    provider: TokenProvider = fresh_token
    player = client.user(provider)
    assert_type(player, UserResources)
    assert_type(client.admin, AdminResources)
    assert_type(client.guest("guest-1", "guest@example.com"), GuestResources)
    assert_type(client.admin.coupons, AdminCouponsResource)
    assert_type(player.coupons, UserCouponsResource)
    assert_type(await redeem_for(client.user(jwt), "WINTER"), models.CouponRedeemResult)
    await activate(client.admin.coupons, "summer")
    assert_type(await raw_coupons(client.admin.coupons).activate("summer"), APIResponse[None])
    await activate(player.coupons, "summer")  # type: ignore[arg-type]
    await redeem_for(client.admin, "WINTER")  # type: ignore[arg-type]
    not_a_provider: TokenProvider = jwt  # type: ignore[assignment]
    del not_a_provider
