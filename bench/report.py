"""Turn raw benchmark records into medians, pairwise ratios, target checks, a chart and
BENCHMARKS.md.

Every figure is the median of the runs with min and max beside it. Ratios are computed pair by
pair inside one run (same server, same loop, minutes apart at most) and only then summarized,
so drift of a shared machine between runs cancels out of them.
"""

from __future__ import annotations

import os
import platform
import statistics
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from .clients import CLIENTS

ANALYSIS = Path(__file__).resolve().parent / "analysis.md"
PACKAGES = ("aiohttp", "orjson", "attrs", "cattrs", "httpx", "uvloop", "openapi-python-client")
LIST_CONCURRENCIES = (1, 16, 128, 1024)
TARGET_CONCURRENCY = 128


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
        "packages": versions,
    }


def stats(values: Iterable[float]) -> dict[str, float] | None:
    values = list(values)
    if not values:
        return None
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "n": len(values),
    }


def _batches(records: list[dict[str, Any]]) -> dict[tuple[str, str, int, str], dict[str, Any]]:
    """(loop, client, run, "scenario@concurrency") -> batch."""
    out = {}
    for record in records:
        for batch in record["batches"]:
            key = f"{batch['scenario']}@{batch['concurrency']}"
            out[(record["loop"], record["client"], record["run"], key)] = batch
    return out


def _target_key(keys: Iterable[str], scenario: str) -> str | None:
    """scenario@128 if measured, else the highest concurrency measured (quick runs)."""
    found = sorted((int(k.split("@")[1]), k) for k in keys if k.split("@")[0] == scenario)
    for concurrency, key in found:
        if concurrency == TARGET_CONCURRENCY:
            return key
    return found[-1][1] if found else None


#: name -> (numerator client, denominator client, scenario, metric, target, "max"/"min")
RATIOS: dict[str, tuple[str, str, str, str, float, str]] = {
    "sdk_cpu_vs_floor_list": ("sdk", "aiohttp", "list", "cpu_us", 1.5, "max"),
    "sdk_cpu_vs_typed_floor_list": ("sdk", "aiohttp_cattrs", "list", "cpu_us", 1.10, "max"),
    "sdk_cpu_vs_floor_redeem": ("sdk", "aiohttp", "redeem", "cpu_us", 1.15, "max"),
    "sdk_cpu_vs_floor_empty": ("sdk", "aiohttp", "empty", "cpu_us", 1.15, "max"),
    "sdk_rps_vs_generated_list": ("sdk", "generated", "list", "rps", 4.0, "min"),
    "typed_floor_cpu_vs_floor_list": ("aiohttp_cattrs", "aiohttp", "list", "cpu_us", 0, ""),
    "generated_cpu_vs_sdk_list": ("generated", "sdk", "list", "cpu_us", 0, ""),
    # Issue 16: settling, the retry budget and tracing cost nothing while tracing is off.
    "untraced_cpu_vs_bare_list": ("sdk", "sdk_bare", "list", "cpu_us", 1.03, "max"),
    "untraced_cpu_vs_bare_redeem": ("sdk", "sdk_bare", "redeem", "cpu_us", 1.03, "max"),
    "traced_cpu_vs_untraced_redeem": ("sdk_traced", "sdk", "redeem", "cpu_us", 0, ""),
}


