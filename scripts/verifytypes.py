"""Public API type completeness (`pyright --verifytypes liveops_async`), as a ratchet.

    python scripts/verifytypes.py PYRIGHT FLOOR

Fails when the completeness score falls below FLOOR (a fraction; 1.0 is 100%), and prints the
score and the public symbols whose types are not fully known, grouped by module. Raise FLOOR to
the new score whenever it rises; the goal is 1.0.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys


def main(argv: list[str]) -> int:
    pyright, floor = argv[0], float(argv[1])
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
        s["name"]
        for s in report["symbols"]
        if any(d["severity"] == "error" for d in s["diagnostics"])
    ]
    by_module = collections.Counter(name.rsplit(".", 2)[0] for name in incomplete)
    for module, count in by_module.most_common():
        print(f"verifytypes: {count:4d} incomplete in {module}")
    print(f"verifytypes: type completeness {score:.1%} (floor {floor:.1%})")
    if score + 1e-9 < floor:
        print("verifytypes: below the floor; annotate the symbols above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
