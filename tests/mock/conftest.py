"""Fixtures for the mock's own tests: a started mock and a small client that calls operations
by operationId with plain aiohttp (not the SDK)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime, timezone
from typing import Any

import aiohttp
import pytest

from liveops_async.testing import LiveOpsMock, ManualClock

# The plugin's fixture, imported rather than loaded through the entry point so these tests run
# without installing the package.
from liveops_async.testing.pytest_plugin import liveops_mock, liveops_mock_options  # noqa: F401

PROJECT_ID = 44056
API_KEY = "test-api-key"
START = datetime(2026, 12, 10, 12, 0, tzinfo=timezone.utc)


class Api:
    """Calls operations of the running mock by operationId."""

    def __init__(self, mock: LiveOpsMock, session: aiohttp.ClientSession) -> None:
        self.mock = mock
        self.session = session

    def op_or_skip(self, operation_id: str) -> Any:
        op = self.mock.spec.operations.get(operation_id)
        if op is None:
            pytest.skip(f"{operation_id} is not in the bundled spec yet")
        return op

    def example(self, operation_id: str, **changes: Any) -> dict[str, Any]:
        """The spec's request example for an operation, with some fields changed."""
        self.op_or_skip(operation_id)
        body: dict[str, Any] = self.mock.spec.request_example(operation_id)
        body.update(changes)
        return body

    async def call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, object] | None = None,
        query: Any = None,
        body: Any = None,
        auth: str | None = "admin",
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """`auth`: "admin" for Basic, None for nothing, anything else is a player JWT."""
        op = self.op_or_skip(operation_id)
        url_path = op.path.replace("{project_id}", str(PROJECT_ID))
        for name, value in (path or {}).items():
            url_path = url_path.replace("{" + name + "}", str(value))
        sent = dict(headers or {})
        if auth == "admin":
            sent["Authorization"] = self.mock.basic_auth_header()
        elif auth is not None:
            sent["Authorization"] = f"Bearer {auth}"
        async with self.session.request(
            op.method, self.mock.base_url + url_path, params=query, json=body, headers=sent
        ) as response:
            data = await response.json() if response.content_length else None
            return response.status, data


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def liveops_mock_options(clock: ManualClock) -> dict[str, Any]:  # noqa: F811 - override
    return {"project_id": PROJECT_ID, "api_key": API_KEY, "clock": clock, "strict_responses": True}


@pytest.fixture
async def api(liveops_mock: LiveOpsMock) -> AsyncIterator[Api]:  # noqa: F811
    async with aiohttp.ClientSession() as session:
        yield Api(liveops_mock, session)
