"""Helpers of the rate limiter tests: a private redis-server and a fleet of client processes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORKER = Path(__file__).with_name("fleet_worker.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
# The admin credentials the fleet's clients and the mock share.
FLEET_PROJECT_ID = 44056
FLEET_API_KEY = "fleet-test-key"


class FakeTime:
    """A clock that only moves when a waiter sleeps; records every sleep it was asked for."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, delay: float) -> None:
        assert delay > 0, "the limiter must never schedule an empty sleep"
        self.sleeps.append(delay)
        self.now += delay
        await asyncio.sleep(0)


class LagProbe:
    """Measures how late this process's event loop runs a 5 ms timer, while it runs.

    Real-time tests derive their tolerances from it: on a busy machine a stalled loop releases,
    sends or stamps requests late and then in a bunch, so any window of the run may hold up to
    ``rate * max_lag`` more requests than the token bucket alone allows.
    """

    TICK = 0.005

    def __init__(self) -> None:
        self.max_lag = 0.0
        self.total_lag = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            start = loop.time()
            await asyncio.sleep(self.TICK)
            lag = max(0.0, loop.time() - start - self.TICK)
            self.max_lag = max(self.max_lag, lag)
            self.total_lag += lag


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serving_pid(port: int) -> int | None:
    """The process id of the redis-server answering on `port` (None: nothing answers yet), so
    a start does not take another process's server on a reused port for its own."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as sock:
            sock.sendall(b"INFO server\r\n")
            answer = b""
            while (found := re.search(rb"process_id:(\d+)\r\n", answer)) is None:
                chunk = sock.recv(4096)
                if not chunk:
                    return None
                answer += chunk
    except OSError:
        return None
    return int(found.group(1))


@dataclass
class RedisServer:
    """A redis-server child process on 127.0.0.1, stopped by PID."""

    exe: str
    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [self.exe, "--port", str(self.port), "--bind", "127.0.0.1"]
        args += ["--save", "", "--appendonly", "no", "--dir", str(self.workdir)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while _serving_pid(self.port) != self.proc.pid:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()  # exited at once: most likely the port was taken meanwhile
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.02)

    @classmethod
    def started(cls, exe: str, workdir: Path, attempts: int = 3) -> RedisServer:
        """A started server on a free port; another port when the one found free was taken
        before redis-server bound it (other test runs share the machine)."""
        for attempt in range(attempts):
            server = cls(exe=exe, port=free_port(), workdir=workdir)
            try:
                server.start()
            except RuntimeError:
                if attempt == attempts - 1:
                    raise
                continue
            return server
        raise AssertionError("unreachable")

    def kill(self) -> None:
        """Kill without a clean shutdown, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


@dataclass
class Fleet:
    """Results of a fleet run: one dict per worker process (see fleet_worker.py)."""

    results: list[dict[str, Any]]
    # How late the test's own loop (which serves the mock and stamps arrivals) ran meanwhile.
    mock_lag: LagProbe

    @property
    def scheduling_delay(self) -> float:
        """The longest a request could have been held back by late event loops in this run: its
        worker's loop (releasing and sending it) plus the mock's (stamping it)."""
        return max(float(r["max_lag"]) for r in self.results) + self.mock_lag.max_lag

    @property
    def stalled(self) -> float:
        """Seconds of the run lost to late loops, in the worst worker plus the mock."""
        return max(float(r["total_lag"]) for r in self.results) + self.mock_lag.total_lag

    @property
    def go(self) -> float:
        """When the first worker was released."""
        return float(min(r["go"] for r in self.results))

    def sent_between(self, start: float, end: float) -> list[int]:
        """Per process: how many attempts its limiter let go between ``start`` and ``end``."""
        return [sum(start <= s <= end for s in r["sent"]) for r in self.results]


async def run_fleet(
    configs: list[dict[str, Any]],
    *,
    during: Callable[[], Awaitable[None]] | None = None,
    timeout: float = 60.0,
) -> Fleet:
    """Start one worker per config, release them together, run ``during()`` while they work."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            json.dumps(cfg),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        for cfg in configs
    ]

    async def drive() -> list[tuple[bytes, bytes]]:
        for proc in procs:
            assert proc.stdout is not None
            line = await proc.stdout.readline()
            assert line.strip() == b"ready", (await proc.communicate())[1].decode()[-2000:]
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            await proc.stdin.drain()
        if during is not None:
            await during()
        return [await proc.communicate() for proc in procs]

    probe = LagProbe()
    probe.start()
    try:
        outputs = await asyncio.wait_for(drive(), timeout)
    finally:
        await probe.stop()
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    # A worker exits non-zero when an exception other than a typed LiveOpsError escaped a call.
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, f"worker exited with {proc.returncode}: {err.decode()[-2000:]}"
    return Fleet([json.loads(out.strip().splitlines()[-1]) for out, _ in outputs], probe)


def max_in_window(stamps: list[float], window: float) -> int:
    """The most timestamps that fall in any interval of length ``window``."""
    best, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best
