"""The request engine the generated resources call: URL, headers, auth, body validation, send,
retry, parse, typed errors, logging, hooks and the rate limiter.

Hot path: everything that depends only on the operation (path template, body check, the URL of
a route without parameters) is computed once per operation; everything that depends only on the
client (headers, aiohttp timeout, pool timeout) once per client or view. Logging formats nothing
unless its level is enabled, and no response event is built when no one listens.

This module imports aiohttp, cattrs (through `_serde`) and yarl: `_client` imports it when the
first `LiveOpsClient` is created, so that `import liveops_async` stays cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import aiohttp
import attrs
import orjson
from aiohttp.http_exceptions import ContentEncodingError
from multidict import CIMultiDictProxy, istr
from yarl import URL

from . import _hooks, _serde
from ._auth import Credential, require_credential
from ._codings import as_utf8, declared_charset, stacked_decoder
from ._constants import DEFAULT_RETRY_STATUSES, MAX_RESPONSE_BYTES
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ClientClosedError,
    ConnectTimeoutError,
    InvalidParameterError,
    LiveOpsError,
    PoolTimeoutError,
    ReadTimeoutError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseTooLargeError,
    make_status_error,
)
from ._hooks import RateLimiter, RequestEvent, RequestHook, ResponseEvent, ResponseHook
from ._operation import Operation
from ._options import (
    ClientOverrides,
    RequestOptions,
    Timeouts,
    as_timeouts,
    check_flag,
    checked_retry,
    seconds,
    to_client_timeout,
)
from ._pagination import AsyncPaginator
from ._redact import Redactor, credential_header_values, forget_locals, headers_repr
from ._response import APIResponse
from ._retry import (
    AttemptOutcome,
    RetryPolicy,
    budget_verdict,
    parse_retry_after,
    should_retry,
)
from ._transport import AttemptDeadlines, Transport
from ._types import UNSET
from ._utils._params import ParameterValidator
from ._utils._path import PathTemplate, compile_path
from ._utils._query import encode_query
from ._utils._schema import BodyValidator

if TYPE_CHECKING:
    from types import CoroutineType

    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    # resilience (issue 16): settling, the retry budget and tracing
    from ._intercept import CallWrapper
    from ._retry_budget import RetryBudgetLike
    from ._settle import SettleHook

__all__ = ["BaseResource", "ClientConfig", "HTTPRequester", "Requester"]

log = logging.getLogger("liveops_async")

_T = TypeVar("_T")
_JSON_HEADER = {"Content-Type": "application/json"}
_MAX_REASON = 200
# What an error status whose body passed MAX_RESPONSE_BYTES keeps of it (its error shows the
# first 500 characters of a body that is not JSON, and a cut body is not JSON).
_ERROR_BODY_HEAD = 64 * 1024
_sleep = asyncio.sleep  # the retry wait; a module attribute so tests can record it


class Requester(Protocol):
    """What generated resources call; `HTTPRequester` is the implementation."""

    async def request(
        self,
        op: Operation,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        body: object = None,
        options: RequestOptions | None = None,
    ) -> Any:
        """Send `op` (path and query values, extra headers, a body model or dict) and
        answer its parsed body. Raises InvalidParameterError or RequestValidationError before
        sending, APIStatusError subclasses and APIConnectionError after."""
        ...

    async def request_raw(
        self,
        op: Operation,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        body: object = None,
        options: RequestOptions | None = None,
    ) -> APIResponse[Any]:
        """`request`, answering the `APIResponse` (status, headers, raw and parsed body)."""
        ...

    def paginate(
        self,
        op: Operation,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        options: RequestOptions | None = None,
    ) -> AsyncPaginator[Any, Any]:
        """An `AsyncPaginator` over the pages (and items) of the list operation `op`."""
        ...


class BaseResource:
    """Base of every generated resource: holds the requester bound to one credential.

    A call method is a plain method returning the engine's coroutine (one coroutine less per
    call); each is marked as a coroutine function, so that `inspect.iscoroutinefunction`,
    `asyncio.iscoroutinefunction` and `unittest.mock.create_autospec` (an `AsyncMock`) see it
    as the `async def` it stands for.
    """

    __slots__ = ("_requester",)

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"  # never the credential the requester holds

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, member in vars(cls).items():
            annotation = getattr(member, "__annotations__", {}).get("return", "")
            if not name.startswith("_") and str(annotation).startswith("Coroutine["):
                mark_coroutine_function(member)


def mark_coroutine_function(function: Callable[..., Any]) -> None:
    """Mark a function that returns a coroutine as a coroutine function (for the checks of
    `inspect` from Python 3.12, and of `asyncio`, which `unittest.mock` uses before 3.12)."""
    if sys.version_info >= (3, 12):
        inspect.markcoroutinefunction(function)
    else:  # asyncio's marker; `inspect` has none before 3.12
        function._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]


@attrs.frozen
class ClientConfig:
    """Everything a client level (client, `with_options` copy) decides; shared by its views.

    `timeouts` is fully resolved (every field set); `client_timeout` is its aiohttp form,
    `shared_total_timeout` the same without the total (which the engine then enforces itself:
    `AttemptDeadlines`), and `pool_timeout` and `total_timeout` its fields in seconds.
    """

    base_url: str
    project_id: int | None
    timeouts: Timeouts
    retry: RetryPolicy
    headers: Mapping[str, str] = attrs.field(repr=headers_repr)
    validate_requests: bool = attrs.field(validator=check_flag)
    rate_limiter: RateLimiter | None
    strict_responses: bool = attrs.field(validator=check_flag)
    on_request: tuple[RequestHook, ...]
    on_response: tuple[ResponseHook, ...]
    # resilience (issue 16): settle ambiguous outcomes, client-wide retry budget, tracing
    settle: bool = attrs.field(default=True, validator=check_flag)
    retry_budget: RetryBudgetLike | None = None
    on_settle: tuple[SettleHook, ...] = ()
    call_wrapper: CallWrapper | None = None
    client_timeout: aiohttp.ClientTimeout = attrs.field(init=False)
    shared_total_timeout: aiohttp.ClientTimeout = attrs.field(init=False)
    pool_timeout: float = attrs.field(init=False)
    total_timeout: float = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        timeouts = self.timeouts
        object.__setattr__(self, "client_timeout", to_client_timeout(timeouts))
        object.__setattr__(self, "shared_total_timeout", to_client_timeout(timeouts, total=False))
        object.__setattr__(self, "pool_timeout", seconds(timeouts.pool))
        object.__setattr__(self, "total_timeout", seconds(timeouts.total))

    def for_project(self, project_id: int) -> ClientConfig:
        """The same settings for calls to another project (a second project's AdminAuth)."""
        return attrs.evolve(self, project_id=project_id)

    def overridden(self, **overrides: Unpack[ClientOverrides]) -> ClientConfig:
        """A copy where the given settings win (timeouts field by field)."""
        timeouts = as_timeouts(overrides.get("timeout"))
        retry = checked_retry(overrides.get("retry")) or self.retry
        max_retries = overrides.get("max_retries")
        if max_retries is not None:
            retry = retry.with_max_retries(max_retries)
        headers = overrides.get("headers")
        validate_requests = overrides.get("validate_requests")
        strict_responses = overrides.get("strict_responses")
        settle = overrides.get("settle")  # resilience (issue 16)
        return attrs.evolve(
            self,
            timeouts=timeouts.merged_over(self.timeouts) if timeouts else self.timeouts,
            retry=retry,
            headers={**self.headers, **headers} if headers else self.headers,
            validate_requests=(
                self.validate_requests if validate_requests is None else validate_requests
            ),
            strict_responses=(
                self.strict_responses if strict_responses is None else strict_responses
            ),
            settle=self.settle if settle is None else settle,
        )


class _OperationPlan:
    """What the engine derives from an Operation once."""

    __slots__ = ("_parameters", "_project_path", "_static_url", "_validator", "op", "path")

    def __init__(self, op: Operation) -> None:
        self.op = op
        self.path: PathTemplate = compile_path(op.path)
        # The template with the last project id seen filled in, and the URL of the last call
        # without path or query values (with its base URL and project id).
        self._project_path: tuple[int, PathTemplate] | None = None
        self._static_url: tuple[str, int | None, URL] | None = None
        self._validator: BodyValidator | None = None
        self._parameters: ParameterValidator | None = None

    def target(
        self,
        base_url: str,
        project_id: int | None,
        values: Mapping[str, object] | None,
        query: Mapping[str, object] | None,
        validate: bool = False,
    ) -> URL | str:
        """The call's URL: a cached `URL` for a route without path or query values, else its
        percent-encoded text, which `_call` turns into a `URL` once the call has a pooled
        connection (a queued call holds ~140 bytes of text instead of a ~400-byte `URL`).
        Bad values raise here, before anything is sent; with `validate`, so do values their
        parameter's schema refuses (`RequestValidationError`)."""
        if self.op.required_query:
            self.check_required_query(query)
        static = not values and not query
        if static:
            cached = self._static_url
            if cached is not None and cached[0] == base_url and cached[1] == project_id:
                return cached[2]
        elif validate:
            self.check_parameters(values, query)
        text = base_url + self.expand(values, project_id)
        if query:
            query_string = encode_query(query)
            if query_string:
                text = text + "?" + query_string
        if not static:
            return text
        url = URL(text, encoded=True)  # every part is percent-encoded already
        self._static_url = (base_url, project_id, url)
        return url

    def check_required_query(self, query: Mapping[str, object] | None) -> None:
        """Refuse a call without a query parameter the spec requires (None and UNSET are
        absent), naming it: the encoder would drop it and send the call without it."""
        missing = [
            name
            for name in sorted(self.op.required_query)
            if query is None or query.get(name) is None or query.get(name) is UNSET
        ]
        if missing:
            raise RequestValidationError(
                self.op.operation_id,
                [f"{name}: required, got None" for name in missing],
                subject="a path or query parameter",
            )

    def check_parameters(
        self, values: Mapping[str, object] | None, query: Mapping[str, object] | None
    ) -> None:
        """Refuse path or query values their parameter's schema does not allow, naming each
        parameter; the checks are compiled on the operation's first checked call."""
        checker = self._parameters
        if checker is None:
            op = self.op
            checker = self._parameters = ParameterValidator(op.path_schemas, op.query_schemas)
        problems = checker.problems(values, query)
        if problems:
            raise RequestValidationError(
                self.op.operation_id, problems, subject="a path or query parameter"
            )

    def expand(self, values: Mapping[str, object] | None, project_id: int | None) -> str:
        names = self.path.names
        if "project_id" in names:
            if project_id is None:
                raise InvalidParameterError(
                    f"{self.op.operation_id} needs a project id: pass project_id= to "
                    "LiveOpsClient or set LIVEOPS_PROJECT_ID"
                )
            if values and "project_id" in values:
                raise InvalidParameterError("project_id comes from the client configuration")
            bound = self._project_path
            if bound is None or bound[0] != project_id:
                bound = self._project_path = (project_id, self.path.bind("project_id", project_id))
            return bound[1].expand(values or {})
        return self.path.expand(values or {})

    def encode_body(self, body: object, validate: bool) -> bytes:
        """The JSON payload; with `validate`, only once the body matches the schema.

        The unstructured body is checked before it is encoded; only a body the compiled check
        cannot vouch for is decoded again and explained (`BodyValidator.problems`), which has the
        last word. Encoding failures win over schema problems, as they always have.
        Whether validated or not, a value JSON cannot carry faithfully (NaN, an infinity, a
        datetime without a time zone) is refused, naming its field: the compiled check only
        vouches for finite numbers, so a body it accepts needs no further look.
        """
        if body is None:  # every request body of the API is required
            raise RequestValidationError(self.op.operation_id, ["(body): required, got None"])
        # The compiled check runs even without `validate`: a body it vouches for needs none of
        # the walks below (~0.5 µs against ~6 µs for a small body); its verdict on the schema
        # itself is only acted on with `validate`.
        validator: BodyValidator | None = None
        schema = self.op.body_schema
        if schema is not None:
            validator = self._validator
            if validator is None:
                validator = self._validator = BodyValidator(schema)
        try:
            data = _serde.unstructure(body)
        except (_serde.UnsendableValue, RecursionError) as exc:  # RecursionError: too deep
            raise self._refusal(_serde.unsendable_values(body)) or self._unserializable(
                exc
            ) from None
        except (AttributeError, TypeError, ValueError) as exc:
            raise (
                self._refusal(_serde.misshapen_values(body))
                or self._refusal(_serde.unsendable_values(body))
                or self._unserializable(exc)
            ) from None
        accepted = validator is not None and validator.accepts(data)
        if not accepted:
            # A string where a list belongs unstructures into its characters: only the
            # declared types tell, so the typed walk runs whenever the compiled check did not
            # vouch for the body.
            refusal = self._refusal(_serde.unsendable_values(data)) or self._refusal(
                _serde.misshapen_values(body)
            )
            if refusal is not None:
                raise refusal
        try:
            payload = orjson.dumps(data)
        except (TypeError, ValueError) as exc:  # orjson.JSONEncodeError is a TypeError
            raise self._refusal(_serde.unsendable_values(data)) or self._unserializable(
                exc
            ) from None
        if not accepted and validate and validator is not None:
            problems = validator.problems(orjson.loads(payload))
            if problems:
                raise RequestValidationError(self.op.operation_id, problems)
        return payload

    def _refusal(self, problems: Iterable[str]) -> RequestValidationError | None:
        found = list(problems)
        return RequestValidationError(self.op.operation_id, found) if found else None

    def _unserializable(self, exc: Exception) -> RequestValidationError:
        # A dict or a wrong type where a model belongs: say so instead of leaking a converter
        # internals error.
        problem = f"(body): cannot serialize {type(exc).__name__}: {exc}"
        return RequestValidationError(self.op.operation_id, [problem])


# Keyed by id(op); the op is kept in the value so the id cannot be reused while cached.
_PLANS: dict[int, tuple[Operation, _OperationPlan]] = {}


def _plan_for(op: Operation) -> _OperationPlan:
    entry = _PLANS.get(id(op))
    if entry is not None and entry[0] is op:
        return entry[1]
    plan = _OperationPlan(op)
    _PLANS[id(op)] = (op, plan)
    return plan


def _connection_failure(
    exc: Exception, op: Operation, timeouts: Timeouts, redactor: Redactor
) -> AttemptOutcome:
    """Map an aiohttp failure to our error and say what the retry decision needs: whether the
    request may have reached the server, and whether another attempt may fare better.

    Messages are our own; aiohttp errors whose text holds the full URL (with player-supplied
    path values) or that carry the request itself (`ClientResponseError` keeps its headers,
    Authorization included, in `request_info`) are not chained as the cause, and a cause whose
    text holds a secret (echoed in a malformed answer) is chained scrubbed.
    """
    error, transient = _map_connection_failure(exc, op, timeouts, redactor)
    if not isinstance(
        exc, (aiohttp.ConnectionTimeoutError, aiohttp.InvalidURL, aiohttp.ClientResponseError)
    ):
        error.__cause__ = redactor.exception(exc)
    return AttemptOutcome(error, reached_server=error.sent, transient=transient)


def _map_connection_failure(
    exc: Exception, op: Operation, timeouts: Timeouts, redactor: Redactor
) -> tuple[APIConnectionError, bool]:
    """Our error for `exc`, and whether the failure is transient (worth another attempt, if
    `should_retry` agrees: a sent request only for a retry-safe operation)."""
    method, route = op.method, op.path
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        # The proxy refused the CONNECT tunnel: the request itself never left. A proxy that
        # could not reach the API (502, 503, 504, ...) may reach it next time; one refusing
        # its own credentials (407) or by policy (403) will not.
        return APIConnectionError(
            f"the proxy refused the connection: {exc.status} "
            f"{redactor.text(str(exc.message))[:_MAX_REASON]}",
            method=method,
            route=route,
            sent=False,
        ), exc.status in DEFAULT_RETRY_STATUSES
    if isinstance(exc, (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch)):
        return APIConnectionError(
            f"TLS failure: {type(exc).__name__}", method=method, route=route, sent=False
        ), False
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return ConnectTimeoutError(
            f"connecting took longer than {timeouts.connect} s",
            method=method,
            route=route,
            sent=False,
        ), True
    if isinstance(exc, aiohttp.ClientConnectorError):
        reason = exc.os_error.strerror or type(exc.os_error).__name__
        # Connecting to the proxy, not the API: say so (its host and port are the proxy's).
        what = "the proxy " if isinstance(exc, aiohttp.ClientProxyConnectionError) else ""
        return APIConnectionError(
            f"cannot connect to {what}{exc.host}:{exc.port}: {reason}",
            method=method,
            route=route,
            sent=False,
        ), True
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return ReadTimeoutError(
            f"no data from the server for {timeouts.read} s", method=method, route=route, sent=True
        ), True
    if isinstance(exc, asyncio.TimeoutError):
        return APITimeoutError(
            f"the attempt took longer than the total timeout of {timeouts.total} s",
            method=method,
            route=route,
            sent=True,
        ), True
    if isinstance(exc, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)):
        return APIConnectionError(
            f"connection failed after sending: {type(exc).__name__}",
            method=method,
            route=route,
            sent=True,
        ), True
    if isinstance(exc, aiohttp.ClientResponseError) and _is_encoding_failure(exc):
        # aiohttp refused the answer's only Content-Encoding (br or zstd without its decoder)
        # before handing over its status: another attempt would get the same answer.
        return APIConnectionError(
            "the answer's Content-Encoding cannot be decoded here: "
            f"{redactor.text(str(exc.message))[:_MAX_REASON]}",
            method=method,
            route=route,
            sent=True,
        ), False
    if isinstance(exc, aiohttp.ClientResponseError):
        # The server answered with something that is not valid HTTP: the request did leave.
        return APIConnectionError(
            f"invalid HTTP response: {redactor.text(str(exc.message))[:_MAX_REASON]}",
            method=method,
            route=route,
            sent=True,
        ), True
    return APIConnectionError(
        f"request failed: {type(exc).__name__}", method=method, route=route, sent=False
    ), False


