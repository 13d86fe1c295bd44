"""Load the committed golden output of the fixture spec as an importable package."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

GOLDEN = Path(__file__).parent / "golden"
PACKAGE = "liveops_codegen_golden"


def _load_golden() -> ModuleType:
    if PACKAGE in sys.modules:
        return sys.modules[PACKAGE]
    spec = importlib.util.spec_from_file_location(
        PACKAGE, GOLDEN / "__init__.py", submodule_search_locations=[str(GOLDEN)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    return package


@pytest.fixture(scope="session")
def golden_models() -> ModuleType:
    _load_golden()
    return importlib.import_module(f"{PACKAGE}.models")


@pytest.fixture(scope="session")
def golden_ops() -> ModuleType:
    _load_golden()
    return importlib.import_module(f"{PACKAGE}.operations")


@pytest.fixture(scope="session")
def golden_resources() -> ModuleType:
    _load_golden()
    return importlib.import_module(f"{PACKAGE}.resources")
