"""`python -m codegen`: regenerate everything from openapi/ (`--check`: only compare).

Outputs: liveops_async/testing/liveops.openapi.json, liveops_async/_generated/*.py and docs/api.md.
`--golden` regenerates the test fixture's expected output in tests/codegen/golden/ instead.
"""

from __future__ import annotations

import argparse
import difflib
import sys

import yaml

from . import bundle
from .common import HEADER, ROOT
from .generate import render

PACKAGE = "liveops_async/_generated"
API_DOC = "docs/api.md"
FIXTURE_SPEC = "tests/codegen/fixtures/fixture.openapi.yaml"
GOLDEN = "tests/codegen/golden"


def project_files() -> dict[str, str]:
    doc = bundle.bundle()
    files = {str(bundle.BUNDLE.relative_to(ROOT)): bundle.dump(doc)}
    files.update(render(doc, PACKAGE, API_DOC))
    return files


def golden_files() -> dict[str, str]:
    spec = yaml.safe_load((ROOT / FIXTURE_SPEC).read_text(encoding="utf-8"))
    return render(spec, GOLDEN, f"{GOLDEN}/api.md")


def differences(files: dict[str, str], owned_dir: str) -> list[str]:
    """Unified diffs between `files` and the disk, plus stray files in `owned_dir`."""
    out: list[str] = []
    for rel, text in sorted(files.items()):
        path = ROOT / rel
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            out.extend(
                difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    f"a/{rel}",
                    f"b/{rel}",
                )
            )
            if not path.exists():
                out.append(f"missing: {rel}\n")
    for path in sorted((ROOT / owned_dir).rglob("*.py")):
        if str(path.relative_to(ROOT)) not in files:
            out.append(f"not generated (delete it): {path.relative_to(ROOT)}\n")
    return out


def write(files: dict[str, str], owned_dir: str) -> None:
    """Write `files` and delete generated modules that the spec no longer produces."""
    for path in sorted((ROOT / owned_dir).rglob("*.py")):
        if str(path.relative_to(ROOT)) not in files and path.read_text(encoding="utf-8").startswith(
            HEADER
        ):
            path.unlink()
    for rel, text in files.items():
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed output differs")
    parser.add_argument("--golden", action="store_true", help="work on the test fixture instead")
    args = parser.parse_args(argv)
    files, owned = (golden_files(), GOLDEN) if args.golden else (project_files(), PACKAGE)
    if not args.check:
        write(files, owned)
        return 0
    diff = differences(files, owned)
    if diff:
        sys.stdout.writelines(diff)
        print("\ngenerated code is out of date: run `make generate` and commit the result")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
