"""pytest plugin (entry point `liveops_mock`): a `liveops_mock` fixture with a running mock.

Override the `liveops_mock_options` fixture to pass constructor arguments:

```python
@pytest.fixture
def liveops_mock_options():
    return {"project_id": 1234, "api_key": "test-key", "faults": MockFaults(rate_429=0.1)}
```
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import pytest

__all__ = ["liveops_mock", "liveops_mock_options"]

if TYPE_CHECKING:
    from ._server import LiveOpsMock

_async_fixture: Callable[[Callable[..., Any]], Callable[..., Any]]
try:  # pytest-asyncio's own decorator works in both its strict and auto modes.
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - without pytest-asyncio (e.g. anyio) use plain pytest
    _async_fixture = pytest.fixture


@pytest.fixture
def liveops_mock_options() -> dict[str, Any]:
    """Keyword arguments for `LiveOpsMock`; override in a conftest to change them."""
    return {}


@_async_fixture
async def liveops_mock(liveops_mock_options: dict[str, Any]) -> AsyncIterator[LiveOpsMock]:
    """A started `LiveOpsMock` on 127.0.0.1 with fresh state, closed after the test."""
    from ._server import LiveOpsMock  # imported late: plain pytest runs need no aiohttp

    async with LiveOpsMock(**liveops_mock_options) as mock:
        yield mock
