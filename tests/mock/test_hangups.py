"""A client that hangs up mid-request (its own read timeout) is not the mock's error: no
traceback on the aiohttp.server logger, and the mock keeps serving."""

from __future__ import annotations

import asyncio
import base64
import logging

import aiohttp
import pytest

from liveops_async.testing import LiveOpsMock, MockFaults


async def test_a_client_hanging_up_mid_request_prints_no_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="aiohttp.server")
    gate = asyncio.Event()

    async def held(delay: float) -> None:  # the mock's latency waits until the client is gone
        await gate.wait()

    async with LiveOpsMock(7, api_key="k", faults=MockFaults(latency=1.0), sleep=held) as mock:
        url = f"{mock.base_url}/v3/project/7/admin/coupon"
        auth = {"Authorization": "Basic " + base64.b64encode(b"7:k").decode()}
        async with aiohttp.ClientSession() as session:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(
                    session.post(url, json={"external_id": "x"}, headers=auth), 0.2
                )
        gate.set()  # now the mock reads the body of a closed connection
        for _ in range(50):
            await asyncio.sleep(0.01)
        mock.faults = MockFaults()
        async with aiohttp.ClientSession() as session, session.get(url, headers=auth) as answer:
            assert answer.status == 200  # still serving
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
