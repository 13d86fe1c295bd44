"""Static types of `with_raw_response`, checked by mypy (`make typecheck`), never run.

Each raw attribute keeps the real method's parameters and answers `APIResponse` of its model:
`assert_type` fails on any other type, and a wrong argument must be an error (strict mypy
reports an unused `type: ignore`, so the ignores below fail if the signature were lost).
"""

from __future__ import annotations

from typing_extensions import assert_type

from liveops_async import APIResponse, LiveOpsClient, models


async def raw_coupon_calls(client: LiveOpsClient) -> None:
    raw = client.admin.coupons.with_raw_response
    assert_type(await raw.get("summer"), APIResponse[models.Coupon])
    assert_type(await raw.activate("summer"), APIResponse[None])
    # A list call answers its first page, raw.
    assert_type(await raw.list(limit=3), APIResponse[models.CouponList])
    await raw.get("summer", limit=3)  # type: ignore[call-arg]
    await raw.get(7)  # type: ignore[arg-type]
    await raw.list(3)  # type: ignore[call-arg]
