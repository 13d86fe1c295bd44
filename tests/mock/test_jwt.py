"""Player JWTs: every token the mock did not issue, or that has expired, is a 401 with the
Xsolla error body; never a 500."""

from __future__ import annotations

import asyncio
import base64
import json
from datetime import timedelta
from typing import Any

import jwt as pyjwt
import pytest

from liveops_async.testing import LiveOpsMock, ManualClock
from liveops_async.testing._jwt import ISSUER

from .conftest import PROJECT_ID, Api

ROUTE = f"/v2/project/{PROJECT_ID}/user/reward_chain"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def _raw_get(mock: LiveOpsMock, authorization: bytes) -> tuple[int, dict[str, Any]]:
    """GET with the Authorization header's bytes exactly as given (client libraries refuse or
    re-encode non-ASCII header values)."""
    host, port = mock.base_url.split("//")[1].split("/")[0].split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            b"GET /api" + ROUTE.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Authorization: " + authorization + b"\r\n\r\n"
        )
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def _assert_xsolla_401(status: int, body: dict[str, Any], reason: str) -> None:
    assert status == 401, body
    assert body["statusCode"] == 401 and body["errorCode"] == 1501
    assert body["errorMessage"] == f"[0401-1501]: Authorization failed: {reason}"


@pytest.mark.parametrize(
    "token",
    ["jösé.ñ.ü".encode(), "Bearer €".encode(), b"\xff\xfe.\xfa.\xfb"],
    ids=["utf8-parts", "euro-sign", "invalid-utf8"],
)
async def test_non_ascii_tokens_are_401_not_500(liveops_mock: LiveOpsMock, token: bytes) -> None:
    status, body = await _raw_get(liveops_mock, b"Bearer " + token)
    _assert_xsolla_401(status, body, "malformed token")


async def test_a_non_ascii_claim_in_a_valid_token_is_accepted(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    token = liveops_mock.issue_jwt("joueur-é", nickname="Ölaf")
    status, _ = await api.call("get-reward-chains-list", auth=token)
    assert status == 200
    assert liveops_mock.requests[-1].user_id == "joueur-é"


@pytest.mark.parametrize(
    "token",
    ["", "not-a-jwt", "a.b", "a.b.c.d", "e30.e30.", f"{_b64({'alg': 'none'})}.{_b64({})}."],
    ids=["empty", "one-part", "two-parts", "four-parts", "empty-json", "alg-none"],
)
async def test_malformed_tokens_are_401(api: Api, token: str) -> None:
    status, body = await api.call("get-reward-chains-list", auth=token)
    assert status == 401 and body["errorCode"] == 1501, body


async def test_expired_token_is_401_on_the_mock_clock(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    token = liveops_mock.issue_jwt("p1", ttl=60)
    assert (await api.call("get-reward-chains-list", auth=token))[0] == 200
    clock.advance(timedelta(seconds=60))  # exp == now: expired
    status, body = await api.call("get-reward-chains-list", auth=token)
    _assert_xsolla_401(status, body, "token expired")


async def test_a_token_valid_later_is_401_until_then(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    token = liveops_mock.issue_jwt("p1", nbf=int(clock.now().timestamp()) + 30)
    status, body = await api.call("get-reward-chains-list", auth=token)
    _assert_xsolla_401(status, body, "token not valid yet")
    clock.advance(timedelta(seconds=30))
    assert (await api.call("get-reward-chains-list", auth=token))[0] == 200


async def test_foreign_signed_tokens_are_401(
    api: Api, liveops_mock: LiveOpsMock, clock: ManualClock
) -> None:
    now = int(clock.now().timestamp())
    claims = {"iss": ISSUER, "sub": "p1", "iat": now, "exp": now + 600}
    foreign = pyjwt.encode(claims, b"another secret of 32 bytes......", algorithm="HS256")
    status, body = await api.call("get-reward-chains-list", auth=foreign)
    _assert_xsolla_401(status, body, "bad signature")
    async with LiveOpsMock(PROJECT_ID, clock=clock) as other:  # another mock's token
        status, body = await api.call("get-reward-chains-list", auth=other.issue_jwt("p1"))
    _assert_xsolla_401(status, body, "bad signature")


async def test_tokens_missing_claims_or_from_another_issuer_are_401(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    cases = {
        "a required claim is missing": liveops_mock.issue_jwt("p1", exp=None),
        "token issued by someone else": liveops_mock.issue_jwt(
            "p1", iss="https://login.xsolla.com"
        ),
        "malformed token": liveops_mock.issue_jwt("p1", exp="tomorrow"),
        "no subject": liveops_mock.issue_jwt(""),
    }
    for reason, token in cases.items():
        status, body = await api.call("get-reward-chains-list", auth=token)
        _assert_xsolla_401(status, body, reason)


async def test_error_bodies_never_quote_the_token(api: Api, liveops_mock: LiveOpsMock) -> None:
    token = liveops_mock.issue_jwt("p1")
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[::-1]}"
    _, body = await api.call("get-reward-chains-list", auth=tampered)
    assert signature[::-1] not in json.dumps(body) and payload not in json.dumps(body)


def test_without_pyjwt_the_mock_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from liveops_async.testing import _jwt

    monkeypatch.setattr(_jwt, "jwt", None)
    with pytest.raises(ImportError, match=r"pip install 'liveops-async\[testing\]'"):
        LiveOpsMock()
