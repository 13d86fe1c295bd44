"""Every error the SDK raises, rooted in `LiveOpsError`.

Errors carry the HTTP method and the route *template* of the call (never the filled-in path,
which may hold player-supplied values) and never a credential.

What `str()` and `repr()` show of any error is bounded: a text longer than `MAX_SHOWN_CHARS`
(a server's `errorMessage` of megabytes, say) is cut there and ends with "... (N more
characters)", so one answer cannot flood a log line or a traceback. The attributes keep the
whole value: `APIStatusError.message` (and `.body`), `.transaction_id`, and `error.args[0]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from ._redact import Redactor
from ._utils._numbers import ascii_int

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ClientStateError",
    "ConflictError",
    "ConnectTimeoutError",
    "DecodeMismatchError",
    "InternalServerError",
    "InvalidParameterError",
    "LiveOpsError",
    "MissingCredentialsError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "PoolTimeoutError",
    "RateLimitError",
    "ReadTimeoutError",
    "RedirectError",
    "RequestValidationError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "UnprocessableEntityError",
    "WrongEventLoopError",
    "MAX_SHOWN_CHARS",
    "make_status_error",
    "status_error_class",
]


# How many characters of one text (a message, a transaction id) str() and repr() of an error show.
MAX_SHOWN_CHARS = 1_000


def shown_text(text: str, limit: int = MAX_SHOWN_CHARS) -> str:
    """`text` as an error shows it: whole up to `limit` characters, else its first `limit`
    followed by "... (N more characters)"."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text) - limit} more characters)"


