"""The request engine (aiohttp, cattrs, models, resources) is imported off the event loop when a
client is created inside one, and `async with` / `prepare()` wait for it without blocking."""

from __future__ import annotations

import asyncio
import concurrent.futures
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

from liveops_async import LiveOpsClient, _client

from .conftest import MOCK_BASE


@pytest.fixture
def engine_import_held(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """A fresh engine import (as in a new process) that waits for the returned event first;
    records the thread it runs in as `engine_import_held.thread` on the event."""
    release = threading.Event()
    real_import = _client._import_engine

    def held_import(done: concurrent.futures.Future[None]) -> None:
        release.thread = threading.current_thread()  # type: ignore[attr-defined]
        release.wait(10)
        real_import(done)

    monkeypatch.setattr(_client, "_engine_import", None)
    monkeypatch.setattr(_client, "_import_engine", held_import)
    yield release
    release.set()


async def test_client_created_in_a_loop_imports_the_engine_off_the_loop(
    engine_import_held: threading.Event,
) -> None:
    client = LiveOpsClient(project_id=1, api_key="k", base_url=MOCK_BASE)
    # The constructor returned while the import is still held: it did not wait for it.
    engine = _client._engine_import
    assert engine is not None and not engine.done()
    entering = asyncio.ensure_future(client.__aenter__())
    ticks = 0
    while ticks < 5:  # the loop keeps running other work while the import is pending
        await asyncio.sleep(0)
        ticks += 1
    assert not entering.done()
    engine_import_held.set()
    assert await asyncio.wait_for(entering, 10) is client
    assert engine.done() and engine.exception() is None
    import_thread = engine_import_held.thread  # type: ignore[attr-defined]
    assert import_thread is not threading.current_thread()
    assert import_thread.name == "liveops-async-import" and import_thread.daemon
    assert client.admin.coupons is not None  # the engine is there: views work at once
    assert client.base_url == MOCK_BASE
    await client.aclose()


def test_client_created_outside_a_loop_imports_the_engine_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads: list[threading.Thread] = []
    real_import = _client._import_engine

    def recording_import(done: concurrent.futures.Future[None]) -> None:
        threads.append(threading.current_thread())
        real_import(done)

    monkeypatch.setattr(_client, "_engine_import", None)
    monkeypatch.setattr(_client, "_import_engine", recording_import)
    client = LiveOpsClient(project_id=1, api_key="k", base_url=MOCK_BASE)
    assert threads == [threading.current_thread()]  # no loop to keep free: no thread
    engine = _client._engine_import
    assert engine is not None and engine.done()
    assert client.project_id == 1


async def test_using_a_view_before_the_import_ends_waits_for_it(
    engine_import_held: threading.Event,
) -> None:
    client = LiveOpsClient(project_id=1, api_key="k", base_url=MOCK_BASE)
    threading.Timer(0.05, engine_import_held.set).start()
    admin = client.admin  # blocks until the import is released, then works
    assert admin.coupons is not None
    await client.aclose()


async def test_a_failed_engine_import_is_raised_by_prepare_and_by_the_views(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_client, "_engine_import", None)
    monkeypatch.setattr(
        _client, "_ENGINE_MODULES", ("liveops_async._no_such_engine_module_for_this_test",)
    )
    client = LiveOpsClient(project_id=1, api_key="k", base_url=MOCK_BASE)
    with pytest.raises(ModuleNotFoundError, match="_no_such_engine_module"):
        await client.prepare()
    with pytest.raises(ModuleNotFoundError, match="_no_such_engine_module"):
        client.admin  # noqa: B018


def test_import_liveops_async_leaves_aiohttp_and_the_models_for_later() -> None:
    code = (
        "import sys, liveops_async; "
        "print(sorted(m for m in ('aiohttp', 'cattrs', 'liveops_async._generated.models', "
        "'liveops_async._engine') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"
