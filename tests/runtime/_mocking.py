"""aioresponses on aiohttp 3.14: it builds `ClientResponse` without the new `stream_writer`
argument (pnuckowski/aioresponses#289), so give it a response class that supplies one."""

from __future__ import annotations

import inspect
from typing import Any

import aioresponses.core
import pytest
from aiohttp import ClientResponse
from yarl import URL


class _FinishedUpload:
    """Stands for the writer of a request whose body was already sent."""

    output_size = 0


class _CompatResponse(ClientResponse):
    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _FinishedUpload())
        super().__init__(method, url, **kwargs)


def patch_aioresponses(monkeypatch: pytest.MonkeyPatch) -> None:
    if "stream_writer" in inspect.signature(ClientResponse.__init__).parameters:
        monkeypatch.setattr(aioresponses.core, "ClientResponse", _CompatResponse)
