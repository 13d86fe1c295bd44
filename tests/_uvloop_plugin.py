"""pytest plugin (`-p tests._uvloop_plugin`): every async test runs on a uvloop event loop.

`scripts/test_matrix.py` loads it for the runs on each supported Python; the main run keeps the
default asyncio loop, and `tests/examples/test_event_loops.py` compares the two side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pytest
import uvloop


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], object]]:
    return {"uvloop": uvloop.new_event_loop}
