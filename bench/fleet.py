"""`python -m bench.fleet` (`make bench-fleet`): what the Redis-shared rate limiter costs a fleet.

One private redis-server on 127.0.0.1 (started here, stopped by PID) and 1, 8 and 32 worker
processes (`bench.fleet_worker`) that share one credential's bucket. Every scenario runs
``--runs`` times (default 3) per fleet size; the table gives the median and [min, max] of:

* **round trips per call**: Redis commands the limiters sent (counted by the limiter) divided
  by the calls they granted;
* **CPU per call**: the worker processes' CPU time (limiter, redis-py, event loop) per call;
* **rate**: calls granted during the run, less the initial burst, over ``rate x duration``
  (1.00 is the configured rate exactly; saturated scenarios should stay within 10%), or, for
  the sparse scenario where the limiter must not bind, calls granted over calls demanded.

Runs are short (2 s) because the machine is shared; the workers start once per fleet size.
Results go to bench/results/fleet.json and, as a table, to stdout.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.ratelimit._support import RedisServer, free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "fleet.json"
SIZES = (1, 8, 32)
DURATION = 2.0
# Time for every worker to build its limiter and warm up before a run starts, and the most a
# worker may start late before the run is repeated (it would leave part of the budget unused).
START_DELAY_PER_PROCESS = 0.05
START_DELAY = 0.5
MAX_LATE = 0.1
RUN_TIMEOUT = 120.0


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str
    lease: int
    burst: int
    concurrency: int  # acquire loops per process
    rate: float | None = None  # the fleet's rate, whatever its size...
    rate_per_process: float | None = None  # ...or this much per process
    demand: float | None = None  # calls/s per process when not saturating

    def fleet_rate(self, processes: int) -> float:
        if self.rate is not None:
            return self.rate
        assert self.rate_per_process is not None
        return self.rate_per_process * processes


SCENARIOS = (
    Scenario(
        "sparse",
        "default mode, each process calls 5/s, fleet rate 1000/s (the limiter never binds)",
        lease=1,
        burst=10,
        concurrency=1,
        rate=1000.0,
        demand=5.0,
    ),
    Scenario(
        "saturated-low",
        "default mode, fleet rate 50/s, 4 loops per process calling as fast as allowed",
        lease=1,
        burst=5,
        concurrency=4,
        rate=50.0,
    ),
    Scenario(
        "high-default",
        "default mode (lease=1), 200/s per process, 4 loops per process, saturated",
        lease=1,
        burst=10,
        concurrency=4,
        rate_per_process=200.0,
    ),
    Scenario(
        "high-leased",
        "lease=16, 200/s per process, 4 loops per process, saturated",
        lease=16,
        burst=10,
        concurrency=4,
        rate_per_process=200.0,
    ),
)


def _start_workers(count: int) -> list[subprocess.Popen[str]]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.fleet_worker"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]
    for proc in procs:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a fleet worker did not start")
    return procs


def _stop_workers(procs: list[subprocess.Popen[str]]) -> None:
    for proc in procs:
        if proc.stdin is not None:
            proc.stdin.close()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _measure(
    procs: list[subprocess.Popen[str]], scenario: Scenario, redis_url: str
) -> dict[str, float]:
    """One run; repeated (at most 3 times) while a worker could not start it on time."""
    for _ in range(3):
        result = _one_run(procs, scenario, redis_url)
        if result is not None:
            return result
    raise RuntimeError("fleet workers keep starting late: is the machine overloaded?")


def _one_run(
    procs: list[subprocess.Popen[str]], scenario: Scenario, redis_url: str
) -> dict[str, float] | None:
    processes = len(procs)
    rate = scenario.fleet_rate(processes)
    start = time.monotonic() + START_DELAY + START_DELAY_PER_PROCESS * processes
    cfg: dict[str, Any] = {
        "redis_url": redis_url,
        "rate": rate,
        "burst": scenario.burst,
        "lease": scenario.lease,
        "concurrency": scenario.concurrency,
        "demand": scenario.demand,
        "key_prefix": f"bench-{uuid.uuid4().hex}:",
        "start": start,
        "duration": DURATION,
    }
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(cfg) + "\n")
        proc.stdin.flush()
    results: list[dict[str, Any]] = []
    deadline = time.monotonic() + RUN_TIMEOUT
    for proc in procs:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line or time.monotonic() > deadline:
            raise RuntimeError("a fleet worker died or hung")
        results.append(json.loads(line))
    if max(r["late"] for r in results) > MAX_LATE:
        return None
    end = start + DURATION
    granted = sum(len(r["granted"]) for r in results)
    in_run = sum(start <= t <= end for r in results for t in r["granted"])
    if scenario.demand is not None:
        rate_ratio = in_run / (scenario.demand * processes * DURATION)
    else:
        rate_ratio = (in_run - scenario.burst) / (rate * DURATION)
    return {
        "round_trips_per_call": sum(r["round_trips"] for r in results) / granted,
        "cpu_us_per_call": 1e6 * sum(r["cpu"] for r in results) / granted,
        "rate_ratio": rate_ratio,
        "calls": float(granted),
        "fleet_rate": rate,
        "dropped_share": sum(r["dropped"] for r in results) / max(1, granted),
        "cores": sum(r["cpu"] for r in results) / DURATION,
        "degraded": float(any(r["degraded"] for r in results)),
    }


def _summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--scenarios", default=",".join(s.name for s in SCENARIOS))
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    chosen = [s for s in SCENARIOS if s.name in args.scenarios.split(",")]
    exe = shutil.which("redis-server")
    if exe is None:
        sys.exit("redis-server is not on PATH; scripts/ensure-redis.sh installs it")
    report: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as workdir:
        server = RedisServer(exe=exe, port=free_port(), workdir=Path(workdir))
        server.start()
        try:
            for size in sizes:
                procs = _start_workers(size)
                try:
                    for scenario in chosen:
                        runs = [_measure(procs, scenario, server.url) for _ in range(args.runs)]
                        row = {
                            "scenario": scenario.name,
                            "what": scenario.what,
                            "processes": size,
                            "fleet_rate": runs[0]["fleet_rate"],
                            "runs": runs,
                            **{
                                key: _summary([r[key] for r in runs])
                                for key in (
                                    "round_trips_per_call",
                                    "cpu_us_per_call",
                                    "rate_ratio",
                                    "dropped_share",
                                    "cores",
                                )
                            },
                        }
                        report.append(row)
                        print(_line(row), flush=True)
                finally:
                    _stop_workers(procs)
        finally:
            server.stop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    print()
    print(markdown(report))


def _fmt(summary: dict[str, float], digits: int) -> str:
    return (
        f"{summary['median']:.{digits}f} [{summary['min']:.{digits}f}, {summary['max']:.{digits}f}]"
    )


def _line(row: dict[str, Any]) -> str:
    flag = (
        " (a run fell back to the local bucket)" if any(r["degraded"] for r in row["runs"]) else ""
    )
    return (
        f"{row['scenario']:<14} {row['processes']:>3} proc  rate {row['fleet_rate']:>6.0f}/s  "
        f"round trips/call {_fmt(row['round_trips_per_call'], 3)}  "
        f"CPU/call {_fmt(row['cpu_us_per_call'], 0)} us  "
        f"rate ratio {_fmt(row['rate_ratio'], 3)}  "
        f"slots dropped/call {_fmt(row['dropped_share'], 3)}  "
        f"fleet CPU {_fmt(row['cores'], 2)} cores{flag}"
    )


def markdown(report: list[dict[str, Any]]) -> str:
    lines = [
        "| Scenario | Processes | Fleet rate (/s) | Redis round trips per call | "
        "Client CPU per call (us) | Fleet CPU (cores) | Granted / configured rate |",
        "|---|---:|---:|---|---|---|---|",
    ]
    for row in report:
        lines.append(
            f"| {row['scenario']} | {row['processes']} | {row['fleet_rate']:.0f} | "
            f"{_fmt(row['round_trips_per_call'], 3)} | {_fmt(row['cpu_us_per_call'], 0)} | "
            f"{_fmt(row['cores'], 2)} | {_fmt(row['rate_ratio'], 3)} |"
        )
    lines.append("")
    lines.append("Median [min, max] of the runs. Scenarios:")
    seen: set[str] = set()
    for row in report:
        if row["scenario"] not in seen:
            seen.add(row["scenario"])
            lines.append(f"* `{row['scenario']}`: {row['what']}.")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