def _rebuild(cls: type[LiveOpsError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class LiveOpsError(Exception):
    """Base class of every error raised by liveops-async.

    Every error pickles and copies with its fields (job queues and process pools pickle the
    exceptions of failed jobs); the constructors take keyword arguments, so the default
    `Exception.__reduce__`, which calls `cls(*args)`, cannot rebuild them.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, dict(self.__dict__)))

    def __str__(self) -> str:
        return shown_text(super().__str__())

    def __repr__(self) -> str:
        # Exception's own repr quotes every argument whole; this one is as bounded as str().
        return f"{type(self).__name__}({str(self)!r})"


class InvalidParameterError(LiveOpsError, ValueError):
    """An argument cannot be sent as given (empty path value, CR/LF in a header or token...)."""


class DecodeMismatchError(LiveOpsError, ValueError):
    """JSON data does not fit the model it is decoded into (strict decoding, or a top-level
    value of the wrong JSON type). Names where and what, never the value (it may be personal
    data): `path` (`$.items[0].name`), `expected` and `received` (JSON type names)."""

    def __init__(self, path: str, expected: str, received: str) -> None:
        self.path = path
        self.expected = expected
        self.received = received
        super().__init__(f"{path}: expected {expected}, received {received}")


class RequestValidationError(InvalidParameterError):
    """The request body, or a path or query parameter value, does not match the operation's
    schema; nothing was sent. `problems` name the field (`code: ...`, `items/0/sku: ...`) or
    the parameter (`limit: 0 is less than the minimum of 1`)."""

    def __init__(
        self, operation_id: str, problems: Sequence[str], *, subject: str = "request body"
    ) -> None:
        self.operation_id = operation_id
        self.problems: tuple[str, ...] = tuple(problems)
        self.subject = subject
        super().__init__(
            f"{subject} of {operation_id} does not match its schema: " + "; ".join(problems)
        )


class MissingCredentialsError(LiveOpsError):
    """The operation needs credentials the client or view was not given; nothing was sent."""


class ClientStateError(LiveOpsError, RuntimeError):
    """The client cannot be used in its current state."""


class ClientClosedError(ClientStateError):
    """The client (or the session it was given) is closed."""


class WrongEventLoopError(ClientStateError):
    """The client is bound to another event loop than the one it is used from."""


class _CallError(LiveOpsError):
    """An error tied to one HTTP call: knows its method and route template."""

    def __init__(self, message: str, *, method: str, route: str) -> None:
        super().__init__(message)
        self.method = method
        self.route = route


class APIConnectionError(_CallError):
    """The request failed below HTTP: refused connection, DNS, TLS, dropped connection.

    `sent` is False when the request provably never left the client.
    """

    def __init__(self, message: str, *, method: str, route: str, sent: bool) -> None:
        super().__init__(message, method=method, route=route)
        self.sent = sent

    def __str__(self) -> str:
        return f"{shown_text(str(self.args[0]))} ({self.method} {self.route})"


class APITimeoutError(APIConnectionError):
    """A timeout; raised as is when the total per-attempt timeout expired."""


class ConnectTimeoutError(APITimeoutError):
    """Opening the connection took longer than the connect timeout; nothing was sent."""


class ReadTimeoutError(APITimeoutError):
    """The server did not send data within the read timeout; the request may have arrived."""


class PoolTimeoutError(APITimeoutError):
    """Every pooled connection stayed busy for longer than the pool timeout; nothing was sent."""


class ResponseDecodeError(_CallError):
    """A success response body could not be parsed into the documented type. The API answered
    `status` (2xx): the request acted, only its answer is lost, so a call that is not
    retry-safe must not be sent again. Never retried by the SDK."""

    def __init__(self, message: str, *, method: str, route: str, status: int) -> None:
        super().__init__(message, method=method, route=route)
        self.status = status

    def __str__(self) -> str:
        return f"{shown_text(str(self.args[0]))} ({self.method} {self.route} -> {self.status})"


class ResponseTooLargeError(ResponseDecodeError):
    """The body of a success answer is larger than any real answer (see
    `MAX_RESPONSE_BYTES`); the SDK stopped reading it and closed the connection. The request
    was sent and not retried. (An error status with such a body is its typed `APIStatusError`,
    with the body's beginning, retried by the usual rules.)"""


class PaginationError(LiveOpsError):
    """Walking a list stopped because the server's pages cannot end the walk: a page repeats
    an earlier one, a page brings no new item, an empty page still says `has_more`, the walk
    passed the total the server reported, or the walk reached its page bound (`max_pages`).

    `reason` is one of "repeated_page", "no_progress", "past_total", "max_pages"; `pages` and
    `items` count what was yielded before the walk stopped.
    """

    def __init__(
        self, message: str, *, operation_id: str | None, reason: str, pages: int, items: int
    ) -> None:
        super().__init__(message)
        self.operation_id = operation_id
        self.reason = reason
        self.pages = pages
        self.items = items

    def __str__(self) -> str:
        where = f"{self.operation_id}: " if self.operation_id else ""
        return (
            f"{where}{shown_text(str(self.args[0]))} (after {self.pages} pages, {self.items} items)"
        )


# "[0401-1102]: Unprocessable Entity..." -> ("0401-1102", "Unprocessable Entity...")
# ASCII digits, a few of them: settling compares the code's number with Xsolla's duplicate codes.
_BRACKET_CODE = re.compile(r"^\s*\[([0-9]{1,18}-[0-9]{1,18})\]\s*:?\s*(.*)$", re.DOTALL)
_MAX_TEXT_BODY = 500


class APIStatusError(_CallError):
    """The API answered with a non-success HTTP status.

    Attributes: `status`, `error_code` (Xsolla's numeric `errorCode`), `code` (the
    `0401-XXXX` code from the message, which can differ from `error_code`), `message`,
    `message_extended` (`errorMessageExtended`), `transaction_id`, `retry_after` (seconds, from
    the `Retry-After` header), `body` (parsed JSON or text), `headers`, `method`, `route`.

    `str()` and `repr()` show at most `MAX_SHOWN_CHARS` (1,000) characters of `message` and of
    `transaction_id`, then "... (N more characters)"; the attributes keep them whole.
    """

    def __init__(
        self,
        *,
        status: int,
        method: str,
        route: str,
        message: str,
        error_code: int | None = None,
        code: str | None = None,
        message_extended: Any = None,
        transaction_id: str | None = None,
        retry_after: float | None = None,
        body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, method=method, route=route)
        self.status = status
        self.message = message
        self.error_code = error_code
        self.code = code
        self.message_extended = message_extended
        self.transaction_id = transaction_id
        self.retry_after = retry_after
        self.body = body
        self.headers: Mapping[str, str] = headers if headers is not None else {}

    def __str__(self) -> str:
        parts = [f"{self.status}"]
        if self.code:
            parts.append(f"[{self.code}]")
        parts.append(shown_text(self.message) if self.message else "(no message)")
        details = [f"{self.method} {self.route}"]
        if self.error_code is not None:
            details.append(f"errorCode={self.error_code}")
        if self.transaction_id:
            details.append(f"transactionId={shown_text(self.transaction_id)}")
        if self.retry_after is not None:
            details.append(f"retry_after={self.retry_after:g}s")
        return " ".join(parts) + " (" + ", ".join(details) + ")"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self})"


class RedirectError(APIStatusError):
    """A 3xx answer: the SDK never follows redirects (they could carry credentials elsewhere)."""


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the credentials were refused."""


class PermissionDeniedError(APIStatusError):
    """403: missing authorization header or a credential without access."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409."""


class UnprocessableEntityError(APIStatusError):
    """422: the API rejected the request's content (see `code` and `message_extended`)."""


class RateLimitError(APIStatusError):
    """429: too many requests; `retry_after` says how long the API asked to wait."""


class InternalServerError(APIStatusError):
    """5xx."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    if status in _STATUS_ERRORS:
        return _STATUS_ERRORS[status]
    if 500 <= status <= 599:
        return InternalServerError
    if 300 <= status <= 399:
        return RedirectError
    return APIStatusError


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():  # 1102.0 from some JSON encoders
        return int(value)
    if isinstance(value, str):
        return ascii_int(value)
    return None


def make_status_error(
    *,
    status: int,
    method: str,
    route: str,
    raw: bytes,
    headers: Mapping[str, str],
    retry_after: float | None,
    secrets: Iterable[str] = (),
    redactor: Redactor | None = None,
) -> APIStatusError:
    """Build the typed error for a non-success response; never fails, whatever the body.

    Everything taken from the response (every body field, every header) passes through
    `redactor` (or one built from `secrets`, the credentials in use), in case a proxy echoes
    the request back.
    """
    scrub = redactor if redactor is not None else Redactor(secrets)
    body: Any = None
    error_code: int | None = None
    code: str | None = None
    message = ""
    extended: Any = None
    transaction_id: str | None = None
    from ._codings import as_utf8, declared_charset  # loaded with the engine already

    # A gateway's page or an error body in the charset its Content-Type names: its text.
    raw = as_utf8(raw, declared_charset(headers.get("Content-Type")), errors="replace")
    try:
        body = scrub.value(_loads_error_body(raw), _MAX_BODY_DEPTH) if raw else None
    except ValueError:  # not JSON (orjson.JSONDecodeError is a ValueError), or nested too deep
        body = scrub.text_head(raw, _MAX_TEXT_BODY)
        message = body.strip()
    if isinstance(body, dict):
        fields = _error_fields(body)
        error_code = _as_int(fields.get("errorCode"))
        if error_code is None and fields is not body:  # {"error": {"code": 4002, ...}}
            error_code = _as_int(fields.get("code"))
        raw_message = _first_present(fields, ("errorMessage", "message", "description"))
        if raw_message is None and isinstance(body.get("error"), str):
            raw_message = body["error"]  # {"error": "invalid_token"}
        message = _as_text(raw_message) if raw_message is not None else ""
        extended = fields.get("errorMessageExtended")
        tid = _first_present(fields, ("transactionId",)) or body.get("transactionId")
        transaction_id = _as_text(tid) if tid is not None else None
        other_code = fields.get("code") if fields is not body else None
        if isinstance(other_code, str) and _DASHED_CODE.match(other_code):
            code = other_code  # {"error": {"code": "010-007", ...}}
    elif isinstance(body, str) and raw:  # a JSON string: the message itself
        message = body[:_MAX_TEXT_BODY].strip()
    match = _BRACKET_CODE.match(message)
    if match:
        code, message = match.group(1), match.group(2).strip()
    if not message:
        message = _default_reason(status)
    return status_error_class(status)(
        status=status,
        method=method,
        route=route,
        message=message,
        error_code=error_code,
        code=code,
        message_extended=extended,
        transaction_id=transaction_id,
        retry_after=retry_after,
        body=body,
        headers=scrub.headers(headers),
    )


def _loads_error_body(raw: bytes) -> Any:
    """The error body's JSON. A body that is JSON but for a byte that is not UTF-8 (a message
    in another charset its Content-Type does not name: a server's bug) is read with that byte
    replaced, so the error keeps its errorCode and message. Raises ValueError otherwise."""
    from ._serde import loads_json  # exact integers; loaded with the engine already

    try:
        return loads_json(raw)
    except ValueError:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return loads_json(raw.decode("utf-8", errors="replace"))
        raise


# Error bodies are two or three levels deep; one nested deeper than this is kept as its text
# (as a body that is not JSON), so that the error always pickles and copies (both recurse).
_MAX_BODY_DEPTH = 64


def _as_text(value: object) -> str:
    """A message or id field as text: a string as it is, any other JSON value as compact JSON
    (the scrubbed body bounds its depth), cut to the length of a text body."""
    if isinstance(value, str):
        return value
    from ._serde import dumps_json

    try:
        return dumps_json(value).decode()[:_MAX_TEXT_BODY]
    except (TypeError, ValueError):
        return str(type(value).__name__)


_DASHED_CODE = re.compile(r"^[0-9]{1,18}-[0-9]{1,18}$")
_DOCUMENTED_KEYS = ("errorCode", "errorMessage", "message")


def _error_fields(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object holding the error's fields: the body itself (Xsolla's documented shape), or
    the object under `error` when the body has none of the documented keys (other Xsolla
    services and gateways answer `{"error": {"code": ..., "description": ...}}`)."""
    nested = body.get("error")
    if isinstance(nested, dict) and not any(key in body for key in _DOCUMENTED_KEYS):
        return nested
    return body


def _first_present(fields: Mapping[str, Any], keys: Sequence[str]) -> Any:
    for key in keys:
        value = fields.get(key)
        if value is not None:
            return value
    return None


def _default_reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP status {status}"
