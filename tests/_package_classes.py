"""The classes a package's modules define, found by walking its files rather than by reading
any list the package keeps (that list is what the tests check)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType


def classes_defined_in(package: ModuleType) -> dict[str, type]:
    """Every class defined in `package` or one of its direct submodules, by name."""
    modules = [package] + [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
    ]
    found: dict[str, type] = {}
    for module in modules:
        for name, value in vars(module).items():
            if inspect.isclass(value) and value.__module__ == module.__name__:
                assert found.setdefault(name, value) is value, f"two classes named {name}"
    return found