def _incidental_context(error: BaseException) -> bool:
    """Whether the `__context__` of an error the engine raises (or of a cancel reaching a call)
    says nothing the error does not: one `raise ... from` hides (its frames' locals would
    still show in a debugger), or an aiohttp exception being handled when the error was
    raised: on Python 3.10 the event loop's Task wakes a coroutine inside its `except` for the
    exception aiohttp set, whose unscrubbed text (a credential a server echoed) or
    `request_info` (the headers sent) the error would carry. Other exceptions a caller was
    handling stay."""
    context = error.__context__
    return context is not None and (
        error.__suppress_context__ or type(context).__module__.startswith("aiohttp.")
    )


def _is_encoding_failure(exc: BaseException) -> bool:
    current: BaseException | None = exc
    while current is not None:
        if isinstance(current, ContentEncodingError):
            return True
        current = current.__cause__ or current.__context__
    return False


async def _read_body(response: aiohttp.ClientResponse, op: Operation) -> bytes:
    """The whole decoded body, or ResponseTooLargeError as soon as more than
    MAX_RESPONSE_BYTES were decoded (a broken or hostile server, or a compression bomb, must
    not exhaust the caller's memory): aiohttp decodes as it is read, so reading stops at the
    cap whatever the Content-Encoding; for an error status, its first `_ERROR_BODY_HEAD` bytes
    instead (its typed error keeps its status and retry rules). Codings aiohttp leaves on the
    body (`gzip, gzip`, `x-gzip`: `_codings`) are taken off here, under the same cap. A
    Content-Encoding that cannot be decoded (corrupt gzip, deflate, br, zstd) is a
    ResponseDecodeError for a success status; for an error status the body is empty (the
    status still says what went wrong), as it is when an error status's body is cut short or
    stalls past the read timeout (a 404 stays a NotFoundError, not retried; a 429 keeps its
    Retry-After)."""
    length = response.content_length
    try:
        if (
            length is not None
            and length <= MAX_RESPONSE_BYTES
            and "Content-Encoding" not in response.headers
        ):
            return await response.read()  # aiohttp reads no more than Content-Length
        if response.content.at_eof():  # the parser saw the end and buffered nothing: a 204
            return b""
        chunks: list[bytes] = []
        size = 0
        decoder = stacked_decoder(response.headers)
        async for chunk in response.content.iter_any():
            for piece in (chunk,) if decoder is None else decoder.feed(chunk):
                size += len(piece)
                if size > MAX_RESPONSE_BYTES:
                    break
                chunks.append(piece)
            else:
                continue
            break
        else:
            if decoder is not None:
                decoder.end()
            return b"".join(chunks)
    except (aiohttp.ClientPayloadError, aiohttp.SocketTimeoutError, ContentEncodingError) as exc:
        status = response.status
        success = 200 <= status < 300
        if success and not _is_encoding_failure(exc):
            raise  # a success cut short or stalled: its answer is unknown (sent)
        response.close()
        if success:
            raise ResponseDecodeError(
                f"{op.operation_id} answered {status} with a body whose "
                f"Content-Encoding cannot be decoded",
                method=op.method,
                route=op.path,
                status=status,
            ) from None
        return b""
    response.close()  # drop the connection instead of draining the rest
    if not 200 <= response.status < 300:
        # An error status keeps its typed error and retry rules (a 429 its pause): the status
        # says what went wrong, and the error shows only the body's beginning anyway.
        head = bytearray()
        for chunk in chunks:  # not b"".join(chunks): that would copy the cap's worth again
            head += chunk[: _ERROR_BODY_HEAD - len(head)]
            if len(head) >= _ERROR_BODY_HEAD:
                break
        chunks.clear()
        return bytes(head)
    chunks.clear()
    raise ResponseTooLargeError(
        f"the response body is too large (over {MAX_RESPONSE_BYTES} bytes once decoded); "
        "reading stopped",
        method=op.method,
        route=op.path,
        status=response.status,
    )


