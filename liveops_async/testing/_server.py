"""LiveOpsMock: an aiohttp server that serves the bundled spec, with state, auth and faults."""

from __future__ import annotations

import asyncio
import base64
import binascii
import difflib
import hmac
import math
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

import attrs
import orjson
from aiohttp import web

from . import _jwt
from ._clock import Clock, ClockLike, as_clock
from ._errors import MockApiError, admin_auth_failed, user_auth_failed, validation_error
from ._faults import Fault, FaultInjector, MockFaults
from ._spec import OperationSpec, Spec, default_spec_path, describe_errors, load_spec
from ._state import HANDLERS, MockStore, Reply, RequestContext
from ._state.daily_chains import DailyChainsState
from ._state.offer_chains import OfferChainOrder, OfferChainsState
from ._state.reward_chains import RewardChainsState
from ._state.upsell import PROJECT_KEY_REFUSED, project_key_refused

API_PREFIX = "/api"
GUEST_HEADERS = ("x-unauthorized-id", "x-user")


@attrs.frozen
class RecordedRequest:
    """One request that reached the mock (no headers: they may carry credentials).

    `path` is the decoded path without the `/api` prefix and without the query string.
    `query` holds the query string's parameters, decoded: name -> every value it was given, in
    order (`{"codes[]": ("A", "B"), "limit": ("10",)}`; `{}` without a query string), and
    `raw_path` the path and query string as they arrived, percent-encoded (without `/api`).
    `status` is the answer's status, or 0 when the connection was cut before the request was
    handled. `dropped` is True when the client got no answer: cut before handling (status 0),
    or handled and then cut (the status is the answer it never got, e.g. 201 for a create that
    acted).
    """

    method: str
    path: str
    operation_id: str | None
    status: int
    user_id: str | None = None
    # When the request reached the mock, on `time.monotonic()`: one clock for every process on
    # the machine, so tests can line the log up with what their client processes saw.
    received_at: float = attrs.field(factory=time.monotonic)
    dropped: bool = False
    # Added after the fields above (positional construction keeps working); not hashed: a dict.
    query: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict, hash=False)
    raw_path: str = attrs.field()

    @raw_path.default
    def _path_as_given(self) -> str:
        return self.path


@attrs.frozen
class _Identity:
    user_id: str | None


