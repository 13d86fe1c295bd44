# The C extension (liveops_async/_speedups.c); absent in a pure-Python install.
from typing import Any

PLAN_VERSION: int

class Structurer:
    """A response structuring function made from a plan (see `_structure_native`)."""

    def __init__(self, plan: tuple[Any, ...], mismatch: type[BaseException]) -> None: ...
    def __call__(self, value: Any, /) -> Any: ...
