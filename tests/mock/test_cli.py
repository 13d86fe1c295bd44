"""`python -m liveops_async.mock`: serves, prints its URL and a JWT the server accepts; bad
arguments and a busy port are one line on stderr and an exit status scripts can test."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from liveops_async.mock.__main__ import EXIT_CANNOT_LISTEN, EXIT_STOPPED, EXIT_USAGE

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


async def _start(*args: str, columns: int = 80) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "liveops_async.mock",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**ENV, "COLUMNS": str(columns)},  # argparse wraps help text to the terminal
        cwd=ROOT,
    )


async def _run(*args: str, columns: int = 80) -> tuple[int, str, str]:
    proc = await _start(*args, columns=columns)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_standalone_server_prints_url_and_a_working_jwt() -> None:
    proc = await _start(
        "--port", "0", "--project-id", "99", "--api-key", "cli-key", "--user-id", "cli-player"
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
        proc.send_signal(signal.SIGTERM)  # scripts stop it this way: a clean exit
        assert await asyncio.wait_for(proc.wait(), 20) == EXIT_STOPPED
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_a_busy_port_is_one_line_and_its_own_exit_status() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status, out, err = await _run("--port", str(port))
    assert status == EXIT_CANNOT_LISTEN == 3
    assert err == (
        f"python -m liveops_async.mock: error: cannot listen on 127.0.0.1:{port}: "
        "address already in use\n"
    )
    assert "Traceback" not in err and out == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--rate-429", "5"],
            "argument --rate-429: 5 is out of range: a share of requests from 0 to 1",
        ),
        (["--rate-5xx", "-0.1"], "argument --rate-5xx: -0.1 is out of range"),
        (["--drop-rate", "nan"], "argument --drop-rate: nan is out of range"),
        (["--drop-after-apply-rate", "2"], "argument --drop-after-apply-rate: 2 is out of range"),
        (["--port", "70000"], "argument --port: 70000 is out of range: a TCP port from 0 to 65535"),
        (["--port", "http"], "argument --port: 'http' is not a TCP port"),
        (
            ["--latency", "-1"],
            "argument --latency: -1 is out of range: a number of seconds 0 or more",
        ),
        (["--jwt-ttl", "0"], "argument --jwt-ttl: 0 is out of range"),
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
    ],
)
async def test_bad_arguments_are_one_line_and_exit_2(args: list[str], message: str) -> None:
    status, out, err = await _run(*args)
    assert status == EXIT_USAGE == 2
    assert err.count("\n") == 1 and err.startswith("python -m liveops_async.mock: error: ")
    assert message in err and err.endswith(" (see --help)\n")
    assert out == ""


async def test_help_shows_the_defaults_and_exit_statuses() -> None:
    status, out, _ = await _run("--help", columns=300)  # no wrapping inside defaults
    assert status == 0
    flat = " ".join(out.split())
    for default in ("(default: 8080)", "(default: 127.0.0.1)", "(default: 44056)",
                    "(default: mock-api-key)", "(default: 0.0)", "(default: 1.0)"):  # fmt: skip
        assert default in flat, default
    assert "exit status: 0 stopped by Ctrl-C or SIGTERM, 2 bad arguments, 3 cannot listen" in flat
    assert "DROP_AFTER_APPLY_RATE share of requests handled, then cut without the answer" in flat
