"""One client in one process: `python -m bench.worker --client NAME --loop asyncio ...`.

The harness starts a fresh worker per (client, loop, run), so imports, caches and garbage of
one client never weigh on another. The worker prints one JSON document on stdout.

Modes:
  throughput  for each `scenario:concurrency` of the plan: warm up, then `concurrency`
              coroutines call the scenario in a loop until `--seconds` have passed and at
              least max(2 x concurrency, 50) calls were made (at most `--max-requests`).
              Reports client CPU (time.process_time of this process), wall time, p50/p99.
  memory      against the slow server: RSS before, and the peak RSS while `--calls` calls
              of the 204 scenario are in flight at once: with a pool of `--calls`
              connections (one each), or with `--pooled` the default pool of `--pool`
              connections and the other calls queued behind it.
  structure   no server: bytes -> models for the list and redeem bodies, the SDK's
              `_serde.loads_response` against client (2)'s plain cattrs hook, after checking
              that both give equal models. Structuring = decode - orjson.loads.
  profile     like throughput, under pyinstrument; writes the text report to `--profile-out`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import orjson

from .clients import SCENARIOS, BenchClient, fingerprint, open_client

Call = Callable[[], Awaitable[Any]]

MIN_REQUESTS = 50
WARM_UP_CALLS = 64
WARM_UP_CONCURRENCY = 16
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[1]) * _PAGE


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, round(q * (len(sorted_values) - 1)))]


async def run_batch(
    call: Call, concurrency: int, min_requests: int, max_requests: int, seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    issued = 0
    clock = time.perf_counter

    async def caller(deadline: float) -> None:
        nonlocal issued
        record = latencies.append
        while issued < max_requests and (issued < min_requests or clock() < deadline):
            issued += 1
            started = clock()
            await call()
            record(clock() - started)

    gc.collect()
    collections_before = [g["collections"] for g in gc.get_stats()]
    cpu_start, wall_start = time.process_time(), clock()
    deadline = wall_start + seconds
    await asyncio.gather(*(caller(deadline) for _ in range(concurrency)))
    cpu, wall = time.process_time() - cpu_start, clock() - wall_start
    collections = [
        g["collections"] - before
        for g, before in zip(gc.get_stats(), collections_before, strict=True)
    ]
    latencies.sort()
    count = len(latencies)
    return {
        # The cyclic collector's runs per 1,000 calls: young (generation 0) and full
        # (generation 2, the whole heap: milliseconds each); part of the CPU above.
        "gc_young_per_1000": collections[0] * 1000 / count,
        "gc_full_per_1000": collections[2] * 1000 / count,
        "concurrency": concurrency,
        "requests": count,
        "wall_s": wall,
        "cpu_s": cpu,
        "rps": count / wall,
        "cpu_us": cpu / count * 1e6,
        "p50_ms": _percentile(latencies, 0.50) * 1e3,
        "p99_ms": _percentile(latencies, 0.99) * 1e3,
    }


async def throughput(client: BenchClient, args: argparse.Namespace) -> dict[str, Any]:
    # scenario:concurrency[:requests] (requests: exactly that many, as --requests)
    plan = [item.split(":") for item in args.plan.split(",")]
    fingerprints: dict[str, Any] = {}
    batches: list[dict[str, Any]] = []
    for scenario in dict.fromkeys(s for s, *_ in plan):
        call: Call = getattr(client, SCENARIOS[scenario])
        fingerprints[scenario] = fingerprint(scenario, await call())
    warmed: set[str] = set()
    for scenario, concurrency_text, *exactly in plan:
        concurrency = int(concurrency_text)
        requests = int(exactly[0]) if exactly else args.requests
        call = getattr(client, SCENARIOS[scenario])
        if scenario not in warmed:  # connections open, parsers compiled, caches filled
            await run_batch(call, WARM_UP_CONCURRENCY, WARM_UP_CALLS, WARM_UP_CALLS, 0)
            warmed.add(scenario)
        batch = await run_batch(
            call,
            concurrency,
            min_requests=requests or max(2 * concurrency, MIN_REQUESTS),
            max_requests=requests or args.max_requests,
            seconds=0 if requests else args.seconds,
        )
        batches.append({"scenario": scenario, **batch})
    return {"fingerprints": fingerprints, "batches": batches}


async def memory(client: BenchClient, args: argparse.Namespace) -> dict[str, Any]:
    # Warm up against the fast server with a throw-away client: imports done, parsers
    # compiled, so the measured delta is the calls themselves.
    warm = await open_client(args.client, f"http://127.0.0.1:{args.warm_port}", 16, vars(args))
    await run_batch(warm.activate, WARM_UP_CONCURRENCY, WARM_UP_CALLS, WARM_UP_CALLS, 0)
    await warm.list_coupons()
    await warm.aclose()
    await asyncio.sleep(0.1)  # let closed transports go

    gc.collect()
    baseline = rss_bytes()
    peak = baseline
    started = time.perf_counter()
    deadline = started + args.deadline
    tasks = [asyncio.ensure_future(client.activate()) for _ in range(args.calls)]
    done = asyncio.gather(*tasks, return_exceptions=True)
    while not done.done() and time.perf_counter() < deadline:
        peak = max(peak, rss_bytes())
        await asyncio.wait([done], timeout=0.01)
    finished = done.done()
    if not finished:  # bounded in time: give up on the rest
        done.cancel()
        await asyncio.wait(tasks, timeout=30)
    results = [t.exception() if not t.cancelled() else None for t in tasks if t.done()]
    errors = [r for r in results if r is not None]
    return {
        "calls": args.calls,
        "finished": finished,
        "baseline_mb": baseline / 2**20,
        "peak_mb": peak / 2**20,
        "rss_growth_mb": (peak - baseline) / 2**20,
        "wall_s": time.perf_counter() - started,
        "errors": len(errors),
        "first_error": repr(errors[0])[:300] if errors else None,
    }


def _per_call_us(fns: list[Callable[[], object]], seconds: float) -> list[float]:
    """CPU time of one call of each function: median of 5 rounds, the functions taking turns
    within each round so that a busy neighbour slows them alike."""
    rounds: list[list[float]] = [[] for _ in fns]
    for _ in range(5):
        for fn, samples in zip(fns, rounds, strict=True):
            calls, started = 0, time.process_time()
            while True:
                for _ in range(20):
                    fn()
                calls += 20
                spent = time.process_time() - started
                if spent >= seconds / 5 / len(fns):
                    break
            samples.append(spent / calls * 1e6)
    return [sorted(samples)[2] for samples in rounds]


def structure(args: argparse.Namespace) -> dict[str, Any]:
    from liveops_async import _serde
    from liveops_async._generated import models

    from . import payloads
    from .clients.plain_cattrs import make_plain_converter

    converter = make_plain_converter()
    out: dict[str, Any] = {}
    cases = {
        "list": (payloads.LIST_BODY, models.CouponList),
        "redeem": (payloads.REDEEM_BODY, models.CouponRedeemResult),
    }
    for name, (raw, tp) in cases.items():
        hook = converter.get_structure_hook(tp)
        _serde.warm_up([tp])
        if _serde.loads_response(raw, tp) != hook(orjson.loads(raw), tp):
            raise AssertionError(f"the SDK and plain cattrs decode the {name} body differently")

        def loads(raw: bytes = raw) -> object:
            return orjson.loads(raw)

        def plain(raw: bytes = raw, hook: Any = hook, tp: Any = tp) -> object:
            return hook(orjson.loads(raw), tp)

        def sdk(raw: bytes = raw, tp: Any = tp) -> object:
            return _serde.loads_response(raw, tp)

        loads_us, plain_us, sdk_us = _per_call_us([loads, plain, sdk], args.seconds * 3)
        out[name] = {
            "loads_us": loads_us,
            "plain_decode_us": plain_us,
            "sdk_decode_us": sdk_us,
            "plain_structure_us": plain_us - loads_us,
            "sdk_structure_us": sdk_us - loads_us,
        }
    return out


async def main(args: argparse.Namespace) -> dict[str, Any]:
    pool = args.calls if args.mode == "memory" and not args.pooled else args.pool
    client = await open_client(args.client, f"http://127.0.0.1:{args.port}", pool, vars(args))
    try:
        if args.mode == "memory":
            return await memory(client, args)
        return await throughput(client, args)
    finally:
        await client.aclose()


def run(coro: Coroutine[Any, Any, dict[str, Any]], loop_name: str) -> dict[str, Any]:
    loop: asyncio.AbstractEventLoop
    if loop_name == "uvloop":
        import uvloop

        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # asyncio.Runner(loop_factory=) needs Python 3.11
    try:
        return loop.run_until_complete(coro)
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()


def profile(args: argparse.Namespace) -> dict[str, Any]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005, async_mode="disabled")
    profiler.start()
    result = run(main(args), args.loop)
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    text = text.replace(os.getcwd() + os.sep, "")  # paths relative to the repository
    if args.profile_out:
        with open(args.profile_out, "w") as out:
            out.write(text)
    return {"batches": result["batches"], "profile_chars": len(text)}


def _quiet_logging() -> None:
    """The SDK logs at INFO, into nowhere; other libraries' loggers stay at WARNING."""
    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as we do
    logging.basicConfig(level=logging.WARNING, handlers=[sink])
    logging.getLogger("liveops_async").setLevel(logging.INFO)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run one benchmarked client.")
    parser.add_argument("--client", required=True)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument(
        "--mode", choices=("throughput", "memory", "structure", "profile"), default="throughput"
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--warm-port", type=int, default=0, help="fast server (memory mode)")
    parser.add_argument("--plan", default="list:1,list:16,list:128,list:1024")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--max-requests", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=0, help="exactly this many per batch")
    parser.add_argument("--pool", type=int, default=100)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--pooled", action="store_true", help="memory mode: pool of --pool")
    parser.add_argument("--deadline", type=float, default=30.0, help="memory mode time bound")
    parser.add_argument("--generated-dir", default="")
    parser.add_argument("--profile-out", default="")
    return parser.parse_args(argv)


def cli(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    _quiet_logging()
    started = time.perf_counter()
    if args.mode == "structure":
        result = structure(args)
    elif args.mode == "profile":
        result = profile(args)
    else:
        result = run(main(args), args.loop)
    result.update(client=args.client, loop=args.loop, mode=args.mode)
    result["process_s"] = time.perf_counter() - started
    sys.stdout.write(orjson.dumps(result).decode() + "\n")


if __name__ == "__main__":
    cli()
