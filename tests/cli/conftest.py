"""The CLI runs its own event loop (`asyncio.run`), so these tests serve the embedded mock
from a second thread with its own loop, and call the commands through Click's runner."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import attrs
import pytest
from aiohttp import web
from click.testing import CliRunner, Result

from liveops_async.cli._commands import cli
from liveops_async.testing import LiveOpsMock
from tests._missing_modules import JSONSCHEMA_MISSING

PROJECT_ID = 44056
API_KEY = "cli-test-key"
T = TypeVar("T")

# Create operations whose spec examples make up the seeded project.
SEED_CREATES = (
    "admin-create-value-points",
    "create-filter-rule",
    "create-item-promotion",
    "create-bonus-promotion",
    "admin-create-coupon",
    "create-promo-code",
    "admin-create-unique-catalog-offer",
    "admin-create-reward-chain",
    "admin-create-daily-chain",
    "admin-create-offer-chain",
    "post-upsell",
)
# Creates Xsolla serves a player's JWT, not the project key.
PLAYER_JWT_CREATES = frozenset({"post-upsell"})


@attrs.define
class FailRule:
    """Answer requests whose method and path match with `status`, before or after the mock
    handled them (after: the change happened, the caller sees an error)."""

    method: str
    path_suffix: str
    status: int
    after_handling: bool = False
    remaining: int = 1_000_000
    hits: int = 0
    message: str | None = None  # the errorMessage; a generic one when None
    raw_body: bytes | None = None  # answer these bytes (as JSON) instead of an error body


class MockServer:
    """A started LiveOpsMock on its own loop in a daemon thread.

    The mock's fault knobs draw at random; a failure at an exact step is a middleware here
    (`fail`), added to the mock's aiohttp app before it starts."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.mock = LiveOpsMock(project_id=PROJECT_ID, api_key=API_KEY)
        self.rules: list[FailRule] = []
        self.delay = 0.0  # seconds each request is held (to let concurrent ones overlap)
        self.in_flight = 0
        self.most_in_flight = 0
        self.mock.app.middlewares.append(self._middleware)
        self.call(self.mock.start())

    def fail(self, method: str, path_suffix: str, status: int, **options: Any) -> FailRule:
        rule = FailRule(method, path_suffix, status, **options)
        self.rules.append(rule)
        return rule

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            return await self._faulty(request, handler)
        finally:
            self.in_flight -= 1

    async def _faulty(self, request: web.Request, handler: Any) -> web.StreamResponse:
        rule = next(
            (
                r
                for r in self.rules
                if r.remaining > 0
                and request.method == r.method
                and request.path.endswith(r.path_suffix)
            ),
            None,
        )
        if rule is None:
            return await handler(request)
        rule.remaining -= 1
        rule.hits += 1
        if rule.after_handling:
            await handler(request)
        if rule.raw_body is not None:
            return web.Response(
                body=rule.raw_body, status=rule.status, content_type="application/json"
            )
        body = {
            "statusCode": rule.status,
            "errorCode": 1102 if rule.status == 422 else 1101,
            "errorMessage": rule.message or f"[0401-1102]: injected by the test ({rule.status})",
        }
        return web.json_response(body, status=rule.status)

    def call(self, work: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await work

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout=60)

    def stop(self) -> None:
        self.call(self.mock.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()

    def request(
        self,
        operation_id: str,
        *,
        path: dict[str, Any] | None = None,
        body: Any = None,
        jwt: str | None = None,
    ) -> tuple[int, Any]:
        """Call an operation with plain aiohttp (not the SDK, not the CLI), with the project
        key, or with a player's JWT if given (the upsell admin calls refuse the key)."""
        op = self.mock.spec.operations[operation_id]
        authorization = f"Bearer {jwt}" if jwt else self.mock.basic_auth_header()
        url_path = op.path.replace("{project_id}", str(PROJECT_ID))
        for name, value in (path or {}).items():
            url_path = url_path.replace("{" + name + "}", str(value))

        async def send() -> tuple[int, Any]:
            async with (
                aiohttp.ClientSession() as session,
                session.request(
                    op.method,
                    self.mock.base_url + url_path,
                    json=body,
                    headers={"Authorization": authorization},
                ) as response,
            ):
                data = await response.json() if response.content_length else None
                return response.status, data

        return self.call(send())

    def example(self, operation_id: str) -> Any:
        return self.mock.spec.request_example(operation_id)

    def seed(self) -> None:
        """One entity of every kind, from the spec's request examples; the coupon enabled."""
        jwt = self.mock.issue_jwt("upsell-admin")
        for operation_id in SEED_CREATES:
            status, answer = self.request(
                operation_id,
                body=self.example(operation_id),
                jwt=jwt if operation_id in PLAYER_JWT_CREATES else None,
            )
            assert status in (201, 202), (operation_id, status, answer)
        status, _ = self.request("activate-coupon", path={"external_id": "winter_coupon_2026"})
        assert status == 204
        status, _ = self.request(
            "admin-set-items-value-point-reward",
            path={"value_point_sku": "season_points"},
            body=[
                {"sku": "crystal_pack_small", "amount": 10},
                {"sku": "gold_coins_100", "amount": 2},
            ],
        )
        assert status == 204


@pytest.fixture
def server() -> Iterator[MockServer]:
    started = MockServer()
    try:
        yield started
    finally:
        started.stop()


Invoke = Callable[..., Result]


@pytest.fixture
def liveops(server: MockServer, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    """Run `liveops ARGS...` against the mock; returns Click's result (exit code, output)."""
    for name in ("LIVEOPS_BASE_URL", "LIVEOPS_MERCHANT_ID"):
        monkeypatch.delenv(name, raising=False)
    env = {"LIVEOPS_PROJECT_ID": str(PROJECT_ID), "LIVEOPS_API_KEY": API_KEY, "COLUMNS": "200"}

    def invoke(*args: str, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(
            cli,
            ["--base-url", server.mock.base_url, *args],
            env=env,
            input=input,
            catch_exceptions=False,
        )

    return invoke


@pytest.fixture
def exported(server: MockServer, liveops: Invoke, tmp_path: Path) -> Path:
    """The seeded project exported to a folder (no changes to plan yet)."""
    server.seed()
    config = tmp_path / "config"
    result = liveops("export", str(config))
    assert result.exit_code == 0, result.output
    return config


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file (which must be there)."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# `liveops ARGS...` in a fresh interpreter where jsonschema is missing, as with the `cli` extra
# alone; the last line lists the imports it refused.
_WITHOUT_JSONSCHEMA = (
    JSONSCHEMA_MISSING
    + r"""
from liveops_async.cli import main

try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print("refused imports", refused)
sys.exit(code)
"""
)


def run_without_jsonschema(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _WITHOUT_JSONSCHEMA, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )
