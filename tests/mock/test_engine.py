"""The generic engine on a small synthetic spec: routing, validation, auth, faults, the log."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from liveops_async.testing import LiveOpsMock, ManualClock, MockFaults

ERROR = {"$ref": "#/components/schemas/Error"}
_ERRORS = {
    str(s): {"description": "error", "content": {"application/json": {"schema": ERROR}}}
    for s in (401, 404, 422, 429, 503)
}

PROJECT_ID = {"name": "project_id", "in": "path", "required": True, "schema": {"type": "integer"}}

MINI_SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "mini", "version": "1"},
    "paths": {
        "/v2/project/{project_id}/admin/widget/{widget_id}": {
            "parameters": [
                PROJECT_ID,
                {
                    "name": "widget_id",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1},
                },
            ],
            "put": {
                "operationId": "put-widget",
                "security": [{"basicAuth": []}],
                "parameters": [
                    {
                        "name": "mode",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "string", "enum": ["a", "b"]},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Widget"}}
                    },
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Widget"},
                                "example": {"name": "from example", "size": None},
                            }
                        },
                    },
                    **_ERRORS,
                },
            },
        },
        "/v2/project/{project_id}/admin/widget/all": {
            "parameters": [PROJECT_ID],
            "get": {
                "operationId": "list-widgets",
                "security": [{"basicAuth": []}],
                "responses": {"204": {"description": "none"}, **_ERRORS},
            },
        },
        "/v2/project/{project_id}/user/widget": {
            "parameters": [PROJECT_ID],
            "get": {
                "operationId": "player-widget",
                "security": [{"userJWT": []}],
                "responses": {"204": {"description": "none"}, **_ERRORS},
            },
            "post": {
                "operationId": "cart-widget",
                "security": [{"cartAuth": []}, {}],
                "responses": {"204": {"description": "none"}, **_ERRORS},
            },
        },
    },
    "components": {
        "schemas": {
            "Widget": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "minLength": 1},
                    "size": {"type": "integer", "nullable": True},
                },
            },
            "Error": {
                "type": "object",
                "required": ["statusCode", "errorCode", "errorMessage"],
                "properties": {
                    "statusCode": {"type": "integer"},
                    "errorCode": {"type": "integer"},
                    "errorMessage": {"type": "string"},
                    "transactionId": {"type": "string"},
                },
            },
        }
    },
}


@pytest.fixture
def spec_path(tmp_path: Path) -> Path:
    path = tmp_path / "mini.openapi.json"
    path.write_text(json.dumps(MINI_SPEC))
    return path


@pytest.fixture
async def mini(spec_path: Path) -> AsyncIterator[LiveOpsMock]:
    clock = ManualClock()
    async with LiveOpsMock(
        project_id=7, api_key="k3y", spec_path=spec_path, clock=clock, strict_responses=True
    ) as mock:
        yield mock


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def _basic(user: str, key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{key}".encode()).decode()}


async def _send(
    session: aiohttp.ClientSession, method: str, url: str, **kw: Any
) -> tuple[int, Any, Any]:
    async with session.request(method, url, **kw) as r:
        body = await r.json() if r.content_length else None
        return r.status, body, r.headers


async def test_answers_with_the_spec_example_and_checks_the_body(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    url = f"{mini.base_url}/v2/project/7/admin/widget/3"
    status, body, _ = await _send(
        session, "PUT", url, json={"name": "x", "size": None}, headers=_basic("7", "k3y")
    )
    assert (status, body) == (200, {"name": "from example", "size": None})

    status, body, _ = await _send(
        session, "PUT", url, json={"size": "big"}, headers=_basic("7", "k3y")
    )
    assert status == 422 and body["errorCode"] == 1102
    assert body["errorMessage"].startswith("[0401-1102]: ")
    assert {e["property"] for e in body["errorMessageExtended"]} == {"body", "body.size"}


@pytest.mark.parametrize(
    ("path", "query", "payload"),
    [
        ("/v2/project/7/admin/widget/0", None, {"name": "x"}),  # below minimum
        ("/v2/project/7/admin/widget/abc", None, {"name": "x"}),  # not an integer
        ("/v2/project/7/admin/widget/3", {"mode": "c"}, {"name": "x"}),  # not in enum
        ("/v2/project/7/admin/widget/3", None, None),  # body required
    ],
)
async def test_bad_requests_get_422(
    mini: LiveOpsMock, session: aiohttp.ClientSession, path: str, query: Any, payload: Any
) -> None:
    status, body, _ = await _send(
        session, "PUT", mini.base_url + path, params=query, json=payload, headers=_basic("7", "k3y")
    )
    assert status == 422 and body["statusCode"] == 422 and body["errorCode"] == 1102


async def test_invalid_json_is_a_422_not_a_crash(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    status, body, _ = await _send(
        session,
        "PUT",
        f"{mini.base_url}/v2/project/7/admin/widget/3",
        data=b"{not json",
        headers=_basic("7", "k3y"),
    )
    assert status == 422 and "not valid JSON" in body["errorMessage"]


async def test_literal_segment_wins_over_parameter(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    status, _, _ = await _send(
        session, "GET", f"{mini.base_url}/v2/project/7/admin/widget/all", headers=_basic("7", "k3y")
    )
    assert status == 204
    assert mini.requests[-1].operation_id == "list-widgets"


async def test_unknown_route_is_an_xsolla_404(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    status, body, _ = await _send(session, "GET", f"{mini.base_url}/v9/nothing")
    assert status == 404 and body["statusCode"] == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        _basic("7", "wrong"),
        _basic("8", "k3y"),
        {"Authorization": "Basic !!!"},
        {"Authorization": "Bearer abc"},
    ],
)
async def test_admin_calls_need_the_project_credentials(
    mini: LiveOpsMock, session: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    status, body, _ = await _send(
        session, "GET", f"{mini.base_url}/v2/project/7/admin/widget/all", headers=headers
    )
    assert status == 401 and body["errorCode"] == 1020
    assert "k3y" not in json.dumps(body)


async def test_path_project_must_match(mini: LiveOpsMock, session: aiohttp.ClientSession) -> None:
    status, _, _ = await _send(
        session, "GET", f"{mini.base_url}/v2/project/8/admin/widget/all", headers=_basic("7", "k3y")
    )
    assert status == 401


async def test_player_jwt_signature_and_expiry(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    url = f"{mini.base_url}/v2/project/7/user/widget"
    token = mini.issue_jwt("player-9", ttl=60)
    status, _, _ = await _send(session, "GET", url, headers={"Authorization": f"Bearer {token}"})
    assert status == 204 and mini.requests[-1].user_id == "player-9"

    head, payload, sig = token.split(".")
    forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    for bad in (f"{head}.{forged}.{sig}", "not-a-jwt", ""):
        status, body, _ = await _send(
            session, "GET", url, headers={"Authorization": f"Bearer {bad}"}
        )
        assert status == 401 and body["errorCode"] == 1501

    assert isinstance(mini.clock, ManualClock)
    mini.clock.advance(61)
    status, body, _ = await _send(session, "GET", url, headers={"Authorization": f"Bearer {token}"})
    assert status == 401 and "expired" in body["errorMessage"]


async def test_another_mocks_jwt_is_rejected(
    mini: LiveOpsMock, spec_path: Path, session: aiohttp.ClientSession
) -> None:
    other = LiveOpsMock(project_id=7, api_key="k3y", spec_path=spec_path)
    status, _, _ = await _send(
        session,
        "GET",
        f"{mini.base_url}/v2/project/7/user/widget",
        headers={"Authorization": f"Bearer {other.issue_jwt('p')}"},
    )
    assert status == 401


async def test_cart_calls_take_a_jwt_or_guest_headers(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    url = f"{mini.base_url}/v2/project/7/user/widget"
    guest = {"x-unauthorized-id": "g-1", "x-user": base64.b64encode(b"a@b.c").decode()}
    status, _, _ = await _send(session, "POST", url, headers=guest)
    assert status == 204 and mini.requests[-1].user_id == "guest:g-1"
    status, _, _ = await _send(session, "POST", url, headers={"x-unauthorized-id": "g-1"})
    assert status == 401


async def test_throttling_and_server_errors(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    url = f"{mini.base_url}/v2/project/7/admin/widget/all"
    mini.faults = MockFaults(rate_429=1.0, retry_after=2)
    status, body, headers = await _send(session, "GET", url, headers=_basic("7", "k3y"))
    assert (status, body["errorCode"], headers["Retry-After"]) == (429, 1100, "2")

    mini.faults = MockFaults(rate_5xx=1.0, status_5xx=502)
    status, body, _ = await _send(session, "GET", url, headers=_basic("7", "k3y"))
    assert status == 502 and body["statusCode"] == 502


async def test_fault_share_is_seeded_and_roughly_right(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    url = f"{mini.base_url}/v2/project/7/admin/widget/all"

    async def run() -> list[int]:
        mini.faults = MockFaults(rate_429=0.3, seed=42)
        return [
            (await _send(session, "GET", url, headers=_basic("7", "k3y")))[0] for _ in range(100)
        ]

    first = await run()
    assert first == await run()  # same seed, same sequence
    assert 15 <= first.count(429) <= 45 and set(first) == {204, 429}
    assert mini.count("list-widgets") == 200


async def test_throttle_next_answers_429_to_just_the_next_requests(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    url = f"{mini.base_url}/v2/project/7/admin/widget/all"
    mini.faults = MockFaults(retry_after=3)
    mini.throttle_next(2, retry_after=0.25)
    mini.throttle_next()  # the fault knobs' Retry-After
    answers = [await _send(session, "GET", url, headers=_basic("7", "k3y")) for _ in range(4)]
    assert [(s, h.get("Retry-After")) for s, _, h in answers] == [
        (429, "0.250"),
        (429, "0.250"),
        (429, "3"),
        (204, None),
    ]
    assert [r.status for r in mini.requests] == [429, 429, 429, 204]
    with pytest.raises(ValueError, match="count"):
        mini.throttle_next(0)
    with pytest.raises(ValueError, match="retry_after"):
        mini.throttle_next(retry_after=float("nan"))


async def test_clear_throttle_forgets_the_queued_429s(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    url = f"{mini.base_url}/v2/project/7/admin/widget/all"
    mini.throttle_next(3)
    first = await _send(session, "GET", url, headers=_basic("7", "k3y"))
    assert mini.clear_throttle() == 2  # the two no request has taken yet
    assert mini.clear_throttle() == 0
    second = await _send(session, "GET", url, headers=_basic("7", "k3y"))
    assert [first[0], second[0]] == [429, 204]
    mini.faults = MockFaults(rate_429=1.0, seed=1)
    assert mini.clear_throttle() == 0  # the drawn 429s are the fault knobs', not the queue's
    assert (await _send(session, "GET", url, headers=_basic("7", "k3y")))[0] == 429


async def test_the_log_stamps_arrival_on_the_monotonic_clock(
    mini: LiveOpsMock, session: aiohttp.ClientSession
) -> None:
    url = f"{mini.base_url}/v2/project/7/admin/widget/all"
    mini.faults.latency = 0.1  # arrival is stamped before the injected latency
    before = time.monotonic()
    await _send(session, "GET", url, headers=_basic("7", "k3y"))
    await _send(session, "GET", f"{mini.base_url}/v9/nothing")
    after = time.monotonic()
    first, second = mini.requests
    # The 404 needs no latency, so it arrives at least 0.1 s after the first was stamped only
    # if that stamp was taken on arrival, before the latency.
    assert before <= first.received_at
    assert first.received_at + 0.1 <= second.received_at <= after


async def test_dropped_connection(mini: LiveOpsMock, session: aiohttp.ClientSession) -> None:
    mini.faults = MockFaults(drop_connection_rate=1.0)
    with pytest.raises(aiohttp.ClientError):
        await _send(
            session,
            "GET",
            f"{mini.base_url}/v2/project/7/admin/widget/all",
            headers=_basic("7", "k3y"),
        )
    assert mini.requests[-1].status == 0
    mini.faults = MockFaults()
    status, _, _ = await _send(
        session, "GET", f"{mini.base_url}/v2/project/7/admin/widget/all", headers=_basic("7", "k3y")
    )
    assert status == 204


async def test_latency(spec_path: Path, session: aiohttp.ClientSession) -> None:
    # The mock's sleep is replaced by one that records the delay and holds the request until the
    # test lets all go: what is checked is the decision (every request waits the latency, side
    # by side), not how long a busy machine took.
    asked: list[float] = []
    release = asyncio.Event()

    async def held_sleep(delay: float) -> None:
        asked.append(delay)
        await release.wait()

    async with LiveOpsMock(
        project_id=7, api_key="k3y", spec_path=spec_path, sleep=held_sleep
    ) as mock:
        mock.faults.latency = 0.2  # changing the live object takes effect at once
        url = f"{mock.base_url}/v2/project/7/admin/widget/all"
        sends = [
            asyncio.create_task(_send(session, "GET", url, headers=_basic("7", "k3y")))
            for _ in range(5)
        ]
        while len(asked) < 5:  # concurrent requests wait side by side, not in a queue
            await asyncio.sleep(0.01)
        assert asked == [0.2] * 5 and not any(send.done() for send in sends)
        release.set()
        assert [status for status, _, _ in await asyncio.gather(*sends)] == [204] * 5


def test_fault_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="rate_429"):
        MockFaults(rate_429=1.5)


def test_repr_hides_the_api_key(spec_path: Path) -> None:
    mock = LiveOpsMock(project_id=7, api_key="sup3r-secret", spec_path=spec_path)
    assert "sup3r-secret" not in repr(mock)
