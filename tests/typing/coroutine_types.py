"""Static types of call methods used as coroutines, checked by mypy (`make typecheck`), never
run: `asyncio.gather` over calls of different methods, or a call and an `async def`, keeps every
result's type (an explicit `Any` in the declared coroutine type would make mypy answer `Any`),
and `create_task` / `wait_for` take plain and raw calls alike."""

from __future__ import annotations

import asyncio

from typing_extensions import assert_type

from liveops_async import APIResponse, LiveOpsClient, models


async def _count() -> int:
    return 1


async def gathered(client: LiveOpsClient) -> None:
    coupons = client.admin.coupons
    coupon, code = await asyncio.gather(coupons.get("x"), coupons.create_code("x", coupon_code="Z"))
    assert_type(coupon, models.Coupon)
    assert_type(code, models.CreatedCode)
    mixed, count = await asyncio.gather(coupons.get("x"), _count())
    assert_type(mixed, models.Coupon)
    assert_type(count, int)
    assert_type(asyncio.create_task(coupons.get("x")), asyncio.Task[models.Coupon])
    raw = asyncio.create_task(coupons.with_raw_response.get("x"))
    assert_type(raw, asyncio.Task[APIResponse[models.Coupon]])
    assert_type(await asyncio.wait_for(coupons.get("x"), 3), models.Coupon)
