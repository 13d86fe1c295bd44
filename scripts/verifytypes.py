"""Public API type completeness (`pyright --verifytypes liveops_async`), held at a floor.

    python scripts/verifytypes.py PYRIGHT FLOOR

Fails when the completeness score falls below FLOOR (a fraction; 1.0 is 100%, where it stands)
or a public function has no docstring, and prints the public symbols whose types are not fully
known, grouped by module, with the first few reasons. Then runs pyright on `tests/typing` (the
`assert_type` expectations that mypy checks in `make typecheck`, a path in [tool.mypy] files),
so both checkers are held to the same public types.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys

SHOWN_REASONS = 20  # enough to act on; the per-module counts cover the rest
TYPING_TESTS = "tests/typing"


def completeness(pyright: str, floor: float) -> int:
    done = subprocess.run(  # noqa: S603 - the pinned pyright from .pyright/
        [pyright, "--verifytypes", "liveops_async", "--ignoreexternal", "--outputjson"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(done.stdout)["typeCompleteness"]
    except (ValueError, KeyError):
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        return 1
    score = float(report["completenessScore"])
    incomplete = [
        (s["name"], d["message"])
        for s in report["symbols"]
        for d in s["diagnostics"]
        if d["severity"] == "error"
    ]
    names = {name for name, _ in incomplete}
    by_module = collections.Counter(name.rsplit(".", 2)[0] for name in names)
    for module, count in by_module.most_common():
        print(f"verifytypes: {count:4d} incomplete in {module}")
    for name, message in incomplete[:SHOWN_REASONS]:
        print(f"verifytypes: {name}: {message.splitlines()[0]}")
    # Public functions must say what they do (the style guide); the classes pyright counts
    # include attrs' synthesized converter descriptors, which have no source to document.
    undocumented = int(report["missingFunctionDocStringCount"])
    print(
        f"verifytypes: {report['missingClassDocStringCount']} classes and "
        f"{undocumented} functions without a docstring (pyright counts each re-export)"
    )
    print(f"verifytypes: type completeness {score:.1%} (floor {floor:.1%})")
    if score + 1e-9 < floor:
        print("verifytypes: below the floor; annotate the symbols above", file=sys.stderr)
        return 1
    if undocumented:
        print(
            "verifytypes: public functions without a docstring; `pyright --verifytypes "
            "liveops_async --ignoreexternal --verbose` names them",
            file=sys.stderr,
        )
        return 1
    return 0


def typing_tests(pyright: str) -> int:
    done = subprocess.run(  # noqa: S603 - the pinned pyright from .pyright/
        [pyright, TYPING_TESTS], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n")
        print(f"verifytypes: pyright disagrees with {TYPING_TESTS}", file=sys.stderr)
        return 1
    print(f"verifytypes: pyright agrees with {TYPING_TESTS}")
    return 0


def main(argv: list[str]) -> int:
    pyright, floor = argv[0], float(argv[1])
    return completeness(pyright, floor) or typing_tests(pyright)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