class LiveOpsMock:
    """A local, stateful stand-in for the LiveOps API.

    ```python
    async with LiveOpsMock(project_id=44056, api_key="secret") as mock:
        client = LiveOpsClient(base_url=mock.base_url, ...)
        jwt = mock.issue_jwt("player-1")
    ```
    Binds 127.0.0.1 on a free port by default. `base_url` ends with `/api`, like the real one.
    `sleep` (default `asyncio.sleep`) waits out the injected latency; a test passes its own to
    record the delays the mock decided on instead of timing them.
    """

    def __init__(
        self,
        project_id: int = 44056,
        api_key: str = "mock-api-key",
        *,
        merchant_id: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        spec_path: Path | None = None,
        clock: ClockLike | None = None,
        faults: MockFaults | None = None,
        jwt_secret: bytes | None = None,
        strict_responses: bool = False,
        request_log_size: int = 100_000,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        _jwt.require_pyjwt()
        self.project_id = project_id
        self.merchant_id = merchant_id
        self._api_key = api_key
        self._host = host
        self._port = port
        self.spec: Spec = load_spec(spec_path or default_spec_path())
        self._clock = as_clock(clock)
        self._injector = FaultInjector(faults or MockFaults())
        # How the injected latency is waited for; tests pass a recording sleep.
        self._sleep = sleep or asyncio.sleep
        # Retry-After values of 429s to answer with next, before any drawn fault.
        self._queued_429s: deque[float] = deque()
        # Requests to handle and then cut off, one entry each: the operation id the request
        # must have, or None for any (`drop_after_apply_next`).
        self._queued_drops_after_apply: list[str | None] = []
        self._jwt_secret = jwt_secret or secrets.token_bytes(32)
        # Check every answer against the documented response schema (turn on in tests).
        self.strict_responses = strict_responses
        self.store: MockStore = MockStore()
        # Bounded so a long standalone run does not grow without end.
        self.requests: deque[RecordedRequest] = deque(maxlen=request_log_size)
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self.app: web.Application = self._build_app()

    def __repr__(self) -> str:
        return f"LiveOpsMock(project_id={self.project_id}, base_url={self._url_or_none()!r})"

    # --- lifecycle --------------------------------------------------------------------
    async def start(self) -> LiveOpsMock:
        """Start serving on 127.0.0.1 (a free port unless one was given); returns the mock."""
        if self._runner is not None:
            return self
        runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self._host, self._port)
        await site.start()
        self._runner = runner
        self._bound_port = int(runner.addresses[0][1])  # the real port when asked for 0
        return self

    async def close(self) -> None:
        """Stop serving and release the port; calling it twice is harmless."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> LiveOpsMock:
        """`start` the mock and return it."""
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """`close` the mock, whatever ended the block."""
        await self.close()

    @property
    def base_url(self) -> str:
        """The URL to give `LiveOpsClient(base_url=...)`, on 127.0.0.1 and the bound port.
        Raises RuntimeError before the mock is started."""
        url = self._url_or_none()
        if url is None:
            raise RuntimeError("the mock is not started")
        return url

    def _url_or_none(self) -> str | None:
        if self._bound_port is None:
            return None
        return f"http://{self._host}:{self._bound_port}{API_PREFIX}"

    # --- knobs and helpers for tests --------------------------------------------------
    @property
    def clock(self) -> Clock:
        """Where the mock reads the time (periods, daily chains, JWT expiry); settable to a
        `Clock` or to a function answering a datetime."""
        return self._clock

    @clock.setter
    def clock(self, value: ClockLike) -> None:
        self._clock = as_clock(value)

    @property
    def faults(self) -> MockFaults:
        """The faults injected into answers (`MockFaults`); settable while serving."""
        return self._injector.faults

    @faults.setter
    def faults(self, value: MockFaults) -> None:
        self._injector.faults = value

    def throttle_next(self, count: int = 1, *, retry_after: float | None = None) -> None:
        """Answer the next `count` API requests with 429 and this `Retry-After` (by default
        `faults.retry_after`), whatever the fault rates: a 429 at a moment the test chooses."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be an integer >= 1, got {count!r}")
        seconds = self.faults.retry_after if retry_after is None else retry_after
        if not (math.isfinite(seconds) and seconds >= 0):
            raise ValueError(f"retry_after must be a finite number >= 0, got {retry_after!r}")
        self._queued_429s.extend([seconds] * count)

    def clear_throttle(self) -> int:
        """Forget the 429s `throttle_next` queued and that no request has taken yet; answers
        how many there were. The fault rates (`faults.rate_429`) are left as they are: set
        `faults` to change those."""
        cleared = len(self._queued_429s)
        self._queued_429s.clear()
        return cleared

    def drop_after_apply_next(self, count: int = 1, *, operation_id: str | None = None) -> None:
        """Handle the next `count` API requests, then cut their connections without answering.

        The handler runs (a create creates, a claim claims, a redemption counts; a request the
        mock refuses changes nothing), and the client gets no answer: the ambiguous outcome the
        SDK's settling resolves, at a moment the test chooses. With `operation_id` (such as
        `"admin-create-coupon"`) only requests of that operation are taken, so the reads that
        settle the call are answered. A queued `throttle_next` 429 goes first; a request taken
        here draws no random fault. `mock.requests` logs it with `dropped=True` and the status
        of the answer it did not get.

        Raises ValueError when `count` is not an integer >= 1 or `operation_id` is not an
        operation of the mock's spec.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be an integer >= 1, got {count!r}")
        if operation_id is not None:
            self._check_operation_id(operation_id)
        self._queued_drops_after_apply.extend([operation_id] * count)

    def _check_operation_id(self, operation_id: object) -> None:
        """Refuse a name that is no operation of the spec: a typo would otherwise count or
        match nothing, and a test asserting `count(...) == 0` would pass whatever happened."""
        if not isinstance(operation_id, str) or operation_id not in self.spec.operations:
            close = difflib.get_close_matches(str(operation_id), list(self.spec.operations), 1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"operation_id must be an operation id of the mock's spec (such as "
                f"'admin-create-coupon'), got {operation_id!r}{hint}"
            )

    def issue_jwt(self, user_id: str, ttl: float = 3600, **claims: Any) -> str:
        """A player JWT this mock accepts until `ttl` seconds from the mock clock's now."""
        now = self._clock.now().timestamp()
        payload = {
            "iss": _jwt.ISSUER,
            "sub": user_id,
            "iat": int(now),
            "exp": int(now + ttl),
            **claims,
        }
        return _jwt.encode(self._jwt_secret, payload)

    def basic_auth_header(self) -> str:
        """The `Authorization` header value of the mock's admin credentials."""
        token = base64.b64encode(f"{self.project_id}:{self._api_key}".encode()).decode()
        return f"Basic {token}"

    def grant_value_points(self, user_id: str, reward_chain_id: int, amount: int) -> int:
        """Add value points to a player's balance in a reward chain; returns the new balance."""
        return self.store.get(RewardChainsState).grant(
            user_id, reward_chain_id, amount, self._clock.now()
        )

    def daily_chain_progress(self, user_id: str, daily_chain_id: int) -> list[int]:
        """Step numbers the player has claimed in a daily chain."""
        return self.store.get(DailyChainsState).claimed_steps(user_id, daily_chain_id)

    # --- test-only payment controls (like stripe-mock's and moto's) -------------------------
    def offer_chain_orders(self, user_id: str | None = None) -> list[OfferChainOrder]:
        """Orders of offer chain steps, oldest first; only one player's if `user_id` is set."""
        orders = self.store.get(OfferChainsState).orders.values()
        return [o for o in orders if user_id is None or o.user_id == user_id]

    def settle_order(self, order_id: int) -> OfferChainOrder:
        """Pay an offer chain order, as the player would in Pay Station: the order becomes
        `paid`, its step claimed, and the chain moves on to the next step.

        Raises KeyError for an unknown order and ValueError when it is not `new`.
        """
        return self.store.get(OfferChainsState).settle(order_id)

    def cancel_order(self, order_id: int) -> OfferChainOrder:
        """Cancel an offer chain order (the player gave up paying): the order becomes
        `canceled` and its step stays the next one, to be ordered again.

        Raises KeyError for an unknown order and ValueError when it is not `new`.
        """
        return self.store.get(OfferChainsState).cancel(order_id)

    def reset_state(self) -> None:
        """Forget every entity and the request log (credentials and knobs stay)."""
        self.store.clear()
        self.requests.clear()

    def count(self, operation_id: str) -> int:
        """How many requests for an operation the mock has handled, whatever their outcome.

        A request is recorded once handled: after its injected latency (`MockFaults.latency`).
        A client that gave up during that wait (its timeout) is not counted until the latency
        has passed; the mock then handles the request all the same, as a server would that
        never learned of the client's timeout. `requests` is a `deque` of the last
        `request_log_size` records (`list(mock.requests)` to slice it).

        Raises ValueError when `operation_id` is not an operation of the mock's spec (the
        operation ids are in docs/api.md), so a misspelt one fails instead of counting 0."""
        self._check_operation_id(operation_id)
        return sum(1 for r in self.requests if r.operation_id == operation_id)

    # --- routing ----------------------------------------------------------------------
    def _build_app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        # Literal segments before parameters so `/rule/all` wins over `/rule/{rule_id}`.
        ops = sorted(self.spec.operations.values(), key=lambda o: _specificity(o.path))
        resources: dict[str, web.Resource] = {}
        for op in ops:
            resource = resources.get(op.path)
            if resource is None:
                resource = resources[op.path] = app.router.add_resource(API_PREFIX + op.path)
            resource.add_route(op.method, self._endpoint(op))
        app.router.add_route("*", "/{tail:.*}", self._unknown_route)
        return app

    def _endpoint(
        self, op: OperationSpec
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            try:
                return await self._serve(op, request)
            except ConnectionResetError:
                # The client hung up mid-request (its read timeout, a fault test): there is no
                # one to answer, and it is not the mock's error to print as a traceback.
                raise asyncio.CancelledError from None

        return endpoint

    async def _unknown_route(self, request: web.Request) -> web.StreamResponse:
        error = MockApiError(404, 0, "Requested endpoint is not found", message_code=1019)
        self._record(request, None, 404, None, time.monotonic())
        return _json(error.status, error.body())

    # --- the request pipeline ---------------------------------------------------------
    async def _serve(self, op: OperationSpec, request: web.Request) -> web.StreamResponse:
        received_at = time.monotonic()
        delay = self._injector.delay()
        if delay:
            await self._sleep(delay)
        retry_after = self.faults.retry_after
        if self._queued_429s:
            fault, retry_after = Fault.THROTTLE, self._queued_429s.popleft()
        elif self._take_queued_drop_after_apply(op):
            fault = Fault.DROP_AFTER_APPLY
        else:
            fault = self._injector.draw()
        if fault is Fault.DROP:
            self._record(request, op, 0, None, received_at, dropped=True)
            _hang_up(request)
        identity: _Identity | None = None
        try:
            if fault is Fault.THROTTLE:
                raise MockApiError(
                    429,
                    1100,
                    "Too many requests",
                    headers={"Retry-After": _seconds(retry_after)},
                )
            if fault is Fault.SERVER_ERROR:
                raise MockApiError(self.faults.status_5xx, 1101, "Service is unavailable")
            identity = self._authenticate(op, request)
            ctx = await self._context(op, request, identity)
            response = self._answer(op, HANDLERS.get(op.operation_id), ctx)
        except MockApiError as error:
            response = _json(error.status, error.body(), error.headers)
        dropped = fault is Fault.DROP_AFTER_APPLY
        self._record(
            request,
            op,
            response.status,
            identity.user_id if identity else None,
            received_at,
            dropped=dropped,
        )
        if dropped:
            _hang_up(request)
        return response

    def _take_queued_drop_after_apply(self, op: OperationSpec) -> bool:
        """Whether a `drop_after_apply_next` entry takes this request (and use it up)."""
        for index, wanted in enumerate(self._queued_drops_after_apply):
            if wanted is None or wanted == op.operation_id:
                del self._queued_drops_after_apply[index]
                return True
        return False

    def _record(
        self,
        request: web.Request,
        op: OperationSpec | None,
        status: int,
        user: str | None,
        received_at: float,
        *,
        dropped: bool = False,
    ) -> None:
        query: dict[str, tuple[str, ...]] = {}
        for name, value in request.query.items():  # every value of a repeated name, in order
            query[name] = (*query.get(name, ()), value)
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=_without_prefix(request.path),
                operation_id=op.operation_id if op else None,
                status=status,
                user_id=user,
                received_at=received_at,
                dropped=dropped,
                query=query,
                raw_path=_without_prefix(request.raw_path),
            )
        )

    def _authenticate(self, op: OperationSpec, request: web.Request) -> _Identity:
        project = request.match_info.get("project_id")
        if project is not None and project != str(self.project_id):
            # Credentials are issued per project; another project's id is not theirs.
            raise _auth_failed(op, "Project is not available for this token")
        if not op.security:
            return _Identity(None)
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.partition(" ")
        schemes = _schemes(op)
        if scheme.lower() == "basic" and "basicAuth" in schemes:
            account = self._basic_account(credentials)
            if account is None:
                raise _auth_failed(op, "Invalid credentials")
            if account == str(self.project_id) and op.operation_id in PROJECT_KEY_REFUSED:
                raise project_key_refused()
            return _Identity(None)
        if scheme.lower() == "bearer" and schemes & {"userJWT", "cartAuth"}:
            try:
                claims = _jwt.decode(
                    self._jwt_secret, credentials.strip(), self._clock.now().timestamp()
                )
            except _jwt.InvalidToken as exc:
                raise user_auth_failed(str(exc)) from None
            return _Identity(str(claims["sub"]))
        if not header and op.anonymous_allowed:
            guest = request.headers.get("x-unauthorized-id")
            if guest and request.headers.get("x-user"):
                return _Identity(f"guest:{guest}")
            if "cartAuth" not in schemes:
                return _Identity(None)
        if not header and 403 in op.documented_statuses and "basicAuth" not in schemes:
            # A player call that documents it refuses a request without any Authorization
            # header before authentication: 403, errorCode 0, no bracketed code (inventory
            # §4.1, §4.2: "client calls"). Admin calls keep 401 (docs/mock.md says why).
            raise MockApiError(403, 0, "Authorization header not sent")
        raise _auth_failed(op, "Authorization header not sent" if not header else None)

    def _basic_account(self, credentials: str) -> str | None:
        """The project or merchant id of valid Basic credentials; None if they are not."""
        try:
            user, _, password = base64.b64decode(credentials, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        known_ids = {str(self.project_id)} | (
            {str(self.merchant_id)} if self.merchant_id else set()
        )
        valid = user in known_ids and hmac.compare_digest(password.encode(), self._api_key.encode())
        return user if valid else None

    async def _context(
        self, op: OperationSpec, request: web.Request, identity: _Identity
    ) -> RequestContext:
        values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
        for param in op.parameters:
            source = {
                "path": request.match_info,
                "query": request.query,
                "header": request.headers,
            }[param.location]
            if param.is_array:
                # Only query parameters repeat (`codes[]=A&codes[]=B`).
                raw = request.query.getall(param.name, []) if param.location == "query" else []
                value: Any = [self.spec.coerce(param, r) for r in raw] or None
            else:
                text = source.get(param.name)
                value = None if text is None else self.spec.coerce(param, text)
            if value is None:
                if param.required:
                    raise validation_error(
                        f"The {param.location} parameter `{param.name}` is required"
                    )
                continue
            errors = list(param.validator.iter_errors(value))
            if errors:
                message, details = describe_errors(iter(errors), param.name)
                raise validation_error(message, details)
            values[param.location][param.name] = value
        body = await self._body(op, request)
        return RequestContext(
            op=op,
            path=values["path"],
            query=values["query"],
            headers=values["header"],
            body=body,
            user_id=identity.user_id,
            store=self.store,
            clock=self._clock,
        )

    async def _body(self, op: OperationSpec, request: web.Request) -> Any:
        raw = await request.read()
        if not raw.strip():
            if op.body_required:
                raise validation_error("The request body is required")
            return None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise validation_error("The request body is not valid JSON") from None
        if op.body_validator is not None:
            errors = list(op.body_validator.iter_errors(body))
            if errors:
                message, details = describe_errors(iter(errors), "body")
                raise validation_error(message, details)
        return body

    def _answer(
        self,
        op: OperationSpec,
        handler: Callable[[RequestContext], Any] | None,
        ctx: RequestContext,
    ) -> web.Response:
        if handler is None:
            reply = Reply(op.success_status, op.success_example if op.success_has_body else None)
        else:
            result = handler(ctx)
            reply = result if isinstance(result, Reply) else Reply(op.success_status, result)
        schema = op.response_schemas.get(reply.status)
        if schema is None:
            return (
                web.Response(status=reply.status)
                if reply.body is None
                else _json(reply.status, reply.body)
            )
        body = self.spec.shape(reply.body, schema)
        if self.strict_responses:
            errors = list(op.response_validators[reply.status].iter_errors(body))
            if errors:
                message, _ = describe_errors(iter(errors), "response")
                raise MockApiError(500, 0, f"mock answer breaks the spec: {message}")
        return _json(reply.status, body)


def _without_prefix(path: str) -> str:
    return path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path


def _hang_up(request: web.Request) -> NoReturn:
    """Cut the connection without an answer, as a network fault would."""
    if request.transport is not None:
        request.transport.abort()
    raise asyncio.CancelledError  # aiohttp treats this as the client going away


def _specificity(path: str) -> tuple[int, ...]:
    return tuple(1 if segment.startswith("{") else 0 for segment in path.split("/"))


def _auth_failed(op: OperationSpec, reason: str | None) -> MockApiError:
    """The 401 of a call whose credentials are missing or wrong, with the code the spec
    documents for it: 1501 ("Authorization failed: <reason>") for calls authenticated through
    Xsolla Login, else 1020, the Basic-auth code (the reason is not shown: Xsolla's 1020
    message names none)."""
    basic_only = _schemes(op) == {"basicAuth"}
    if op.unauthorized_error_code == 1501 or not basic_only:
        return user_auth_failed(reason or "Provide authorization")
    return admin_auth_failed()


def _schemes(op: OperationSpec) -> frozenset[str]:
    return frozenset().union(*op.security) if op.security else frozenset()


def _seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        status=status, body=orjson.dumps(body), headers=headers, content_type="application/json"
    )