def _key_order(key: str) -> tuple[bool, str, int]:
    scenario, concurrency = key.split("@")
    return scenario != "list", scenario, int(concurrency)


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    batches = _batches(results["throughput"])
    loops = sorted({k[0] for k in batches}, key=lambda loop: loop != "asyncio")
    clients = [c for c in CLIENTS if any(k[1] == c for k in batches)]
    keys = sorted({k[3] for k in batches}, key=_key_order)
    runs = sorted({k[2] for k in batches})

    throughput: dict[str, Any] = {}
    for loop in loops:
        throughput[loop] = {}
        for client in clients:
            per_key = {}
            for key in keys:
                found = [
                    batches[(loop, client, r, key)]
                    for r in runs
                    if (loop, client, r, key) in batches
                ]
                if found:
                    per_key[key] = {
                        metric: stats(b[metric] for b in found)
                        for metric in ("cpu_us", "rps", "p50_ms", "p99_ms", "requests")
                    }
                    for metric in ("gc_young_per_1000", "gc_full_per_1000"):
                        if all(metric in b for b in found):  # results from before they existed
                            per_key[key][metric] = stats(b[metric] for b in found)
            throughput[loop][client] = per_key

    ratios: dict[str, Any] = {}
    for loop in loops:
        ratios[loop] = {}
        for name, (num, den, scenario, metric, target, kind) in RATIOS.items():
            at = _target_key(keys, scenario)
            if at is None:
                continue
            values = [
                batches[(loop, num, r, at)][metric] / batches[(loop, den, r, at)][metric]
                for r in runs
                if (loop, num, r, at) in batches and (loop, den, r, at) in batches
            ]
            if values:
                ratios[loop][name] = {
                    "at": at,
                    "target": target,
                    "kind": kind,
                    **(stats(values) or {}),
                }

    memory: dict[str, Any] = {}
    memory_ratio: dict[str, Any] = {}
    for mode in MEMORY_MODES:
        records = [m for m in results["memory"] if _memory_mode(m) == mode]
        memory[mode] = {}
        for client in clients:
            found = [m for m in records if m["client"] == client]
            if found:
                memory[mode][client] = {
                    "per_call_kb": stats(m["per_call_kb"] for m in found),
                    "peak_mb": stats(m["peak_mb"] for m in found),
                    "in_flight": min(m.get("server_max_in_flight", 0) for m in found),
                    "calls": found[0]["calls"],
                    "finished": all(m["finished"] for m in found),
                    "wall_s": stats(m["wall_s"] for m in found),
                }
        by_run = {(m["client"], m["run"]): m["per_call_kb"] for m in records}
        memory_ratio[mode] = stats(
            by_run[("sdk", r)] / by_run[("aiohttp", r)]
            for r in sorted({m["run"] for m in records})
            if ("sdk", r) in by_run and ("aiohttp", r) in by_run
        )

    instructions: dict[str, Any] = {}
    counted = results.get("instructions", {})
    if "sdk" in counted and "aiohttp" in counted:
        sdk, floor = counted["sdk"], counted["aiohttp"]
        for scenario in ("list", "redeem", "empty"):
            if scenario in sdk and scenario in floor:
                instructions[scenario] = {
                    "sdk": sdk[scenario],
                    "aiohttp": floor[scenario],
                    "ratio": sdk[scenario] / floor[scenario],
                    "loop": sdk["loop"],
                    "concurrency": sdk["concurrency"],
                }

    stall: dict[str, Any] = {}
    for record in results.get("stall", []):
        per_client = stall.setdefault(record["loop"], {}).setdefault(record["client"], {})
        for phase, figures in record["phases"].items():
            per_client.setdefault(phase, []).append(figures)
    for per_loop in stall.values():
        for client, phases in per_loop.items():
            per_loop[client] = {
                phase: {
                    "wall_ms": stats(f["max_wall_ms"] for f in found),
                    "cpu_ms": stats(f["max_cpu_ms"] for f in found),
                }
                for phase, found in phases.items()
                if phase in STALL_PHASES
            }

    structure: dict[str, Any] = {}
    for case in ("list", "redeem"):
        found = [s[case] for s in results["structure"] if case in s]
        if found:
            structure[case] = {
                field: stats(s[field] for s in found)
                for field in ("loads_us", "plain_structure_us", "sdk_structure_us")
            }
            structure[case]["ratio"] = stats(
                s["sdk_structure_us"] / s["plain_structure_us"] for s in found
            )

    imports = {
        client: {"statement": info["statement"], "ms": stats(info.get("ms", []))}
        for client, info in results["imports"].items()
    }
    summary: dict[str, Any] = {
        "loops": loops,
        "clients": clients,
        "keys": keys,
        "throughput": throughput,
        "ratios": ratios,
        "memory": memory,
        "memory_ratio": memory_ratio,
        "stall": stall,
        "instructions": instructions,
        "structure": structure,
        "imports": imports,
    }
    summary["targets"] = targets(summary)
    return summary