def _pool_timeout(op: Operation, timeout: float) -> PoolTimeoutError:
    return PoolTimeoutError(
        f"every pooled connection stayed busy for {timeout} s",
        method=op.method,
        route=op.path,
        sent=False,
    )


async def _wait_closable(
    wait: Callable[[], Awaitable[_T]],
    deadlines: AttemptDeadlines | None,
    task: asyncio.Task[Any] | None,
    waited_for: str,
    done: str,
    cause: BaseException | None = None,
) -> _T:
    """Await `wait()`, a wait with no deadline of the SDK's (the client-side rate limiter, a
    caller's token provider, a retry budget of the caller's or in Redis), such that `aclose()`
    ends it: announced to `deadlines` (`wait_started`), whose close cancels it, and that
    cancel, and only that one, becomes ClientClosedError ("... waited for `waited_for`;
    `done`"); the caller's own cancel stays a CancelledError. Outside a task (nothing to
    cancel) it is a plain await. Raises ClientClosedError (with `cause`, the attempt's error
    when a failed attempt led to the wait) before `wait()` is even called when the client is
    closed already."""
    if deadlines is None or task is None:
        return await wait()
    if deadlines.closed:
        raise ClientClosedError(
            f"the LiveOps client was closed before the call waited for {waited_for}; {done}"
        ) from cause
    deadlines.wait_started(task)
    try:
        return await wait()
    except asyncio.CancelledError:
        if not deadlines.expired(task):
            raise
        raise ClientClosedError(
            f"the LiveOps client was closed while the call waited for {waited_for}; {done}"
        ) from cause
    finally:
        deadlines.wait_ended(task)


