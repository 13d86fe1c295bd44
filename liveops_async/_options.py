"""Timeouts and per-call options.

Every level (per call, `with_options`, client, defaults) may set only some fields; the more
specific level wins field by field, and the defaults fill the rest, so a timeout always applies.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypedDict

import attrs

from ._constants import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_POOL_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TOTAL_TIMEOUT,
)
from ._exceptions import InvalidParameterError
from ._redact import headers_repr
from ._retry import RetryPolicy
from ._types import UNSET, Unset
from ._utils._header_text import unsendable_in_header

if TYPE_CHECKING:
    import aiohttp

__all__ = ["ClientOverrides", "RequestOptions", "Timeouts", "check_flag", "check_headers"]


def _check_seconds(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is UNSET:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not _finite(value)
        or value <= 0
    ):
        raise InvalidParameterError(
            f"timeout {attribute.name} must be a positive number of seconds, got {value!r}"
        )


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float (10**400): no timer takes it
        return False


def check_flag(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """An attrs validator: a setting that turns something on or off is a bool (a truthy "no"
    or 0/1 would be read as the opposite of what was meant, or pass unnoticed); None is left to
    `attrs.validators.optional`."""
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{attribute.name} must be True or False, got {value!r}")


@attrs.frozen
class Timeouts:
    """Timeouts in seconds for one attempt.

    * `total`: whole attempt, from sending to the last body byte.
    * `connect`: opening a new connection (TCP and TLS).
    * `read`: longest wait for the next bytes of the response.
    * `pool`: waiting for a free connection when every pooled one is busy.

    Fields left UNSET inherit from the less specific level.
    """

    total: float | Unset = attrs.field(default=UNSET, validator=_check_seconds)
    connect: float | Unset = attrs.field(default=UNSET, validator=_check_seconds)
    read: float | Unset = attrs.field(default=UNSET, validator=_check_seconds)
    pool: float | Unset = attrs.field(default=UNSET, validator=_check_seconds)

    def merged_over(self, base: Timeouts) -> Timeouts:
        """This level's fields where set, `base`'s elsewhere."""
        return Timeouts(
            total=base.total if self.total is UNSET else self.total,
            connect=base.connect if self.connect is UNSET else self.connect,
            read=base.read if self.read is UNSET else self.read,
            pool=base.pool if self.pool is UNSET else self.pool,
        )


DEFAULT_TIMEOUTS = Timeouts(
    total=DEFAULT_TOTAL_TIMEOUT,
    connect=DEFAULT_CONNECT_TIMEOUT,
    read=DEFAULT_READ_TIMEOUT,
    pool=DEFAULT_POOL_TIMEOUT,
)


def as_timeouts(value: Timeouts | float | None) -> Timeouts | None:
    """A bare number is every timeout of an attempt, as in httpx: the total, connecting,
    each read and the pool wait all get that many seconds (a number only for the total would
    leave the 30 s read default in force, so `timeout=120` would still fail a slow answer at
    30 s). `Timeouts(total=...)` sets the total alone."""
    if value is None or isinstance(value, Timeouts):
        return value
    return Timeouts(total=value, connect=value, read=value, pool=value)


@functools.lru_cache(maxsize=64)
def to_client_timeout(resolved: Timeouts, *, total: bool = True) -> aiohttp.ClientTimeout:
    """aiohttp's timeout for fully resolved Timeouts (cached: they are few and immutable).

    aiohttp's `connect` covers its own pool queue plus connecting, so it gets pool + connect;
    our own pool wait is bounded separately before the request reaches aiohttp. With
    `total=False` the total is left out: the engine enforces it itself with timers shared
    between attempts (`_transport.AttemptDeadlines`).
    """
    import aiohttp  # not at module import: `import liveops_async` stays free of aiohttp

    connect = seconds(resolved.connect)
    return aiohttp.ClientTimeout(
        total=seconds(resolved.total) if total else None,
        connect=connect + seconds(resolved.pool),
        sock_connect=connect,
        sock_read=seconds(resolved.read),
    )


def seconds(value: float | Unset) -> float:
    """A resolved timeout field (levels are always merged over the complete defaults)."""
    if isinstance(value, Unset):
        raise InvalidParameterError("timeout field left unresolved")
    return value


def check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy of extra headers, refusing anything that could split a header line, and an
    Authorization header: it comes only from the call's credential (a call without one, a
    guest's cart call, would otherwise carry it and act for whoever it names)."""
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidParameterError("header names and values must be str")
        if not name or not _TOKEN.fullmatch(name):
            # A whole header line given as a name ("X-Api-Key: <key>") is named by what comes
            # before its ":" or blank: the rest may be a credential.
            shown = _LINE_VALUE.split(name, maxsplit=1)[0]
            more = " followed by a ':' or blank and more (not shown)" if shown != name else ""
            raise InvalidParameterError(
                f"invalid header name {shown!r}{more}: letters, digits and !#$%&'*+-.^_`|~ only"
            )
        refusal = header_refusal(name)
        if refusal is not None:
            raise InvalidParameterError(refusal)
        if unsendable_in_header(value, tab=True):
            raise InvalidParameterError(
                f"header {name} must not contain CR, LF or other controls, or lone surrogates"
            )
        checked[name] = value
    return checked


