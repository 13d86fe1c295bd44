"""The same SDK flow on the default asyncio loop and on uvloop, against the in-process mock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
import uvloop

from liveops_async import LiveOpsClient, UnprocessableEntityError
from liveops_async.testing import LiveOpsMock

PROJECT_ID = 44056
API_KEY = "loop-test-key"


async def _redeem_flow() -> tuple[str, int, list[str]]:
    async with LiveOpsMock(project_id=PROJECT_ID, api_key=API_KEY) as mock:
        client = LiveOpsClient(project_id=PROJECT_ID, api_key=API_KEY, base_url=mock.base_url)
        async with client:
            return await _redeem_many(client, mock)


async def _redeem_many(client: LiveOpsClient, mock: LiveOpsMock) -> tuple[str, int, list[str]]:
    await client.admin.coupons.create(
        external_id="loop-coupon", name={"en-US": "Loop"}, redeem_user_limit=1
    )
    await client.admin.coupons.activate("loop-coupon")
    await client.admin.coupons.generate_codes("loop-coupon", count=40)
    codes = [str(c.code) async for c in client.admin.coupons.list_codes("loop-coupon")]
    players = [client.user(mock.issue_jwt(f"p{i}")) for i in range(len(codes))]
    redeems = (p.coupons.redeem(coupon_code=c) for p, c in zip(players, codes, strict=True))
    results = await asyncio.gather(*redeems, return_exceptions=True)
    failures = [type(r).__name__ for r in results if isinstance(r, BaseException)]
    try:
        await players[0].coupons.redeem(coupon_code=codes[1])
    except UnprocessableEntityError as exc:
        failures.append(f"second:{exc.status}")
    return type(asyncio.get_running_loop()).__module__, len(codes), failures


@pytest.mark.parametrize(
    "loop_factory",
    [asyncio.new_event_loop, uvloop.new_event_loop],
    ids=["asyncio", "uvloop"],
)
def test_concurrent_redeems_on_each_loop(
    loop_factory: Callable[[], asyncio.AbstractEventLoop],
) -> None:
    loop = loop_factory()  # not asyncio.Runner: that needs Python 3.11 and we support 3.10
    try:
        loop_module, count, failures = loop.run_until_complete(_redeem_flow())
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    expected_module = "uvloop" if loop_factory is uvloop.new_event_loop else "asyncio"
    assert loop_module.split(".")[0] == expected_module
    assert count == 40
    assert failures == ["second:422"]