MEMORY_MODES = ("per_call", "pooled")
MEMORY_MODE_TITLES = {
    "per_call": "one connection per call",
    "pooled": "default pool of 100, the other calls queued",
}
#: phases of bench.stall that belong to the client ("idle" is before it exists)
STALL_PHASES = ("create", "first list", "first redeem", "first empty", "later calls", "close")


def _memory_mode(record: dict[str, Any]) -> str:
    return "pooled" if record.get("pooled") else "per_call"


def _worst_stall(summary: dict[str, Any], loop: str, client: str, metric: str) -> float | None:
    """The longest slice of any phase (median over the runs of each phase's longest)."""
    phases = summary["stall"].get(loop, {}).get(client, {})
    values = [p[metric]["median"] for p in phases.values() if p[metric]]
    return max(values) if values else None


def _check(
    name: str, value: float | None, limit: float, kind: str, unit: str, note: str
) -> dict[str, Any]:
    met = None if value is None else (value <= limit if kind == "max" else value >= limit)
    if value is None:
        miss = "not measured"
    elif met:
        miss = ""
    elif kind == "max":
        miss = f"{value / limit:.2f}x the limit ({value - limit:+.2f}{unit})"
    else:
        miss = f"{value / limit:.2f}x the goal ({value - limit:+.2f}{unit})"
    return {
        "target": name,
        "limit": limit,
        "kind": kind,
        "value": value,
        "met": met,
        "unit": unit,
        "miss": miss,
        "note": note,
    }


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    labels = {
        "sdk_cpu_vs_floor_list": "CPU/request vs (1), list",
        "sdk_cpu_vs_typed_floor_list": "CPU/request vs (2), list",
        "sdk_cpu_vs_floor_redeem": "CPU/request vs (1), redeem (small body)",
        "sdk_cpu_vs_floor_empty": "CPU/request vs (1), 204 (no body)",
        "sdk_rps_vs_generated_list": "requests/s vs (4), list",
        "untraced_cpu_vs_bare_list": "CPU/request, tracing off vs no call wrapper, list",
        "untraced_cpu_vs_bare_redeem": "CPU/request, tracing off vs no call wrapper, redeem",
    }
    for name, label in labels.items():
        for loop, per_loop in summary["ratios"].items():
            ratio = per_loop.get(name)
            _, _, _, _, limit, kind = RATIOS[name]
            value = ratio["median"] if ratio else None
            at = ratio["at"] if ratio else ""
            out.append(_check(f"{label} ({loop}, {at})", value, limit, kind, "x", ""))
    for scenario, limit in (("list", 1.5), ("redeem", 1.15), ("empty", 1.15)):
        counted = summary["instructions"].get(scenario)
        if counted:
            out.append(
                _check(
                    f"instructions/request vs (1), {scenario} "
                    f"({counted['loop']}, {scenario}@{counted['concurrency']}, callgrind)",
                    counted["ratio"],
                    limit,
                    "max",
                    "x",
                    "",
                )
            )
    for case in ("list", "redeem"):
        ratio = summary["structure"].get(case, {}).get("ratio")
        out.append(
            _check(
                f"structuring vs plain cattrs hook, {case}",
                ratio["median"] if ratio else None,
                0.35,
                "max",
                "x",
                "",
            )
        )
    for loop in summary["stall"]:
        out.append(
            _check(
                f"longest event-loop slice, SDK, loop-thread CPU ({loop})",
                _worst_stall(summary, loop, "sdk", "cpu_ms"),
                10.0,
                "max",
                " ms",
                "",
            )
        )
        out.append(
            _check(
                f"longest event-loop slice, SDK, wall ({loop})",
                _worst_stall(summary, loop, "sdk", "wall_ms"),
                10.0,
                "max",
                " ms",
                "",
            )
        )
    sdk_import = summary["imports"].get("sdk", {}).get("ms")
    out.append(
        _check(
            "`import liveops_async`",
            sdk_import["median"] if sdk_import else None,
            150.0,
            "max",
            " ms",
            "",
        )
    )
    floor_import = summary["imports"].get("aiohttp", {}).get("ms")
    if sdk_import and floor_import:
        out.append(
            _check(
                "`import liveops_async` vs `import aiohttp, orjson`",
                sdk_import["median"] / floor_import["median"],
                1.15,
                "max",
                "x",
                "",
            )
        )
    per_call = summary["memory_ratio"].get("per_call")
    out.append(
        _check(
            "memory per in-flight call vs (1), one connection per call",
            per_call["median"] if per_call else None,
            1.05,
            "max",
            "x",
            "",
        )
    )
    pooled = summary["memory"].get("pooled", {}).get("sdk", {}).get("per_call_kb")
    out.append(
        _check(
            "memory per call, default pool, 10,000 calls queued",
            pooled["median"] if pooled else None,
            2.0,
            "max",
            " KiB",
            "",
        )
    )
    return out


