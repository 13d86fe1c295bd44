"""Player JWTs issued and verified by the mock (HS256, signed with a per-mock secret)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

_HEADER = {"alg": "HS256", "typ": "JWT"}
ISSUER = "liveops-async-mock"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, signing_input: str) -> str:
    return _b64(hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest())


def encode(secret: bytes, claims: dict[str, Any]) -> str:
    header = _b64(json.dumps(_HEADER, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}"
    return f"{signing_input}.{_sign(secret, signing_input)}"


class InvalidToken(Exception):
    """The token is malformed, badly signed or expired (the message says which, never the token)."""


def decode(secret: bytes, token: str, now: float) -> dict[str, Any]:
    """Check signature and expiry; return the claims."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidToken("malformed token")
    header, payload, signature = parts
    if not hmac.compare_digest(_sign(secret, f"{header}.{payload}"), signature):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(_unb64(payload))
    except (ValueError, binascii.Error) as exc:
        raise InvalidToken("malformed payload") from exc
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
        raise InvalidToken("no subject")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or exp <= now:
        raise InvalidToken("token expired")
    return claims
