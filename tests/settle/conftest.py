"""A LiveOps mock behind a fault server that can act on a request and then drop the connection.

The fault server (tests/reliability) forwards every request to the mock and relays the answer,
except for requests a test marked: for those it forwards (so the mock acts: the coupon exists,
the step is claimed), then resets the connection without answering (`after`), or resets it
without forwarding at all (`before`, so nothing acted). The mock's own request log and state
tell how often the server acted. A request can also be held (`hold`): never forwarded nor
answered while the test runs, so that the client is busy with it for as long as the test needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import aiohttp
import attrs
import pytest

from liveops_async import AdminAuth, LiveOpsClient, RetryPolicy, SettleEvent, Timeouts
from liveops_async._generated.operations import OPERATIONS
from liveops_async.testing import LiveOpsMock, ManualClock
from tests.reliability._fault_server import Connection, FaultServer, Received, head

PROJECT_ID = 44056
API_KEY = "settle-test-key"
START = datetime(2026, 12, 10, 12, 0, tzinfo=timezone.utc)
FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.004)
TIMEOUTS = Timeouts(total=5.0, connect=2.0, read=2.0, pool=5.0)
_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding"}


@attrs.define
class _Fault:
    method: str
    path_suffix: str
    when: str  # "after": forward, then reset; "before": reset without forwarding; "hold"
    status: int | None = None  # answer this status instead of resetting
    left: int = 1
    retry_after: str = "0"


class ActThenDrop:
    """The fault server's action: relay to the mock, or act and drop for marked requests."""

    def __init__(self, mock: LiveOpsMock, session: aiohttp.ClientSession) -> None:
        self._origin = mock.base_url.removesuffix("/api") if mock.base_url else ""
        self._session = session
        self._faults: list[_Fault] = []
        self.dropped = 0
        self.held = asyncio.Event()  # set when a held request arrived

    def drop(
        self,
        method: str,
        path_suffix: str,
        *,
        when: str = "after",
        status: int | None = None,
        times: int = 1,
        retry_after: str = "0",
    ) -> None:
        """Make the next `times` requests `method ...path_suffix` fail as `when` says."""
        self._faults.append(_Fault(method, path_suffix, when, status, times, retry_after))

    def hold(self, method: str, path_suffix: str) -> None:
        """Hold the next request `method ...path_suffix`: neither forward nor answer it (until
        the fault server stops); `held` is set when it arrives."""
        self._faults.append(_Fault(method, path_suffix, "hold"))

    def clear(self) -> None:
        """Forget the faults not used yet."""
        self._faults.clear()

    def _fault_for(self, request: Received) -> _Fault | None:
        for fault in self._faults:
            if (
                fault.left
                and request.method == fault.method
                and request.path.endswith(fault.path_suffix)
            ):
                fault.left -= 1
                return fault
        return None

    async def __call__(self, request: Received, conn: Connection) -> None:
        fault = self._fault_for(request)
        if fault is not None and fault.when == "hold":
            self.held.set()
            await asyncio.Event().wait()  # cancelled when the fault server stops
        if fault is not None and fault.when == "before":
            self.dropped += 1
            if fault.status is None:
                conn.reset()
            else:  # an answer without acting, such as a 429 with Retry-After
                body = b'{"statusCode": %d, "errorCode": 1100}' % fault.status
                headers = {"Content-Type": "application/json", "Retry-After": fault.retry_after}
                await conn.send(head(fault.status, headers, len(body)) + body)
            return
        headers = {k: v for k, v in request.headers.items() if k not in _HOP_HEADERS}
        async with self._session.request(
            request.method, self._origin + request.target, headers=headers, data=request.body
        ) as response:
            body = await response.read()
            status = response.status
            content_type = response.headers.get("Content-Type", "application/json")
        if fault is not None:
            self.dropped += 1
            if fault.status is None:
                conn.reset()
                return
            body, status = b'{"statusCode": 503, "errorCode": 1101}', fault.status
        await conn.send(head(status, {"Content-Type": content_type}, len(body)) + body)


@attrs.define
class Rig:
    mock: LiveOpsMock
    proxy: ActThenDrop
    server: FaultServer
    direct: LiveOpsClient  # straight to the mock: set-up and checks
    client: LiveOpsClient  # through the fault server
    settled: list[SettleEvent]

    def example(self, operation_id: str, **changes: Any) -> dict[str, Any]:
        """The spec's request example for an operation, with some fields changed."""
        body: dict[str, Any] = self.mock.spec.request_example(operation_id)
        body.update(changes)
        return body

    async def admin_call(
        self, operation_id: str, *, path: dict[str, object] | None = None, body: Any = None
    ) -> Any:
        requester = self.direct.requester(AdminAuth(PROJECT_ID, API_KEY))
        return await requester.request(OPERATIONS[operation_id], path=path, body=body)

    def player(self, user_id: str) -> Any:
        return self.client.user(self.mock.issue_jwt(user_id, ttl=90 * 86400))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def rig(clock: ManualClock) -> AsyncIterator[Rig]:
    settled: list[SettleEvent] = []
    async with (
        LiveOpsMock(project_id=PROJECT_ID, api_key=API_KEY, clock=clock) as mock,
        aiohttp.ClientSession() as session,
        FaultServer() as server,
    ):
        proxy = ActThenDrop(mock, session)
        server.default = proxy
        assert mock.base_url is not None
        direct = LiveOpsClient(base_url=mock.base_url, project_id=PROJECT_ID, api_key=API_KEY)
        client = LiveOpsClient(
            base_url=server.base_url,
            project_id=PROJECT_ID,
            api_key=API_KEY,
            retry=FAST_RETRY,
            timeout=TIMEOUTS,
            on_settle=[settled.append],
        )
        try:
            yield Rig(mock, proxy, server, direct, client, settled)
        finally:
            await client.aclose()
            await direct.aclose()
