"""Every property test of the suite draws the same examples on every run (the `ci` profile,
loaded by tests/conftest.py), unless HYPOTHESIS_PROFILE=random asks for fresh ones: `make test`
cannot fail once in a while on an input nobody can reproduce."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests._hypothesis_profiles import DEFAULT_PROFILE, ENV_VAR, load_profile

TESTS = Path(__file__).resolve().parents[1]
RANDOM_RUN = os.environ.get(ENV_VAR, DEFAULT_PROFILE) != DEFAULT_PROFILE


def _property_tests() -> Iterator[tuple[str, Any]]:
    """(name, test) for every Hypothesis test in the suite's modules."""
    for path in sorted(TESTS.rglob("test_*.py")):
        if "hypothesis" not in path.read_text(encoding="utf-8"):
            continue
        assert (path.parent / "__init__.py").exists(), f"{path}: not importable by dotted name"
        dotted = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
        module = importlib.import_module(dotted)
        for name, value in vars(module).items():
            if getattr(value, "is_hypothesis_test", False):
                yield f"{dotted}::{name}", value


@pytest.mark.skipif(RANDOM_RUN, reason=f"{ENV_VAR} asks for random examples")
def test_every_property_test_is_derandomized() -> None:
    found = dict(_property_tests())
    modules = {name.partition("::")[0] for name in found}
    assert modules >= {
        "tests.mock.test_conformance",
        "tests.reliability.test_fuzz_responses",
        "tests.runtime.test_structure",
    }, sorted(found)
    for name, test in found.items():
        chosen = test._hypothesis_internal_use_settings
        assert chosen.derandomize, name
        assert chosen.database is None, name
        assert chosen.print_blob, name


def _draws() -> list[int]:
    drawn: list[int] = []

    @settings(max_examples=30)
    @given(st.integers())
    def record(value: int) -> None:
        drawn.append(value)

    record()
    return drawn


@pytest.mark.skipif(RANDOM_RUN, reason=f"{ENV_VAR} asks for random examples")
def test_a_property_test_draws_the_same_examples_twice() -> None:
    first = _draws()
    assert len(set(first)) > 10  # real draws, not one value
    assert _draws() == first


def test_the_environment_picks_the_profile() -> None:
    try:
        assert load_profile({ENV_VAR: "random"}) == "random"
        assert not settings.default.derandomize
        assert load_profile({}) == "ci"
        assert settings.default.derandomize
    finally:
        load_profile(os.environ)
