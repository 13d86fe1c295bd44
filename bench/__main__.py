"""`python -m bench` (`make bench`): run the benchmark and write BENCHMARKS.md and the chart.

`python -m bench --quick` is the smoke run: one run, the asyncio loop, low concurrency, short
batches, a small memory test, nothing written unless asked (`--json`, `--markdown`).

Everything runs on 127.0.0.1: the server in its own process (`bench.server`), every client in
a fresh process per (client, loop, run) (`bench.worker`). Each subprocess has a timeout, and
a failing client is recorded as an error without stopping the others.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import orjson

from . import payloads
from .clients import CLIENTS, VARIANTS, fingerprint

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORKER_TIMEOUT = 240.0
FULL_PLAN = "list:1,list:16,list:128,list:1024,redeem:128,empty:128"
QUICK_PLAN = "list:1,list:16,redeem:16,empty:16"
GENERATED_MEMORY_CALLS = 1_000
POOL_SIZE = 100
STALL_CLIENTS = ("aiohttp", "sdk")  # the floor shows the machine's own noise
# Instruction counts (valgrind --tool=callgrind): load-independent, so fair on a shared machine.
CALLGRIND_CLIENTS = ("aiohttp", "sdk")
CALLGRIND_SCENARIOS = ("redeem", "empty", "list")
CALLGRIND_LOOP = "uvloop"
CALLGRIND_CONCURRENCY = 128
CALLGRIND_BASE, CALLGRIND_MORE = 200, 1000  # calls per batch in the base run / the others


def subprocess_env() -> dict[str, str]:
    """The environment of every measured process: bytecode written and read, as for an
    installed package (pip compiles it), whatever this shell says (PYTHONDONTWRITEBYTECODE
    would make every import compile its sources, ~3x the import time of a user's)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


IMPORT_STATEMENTS = {
    "aiohttp": "import aiohttp, orjson",
    "aiohttp_cattrs": (
        "import aiohttp, orjson, cattrs.preconf.orjson; import liveops_async._generated.models"
    ),
    "sdk": "import liveops_async",
    "generated": (
        "import liveops_generated_client.client, liveops_generated_client.models, "
        "liveops_generated_client.api"
    ),
}


@contextmanager
def server(delay: float = 0.0, release_at: int = 0) -> Iterator[int]:
    """A benchmark server process; yields its port. Closing its stdin stops it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.server", *flags(delay=delay, release_at=release_at)],
        cwd=ROOT,
        env=subprocess_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the server prints READY first thing, or dies
        if not line.startswith("READY "):
            raise RuntimeError(f"the benchmark server did not start: {line!r}")
        yield int(line.split()[1])
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def flags(**options: object) -> list[str]:
    """Command-line flags from keyword arguments: warm_port=1 -> ["--warm-port", "1"]."""
    return [part for k, v in options.items() for part in ("--" + k.replace("_", "-"), str(v))]


def memory_calls(client: str, calls: int) -> int:
    """httpx's pool does work per waiting request for every request it assigns (quadratic):
    with 10,000 calls, none reached the server within two minutes, and 1,000 take ~30 s of CPU.
    Client (4) is measured once, with at most GENERATED_MEMORY_CALLS; the report says so."""
    return min(calls, GENERATED_MEMORY_CALLS) if client == "generated" else calls


def server_stats(port: int) -> dict[str, Any]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/__stats", timeout=10) as answer:
        stats: dict[str, Any] = orjson.loads(answer.read())
        return stats


def run_worker(
    args: list[str],
    timeout: float = WORKER_TIMEOUT,
    module: str = "bench.worker",
    cwd: Path = ROOT,
) -> dict[str, Any]:
    try:
        proc = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=cwd,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-1500:] or f"exit status {proc.returncode}"}
    result: dict[str, Any] = orjson.loads(proc.stdout.strip().splitlines()[-1])
    return result


def instruction_count(args: list[str], cwd: Path = ROOT) -> dict[str, Any]:
    """Instructions a worker executes in total, counted by callgrind (~50x slower); the
    worker (and the liveops_async it imports) is the one in `cwd`."""
    try:
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                *(sys.executable, "-m", "bench.worker", *args),
            ],
            cwd=cwd,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=WORKER_TIMEOUT * 2,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"callgrind: {exc}"}
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode != 0 or found is None:
        return {"error": proc.stderr.strip()[-800:] or f"exit status {proc.returncode}"}
    return {"instructions": int(found.group(1))}


def instructions_per_call(client: str, port: int, cwd: Path = ROOT) -> dict[str, Any]:
    """Per scenario, the instructions of one call at concurrency 128: a base run makes
    CALLGRIND_BASE calls of every scenario, each other run CALLGRIND_MORE of one of them, and
    the difference over the extra calls cancels start-up, imports and warm-up."""

    def plan(more: str | None) -> str:
        return ",".join(
            f"{s}:{CALLGRIND_CONCURRENCY}:{CALLGRIND_MORE if s == more else CALLGRIND_BASE}"
            for s in CALLGRIND_SCENARIOS
        )

    def run(more: str | None) -> dict[str, Any]:
        return instruction_count(
            flags(client=client, loop=CALLGRIND_LOOP, port=port, plan=plan(more)), cwd
        )

    base = run(None)
    if "error" in base:
        return base
    out: dict[str, Any] = {"loop": CALLGRIND_LOOP, "concurrency": CALLGRIND_CONCURRENCY}
    for scenario in CALLGRIND_SCENARIOS:
        more = run(scenario)
        if "error" in more:
            return more
        extra = more["instructions"] - base["instructions"]
        out[scenario] = extra / (CALLGRIND_MORE - CALLGRIND_BASE)
    return out


def import_times(client: str, generated_dir: str, repeat: int) -> dict[str, Any]:
    statement = IMPORT_STATEMENTS[client]
    code = (
        f"import sys, time; sys.path.insert(0, {generated_dir!r}); t = time.perf_counter(); "
        f"{statement}; print(time.perf_counter() - t)"
    )
    samples: list[float] = []
    for attempt in range(repeat + 1):  # the first one only fills the bytecode cache
        proc = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=subprocess_env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if proc.returncode != 0:
            return {"statement": statement, "error": proc.stderr.strip()[-800:]}
        if attempt:
            samples.append(float(proc.stdout.strip()) * 1000)
    return {"statement": statement, "ms": samples}


def sdk_importable() -> bool:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from liveops_async import LiveOpsClient; "
            "from liveops_async._generated.resources import AdminCouponsResource as R; "
            "assert hasattr(R, 'list')",
        ],
        cwd=ROOT,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return proc.returncode == 0


def _jsonable(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value))


def expected_fingerprints() -> dict[str, Any]:
    return {
        "list": _jsonable(fingerprint("list", payloads.coupon_list())),
        "redeem": _jsonable(fingerprint("redeem", payloads.redeem_result())),
        "empty": None,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: seconds, not minutes")
    parser.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated names")
    parser.add_argument("--loops", default=None, help="asyncio,uvloop (quick: asyncio)")
    parser.add_argument("--runs", type=int, default=None, help="runs per client (full: 3)")
    parser.add_argument("--seconds", type=float, default=None, help="per batch (full: 1.0)")
    parser.add_argument("--plan", default=None, help="scenario:concurrency,...")
    parser.add_argument("--memory-calls", type=int, default=None, help="full: 10000")
    parser.add_argument("--memory-deadline", type=float, default=None, help="full: 45 s")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--no-imports", action="store_true")
    parser.add_argument("--no-structure", action="store_true")
    parser.add_argument("--no-stall", action="store_true")
    parser.add_argument(
        "--callgrind", action=argparse.BooleanOptionalAction, default=None, help="(full: on)"
    )
    parser.add_argument("--json", default=None, help="results file (full: bench/results/)")
    parser.add_argument("--markdown", default=None, help="report file (full: BENCHMARKS.md)")
    parser.add_argument("--chart", default=None, help="PNG (full: bench/results/...)")
    parser.add_argument("--profile", action="store_true", help="also profile the SDK")
    parser.add_argument(
        "--report-only", action="store_true", help="re-render the report from --json results"
    )
    args = parser.parse_args(argv)
    quick = args.quick
    args.loops = args.loops or ("asyncio" if quick else "asyncio,uvloop")
    args.runs = args.runs or (1 if quick else 3)
    args.seconds = args.seconds or (0.2 if quick else 1.0)
    args.plan = args.plan or (QUICK_PLAN if quick else FULL_PLAN)
    args.memory_calls = args.memory_calls or (200 if quick else 10_000)
    args.memory_deadline = args.memory_deadline or (10.0 if quick else 45.0)
    if args.callgrind is None:
        args.callgrind = not quick and shutil.which("valgrind") is not None
    if not quick:
        args.json = args.json or str(RESULTS / "results.json")
        args.markdown = args.markdown or str(ROOT / "BENCHMARKS.md")
        args.chart = args.chart or str(RESULTS / "requests_per_second.png")
    return args


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def benchmark(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    unknown = set(clients) - set(CLIENTS)
    if unknown:
        raise SystemExit(f"unknown clients: {sorted(unknown)}; known: {list(CLIENTS)}")
    errors: list[dict[str, Any]] = []
    if "sdk" in clients and not sdk_importable():
        errors.append({"client": "sdk", "error": "liveops_async is not importable yet"})
        clients.remove("sdk")
    generated: dict[str, Any] = {}
    if "generated" in clients:
        from .generated_client import generate

        _log("generating the openapi-python-client client")
        try:
            generated = generate(workdir)
        except Exception as exc:
            errors.append({"client": "generated", "error": str(exc)[-1500:]})
            clients.remove("generated")
    gen_dir = generated.get("path", "")
    results: dict[str, Any] = {
        "config": {
            "quick": args.quick,
            "clients": clients,
            "loops": args.loops.split(","),
            "runs": args.runs,
            "seconds_per_batch": args.seconds,
            "plan": args.plan,
            "pool_size": POOL_SIZE,
            "memory_calls": args.memory_calls,
            "list_body_bytes": len(payloads.LIST_BODY),
            "redeem_body_bytes": len(payloads.REDEEM_BODY),
        },
        "generated": {k: v for k, v in generated.items() if k != "log"},
        "throughput": [],
        "memory": [],
        "structure": [],
        "stall": [],
        "instructions": {},
        "imports": {},
        "errors": errors,
    }
    expected = expected_fingerprints()

    with server() as port:
        for run in range(args.runs):
            for loop in args.loops.split(","):
                for client in clients:
                    _log(f"run {run + 1}/{args.runs} {loop} {client}")
                    record = run_worker(
                        flags(client=client, loop=loop, port=port, plan=args.plan)
                        + flags(seconds=args.seconds, generated_dir=gen_dir)
                    )
                    record.update(run=run, client=client, loop=loop)
                    if "error" not in record:
                        differ = [
                            scenario
                            for scenario, seen in record.pop("fingerprints").items()
                            if seen != expected[scenario]
                        ]
                        if differ:
                            record["error"] = f"decoded data differs: {', '.join(differ)}"
                    (errors if "error" in record else results["throughput"]).append(record)
        if not args.no_stall:
            for run in range(args.runs):
                for loop in args.loops.split(","):
                    for client in (c for c in STALL_CLIENTS if c in clients):
                        _log(f"event-loop stalls, run {run + 1}/{args.runs} {loop} {client}")
                        record = run_worker(
                            flags(client=client, loop=loop, port=port), module="bench.stall"
                        )
                        record.update(run=run, client=client, loop=loop)
                        (errors if "error" in record else results["stall"]).append(record)
        if args.callgrind:
            for client in (c for c in CALLGRIND_CLIENTS if c in clients):
                _log(f"instruction counts under callgrind ({CALLGRIND_LOOP}): {client}")
                record = instructions_per_call(client, port)
                if "error" in record:
                    errors.append({"client": client, "error": record["error"]})
                else:
                    results["instructions"][client] = record
        if args.profile and "sdk" in clients:
            _log("profiling the SDK (list, c=128)")
            out = RESULTS / "profile_sdk.txt"
            record = run_worker(
                flags(client="sdk", mode="profile", port=port, plan="list:128,redeem:128,empty:128")
                + flags(seconds=3, profile_out=out)
            )
            results["profile"] = {"path": str(out.relative_to(ROOT)), **record}

    if not args.no_structure and "sdk" in clients:
        for run in range(args.runs):
            _log(f"structuring micro-benchmark, run {run + 1}")
            record = run_worker(
                flags(client="sdk", mode="structure", port=0, seconds=min(args.seconds, 1.0))
            )
            record["run"] = run
            (errors if "error" in record else results["structure"]).append(record)

    if not args.no_memory:
        calls = args.memory_calls
        unfinished: set[tuple[str, bool]] = set()
        with ExitStack() as stack:
            fast = stack.enter_context(server())
            slow: dict[int, int] = {}  # answers held -> port of a server releasing at that count
            for run in range(args.runs):
                for pooled in (False, True):
                    for client in clients:
                        if client in VARIANTS:
                            continue  # throughput only
                        if client == "generated" and (run > 0 or pooled):
                            continue  # once is enough: it takes ~30 s for 1,000 calls
                        if (client, pooled) in unfinished:
                            continue
                        calls = memory_calls(client, args.memory_calls)
                        # One connection per call: the server holds every answer until all
                        # calls are in. Pooled: it holds each pool's worth, so the rest queue.
                        # (a divisor of the calls, or the last few would wait for company)
                        held = math.gcd(calls, POOL_SIZE) if pooled else calls
                        if held not in slow:
                            slow[held] = stack.enter_context(server(delay=30.0, release_at=held))
                        mode = "pooled" if pooled else "one connection per call"
                        _log(f"memory run {run + 1}/{args.runs} {client} ({calls} calls, {mode})")
                        record = run_worker(
                            flags(client=client, mode="memory", port=slow[held], warm_port=fast)
                            + flags(calls=calls, deadline=args.memory_deadline)
                            + flags(generated_dir=gen_dir, pool=POOL_SIZE)
                            + (["--pooled"] if pooled else [])
                        )
                        record.update(run=run, client=client, loop="asyncio", pooled=pooled)
                        if "error" not in record:
                            in_flight = server_stats(slow[held])["max_pending"]
                            record["server_max_in_flight"] = in_flight
                            # Pooled, every call is in flight for its caller (queued or sent).
                            counted = calls if pooled else max(1, in_flight)
                            record["per_call_kb"] = record["rss_growth_mb"] * 1024 / counted
                            if not record["finished"]:
                                unfinished.add((client, pooled))
                        (errors if "error" in record else results["memory"]).append(record)

    if not args.no_imports:
        for client in (c for c in clients if c not in VARIANTS):
            _log(f"import time: {client}")
            results["imports"][client] = import_times(client, gen_dir, 3 if args.quick else 7)
    return results


FLEET_HEADING = "## Fleet scale"  # written by `make bench-fleet`'s figures, kept on rewrite


def write_markdown(path: str, text: str) -> None:
    """Write the report, keeping the fleet section of the file it replaces."""
    target = Path(path)
    old = target.read_text() if target.exists() else ""
    if FLEET_HEADING in old and FLEET_HEADING not in text:
        text = text.rstrip("\n") + "\n\n" + old[old.index(FLEET_HEADING) :]
    target.write_text(text)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.time()
    from . import report

    if args.report_only:  # after editing bench/analysis.md or the rendering
        results = orjson.loads(Path(args.json or RESULTS / "results.json").read_bytes())
        args.json = None
        summary = report.summarize(results)
        if args.chart:
            report.chart(summary, Path(args.chart))
        if args.markdown:
            write_markdown(args.markdown, report.markdown(results, summary, args.chart, ROOT))
        print(report.console(summary))
        return 0
    with tempfile.TemporaryDirectory(prefix="liveops-bench-") as tmp:
        results = benchmark(args, Path(tmp))
    results["machine"] = report.machine()
    results["started"] = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(started))
    results["duration_s"] = time.time() - started
    results["command"] = "make bench" if not args.quick else "python -m bench --quick"
    summary = report.summarize(results)
    results["summary"] = summary
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    if args.chart:
        report.chart(summary, Path(args.chart))
    text = report.markdown(results, summary, chart=args.chart, root=ROOT)
    if args.markdown:
        write_markdown(args.markdown, text)
        _log(f"wrote {os.path.relpath(args.markdown, ROOT)}")
    print(report.console(summary))
    for error in results["errors"]:
        _log(f"ERROR {error.get('client')} {error.get('loop', '')}: {error['error'][-400:]}")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
