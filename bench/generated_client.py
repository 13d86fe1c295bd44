"""Generate client (4) with openapi-python-client from our own bundled spec, at bench time.

The package goes into a temporary folder (never committed) as `liveops_generated_client`.
If the generator cannot build the three benchmarked operations from the full spec, it is run
again on a filtered copy holding only those operations (and the result says so).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "liveops_async" / "testing" / "liveops.openapi.json"
PACKAGE = "liveops_generated_client"
#: operationId -> module file the generator writes for it
OPERATIONS = {
    "get-coupons": "get_coupons.py",
    "redeem-coupon": "redeem_coupon.py",
    "activate-coupon": "activate_coupon.py",
}


def _generator() -> str:
    beside = Path(sys.executable).parent / "openapi-python-client"
    found = str(beside) if beside.exists() else shutil.which("openapi-python-client")
    if not found:
        raise RuntimeError("openapi-python-client is not installed (see requirements/dev.in)")
    return found


def _run(spec: Path, workdir: Path) -> tuple[Path, str]:
    config = workdir / "config.json"
    config.write_text(json.dumps({"package_name_override": PACKAGE, "post_hooks": []}))
    out = workdir / PACKAGE
    shutil.rmtree(out, ignore_errors=True)
    proc = subprocess.run(
        [
            _generator(),
            "generate",
            "--path",
            str(spec),
            "--meta",
            "none",
            "--output-path",
            str(out),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return out, proc.stdout + proc.stderr


def find_module(package_dir: Path, filename: str) -> Path | None:
    found = sorted((package_dir / "api").glob(f"*/{filename}"))
    return found[0] if found else None


def _complete(package_dir: Path) -> bool:
    return all(find_module(package_dir, name) for name in OPERATIONS.values())


def _filtered_spec(workdir: Path) -> Path:
    spec: dict[str, Any] = json.loads(SPEC.read_text())
    kept: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        ops = {
            method: op
            for method, op in item.items()
            if isinstance(op, dict) and op.get("operationId") in OPERATIONS
        }
        if ops:
            shared = {k: v for k, v in item.items() if k == "parameters"}
            kept[path] = {**shared, **ops}
    spec["paths"] = kept
    target = workdir / "filtered.openapi.json"
    target.write_text(json.dumps(spec))
    return target


def generate(workdir: Path) -> dict[str, Any]:
    """Generate into `workdir`; return where, from what, and the generator's output."""
    if not SPEC.exists():
        raise RuntimeError(f"{SPEC} is missing: run `python codegen/bundle.py` first")
    out, log = _run(SPEC, workdir)
    if _complete(out):
        return {"path": str(workdir), "package": PACKAGE, "filtered": False, "log": log[-2000:]}
    out, log2 = _run(_filtered_spec(workdir), workdir)
    if not _complete(out):
        raise RuntimeError(
            f"openapi-python-client failed on the filtered spec too:\n{log2[-3000:]}"
        )
    return {"path": str(workdir), "package": PACKAGE, "filtered": True, "log": (log + log2)[-2000:]}
