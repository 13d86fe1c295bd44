"""Merge openapi/openapi.yaml, common.yaml and every area file into one OpenAPI document.

Area files are partial documents whose `$ref`s point into the merged document, so merging is a
plain union of `paths` and of each `components` kind; a name defined twice is an error rather
than a silent overwrite.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SPEC_DIR = ROOT / "openapi"
# Shipped inside the package: the mock server serves and validates against it.
BUNDLE = ROOT / "liveops_async" / "testing" / "liveops.openapi.json"


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: not a mapping")
    return data


def _merge_part(doc: dict[str, Any], part: dict[str, Any], source: str) -> None:
    for route, item in (part.get("paths") or {}).items():
        if route in doc["paths"]:
            raise SystemExit(f"{source}: path {route} is defined twice")
        doc["paths"][route] = item
    for kind, entries in (part.get("components") or {}).items():
        target = doc["components"].setdefault(kind, {})
        for name, value in (entries or {}).items():
            if name in target:
                raise SystemExit(f"{source}: components.{kind}.{name} is defined twice")
            target[name] = value


def bundle(spec_dir: Path = SPEC_DIR, only: list[str] | None = None) -> dict[str, Any]:
    """Merge the spec; `only` limits it to some area files (to check one area on its own)."""
    root = _load(spec_dir / "openapi.yaml")
    areas = root.pop("x-liveops-areas")
    if only is not None:
        areas = [a for a in areas if a in only]
    doc: dict[str, Any] = {**root, "paths": dict(root.get("paths") or {})}
    doc["components"] = {k: dict(v) for k, v in (root.get("components") or {}).items()}
    for rel in ["common.yaml", *areas]:
        path = spec_dir / rel
        if path.exists():
            _merge_part(doc, _load(path), rel)
    doc["paths"] = dict(sorted(doc["paths"].items()))
    doc["components"] = {k: dict(sorted(v.items())) for k, v in sorted(doc["components"].items())}
    return doc


def dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=BUNDLE)
    parser.add_argument("--only", nargs="*", help="area files to include, e.g. areas/coupons.yaml")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(dump(bundle(only=args.only)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
