"""Build the browsable API reference with pdoc: `python -W error scripts/build_docs.py OUT`.

Documents the public modules (the client, errors and options from `liveops_async`, the models,
the mock in `liveops_async.testing`, the rate limiters in `liveops_async.lib.ratelimit`) and the
generated resource classes that hold every API method (from their public module,
`liveops_async.resources`).
Run with `-W error` (as `make docs` does) so a warning pdoc raises, such as a docstring
reference it cannot resolve, fails the build.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pdoc
import pdoc.render

MODULES = (
    "liveops_async",
    "liveops_async.models",
    "liveops_async.testing",
    "liveops_async.lib.ratelimit",
    # Every method of client.admin / client.user(jwt) / client.guest(...), by area, under
    # the public names users annotate with.
    "liveops_async.resources",
)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: build_docs.py OUTPUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    pdoc.render.configure(docformat="google", show_source=False, search=True)
    pdoc.pdoc(*MODULES, output_directory=out)
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    print(f"build_docs: {len(pages)} pages in {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
