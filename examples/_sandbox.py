"""Demo plumbing shared by the examples: the embedded LiveOps mock on 127.0.0.1 with a clock
that only moves when told to, and a client pointed at it.

Nothing here is needed against the real API; it stands in for a LiveOps project in demos and
tests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from liveops_async import AdminAuth, LiveOpsClient
from liveops_async.testing import LiveOpsMock, ManualClock

MOCK_PROJECT_ID = 44056
MOCK_API_KEY = "mock-api-key"
# Player tokens outlive a demo that moves the mock's clock a few days forward.
PLAYER_JWT_TTL = 30 * 24 * 3600


@dataclass(frozen=True)
class Sandbox:
    mock: LiveOpsMock
    clock: ManualClock
    client: LiveOpsClient

    def player_jwt(self, player_id: str) -> str:
        """A Login JWT for `player_id` that the mock accepts."""
        return self.mock.issue_jwt(player_id, ttl=PLAYER_JWT_TTL)

    def next_day(self) -> None:
        self.clock.advance(days=1)


@asynccontextmanager
async def sandbox(start: datetime | None = None, **client_options: Any) -> AsyncIterator[Sandbox]:
    """Start the mock and a client for it; `client_options` go to `LiveOpsClient`.

    Every setting is passed explicitly, so `LIVEOPS_*` variables in the environment cannot
    point the demo at a real project.
    """
    clock = ManualClock(start or datetime.now(timezone.utc))
    async with LiveOpsMock(MOCK_PROJECT_ID, MOCK_API_KEY, clock=clock) as mock:
        client = LiveOpsClient(
            base_url=mock.base_url,
            project_id=MOCK_PROJECT_ID,
            admin_auth=AdminAuth(MOCK_PROJECT_ID, MOCK_API_KEY),
            **client_options,
        )
        async with client:
            yield Sandbox(mock, clock, client)