# An HTTP header name (RFC 9110 token), ASCII only.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Where the value begins in a header line ("Name: value", "Name value").
_LINE_VALUE = re.compile(r"[:\s]")
# Headers that decide how a request is framed on its (pooled) connection: one of the caller's
# (a Content-Length that disagrees with the body, say) would make the rest of the body a
# second request, and desynchronise the answers of the calls that reuse the connection.
_FRAMING_HEADERS = frozenset(
    {
        "connection",
        "content-length",
        "expect",  # 100-continue: the body waits for an interim answer
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)


# Headers a client setting decides, never a caller's header: the virtual host the API key is
# sent to (a Host of the caller's would send it to another site on the same address), and the
# credentials of a proxy (sent to the API itself when there is none).
_CLIENT_SETTING_HEADERS: Mapping[str, str] = {
    "host": "base_url",
    "proxy-authorization": "proxy= setting (its user:password)",
}


def header_refusal(name: str) -> str | None:
    """Why a caller may not set the header `name` (any spelling), or None: the Authorization
    of the call's credential, a header a client setting decides, one that frames the request
    on its connection, or Content-Encoding (the body is the SDK's, sent as it is). For caller
    headers and a `session=`'s default headers alike."""
    lowered = name.lower()
    if lowered == "authorization":
        return AUTHORIZATION_IS_THE_CREDENTIALS
    setting = _CLIENT_SETTING_HEADERS.get(lowered)
    if setting is not None:
        return f"header {name} comes from the client's {setting}"
    if lowered in _FRAMING_HEADERS:
        return (
            f"header {name} is the HTTP client's to set: it decides how the request is "
            "framed on its connection"
        )
    if lowered == "content-encoding":  # the SDK writes its JSON bodies as they are
        return (
            f"header {name} would label the SDK's plain JSON body with a coding it does not "
            "have, and the API would refuse or misread it"
        )
    return None


AUTHORIZATION_IS_THE_CREDENTIALS = (
    "the Authorization header comes only from the call's credential: pass api_key= "
    "(or admin_auth=) to LiveOpsClient, call through client.user(jwt), or use "
    "client.admin_as(credential)"
)


def _checked_or_none(headers: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if headers is None else check_headers(headers)


class ClientOverrides(TypedDict, total=False):
    """The settings `LiveOpsClient.with_options(...)` may change; any left out (or None) keep the
    client's value.

    * `timeout`: `Timeouts` (merged field by field), or a number for every timeout of an
      attempt (total, connect, read and pool wait).
    * `retry`: a whole `RetryPolicy`; `max_retries` is a shortcut that changes only the count.
    * `headers`: extra default headers, added to the client's (never Authorization).
    * `validate_requests`: check bodies, path and query values against the operation's schemas
      before sending.
    * `strict_responses`: a response field that does not fit the spec raises
      `ResponseDecodeError` instead of keeping its raw value with a warning.
    * `settle`: settle ambiguous outcomes of non-idempotent calls (docs/settling.md).
    """

    timeout: Timeouts | float | None
    retry: RetryPolicy | None
    max_retries: int | None
    headers: Mapping[str, str] | None
    validate_requests: bool | None
    strict_responses: bool | None
    settle: bool | None  # resilience (issue 16)


@attrs.frozen
class RequestOptions:
    """Per-call overrides; anything left None falls back to the client's settings.

    * `timeout`: `Timeouts`, or a number for every timeout of an attempt (total, connect,
      read and pool wait).
    * `retry`: a whole `RetryPolicy`; `max_retries` is a shortcut that changes only the count.
    * `headers`: extra headers (never Authorization, which only the credential sets).
    * `validate_requests`: check the body, path and query values against the operation's
      schemas before sending.
    * `strict_responses`: a response field that does not fit the spec raises
      `ResponseDecodeError` instead of keeping its raw value with a warning.
    * `settle`: False to raise at once when this non-idempotent call fails after it may have
      arrived, instead of settling the outcome from the API's state (docs/settling.md).
    """

    timeout: Timeouts | float | None = None
    retry: RetryPolicy | None = None
    max_retries: int | None = None
    headers: Mapping[str, str] | None = attrs.field(
        default=None, converter=_checked_or_none, repr=headers_repr
    )
    validate_requests: bool | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_flag)
    )
    strict_responses: bool | None = attrs.field(
        default=None, validator=attrs.validators.optional(check_flag)
    )
    settle: bool | None = attrs.field(  # resilience (issue 16)
        default=None, validator=attrs.validators.optional(check_flag)
    )

    def __attrs_post_init__(self) -> None:
        as_timeouts(self.timeout)  # validates a bare number early
        retries = self.max_retries
        if retries is not None and (
            isinstance(retries, bool) or not isinstance(retries, int) or retries < 0
        ):
            raise InvalidParameterError(f"max_retries must be an integer >= 0, got {retries!r}")