def _unsent(attempt: int) -> str:
    return "it was not sent" if attempt == 1 else "it was not retried"


def _closed_in_flight(error: APIConnectionError) -> ClientClosedError:
    state = "the request may have reached the server" if error.sent else "it was not sent"
    closed = ClientClosedError(f"the LiveOps client was closed during the call ({state})")
    closed.__cause__ = error
    return closed


def _case_insensitive_names(headers: Mapping[str, str]) -> dict[str, str]:
    """The same headers, each name an `istr` (a `str`, spelt as given): aiohttp copies a call's
    headers into a case-insensitive multidict, which must otherwise fold the case of every
    name again on every request (~60 ns and ~250 bytes per request for three headers)."""
    return {istr(name): value for name, value in headers.items()}


def _reporting(config: ClientConfig) -> bool:
    """Whether an attempt's end is worth reporting: response hooks, or the DEBUG log."""
    return bool(config.on_response) or log.isEnabledFor(logging.DEBUG)


async def _call_hooks(hooks: tuple[Any, ...], event: object) -> None:
    """Run each hook on `event`. A hook that raises is logged (`_hooks.hook_failures`: the
    first failure of each hook at WARNING, later ones at DEBUG with a WARNING at most once a
    minute) and the others and the call go on: hooks observe (metrics, tracing), and a failing
    metrics backend must not turn a redemption the API applied into an error the caller may
    answer by redeeming again. A cancellation (`BaseException`) still propagates."""
    for hook in hooks:
        try:
            result = hook(event)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            _hooks.hook_failures.failed(hook, event, exc)


