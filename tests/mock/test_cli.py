"""`python -m liveops_async.mock` serves, prints its URL and a JWT that the server accepts."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]


async def test_standalone_server_prints_url_and_a_working_jwt() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "liveops_async.mock",
        "--port",
        "0",
        "--project-id",
        "99",
        "--api-key",
        "cli-key",
        "--user-id",
        "cli-player",
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        lines = [(await asyncio.wait_for(proc.stdout.readline(), 20)).decode() for _ in range(3)]
        base_url = lines[0].rsplit(" ", 1)[-1].strip()
        token = lines[2].rsplit(" ", 1)[-1].strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/api")
        assert "cli-key" not in "".join(lines)
        async with aiohttp.ClientSession() as session:
            url = f"{base_url}/v2/project/99/user/reward_chain"
            async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as r:
                assert r.status == 200
            async with session.get(url, headers={"Authorization": "Bearer nope"}) as r:
                assert r.status == 401
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
