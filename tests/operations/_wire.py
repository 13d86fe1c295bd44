"""A client over aioresponses that records the wire, for the per-operation tests.

aioresponses keys what it records by a normalized URL (query sorted and re-encoded), which would
hide how the SDK encoded the path and query; `Wire` also records the URL exactly as the SDK
handed it to aiohttp.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import aioresponses.core as aioresponses_core
import attrs
import orjson
import pytest
from aioresponses import CallbackResult, aioresponses
from aioresponses.compat import merge_params
from yarl import URL

from tests.runtime._mocking import patch_aioresponses

BASE_URL = "http://127.0.0.1:9/api"
ANY_URL = re.compile(r".*")


@attrs.frozen
class SentRequest:
    method: str
    url: str  # exactly as the SDK built it
    headers: Mapping[str, str]
    body: bytes | None

    @property
    def path(self) -> str:
        return self.url.split("?", 1)[0].removeprefix(BASE_URL)

    @property
    def query_pairs(self) -> list[str]:
        """Raw `key=value` pairs, sorted by key but keeping the order of a repeated key."""
        query = self.url.split("?", 1)[1] if "?" in self.url else ""
        pairs = [pair for pair in query.split("&") if pair]
        return sorted(pairs, key=lambda pair: pair.split("=", 1)[0])

    @property
    def json(self) -> Any:
        return None if self.body is None else orjson.loads(self.body)


@attrs.define
class Wire:
    """Answers every request with the next queued answer and records what was sent."""

    sent: list[SentRequest] = attrs.Factory(list)
    answers: list[tuple[int, bytes]] = attrs.Factory(list)
    raw_urls: list[str] = attrs.Factory(list)

    def answer(self, status: int, payload: Any) -> None:
        self.answers.append((status, b"" if payload is None else orjson.dumps(payload)))

    def respond(self, method: str, kwargs: Mapping[str, Any]) -> CallbackResult:
        self.sent.append(
            SentRequest(method, self.raw_urls[-1], dict(kwargs["headers"]), kwargs.get("data"))
        )
        if not self.answers:
            return CallbackResult(status=599, body=b"no answer queued")
        status, body = self.answers.pop(0)
        return CallbackResult(status=status, body=body, content_type="application/json")


def recording_wire(monkeypatch: pytest.MonkeyPatch) -> Iterator[Wire]:
    """aioresponses answering every method and URL from a `Wire`."""
    patch_aioresponses(monkeypatch)
    recorder = Wire()

    def recording_merge_params(url: URL | str, params: Any = None) -> URL:
        recorder.raw_urls.append(str(url))
        return merge_params(url, params)

    monkeypatch.setattr(aioresponses_core, "merge_params", recording_merge_params)
    with aioresponses() as mocked:
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):

            def callback(url: URL, *, _method: str = method, **kwargs: Any) -> CallbackResult:
                return recorder.respond(_method, kwargs)

            mocked.add(ANY_URL, method=method, callback=callback, repeat=True)
        yield recorder