class HTTPRequester:
    """The Requester bound to a transport, a config and (optionally) one credential.

    Cheap to create: a player's view is one of these plus the generated resource objects.
    """

    __slots__ = ("_config", "_credential", "_static_headers", "_transport")

    def __init__(
        self, transport: Transport, config: ClientConfig, credential: Credential | None
    ) -> None:
        self._transport = transport
        self._config = config
        self._credential = credential
        static = credential.static_headers if credential is not None else {}
        # The credential's headers go last so extra headers can never replace them.
        self._static_headers: tuple[dict[str, str], dict[str, str]] | None = (
            None
            if static is None
            else (
                _case_insensitive_names({**config.headers, **static}),
                _case_insensitive_names({**config.headers, **_JSON_HEADER, **static}),
            )
        )

    @property
    def config(self) -> ClientConfig:
        return self._config

    @property
    def credential(self) -> Credential | None:
        return self._credential

    def __repr__(self) -> str:
        return f"HTTPRequester(base_url={self._config.base_url!r}, credential={self._credential!r})"

    def request(
        self,
        op: Operation,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        body: object = None,
        options: RequestOptions | None = None,
    ) -> Coroutine[Any, Any, Any]:
        """The call's coroutine (see `Requester.request`): await it for the parsed body."""
        # The call's coroutine itself, not one that awaits it: a call waiting for a pooled
        # connection then holds one coroutine frame less (~300 bytes of 2 KiB).
        call: CoroutineType[Any, Any, Any] = self._entry(op)(
            op, path, query, headers, body, options, False
        )
        # Named for the SDK method (`user.coupons.redeem`), not `HTTPRequester._call`: a "coroutine
        # ... was never awaited" warning then says which call lacks its `await` (~280
        # instructions, under 0.1% of a call).
        call.__qualname__ = op.sdk_name
        return call

    async def request_raw(
        self,
        op: Operation,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        body: object = None,
        options: RequestOptions | None = None,
    ) -> APIResponse[Any]:
        """The call's `APIResponse` (see `Requester.request_raw`)."""
        response: APIResponse[Any] = await self._entry(op)(
            op, path, query, headers, body, options, True
        )
        return response

    def paginate(
        self,
        op: Operation,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        options: RequestOptions | None = None,
    ) -> AsyncPaginator[Any, Any]:
        """The pages of a list operation (see `Requester.paginate`). Raises
        InvalidParameterError when `op` does not page."""
        if op.pagination is None:
            raise InvalidParameterError(f"{op.operation_id} is not a list operation")

        async def fetch(page_query: Mapping[str, object]) -> Any:
            return await self._entry(op)(op, path, page_query, None, None, options, False)

        return AsyncPaginator(fetch, op.pagination, query, operation_id=op.operation_id)

    def _entry(self, op: Operation) -> Any:
        """`_call`, or the settling/tracing wrapper around it (resilience, issue 16)."""
        wrapper = self._config.call_wrapper
        if wrapper is not None and (
            wrapper.all_operations or op.operation_id in wrapper.settleable
        ):
            return functools.partial(wrapper, self)
        return self._call

    def _effective(self, options: RequestOptions) -> ClientConfig:
        if not isinstance(options, RequestOptions):  # e.g. a dict: say so, not AttributeError
            raise InvalidParameterError(
                f"options must be a RequestOptions, got {type(options).__name__} "
                "(e.g. options=RequestOptions(timeout=3))"
            )
        return self._config.overridden(
            timeout=options.timeout,
            retry=options.retry,
            max_retries=options.max_retries,
            validate_requests=options.validate_requests,
            strict_responses=options.strict_responses,
        )

    async def _dynamic_headers(
        self,
        credential: Credential,
        config: ClientConfig,
        has_body: bool,
        extra: Mapping[str, str] | None,
    ) -> Mapping[str, str]:
        auth = await credential.headers()
        merged = {**config.headers}
        if has_body:
            merged.update(_JSON_HEADER)
        if extra:
            merged.update(extra)
        merged.update(auth)
        return merged

    def _prepare(
        self,
        op: Operation,
        path: Mapping[str, object] | None,
        query: Mapping[str, object] | None,
        extra_headers: Mapping[str, str] | None,
        body: object,
        options: RequestOptions | None,
    ) -> tuple[
        Credential,
        ClientConfig,
        URL | str,
        bytes | None,
        Mapping[str, str] | None,
        Mapping[str, str] | None,
    ]:
        """What every attempt of a call shares, computed once and checked before anything is
        sent: credential, settings, URL (or its text: `_OperationPlan.target`), JSON payload,
        the extra headers, and the complete headers when no attempt needs to compute them (a
        credential with static headers)."""
        plan = _plan_for(op)
        credential = require_credential(op.auth, self._credential, op.operation_id)
        config = self._config if options is None else self._effective(options)
        target = plan.target(
            config.base_url, config.project_id, path, query, config.validate_requests
        )
        payload = (
            None
            if body is None and op.body_schema is None
            else plan.encode_body(body, config.validate_requests)
        )
        if options is not None and options.headers:
            extra_headers = (
                {**options.headers, **extra_headers} if extra_headers else options.headers
            )
        static_headers = self._static_headers
        fixed_headers = (
            None
            if static_headers is None or extra_headers
            else static_headers[0 if payload is None else 1]
        )
        return credential, config, target, payload, extra_headers, fixed_headers

    async def _call(
        self,
        op: Operation,
        path: Mapping[str, object] | None,
        query: Mapping[str, object] | None,
        extra_headers: Mapping[str, str] | None,
        body: object,
        options: RequestOptions | None,
        raw: bool,
    ) -> Any:
        """One call, retries included: the parsed body, or an `APIResponse` when `raw`.

        The steps: `_prepare` once; per attempt the headers, the rate limiter and request hooks,
        then the exchange (pool slot, URL, send, read) classified as an answer or an
        `AttemptOutcome`; a failed attempt goes to `_after_failure`, which reports it and asks
        `should_retry`. The loop and the exchange stay in this one coroutine on purpose: every
        coroutine level costs its creation and a step on every resumption of the call, and a
        call waiting for a pooled connection holds one frame less. Only failures pay for one.
        For the same reason this frame is kept small (thousands of calls may queue): no
        closures (their cells live as long as the frame), few locals, and the path and query
        values and the body model let go once `_prepare` has turned them into text and bytes.
        An error leaving the call first lets go of the headers and the answer (a traceback
        formatted with locals must not show them; `forget_locals`): a try block, which costs
        a call nothing until something raises (Python 3.11+; one instruction on 3.10).
        """
        try:
            credential, config, target, payload, extra_headers, fixed_headers = self._prepare(
                op, path, query, extra_headers, body, options
            )
            path = query = body = None  # turned into `target` and `payload`: not held while queued
            session, pool = self._transport.session()
            # The attempts' total timeouts, on timers shared between calls (outside a task there
            # is nothing to cancel: aiohttp then keeps its own, which refuses to run there).
            task = asyncio.current_task()
            deadlines = None if task is None else self._transport.attempt_deadlines
            # Only admin credentials are throttled client-side: Xsolla's limits are per project key,
            # and a bucket per player would cost a Redis round trip per player call for nothing.
            limit_key = credential.rate_limit_key() if config.rate_limiter is not None else None
            started = time.monotonic()
            attempt = 0
            while True:
                attempt += 1
                if attempt > 1 and self._transport.closed:
                    raise ClientClosedError(
                        "the LiveOps client was closed; the call was not retried"
                    )
                # A caller's token provider (and below, the rate limiter) may wait as long as
                # it likes: aclose() ends those waits (`_wait_closable`).
                headers = (
                    fixed_headers
                    if fixed_headers is not None
                    else await _wait_closable(
                        functools.partial(
                            self._dynamic_headers,
                            credential,
                            config,
                            payload is not None,
                            extra_headers,
                        ),
                        deadlines,
                        task,
                        "its token provider",
                        _unsent(attempt),
                    )
                )
                limiter = config.rate_limiter
                if limit_key is not None and limiter is not None:
                    await _wait_closable(
                        functools.partial(limiter.acquire, limit_key),
                        deadlines,
                        task,
                        "the client-side rate limiter",
                        _unsent(attempt),
                    )
                attempt_start = time.monotonic()
                if config.on_request:
                    try:
                        await _call_hooks(
                            config.on_request,
                            RequestEvent(op.operation_id, op.method, op.path, attempt),
                        )
                    except BaseException as exc:  # a cancel while an async hook ran
                        # The hooks before it (and it) saw the request event: its response
                        # event follows, as for an attempt cancelled later.
                        await self._ended_without_outcome(
                            config, op, attempt, None, attempt_start, session, exc
                        )
                        raise
                    attempt_start = time.monotonic()
                outcome: AttemptOutcome
                status: int | None = None
                try:
                    if not pool.try_acquire():
                        waiter = pool.wait(config.pool_timeout)
                        try:
                            await waiter  # a future, not a coroutine: nothing to create per wait
                        except asyncio.TimeoutError:
                            raise _pool_timeout(op, config.pool_timeout) from None
                        except BaseException:
                            pool.abandon(waiter)
                            raise
                        del waiter  # and its collector credit, now: see _gc_credit
                    # The total timeout runs from here to the last body byte.
                    bucket = (
                        deadlines.watch(task, config.total_timeout)
                        if deadlines is not None and task is not None
                        else None
                    )
                    try:
                        # The URL object only now: a queued call holds its text. From here on
                        # the call holds the URL (aiohttp's request holds it anyway), and lets
                        # the text go; a retry reuses it.
                        if type(target) is not URL:
                            target = URL(target, encoded=True)
                        async with self._transport.request(
                            session,
                            op.method,
                            target,
                            headers,
                            payload,
                            config.client_timeout
                            if bucket is None
                            else config.shared_total_timeout,
                        ) as response:
                            status = response.status
                            response_headers = response.headers
                            raw_body = await _read_body(response, op)
                    except asyncio.CancelledError:
                        if task is None or deadlines is None or not deadlines.expired(task):
                            raise
                        if deadlines.closed:  # aclose() ended the attempt: ClientClosedError below
                            raise aiohttp.ClientConnectionError("the client was closed") from None
                        raise asyncio.TimeoutError from None  # the total timeout: mapped below
                    finally:
                        if bucket is not None and deadlines is not None and task is not None:
                            deadlines.unwatch(bucket, task)
                        pool.release()
                except PoolTimeoutError as exc:
                    outcome = AttemptOutcome(exc, reached_server=False)
                except ResponseDecodeError as exc:  # too large, or an undecodable encoding
                    await self._report(
                        config, op, attempt, exc.status, time.monotonic() - attempt_start, exc
                    )
                    raise
                except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    outcome = _connection_failure(
                        exc, op, config.timeouts, self._redactor(credential, extra_headers)
                    )
                except (Exception, asyncio.CancelledError) as exc:
                    await self._ended_without_outcome(
                        config, op, attempt, status, attempt_start, session, exc
                    )
                    raise
                else:
                    if 200 <= status < 300:
                        parsed = None  # the answer of an operation without a response body
                        if op.response_type is not None:
                            try:
                                parsed = self._parse(
                                    op,
                                    status,
                                    raw_body,
                                    functools.partial(self._redactor, credential, extra_headers),
                                    strict=config.strict_responses,
                                    headers=response_headers,
                                )
                            except ResponseDecodeError as exc:
                                await self._report(
                                    config,
                                    op,
                                    attempt,
                                    status,
                                    time.monotonic() - attempt_start,
                                    exc,
                                )
                                raise
                        if raw or _reporting(config):
                            answer = APIResponse(
                                status=status,
                                headers=response_headers,
                                content=raw_body,
                                parsed=parsed,
                                operation_id=op.operation_id,
                                attempts=attempt,
                                elapsed=time.monotonic() - attempt_start,
                            )
                            return await self._answered(config, op, answer, raw)
                        if config.retry_budget is not None:  # resilience: successes refill it
                            config.retry_budget.record_success()
                        return parsed
                    outcome = self._status_failure(
                        op, credential, extra_headers, status, raw_body, response_headers
                    )
                delay = await self._after_failure(
                    config,
                    op,
                    outcome,
                    status,
                    attempt,
                    attempt_start,
                    started,
                    limit_key,
                    deadlines,
                    task,
                )
                await self._transport.unless_closed(_sleep(delay))
        except BaseException as exc:
            # A traceback formatted with its frames' locals (Sentry, `rich`, `capture_locals`)
            # must show no credential and no echo of one: the headers sent and the answer
            # read are let go here, and the SDK's frames below this one are cleared.
            headers = fixed_headers = extra_headers = payload = None  # type: ignore[assignment]
            target, raw_body, response = "", b"", None
            response_headers = None
            with contextlib.suppress(Exception):  # never in place of the call's own error
                if isinstance(exc, (LiveOpsError, asyncio.CancelledError)) and (
                    _incidental_context(exc)
                ):
                    exc.__context__ = None
                forget_locals(exc)
            raise

    async def _answered(
        self, config: ClientConfig, op: Operation, answer: APIResponse[Any], raw: bool
    ) -> Any:
        """A success past `_call`'s common path: reported (response hooks, DEBUG log) or
        answered raw. `answer` carries what the report and the raw answer need."""
        if _reporting(config):
            await self._report(config, op, answer.attempts, answer.status, answer.elapsed, None)
        if config.retry_budget is not None:  # resilience: successes refill it
            config.retry_budget.record_success()
        return answer if raw else answer.parsed

    async def _ended_without_outcome(
        self,
        config: ClientConfig,
        op: Operation,
        attempt: int,
        status: int | None,
        attempt_start: float,
        session: aiohttp.ClientSession,
        exc: BaseException,
    ) -> None:
        """An attempt ended with nothing to retry on: cancelled by the caller, the client closed
        while it waited for a connection (the pool gate's ClientClosedError), or a RuntimeError.
        Its request event still gets its response event (hooks counting attempts in flight),
        and a RuntimeError aiohttp raises because the session was closed under the call is
        raised as the ClientClosedError it stands for (`session`: the call's); otherwise the
        caller re-raises `exc`. (Outside `_call`, whose frame every call in flight holds.)"""
        closed: ClientClosedError | None = None
        if isinstance(exc, RuntimeError) and session.closed:
            owner = "LiveOps client" if self._transport.closed else "aiohttp session"
            closed = ClientClosedError(f"the {owner} was closed before the request was sent")
        await self._report(
            config, op, attempt, status, time.monotonic() - attempt_start, closed or exc
        )
        if closed is not None:
            raise closed from None

    async def _after_failure(
        self,
        config: ClientConfig,
        op: Operation,
        outcome: AttemptOutcome,
        status: int | None,
        attempt: int,
        attempt_start: float,
        started: float,
        limit_key: str | None,
        deadlines: AttemptDeadlines | None,
        task: asyncio.Task[Any] | None,
    ) -> float:
        """Report a failed attempt and decide (`should_retry`, then the retry budget): the wait
        before the next attempt, or the attempt's error raised. `status`: the answer's status,
        if one came (also when reading its body then failed). aclose() ends a wait for the
        rate limiter or the retry budget here with ClientClosedError (caused by the attempt's
        error)."""
        retry = config.retry
        elapsed = time.monotonic() - attempt_start
        if self._transport.closed and isinstance(outcome.error, APIConnectionError):
            closed = _closed_in_flight(outcome.error)  # aclose() broke the connection
            await self._report(config, op, attempt, status, elapsed, closed)
            raise closed
        # Reported before the limiter hears of a 429: a cancel during its (Redis) round trip
        # must not leave the attempt's request event without its response event.
        await self._report(config, op, attempt, status, elapsed, outcome.error)
        limiter = config.rate_limiter
        if outcome.status == 429 and limiter is not None and limit_key is not None:
            pause = (
                outcome.retry_after if outcome.retry_after is not None else retry.backoff(attempt)
            )
            await _wait_closable(
                functools.partial(limiter.on_rate_limited, limit_key, pause),
                deadlines,
                task,
                "the client-side rate limiter",
                "it was not retried",
                outcome.error,
            )
        verdict = should_retry(
            op, outcome, retry, attempt=attempt, elapsed=time.monotonic() - started
        )
        if verdict.retry and config.retry_budget is not None:
            verdict = await _wait_closable(
                functools.partial(budget_verdict, verdict, config.retry_budget),
                deadlines,
                task,
                "the retry budget",
                "it was not retried",
                outcome.error,
            )
        if not verdict.retry or verdict.delay is None:
            raise outcome.error
        if log.isEnabledFor(logging.INFO):
            log.info(
                "retrying %s %s in %.2f s after %s (attempt %d of %d): %s",
                op.method,
                op.path,
                verdict.delay,
                type(outcome.error).__name__,
                attempt + 1,
                retry.max_attempts,
                verdict.reason,
                extra={"operation_id": op.operation_id, "retry_reason": verdict.reason},
            )
        return verdict.delay

    def _status_failure(
        self,
        op: Operation,
        credential: Credential,
        extra_headers: Mapping[str, str] | None,
        status: int,
        raw: bytes,
        headers: CIMultiDictProxy[str],
    ) -> AttemptOutcome:
        retry_after = parse_retry_after(headers.get("Retry-After"))
        error: APIStatusError = make_status_error(
            status=status,
            method=op.method,
            route=op.path,
            raw=raw,
            headers=headers,
            retry_after=retry_after,
            redactor=self._redactor(credential, extra_headers),
        )
        return AttemptOutcome(error, status=status, reached_server=True, retry_after=retry_after)

    def _redactor(
        self, credential: Credential, extra_headers: Mapping[str, str] | None = None
    ) -> Redactor:
        """The scrubber for what this call's errors take from a response: it knows the
        credential's secrets (a provider's current token included), the transport's, and the
        values of the credential-like headers the caller gave (client defaults and the call's
        own `extra_headers`)."""
        return Redactor(
            credential.secrets()
            + self._transport.secrets()
            + credential_header_values(self._config.headers)
            + credential_header_values(extra_headers)
        )

    @staticmethod
    def _parse(
        op: Operation,
        status: int,
        raw: bytes,
        redactor_for: Callable[[], Redactor] | None = None,
        *,
        strict: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """The parsed body, read in the charset its Content-Type declares (`_codings`);
        `redactor_for` builds the scrubber, only when parsing fails. `strict`: a field that
        does not fit raises instead of keeping its raw value."""
        if op.response_type is None:
            return None
        charset = None if headers is None else declared_charset(headers.get("Content-Type"))
        if charset is not None:
            try:
                raw = as_utf8(raw, charset)
            except UnicodeError:  # UnicodeDecodeError, or `idna`'s plain UnicodeError
                raise ResponseDecodeError(
                    f"{op.operation_id} answered with a body that is not {charset} text, "
                    "the charset its Content-Type declares",
                    method=op.method,
                    route=op.path,
                    status=status,
                ) from None
        if not raw:
            raise ResponseDecodeError(
                f"{op.operation_id} answered with an empty body; a JSON body was expected",
                method=op.method,
                route=op.path,
                status=status,
            )
        try:
            return _serde.loads_response(
                raw, op.response_type, strict=strict, operation=op.operation_id
            )
        except Exception as exc:
            # The converter's text quotes response values: scrubbed, and the raw cause (whose
            # nested errors quote them too) is replaced by its scrubbed text.
            redactor = redactor_for() if redactor_for is not None else Redactor(())
            raise ResponseDecodeError(
                f"cannot parse the response of {op.operation_id}: {redactor.text(str(exc))}",
                method=op.method,
                route=op.path,
                status=status,
            ) from redactor.exception(exc)

    @staticmethod
    async def _report(
        config: ClientConfig,
        op: Operation,
        attempt: int,
        status: int | None,
        elapsed: float,
        error: BaseException | None,
    ) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %s in %.1f ms (attempt %d)",
                op.method,
                op.path,
                status if status is not None else type(error).__name__,
                elapsed * 1000,
                attempt,
                extra={"operation_id": op.operation_id, "status": status, "attempt": attempt},
            )
        if config.on_response:
            if error is not None:
                # The event's error keeps no frames: an error raised already (a cancel, a body
                # that cannot be read) has `_call`'s, aiohttp's and `_read_body`'s, which hold
                # the request's headers and the answer as locals, and a hook capturing it with
                # them (an error reporter) would show them. One not raised yet has none.
                error.__traceback__ = None
                if _incidental_context(error):  # as the caller gets it: see there
                    error.__context__ = None
            await _call_hooks(
                config.on_response,
                ResponseEvent(op.operation_id, op.method, op.path, attempt, status, elapsed, error),
            )
