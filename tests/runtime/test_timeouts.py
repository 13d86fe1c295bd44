"""Timeouts always apply; precedence per call > with_options > client > defaults, field by field."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest
from aiohttp import web
from aioresponses import aioresponses

from liveops_async import (
    APITimeoutError,
    InvalidParameterError,
    LiveOpsClient,
    PoolTimeoutError,
    ReadTimeoutError,
    RequestOptions,
    Timeouts,
)
from liveops_async._constants import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_POOL_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
)
from liveops_async._options import to_client_timeout

from . import _ops
from .conftest import MOCK_BASE, PROJECT_ID, ScriptedServer

SLOW = 0.4
FAST = 0.1
# Roomy enough that no stall of a busy machine reaches it: the slow server answers in SLOW.
ROOMY = 30.0


@pytest.fixture
def slow_server(server: ScriptedServer) -> ScriptedServer:
    async def slow(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(SLOW)
        return web.json_response({"external_id": "c1"})

    server.handler = slow
    return server


async def _get(client: LiveOpsClient, options: RequestOptions | None = None) -> object:
    return await client.requester(client._admin_auth).request(
        _ops.GET_COUPON, path={"external_id": "c1"}, options=options
    )


def test_defaults_are_explicit_and_complete() -> None:
    client = LiveOpsClient()
    assert client.timeouts == Timeouts(
        total=DEFAULT_TOTAL_TIMEOUT,
        connect=DEFAULT_CONNECT_TIMEOUT,
        read=DEFAULT_READ_TIMEOUT,
        pool=DEFAULT_POOL_TIMEOUT,
    )
    timeout = client.requester(None).config.client_timeout
    assert timeout.total == DEFAULT_TOTAL_TIMEOUT and timeout.sock_read == DEFAULT_READ_TIMEOUT
    assert timeout.sock_connect == DEFAULT_CONNECT_TIMEOUT


def test_levels_merge_field_by_field() -> None:
    client = LiveOpsClient(timeout=Timeouts(read=7))
    copy = client.with_options(timeout=Timeouts(connect=2))
    assert copy.timeouts.read == 7 and copy.timeouts.connect == 2
    assert copy.timeouts.total == DEFAULT_TOTAL_TIMEOUT
    assert client.timeouts.connect == DEFAULT_CONNECT_TIMEOUT  # the original is unchanged
    assert LiveOpsClient(timeout=9).timeouts.total == 9


@pytest.mark.parametrize("bad", [0, -1, float("inf"), float("nan"), True, "5"])
def test_invalid_timeouts_are_refused(bad: object) -> None:
    with pytest.raises(InvalidParameterError):
        Timeouts(read=bad)  # type: ignore[arg-type]


def test_aiohttp_timeout_is_built_once_per_setting() -> None:
    assert to_client_timeout(Timeouts(1, 2, 3, 4)) is to_client_timeout(Timeouts(1, 2, 3, 4))
    assert to_client_timeout(Timeouts(1, 2, 3, 4)) == aiohttp.ClientTimeout(
        total=1, connect=6, sock_connect=2, sock_read=3
    )


async def test_aiohttp_receives_the_resolved_timeout(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    url = f"{MOCK_BASE}/v3/project/{PROJECT_ID}/admin/coupon/c1"
    api.get(url, payload={"external_id": "c1"}, repeat=True)
    client = make_client(timeout=Timeouts(read=11))
    await _get(client)
    await _get(client.with_options(timeout=Timeouts(read=12)))
    await _get(
        client.with_options(timeout=Timeouts(read=12)), RequestOptions(timeout=Timeouts(read=13))
    )
    sent = [call.kwargs["timeout"] for call in next(iter(api.requests.values()))]
    assert [t.sock_read for t in sent] == [11, 12, 13]
    # The total is the engine's own (AttemptDeadlines: timers shared between attempts), not
    # aiohttp's: test_attempt_deadlines.py and test_total_timeout_is_its_own_error.
    assert all(t.total is None for t in sent)


async def test_client_level_read_timeout(
    slow_server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=slow_server.base_url, timeout=Timeouts(read=FAST), max_retries=0)
    with pytest.raises(ReadTimeoutError):
        await _get(client)


async def test_with_options_overrides_client(
    slow_server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    tight = make_client(base_url=slow_server.base_url, timeout=Timeouts(read=FAST), max_retries=0)
    assert await _get(tight.with_options(timeout=Timeouts(read=ROOMY))) == _ops.Coupon("c1")
    roomy = make_client(base_url=slow_server.base_url, timeout=Timeouts(read=ROOMY), max_retries=0)
    with pytest.raises(ReadTimeoutError):
        await _get(roomy.with_options(timeout=Timeouts(read=FAST)))


async def test_per_call_overrides_with_options(
    slow_server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=slow_server.base_url, max_retries=0)
    tight = client.with_options(timeout=Timeouts(read=FAST))
    assert await _get(tight, RequestOptions(timeout=Timeouts(read=ROOMY))) == _ops.Coupon("c1")
    with pytest.raises(ReadTimeoutError):
        await _get(client, RequestOptions(timeout=Timeouts(read=FAST)))


async def test_total_timeout_is_its_own_error(
    slow_server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=slow_server.base_url, max_retries=0)
    with pytest.raises(APITimeoutError) as info:
        await _get(client, RequestOptions(timeout=Timeouts(total=FAST)))
    assert type(info.value) is APITimeoutError and "total" in str(info.value)


def test_a_bare_number_is_every_timeout_of_an_attempt() -> None:
    """As in httpx: `timeout=120` must not leave the 30 s read default in force."""
    every = Timeouts(total=120, connect=120, read=120, pool=120)
    assert LiveOpsClient(timeout=120).timeouts == every
    assert LiveOpsClient(timeout=Timeouts(read=1)).with_options(timeout=120).timeouts == every
    assert LiveOpsClient(timeout=120).with_options(timeout=Timeouts(read=1)).timeouts.read == 1


@pytest.mark.parametrize("level", ["client", "with_options", "per call"])
async def test_a_bare_number_lifts_a_tighter_read_timeout_at_every_level(
    level: str, slow_server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    """A client whose reads time out in FAST still waits for a SLOW answer when a bare
    number (ROOMY) is given at a more specific level, or at the client level itself."""
    tight = Timeouts(read=FAST)
    client = make_client(
        base_url=slow_server.base_url,
        timeout=ROOMY if level == "client" else tight,
        max_retries=0,
    )
    if level == "with_options":
        client = client.with_options(timeout=ROOMY)
    options = RequestOptions(timeout=ROOMY) if level == "per call" else None
    assert await _get(client, options) == _ops.Coupon("c1")


async def test_pool_timeout_when_every_connection_is_busy(
    slow_server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(
        base_url=slow_server.base_url, pool_size=1, timeout=Timeouts(pool=FAST), max_retries=0
    )
    first = asyncio.create_task(_get(client))
    await asyncio.sleep(0.05)
    with pytest.raises(PoolTimeoutError) as info:
        await _get(client)
    assert info.value.sent is False
    assert await first == _ops.Coupon("c1")
    assert len(slow_server.seen) == 1
    roomy = client.with_options(timeout=Timeouts(pool=ROOMY))
    results = await asyncio.gather(_get(roomy), _get(roomy))
    assert results == [_ops.Coupon("c1")] * 2
