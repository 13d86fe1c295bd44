"""Smoke test of the benchmark harness (`python -m bench --quick`): it runs, every client it
measures decodes the same data, and it produces plausible numbers. Not a performance test."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from tests.bench._harness import run_module


def _sdk_ready() -> bool:
    try:
        from liveops_async import LiveOpsClient  # noqa: F401
        from liveops_async._generated.resources import AdminCouponsResource
    except ImportError:
        return False
    return hasattr(AdminCouponsResource, "list")


def test_every_representation_gives_the_same_fingerprint() -> None:
    from bench import payloads
    from bench.clients import fingerprint
    from bench.clients.plain_cattrs import make_plain_converter

    pytest.importorskip("liveops_async._generated.models")
    from liveops_async._generated import models

    converter = make_plain_converter()
    for scenario, body, tp in (
        ("list", payloads.LIST_BODY, models.CouponList),
        ("redeem", payloads.REDEEM_BODY, models.CouponRedeemResult),
    ):
        as_dicts = orjson.loads(body)
        as_models = converter.structure(as_dicts, tp)
        assert fingerprint(scenario, as_models) == fingerprint(scenario, as_dicts)
    page = fingerprint("list", orjson.loads(payloads.LIST_BODY))
    assert len(page["items"]) == payloads.LIST_SIZE
    # the date-time with "Z" and the one with an offset both come out normalized
    assert page["items"][0][2][0] == ("2026-12-01T00:00:00+00:00", "2026-12-31T23:59:59+00:00")


def test_quick_run_produces_numbers(tmp_path: Path) -> None:
    clients = ["aiohttp"] + (["sdk"] if _sdk_ready() else [])
    out = tmp_path / "results.json"
    proc = run_module(
        "bench",
        *("--quick", "--clients", ",".join(clients)),
        *("--plan", "list:1,list:16,empty:16", "--seconds", "0.1", "--no-imports"),
        *("--memory-calls", "200", "--json", str(out)),
        timeout=100,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["errors"] == []
    measured = {record["client"] for record in results["throughput"]}
    assert measured == set(clients)
    for record in results["throughput"]:
        keys = {(b["scenario"], b["concurrency"]) for b in record["batches"]}
        assert keys == {("list", 1), ("list", 16), ("empty", 16)}
        for batch in record["batches"]:
            assert batch["requests"] >= 50
            assert batch["rps"] > 0 and batch["cpu_us"] > 0
            assert 0 < batch["p50_ms"] <= batch["p99_ms"]
    for pooled in (False, True):
        memory = {m["client"]: m for m in results["memory"] if m["pooled"] is pooled}
        assert set(memory) == set(clients)
        for m in memory.values():
            assert m["finished"] and m["errors"] == 0
            # One connection per call: all 200 held by the server at once; pooled: the pool's
            # 100, the other 100 queued in the client.
            assert m["server_max_in_flight"] == (100 if pooled else 200)
            assert m["per_call_kb"] > 0
    stalls = {record["client"]: record["phases"] for record in results["stall"]}
    assert set(stalls) == set(clients)
    for phases in stalls.values():
        assert {"create", "first list", "first empty", "later calls"} <= set(phases)
        for figures in phases.values():
            assert figures["ticks"] > 0 and figures["max_wall_ms"] >= 0
    if "sdk" in clients:
        assert results["structure"] and results["structure"][0]["list"]["sdk_structure_us"] > 0
        assert "sdk_cpu_vs_floor_empty" in results["summary"]["ratios"]["asyncio"]
