"""`python -m bench.compare BASE [--head REV]` (`make bench-compare BASE=rev`): the SDK at two
commits side by side, to show whether a change costs anything on the hot path.

Each commit is checked out into a temporary git worktree, and this tree's `bench/` is copied
over the worktree's own, so that both sides run the same harness and only `liveops_async`
differs: the worker runs with the worktree as its working directory, which comes first on
`sys.path`. One benchmark server from this tree serves both. Without `--head` the head is this
working tree as it is, edits included.

Per run, for each loop, the two trees are measured back to back in alternating order, so the
load of a shared machine weighs on both alike; a ratio is taken within its run (head / base)
and the table gives the median and range of the runs. Measured: client CPU per request for
each scenario of the plan, structuring time of the list and redeem bodies, and (with
`--callgrind`, the default when valgrind is installed) instructions per call on uvloop, which
do not depend on the load at all.

A figure regresses when its median ratio exceeds 1 + the threshold: 2% for instruction counts,
5% for CPU times (they move by more than that between runs on a loaded machine; the report
says what the load was). The exit status is 1 when any figure regresses.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .__main__ import (
    CALLGRIND_LOOP,
    CALLGRIND_SCENARIOS,
    ROOT,
    flags,
    instructions_per_call,
    run_worker,
    server,
)

PLAN = "list:128,redeem:128,empty:128"
INSTRUCTION_THRESHOLD = 0.02
CPU_THRESHOLD = 0.05


@contextmanager
def worktree(rev: str) -> Iterator[Path]:
    """A detached git worktree of `rev` in a temporary folder, with this tree's harness
    (`bench/`) in place of its own; removed afterwards."""
    parent = Path(tempfile.mkdtemp(prefix="liveops-bench-compare-"))
    path = parent / "tree"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--quiet", str(path), rev], cwd=ROOT, check=True
    )
    shutil.rmtree(path / "bench")
    shutil.copytree(
        ROOT / "bench", path / "bench", ignore=shutil.ignore_patterns("__pycache__", "results")
    )
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)
        shutil.rmtree(parent, ignore_errors=True)


def describe(rev: str) -> str:
    out = subprocess.run(
        ["git", "log", "-1", "--format=%h %s", rev], cwd=ROOT, capture_output=True, text=True
    )
    return out.stdout.strip()[:100] or rev


def measure_cpu(tree: Path, loop: str, port: int, plan: str, seconds: float) -> dict[str, float]:
    record = run_worker(
        flags(client="sdk", loop=loop, port=port, plan=plan, seconds=seconds), cwd=tree
    )
    if "error" in record:
        raise SystemExit(f"the worker in {tree} failed: {record['error']}")
    return {
        f"CPU µs/request, {b['scenario']}@{b['concurrency']}, {loop}": b["cpu_us"]
        for b in record["batches"]
    }


def measure_structure(tree: Path, seconds: float) -> dict[str, float]:
    record = run_worker(flags(client="sdk", mode="structure", port=0, seconds=seconds), cwd=tree)
    if "error" in record:
        raise SystemExit(f"the structure worker in {tree} failed: {record['error']}")
    return {
        f"structuring µs, {name}": record[name]["sdk_structure_us"] for name in ("list", "redeem")
    }


def measure_instructions(tree: Path, port: int) -> dict[str, float]:
    record = instructions_per_call("sdk", port, cwd=tree)
    if "error" in record:
        raise SystemExit(f"callgrind in {tree} failed: {record['error']}")
    return {
        f"instructions/call, {s}@128, {CALLGRIND_LOOP} (callgrind)": record[s]
        for s in CALLGRIND_SCENARIOS
    }


def _log(message: str) -> None:
    print(f"[bench.compare {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def compare(args: argparse.Namespace, base: Path, head: Path) -> dict[str, Any]:
    samples: dict[str, dict[str, list[float]]] = {"base": {}, "head": {}}
    ratios: dict[str, list[float]] = {}

    def add(run: dict[str, dict[str, float]]) -> None:
        for side in ("base", "head"):
            for key, value in run[side].items():
                samples[side].setdefault(key, []).append(value)
        for key in run["base"]:
            ratios.setdefault(key, []).append(run["head"][key] / run["base"][key])

    with server() as port:
        for number in range(args.runs):
            order = [("base", base), ("head", head)]
            if number % 2:
                order.reverse()
            run: dict[str, dict[str, float]] = {"base": {}, "head": {}}
            for loop in args.loops.split(","):
                for side, tree in order:
                    _log(f"run {number + 1}/{args.runs}: {side}, {loop}")
                    run[side].update(measure_cpu(tree, loop, port, args.plan, args.seconds))
            for side, tree in order:
                run[side].update(measure_structure(tree, args.seconds))
            add(run)
        if args.callgrind:
            run = {}
            for side, tree in (("base", base), ("head", head)):
                _log(f"instructions under callgrind: {side}")
                run[side] = measure_instructions(tree, port)
            add(run)
    return {"samples": samples, "ratios": ratios}


def _spread(values: list[float], digits: int) -> str:
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:,.{digits}f}"
    return f"{median:,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def report(result: dict[str, Any], base_rev: str, head_rev: str, runs: int) -> tuple[str, bool]:
    counted = any("instructions" in key for key in result["ratios"])
    lines = [
        f"Base: {base_rev}",
        f"Head: {head_rev}",
        f"Runs: {runs}"
        + (" (callgrind: 1, its counts do not depend on the load)" if counted else "")
        + f"; load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        "| figure | base | head | head / base | regression |",
        "|---|---|---|---|---|",
    ]
    regressed = False
    for key, ratios in result["ratios"].items():
        threshold = INSTRUCTION_THRESHOLD if "instructions" in key else CPU_THRESHOLD
        worse = statistics.median(ratios) > 1 + threshold
        regressed |= worse
        digits = 0 if "instructions" in key else 1
        lines.append(
            f"| {key} | {_spread(result['samples']['base'][key], digits)} "
            f"| {_spread(result['samples']['head'][key], digits)} | {_spread(ratios, 3)}x "
            f"| {'**yes**' if worse else 'no'} (limit {1 + threshold:.2f}x) |"
        )
    return "\n".join(lines) + "\n", regressed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.compare", description=__doc__.split("\n")[0]
    )
    parser.add_argument("base", help="the commit to compare against (any git revision)")
    parser.add_argument("--head", default="", help="a revision (default: this working tree)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--loops", default="asyncio,uvloop")
    parser.add_argument("--plan", default=PLAN, help="scenario:concurrency,...")
    parser.add_argument("--seconds", type=float, default=1.0, help="per batch")
    parser.add_argument(
        "--callgrind",
        action=argparse.BooleanOptionalAction,
        default=shutil.which("valgrind") is not None,
    )
    parser.add_argument("--markdown", default="", help="also write the table to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Stopped by its process id, it still removes its worktrees (the `finally` blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with worktree(args.base) as base:
        if args.head:
            with worktree(args.head) as head:
                result = compare(args, base, head)
            head_rev = describe(args.head)
        else:
            result = compare(args, base, ROOT)
            head_rev = "working tree at " + describe("HEAD")
    text, regressed = report(result, describe(args.base), head_rev, args.runs)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text)
    return 1 if regressed else 0


if __name__ == "__main__":
    raise SystemExit(main())
