"""Event-loop stalls: `python -m bench.stall --client sdk --port P --loop asyncio`.

A 2 ms ticker runs on the loop while the client is created, makes its first calls and then
many more, as a game server would do while serving traffic. Every tick records how much later
than asked it woke (the *slice*: how long something else held the loop) and how much CPU this
thread spent in that time, and charges it to the phase running when the ticker wakes up after
it. Between phases the loop idles for a few ticks, so a slice that spans a phase switch is the
new phase's work.

Wall slices include the time the operating system gave the CPU to another process (the machine
is shared) and, for the SDK, time the loop's thread waited for the interpreter lock while the
engine import thread ran; the CPU part does not, so it is the fairer figure of what the loop
itself ran.

Prints one JSON document: per phase, the longest slice (wall ms, and the CPU ms of the thread
in that slice), the longest CPU slice, and the tick count.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from typing import Any

import orjson

INTERVAL = 0.002
IDLE_BETWEEN_PHASES = 0.03
LATER_CALLS = 300
LATER_CONCURRENCY = 16


class Ticker:
    """Wakes every INTERVAL and records how late it woke, per phase."""

    def __init__(self) -> None:
        self.phase = "idle"
        self.slices: dict[str, list[tuple[float, float]]] = {}
        self._stop = False

    async def run(self) -> None:
        wall, cpu = time.perf_counter, time.thread_time
        last_wall, last_cpu = wall(), cpu()
        while not self._stop:
            await asyncio.sleep(INTERVAL)
            now_wall, now_cpu = wall(), cpu()
            late = max(0.0, now_wall - last_wall - INTERVAL)
            busy = max(0.0, now_cpu - last_cpu)
            # Charged to the phase running now: a phase starts after the previous one idled
            # for several ticks, so a slice that spans the switch is the new phase's work.
            self.slices.setdefault(self.phase, []).append((late * 1e3, busy * 1e3))
            last_wall, last_cpu = now_wall, now_cpu

    def stop(self) -> None:
        self._stop = True

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for phase, samples in self.slices.items():
            worst = max(samples)
            out[phase] = {
                "max_wall_ms": worst[0],
                "cpu_ms_in_max_wall": worst[1],
                "max_cpu_ms": max(s[1] for s in samples),
                "ticks": len(samples),
            }
        return out


async def _phase(ticker: Ticker, name: str) -> None:
    await asyncio.sleep(IDLE_BETWEEN_PHASES)  # the previous phase's last slice is recorded
    ticker.phase = name


async def probe(client_name: str, base_url: str) -> dict[str, Any]:
    from .clients import SCENARIOS, open_client

    ticker = Ticker()
    task = asyncio.ensure_future(ticker.run())
    await _phase(ticker, "create")
    client = await open_client(client_name, base_url, 100, {})
    try:
        for scenario, method in SCENARIOS.items():
            await _phase(ticker, f"first {scenario}")
            await getattr(client, method)()
        await _phase(ticker, "later calls")
        calls = [getattr(client, method) for method in SCENARIOS.values()]
        remaining = LATER_CALLS

        async def caller() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await calls[remaining % len(calls)]()

        await asyncio.gather(*(caller() for _ in range(LATER_CONCURRENCY)))
        await _phase(ticker, "close")
    finally:
        await client.aclose()
        await asyncio.sleep(IDLE_BETWEEN_PHASES)
        ticker.stop()
        await task
    return ticker.summary()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--client", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args(argv)
    import importlib

    from .clients import CLIENTS
    from .worker import run

    # A program imports its libraries at start-up, before its loop serves anyone: import
    # time is measured on its own (see the import table), the loop is probed from creation on.
    importlib.import_module(CLIENTS[args.client][0])
    if args.client == "sdk":
        import liveops_async  # noqa: F401

    result = run(probe(args.client, f"http://127.0.0.1:{args.port}"), args.loop)
    sys.stdout.write(orjson.dumps({"phases": result, "client": args.client}).decode() + "\n")


if __name__ == "__main__":
    main()
