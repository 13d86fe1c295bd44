"""`python -m bench.compare` (`make bench-compare`): the verdict rule, and a smoke run that
measures a commit against the working tree and leaves no worktree behind. Not a performance
test: nothing here asserts a speed."""

from __future__ import annotations

import subprocess

import pytest

from bench import compare
from tests.bench._harness import ROOT, run_module


def _result(key: str, ratios: list[float]) -> dict[str, object]:
    return {
        "samples": {"base": {key: [100.0] * len(ratios)}, "head": {key: [100 * r for r in ratios]}},
        "ratios": {key: ratios},
    }


@pytest.mark.parametrize(
    ("key", "ratios", "regressed"),
    [
        ("CPU µs/request, redeem@128, asyncio", [1.04, 1.30, 0.90], False),  # median 1.04
        ("CPU µs/request, redeem@128, asyncio", [1.06, 1.07, 0.90], True),  # median 1.06
        ("instructions/call, redeem@128, uvloop (callgrind)", [1.019], False),
        ("instructions/call, redeem@128, uvloop (callgrind)", [1.021], True),
    ],
)
def test_a_figure_regresses_when_its_median_ratio_passes_its_threshold(
    key: str, ratios: list[float], regressed: bool
) -> None:
    text, verdict = compare.report(_result(key, ratios), "base", "head", len(ratios))
    assert verdict is regressed
    row = next(line for line in text.splitlines() if line.startswith(f"| {key} "))
    assert row.endswith("| **yes** (limit 1.02x) |" if regressed and "instr" in key else "|")
    assert ("**yes**" in row) is regressed


def _worktrees() -> str:
    return subprocess.run(
        ["git", "worktree", "list"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs the git checkout")
def test_compare_runs_head_against_the_working_tree_and_cleans_up() -> None:
    before = _worktrees()
    proc = run_module(
        "bench.compare",
        *("HEAD", "--runs", "1", "--seconds", "0.05", "--loops", "asyncio"),
        *("--plan", "redeem:4,empty:4", "--no-callgrind"),
        timeout=240,
    )
    assert proc.returncode in (0, 1), proc.stderr[-2000:]  # 1: a noisy figure passed 5%
    lines = proc.stdout.splitlines()
    rows = [line for line in lines if line.startswith("| ") and not line.startswith("| figure")]
    assert [row.split(" | ")[0] for row in rows] == [
        "| CPU µs/request, redeem@4, asyncio",
        "| CPU µs/request, empty@4, asyncio",
        "| structuring µs, list",
        "| structuring µs, redeem",
    ]
    for row in rows:  # base and head both measured: positive figures and a ratio
        base, head, ratio = (cell.split()[0] for cell in row.split(" | ")[1:4])
        assert float(base.replace(",", "")) > 0 and float(head.replace(",", "")) > 0
        assert float(ratio.rstrip("x")) > 0
    assert _worktrees() == before
