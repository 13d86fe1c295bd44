"""Fixtures of the per-operation tests: a client over a recording aioresponses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from liveops_async import LiveOpsClient
from tests.operations._cases import make_client
from tests.operations._wire import BASE_URL, Wire, recording_wire


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Iterator[Wire]:
    yield from recording_wire(monkeypatch)


@pytest.fixture
async def client() -> AsyncIterator[LiveOpsClient]:
    made = make_client(BASE_URL)
    yield made
    await made.aclose()
