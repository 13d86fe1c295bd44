"""Player JWTs issued and verified by the mock: HS256 with a per-mock secret, through PyJWT.

PyJWT checks the structure, the algorithm, the signature and the required claims. Time claims
(`exp`, `nbf`, `iat`) are checked here against the mock's own clock instead of the wall clock,
so a test that moves a `ManualClock` also expires tokens.
"""

from __future__ import annotations

from typing import Any

try:
    import jwt
except ImportError:  # pragma: no cover - exercised only without the `testing` extra
    jwt = None  # type: ignore[assignment]

ISSUER = "liveops-async-mock"
_ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is malformed, badly signed or expired (the message says which, never the token)."""


def require_pyjwt() -> None:
    """Fail with an install hint when PyJWT (the `testing` extra) is missing."""
    if jwt is None:
        raise ImportError(
            "LiveOpsMock needs PyJWT to issue and check player tokens: "
            "pip install 'liveops-async[testing]'"
        )


def encode(secret: bytes, claims: dict[str, Any]) -> str:
    require_pyjwt()
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def decode(secret: bytes, token: str, now: float) -> dict[str, Any]:
    """Check the token against `secret` and the mock clock's `now` (Unix seconds); return the
    claims. Every failure is an `InvalidToken` whose message is one of a few fixed reasons:
    PyJWT's own messages may quote parts of the token."""
    require_pyjwt()
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            issuer=ISSUER,
            # Time claims are checked below, on the mock's clock.
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "require": ["exp", "sub", "iss"],
            },
        )
    except jwt.InvalidSignatureError:
        raise InvalidToken("bad signature") from None
    except jwt.InvalidIssuerError:
        raise InvalidToken("token issued by someone else") from None
    except jwt.MissingRequiredClaimError:
        raise InvalidToken("a required claim is missing") from None
    except (jwt.InvalidTokenError, ValueError, TypeError):
        # DecodeError for non-ASCII, cut or non-JSON tokens; anything else PyJWT rejects.
        raise InvalidToken("malformed token") from None
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise InvalidToken("no subject")
    if _seconds(claims["exp"]) <= now:
        raise InvalidToken("token expired")
    if "nbf" in claims and _seconds(claims["nbf"]) > now:
        raise InvalidToken("token not valid yet")
    return claims


def _seconds(value: object) -> float:
    """A NumericDate claim (Unix seconds)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidToken("malformed token")
    return float(value)
