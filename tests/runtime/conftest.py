"""Fixtures of the runtime tests: clients over aioresponses or a scripted loopback server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import attrs
import pytest
from aiohttp import web
from aioresponses import aioresponses

from liveops_async import LiveOpsClient

from ._mocking import patch_aioresponses

PROJECT_ID = 44056
API_KEY = "s3cr3t-api-key-DO-NOT-LEAK"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGF5ZXItMSJ9.jwt-SIGNATURE-secret"
MOCK_BASE = "https://store.test/api"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def make_client() -> AsyncIterator[Callable[..., LiveOpsClient]]:
    """Build clients (admin credentials and a mock base URL by default); all closed at the end."""
    made: list[LiveOpsClient] = []

    def factory(**kwargs: Any) -> LiveOpsClient:
        kwargs.setdefault("project_id", PROJECT_ID)
        kwargs.setdefault("api_key", API_KEY)
        kwargs.setdefault("base_url", MOCK_BASE)
        client = LiveOpsClient(**kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        await client.aclose()


@attrs.define
class Seen:
    method: str
    raw_path: str
    headers: dict[str, str]
    body: bytes


@attrs.define
class ScriptedServer:
    """A loopback HTTP server: each request is recorded, then answered by `handler`."""

    port: int = 0
    seen: list[Seen] = attrs.Factory(list)
    handler: Handler | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.seen.append(
            Seen(request.method, request.raw_path, dict(request.headers), await request.read())
        )
        if self.handler is None:
            return web.json_response({"external_id": "c1", "bonus": 1})
        return await self.handler(request)


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    scripted = ScriptedServer()
    app = web.Application()
    app.router.add_route("*", r"/{tail:[\s\S]*}", scripted.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.5, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    scripted.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield scripted
    finally:
        await runner.cleanup()


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    """aioresponses, working on aiohttp 3.14."""
    patch_aioresponses(monkeypatch)
    with aioresponses() as mocked:
        yield mocked
