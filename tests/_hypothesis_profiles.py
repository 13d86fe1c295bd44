"""The Hypothesis profiles of the suite, loaded by tests/conftest.py before any test module.

`ci` (the default: `make test`, CI, a plain pytest run) is derandomized: each property test
draws the same examples on every run (seeded from the test itself), so the suite passes or fails
the same way twice and a failure is reproduced by running the test again. `random` draws fresh
examples each run, to hunt for new failures locally:
`HYPOTHESIS_PROFILE=random .venv/bin/python -m pytest tests/...` (pytest's
`--hypothesis-profile=random` does the same; `--hypothesis-seed=N` replays the seed a failure
printed). Neither keeps an example database (no `.hypothesis` folder in the tree); both print
the failing example and its `@reproduce_failure` blob.
"""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import settings

__all__ = ["DEFAULT_PROFILE", "ENV_VAR", "load_profile"]

ENV_VAR = "HYPOTHESIS_PROFILE"
DEFAULT_PROFILE = "ci"

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("random", derandomize=False, database=None, print_blob=True)


def load_profile(environ: Mapping[str, str]) -> str:
    """Load the profile `environ[ENV_VAR]` names (`ci` when unset or empty) and return its name;
    an unknown name raises hypothesis' InvalidArgument."""
    name = environ.get(ENV_VAR) or DEFAULT_PROFILE
    settings.load_profile(name)
    return name
