"""Every operation against Prism serving the bundled spec with request validation on.

Prism (`@stoplight/prism-cli`, pinned in tools/prism/, installed into .prism/ by
`scripts/ensure-prism.sh`) answers a request that breaks the spec (path, query, headers, body,
security scheme) with a 4xx, and an answer that breaks it with a 500 (`--errors`). So each
operation here, called with the same example arguments as the unit tests, must get its
documented 2xx with the spec's example, parsed into the right model.

Without Prism the tests are skipped, except under CI=true where they fail.
"""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from importlib import resources as importlib_resources
from pathlib import Path

import aiohttp
import pytest

from liveops_async import APIStatusError, LiveOpsClient
from tests.operations._cases import (
    PROJECT_ID,
    REPO_ROOT,
    Case,
    all_cases,
    assert_parsed,
    case_id,
    invoke,
    make_client,
)

PRISM = REPO_ROOT / ".prism" / "node_modules" / ".bin" / "prism"
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_listening(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"Prism exited with {process.returncode}:\n{log.read_text()[-2000:]}"
            )
        # Prism's own line, not just any listener: between probing the port free and Prism
        # binding it, another process on the shared machine may have taken it.
        if f"is listening on http://127.0.0.1:{port}".encode() in log.read_bytes():
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        time.sleep(0.2)
    raise RuntimeError(f"Prism did not listen within {READY_TIMEOUT} s:\n{log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not os.access(PRISM, os.X_OK):
        reason = f"Prism is not installed at {PRISM}: run `bash scripts/ensure-prism.sh`"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(reason)
        pytest.skip(reason)
    spec_file = importlib_resources.files("liveops_async.testing").joinpath("liveops.openapi.json")
    port = _free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    # No analytics from node packages; Prism only talks to the loopback client.
    env = {**os.environ, "SCARF_ANALYTICS": "false", "DO_NOT_TRACK": "1"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(PRISM), "mock", str(spec_file), "-h", "127.0.0.1", "-p", str(port), "--errors"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:
        _wait_until_listening(process, port, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        _stop(process)


@pytest.fixture
async def client(prism_url: str) -> AsyncIterator[LiveOpsClient]:
    made = make_client(prism_url)
    yield made
    await made.aclose()


@pytest.mark.parametrize("case", all_cases(), ids=case_id)
async def test_operation_passes_prism(case: Case, client: LiveOpsClient) -> None:
    try:
        response = await invoke(case, client, raw=True)
    except APIStatusError as exc:
        # Prism lists the violated rules in its sl-violations header.
        violations = exc.headers.get("sl-violations", "")
        pytest.fail(f"Prism refused {case.id}: {exc.status} {violations} {exc.body!r}")
    assert response.status == case.op.success_status
    assert_parsed(case, response.parsed)


BONUSES = f"/v3/project/{PROJECT_ID}/admin/promotion/bonus"
BASIC = "Basic " + base64.b64encode(f"{PROJECT_ID}:key".encode()).decode()


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status"),
    [
        pytest.param("GET", BONUSES, {}, None, 401, id="no-credentials"),
        pytest.param("GET", BONUSES, {"Authorization": "Bearer a.b.c"}, None, 401, id="bearer"),
        pytest.param("POST", BONUSES, {"Authorization": BASIC}, b"{}", 422, id="bad-body"),
        pytest.param("GET", f"{BONUSES}?limit=0", {"Authorization": BASIC}, None, 422, id="query"),
    ],
)
async def test_prism_refuses_what_the_spec_forbids(
    prism_url: str, method: str, path: str, headers: dict[str, str], body: bytes | None, status: int
) -> None:
    """The guard itself: a request the spec rejects does not get a 2xx from this Prism."""
    if body is not None:
        headers = {**headers, "Content-Type": "application/json"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, prism_url + path, headers=headers, data=body) as response,
    ):
        assert response.status == status