# Rendering -----------------------------------------------------------------------------------


def _fmt(s: dict[str, float] | None, digits: int = 0) -> str:
    if not s:
        return "-"
    if s["n"] == 1:
        return f"{s['median']:,.{digits}f}"
    return f"{s['median']:,.{digits}f} ({s['min']:,.{digits}f}-{s['max']:,.{digits}f})"


def _label(client: str) -> str:
    return CLIENTS[client][1]


def _number(client: str) -> str:
    return f"({list(CLIENTS).index(client) + 1})"


def chart(summary: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    loops = summary["loops"]
    fig, axes = plt.subplots(1, len(loops), figsize=(6 * len(loops), 4.5), squeeze=False)
    for ax, loop in zip(axes[0], loops, strict=True):
        for client in summary["clients"]:
            per_key = summary["throughput"][loop].get(client, {})
            points = [
                (c, per_key[f"list@{c}"]["rps"])
                for c in LIST_CONCURRENCIES
                if f"list@{c}" in per_key
            ]
            if not points:
                continue
            xs = [c for c, _ in points]
            ys = [s["median"] for _, s in points]
            err = [
                [s["median"] - s["min"] for _, s in points],
                [s["max"] - s["median"] for _, s in points],
            ]
            ax.errorbar(
                xs, ys, yerr=err, marker="o", capsize=3, label=f"{_number(client)} {_label(client)}"
            )
        ax.set_xscale("log", base=2)
        ax.set_xticks(list(LIST_CONCURRENCIES), [str(c) for c in LIST_CONCURRENCIES])
        ax.set_xlabel("concurrent calls")
        ax.set_ylabel("requests / second (list of 50 coupons)")
        ax.set_title(f"{loop} event loop")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=8, loc="lower right")
    fig.suptitle("Requests per second by concurrency (median of runs; bars: min-max)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _collector_table(per_loop: dict[str, Any], clients: list[str], keys: list[str]) -> list[str]:
    """Young / full collections of the cyclic collector per 1,000 calls, medians."""
    if not any("gc_young_per_1000" in per_loop[c].get(k, {}) for c in clients for k in keys):
        return []
    lines = ["", "Cyclic collector runs per 1,000 calls, young / full (part of the CPU above):", ""]
    lines += ["| client | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for client in clients:
        cells = [
            _pair(
                per_loop[client].get(k, {}), "gc_young_per_1000", "gc_full_per_1000", ".1f", ".2f"
            )
            for k in keys
        ]
        lines.append(f"| {_number(client)} {_label(client)} | " + " | ".join(cells) + " |")
    return lines


def _pair(
    entry: dict[str, Any], first: str, second: str, first_format: str, second_format: str
) -> str:
    """Two medians of one table cell, "a / b", or "-" when either was not measured."""
    a, b = entry.get(first), entry.get(second)
    if not a or not b:
        return "-"
    return f"{a['median']:{first_format}} / {b['median']:{second_format}}"


def _throughput_tables(summary: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for loop in summary["loops"]:
        per_loop = summary["throughput"][loop]
        clients = [c for c in summary["clients"] if c in per_loop]
        lines += [f"### {loop} event loop", ""]
        lines += ["Client CPU time per request, µs (lower is better):", ""]
        cpu_keys = [k for k in summary["keys"] if k.endswith(f"@{TARGET_CONCURRENCY}")] or summary[
            "keys"
        ]
        lines += ["| client | " + " | ".join(cpu_keys) + " |", "|---" * (len(cpu_keys) + 1) + "|"]
        for client in clients:
            cells = [_fmt(per_loop[client].get(k, {}).get("cpu_us")) for k in cpu_keys]
            lines.append(f"| {_number(client)} {_label(client)} | " + " | ".join(cells) + " |")
        list_keys = [k for k in summary["keys"] if k.startswith("list@")]
        lines += _collector_table(per_loop, clients, cpu_keys)
        lines += ["", "Requests per second, list of 50 (higher is better):", ""]
        lines += [
            "| client | " + " | ".join(f"c={k.split('@')[1]}" for k in list_keys) + " |",
            "|---" * (len(list_keys) + 1) + "|",
        ]
        for client in clients:
            cells = [_fmt(per_loop[client].get(k, {}).get("rps")) for k in list_keys]
            lines.append(f"| {_number(client)} {_label(client)} | " + " | ".join(cells) + " |")
        lines += ["", "Latency p50 / p99, ms, list of 50:", ""]
        lines += [
            "| client | " + " | ".join(f"c={k.split('@')[1]}" for k in list_keys) + " |",
            "|---" * (len(list_keys) + 1) + "|",
        ]
        for client in clients:
            cells = [
                _pair(per_loop[client].get(k, {}), "p50_ms", "p99_ms", ".2f", ".2f")
                for k in list_keys
            ]
            lines.append(f"| {_number(client)} {_label(client)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def markdown(
    results: dict[str, Any], summary: dict[str, Any], chart: str | None, root: Path
) -> str:
    m = results["machine"]
    config = results["config"]
    lines = [
        "# Benchmarks",
        "",
        "<!-- Generated by `python -m bench` (make bench); the prose at the end is "
        "bench/analysis.md. -->",
        "",
        "liveops-async against the floors of its own stack and against the client a user would",
        "otherwise generate, all on loopback against the same local server, in the same run.",
        "",
        f"* Command: `{results['command']}` (about {results['duration_s'] / 60:.0f} min); "
        "smoke: `python -m bench --quick`.",
        f"* Ran: {results['started']}. Machine: {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_gb']} GB, {m['os']}, Python {m['python']}; load average at the end "
        f"{', '.join(f'{x:.2f}' for x in m['load_average'])} (shared machine).",
        "* Packages: " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()) + ".",
        f"* Bodies: list of 50 coupons {config['list_body_bytes']:,} bytes (nested periods, "
        f"localized names, bonus items, limit state, tagged attribute conditions); redeem answer "
        f"{config['redeem_body_bytes']} bytes; a 204. Every client's decoded data was checked "
        "equal before it was timed.",
        f"* Method: {config['runs']} runs; each run starts a fresh process per client and loop. "
        f"Each batch runs {config['seconds_per_batch']} s and at least 2 x concurrency calls "
        f"after a warm-up; connection pool of {config['pool_size']} for every client. CPU is "
        "`time.process_time()` of the client process only (the server has its own process). "
        "Figures: median (min-max) of the runs; ratios are taken pair by pair within a run.",
    ]
    gen = results.get("generated") or {}
    if gen:
        source = (
            "a filtered copy of the spec (the benchmarked operations only)"
            if gen.get("filtered")
            else "the full bundled spec"
        )
        lines.append(
            f"* Client (4) was generated at bench time from {source} into a temporary folder."
        )
    lines += ["", "Clients:", ""]
    for client in CLIENTS:
        lines.append(f"{list(CLIENTS).index(client) + 1}. {_label(client)}")
    lines += ["", "## Targets", "", "| target | goal | result | met |", "|---|---|---|---|"]
    for t in summary["targets"]:
        goal = ("≤ " if t["kind"] == "max" else "≥ ") + f"{t['limit']:g}{t['unit']}"
        value = "-" if t["value"] is None else f"{t['value']:.2f}{t['unit']}"
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else f"**no**: {t['miss']}")
        lines.append(f"| {t['target']} | {goal} | {value} | {met} |")
    lines += ["", "## Throughput, CPU and latency", ""]
    if chart:
        rel = os.path.relpath(chart, root)
        lines += [f"![requests per second by concurrency]({rel})", ""]
    lines += _throughput_tables(summary)
    lines += [
        "### Ratios (pair by pair within each run)",
        "",
        "| ratio | loop | at | median (min-max) |",
        "|---|---|---|---|",
    ]
    for loop, per_loop in summary["ratios"].items():
        for name, r in per_loop.items():
            lines.append(
                f"| {name} | {loop} | {r['at']} | "
                f"{r['median']:.2f} ({r['min']:.2f}-{r['max']:.2f}) |"
            )
    if summary["instructions"]:
        lines += [
            "",
            "### Instructions per request (callgrind)",
            "",
            "Counted by `valgrind --tool=callgrind` in the client process, so the load of the "
            "shared machine does not enter: a base run with "
            "200 calls per scenario and one run per scenario with 1,000, the difference divided "
            "by 800. One run per client: the counts repeat to a few per cent.",
            "",
            "| scenario | loop | (1) aiohttp + orjson | (3) liveops-async | (3) / (1) |",
            "|---|---|---|---|---|",
        ]
        for scenario, c in summary["instructions"].items():
            lines.append(
                f"| {scenario}@{c['concurrency']} | {c['loop']} | {c['aiohttp']:,.0f} "
                f"| {c['sdk']:,.0f} | {c['ratio']:.2f} |"
            )
    if summary["structure"]:
        lines += [
            "",
            "## Structuring (bytes → models, no I/O)",
            "",
            "| body | orjson.loads µs | plain cattrs hook µs | SDK µs | SDK / plain |",
            "|---|---|---|---|---|",
        ]
        for case, s in summary["structure"].items():
            lines.append(
                f"| {case} | {_fmt(s['loads_us'], 1)} | {_fmt(s['plain_structure_us'], 1)} | "
                f"{_fmt(s['sdk_structure_us'], 1)} | {_fmt(s['ratio'], 2)} |"
            )
    if any(summary["memory"].values()):
        lines += [
            "",
            "## Memory per in-flight call",
            "",
            "RSS growth of the client process while N calls of the 204 operation wait on a slow "
            "endpoint, divided by N (KiB), asyncio loop, after a warm-up on a fast server. "
            "*One connection per call*: a pool of N; the server holds every answer until all N "
            "are in, so they are in flight at once. *Default pool*: a pool of 100; the server "
            "holds each 100 answers until 100 are in, so the other calls wait in the client's "
            "pool queue, which is how users run it.",
        ]
        for mode in MEMORY_MODES:
            per_mode = summary["memory"].get(mode)
            if not per_mode:
                continue
            ratio = summary["memory_ratio"].get(mode)
            lines += [
                "",
                f"{MEMORY_MODE_TITLES[mode].capitalize()}"
                + (f" (SDK / (1), pair by pair: {_fmt(ratio, 3)})" if ratio else "")
                + ":",
                "",
                "| client | calls | held by the server at once | all done in, s "
                "| peak RSS MB | KiB per call |",
                "|---|---|---|---|---|---|",
            ]
            for client, s in per_mode.items():
                done = (
                    _fmt(s["wall_s"], 1)
                    if s["finished"]
                    else f"no (gave up after {s['wall_s']['max']:.0f})"
                )
                lines.append(
                    f"| {_number(client)} {_label(client)} | {s['calls']:,} "
                    f"| {s['in_flight']:,} | {done} | "
                    f"{_fmt(s['peak_mb'], 1)} | {_fmt(s['per_call_kb'], 2)} |"
                )
    if summary["stall"]:
        lines += [
            "",
            "## Event-loop stalls (2 ms ticker)",
            "",
            "`bench/stall.py`: a 2 ms ticker runs on the loop while the client is created "
            "inside it (and entered with `async with`; libraries imported at program start), "
            "makes its first list, redeem and 204 calls, then 300 more at concurrency 16, and "
            "closes. Per phase: the longest time the ticker woke late (wall ms), and the "
            "longest CPU time of the loop's thread between two ticks (CPU ms: what the client "
            "itself ran; wall also counts other processes on this shared machine and the "
            "interpreter lock held by the SDK's import thread). Median (min-max) of the runs "
            "of each phase's longest slice; client (1) shows the machine's noise.",
        ]
        for loop, per_loop in summary["stall"].items():
            lines += [
                "",
                f"{loop}:",
                "",
                "| phase | "
                + " | ".join(f"{_number(c)} wall ms | {_number(c)} CPU ms" for c in per_loop)
                + " |",
                "|---|" + "---|---|" * len(per_loop),
            ]
            for phase in STALL_PHASES:
                cells = []
                for figures in per_loop.values():
                    p = figures.get(phase)
                    cells += [_fmt(p["wall_ms"], 1), _fmt(p["cpu_ms"], 1)] if p else ["-", "-"]
                lines.append(f"| {phase} | " + " | ".join(cells) + " |")
    if summary["imports"]:
        lines += [
            "",
            "## Import time (fresh interpreter, bytecode cached)",
            "",
            "| client | statement | ms |",
            "|---|---|---|",
        ]
        for client, s in summary["imports"].items():
            lines.append(
                f"| {_number(client)} {_label(client)} | `{s['statement']}` | {_fmt(s['ms'], 1)} |"
            )
    if results["errors"]:
        lines += ["", "## Errors", ""]
        for e in results["errors"]:
            lines.append(f"* {e.get('client')} {e.get('loop', '')}: `{e['error'][-300:]}`")
    if ANALYSIS.exists():
        lines += ["", ANALYSIS.read_text().strip()]
    return "\n".join(lines) + "\n"


def console(summary: dict[str, Any]) -> str:
    rows = []
    for loop in summary["loops"]:
        for client in summary["clients"]:
            per_key = summary["throughput"][loop].get(client, {})
            cells = "  ".join(
                f"{k}: {v['cpu_us']['median']:.0f}us {v['rps']['median']:.0f}/s"
                for k, v in per_key.items()
            )
            rows.append(f"{loop:8} {client:15} {cells}")
    for t in summary["targets"]:
        value = "-" if t["value"] is None else f"{t['value']:.2f}{t['unit']}"
        rows.append(f"target {t['target']}: {value} ({'met' if t['met'] else t['miss'] or 'n/a'})")
    return "\n".join(rows)
