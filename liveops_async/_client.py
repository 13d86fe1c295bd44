"""`LiveOpsClient`: one connection pool, admin calls via `.admin`, player calls via `.user(jwt)`.

A player's view is cheap (a requester and the generated resource objects over the same pool),
so a game server can create one per call for thousands of players.

The request engine (`_engine`) and with it aiohttp, cattrs, yarl, the models and the
resources (about 280 ms of CPU, once per process) are imported when the first client is
created, not by `import liveops_async`: programs that only use the models, the errors or the
mock do not pay for them. A client created inside a running event loop imports them in a
background thread instead of on the loop, and `async with client` (or `await
client.prepare()`) waits for that without blocking the loop; using the client before then
waits for the import on the spot. Parsers are compiled per response type on first use
(~2 ms each), not all at once.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import ssl
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar

from ._auth import (
    AdminAuth,
    Credential,
    GuestCartAuth,
    RefusesPickling,
    TokenProvider,
    UserAuth,
    positive_integer,
)
from ._constants import (
    DEFAULT_BASE_URL,
    DEFAULT_KEEPALIVE_TIMEOUT,
    DEFAULT_POOL_SIZE,
    ENV_API_KEY,
    ENV_BASE_URL,
    ENV_MERCHANT_ID,
    ENV_PROJECT_ID,
)
from ._exceptions import ClientClosedError, InvalidParameterError
from ._hooks import RateLimiter, RequestHook, ResponseHook
from ._logs import configure_from_env
from ._options import (
    DEFAULT_TIMEOUTS,
    ClientOverrides,
    Timeouts,
    as_timeouts,
    check_headers,
    checked_retry,
)
from ._redact import display_url
from ._retry import RetryPolicy
from ._version import __version__

if TYPE_CHECKING:
    import concurrent.futures

    import aiohttp
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from ._engine import ClientConfig, HTTPRequester
    from ._generated.resources import AdminResources, GuestResources, UserResources
    from ._intercept import CallTelemetry
    from ._retry_budget import RetryBudgetLike
    from ._settle import SettleHook
    from ._transport import Transport

__all__ = ["LiveOpsClient"]


@functools.cache
def user_agent() -> str:
    import platform

    import aiohttp

    return (
        f"liveops-async/{__version__} (python {platform.python_version()}; "
        f"aiohttp {aiohttp.__version__})"
    )


# The modules a client needs to make calls, imported once per process (see the module docstring).
_ENGINE_MODULES = (f"{__package__}._engine", f"{__package__}._generated.resources")
_engine_lock = threading.Lock()
_engine_import: concurrent.futures.Future[None] | None = None


def _import_engine(done: concurrent.futures.Future[None]) -> None:
    try:
        for name in _ENGINE_MODULES:
            importlib.import_module(name)
        from ._transport import shared_default_ssl_context

        shared_default_ssl_context()  # loads the system CA store: ~20 ms
    except BaseException as exc:
        done.set_exception(exc)
    else:
        done.set_result(None)


def _start_engine_import(background: bool) -> concurrent.futures.Future[None]:
    """The import of the engine, started once per process: in a daemon thread when
    `background`, else right here (unless a thread is on it already)."""
    global _engine_import
    import concurrent.futures  # here, like asyncio: `import liveops_async` stays without them

    with _engine_lock:
        started = _engine_import
        if started is None:
            started = _engine_import = concurrent.futures.Future()
            if background:
                threading.Thread(
                    target=_import_engine, args=(started,), name="liveops-async-import", daemon=True
                ).start()
            else:
                _import_engine(started)
    return started


def _require_engine() -> None:
    """Block until the engine is imported (at once if it is; raises what the import raised)."""
    _start_engine_import(background=False).result()


def _in_running_loop() -> bool:
    asyncio = sys.modules.get("asyncio")
    if asyncio is None:  # nothing imported asyncio: no loop can be running
        return False
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def _positive_id(value: int | str | None, what: str) -> int | None:
    if value is None or value == "":
        return None
    return positive_integer(value, what)


def _hooks(value: Iterable[Any], name: str) -> tuple[Any, ...]:
    """`value` (a list or tuple of functions) as a tuple; InvalidParameterError naming `name`
    for a lone function (`on_request=log`: was "'function' object is not iterable") or an item
    that cannot be called (was a failing hook, logged at every call)."""
    if callable(value) or isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidParameterError(
            f"{name} must be a list of functions, got {type(value).__name__}"
            + (f" (pass {name}=[...])" if callable(value) else "")
        )
    hooks = tuple(value)
    for index, hook in enumerate(hooks):
        if not callable(hook) or isinstance(hook, type):
            raise InvalidParameterError(
                f"{name}[{index}] must be a function of the event, got {type(hook).__name__}"
            )
    return hooks


def _implements(value: Any, name: str, kind: str, methods: tuple[str, ...]) -> None:
    """InvalidParameterError naming `name` unless `value` is None or an instance with the
    `methods` of `kind` (a class, or an object without them, failed only at the first call,
    or the first retry, as an AttributeError or TypeError)."""
    if value is None:
        return
    if isinstance(value, type) or not all(callable(getattr(value, m, None)) for m in methods):
        what = f"the class {value.__name__}" if isinstance(value, type) else type(value).__name__
        raise InvalidParameterError(
            f"{name} must be {kind} (an instance with {', '.join(methods)}), got {what}"
        )


def _client_config(telemetry: CallTelemetry | None, **settings: Any) -> ClientConfig:
    from ._engine import ClientConfig
    from ._intercept import with_telemetry

    settings["headers"] = {"User-Agent": user_agent(), **settings["headers"]}
    return with_telemetry(ClientConfig(**settings), telemetry)


ENV_STRICT_RESPONSES = "LIVEOPS_STRICT_RESPONSES"


def _strict_responses(value: bool | None) -> bool:
    """The argument, else `LIVEOPS_STRICT_RESPONSES` (`1`/`true`/`yes` turn strict on), else off."""
    if value is not None:
        return value
    return os.environ.get(ENV_STRICT_RESPONSES, "").strip().lower() in ("1", "true", "yes")


# A URL path as RFC 3986 writes it: unreserved and sub-delimiter characters, ":", "@", "/" and
# %-escapes of two hex digits.
_ENCODED_PATH = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*")


def _base_url(value: str | None) -> str:
    """The base URL (argument, else LIVEOPS_BASE_URL, else the default), refused at once,
    naming base_url, if a call could not use it: the first call would otherwise fail with a
    bare ValueError. Credentials in it are refused and never shown (the API's credential is
    the Authorization header; aiohttp refuses both at once)."""
    url = (value or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).strip()
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port out of range or not a number raises ValueError
    except ValueError:
        parts = None
    if parts is not None and "@" in parts.netloc:
        raise InvalidParameterError(
            "base_url must not hold credentials (user:password@): the API key or the "
            "player's JWT is the credential (a proxy's own credentials belong in its proxy "
            "setting: proxy=, or HTTPS_PROXY with trust_env=True)"
        )
    if (
        parts is None
        or parts.scheme not in ("https", "http")
        or not parts.hostname
        or "?" in url
        or "#" in url
        or any(ch <= " " or ch == "\x7f" for ch in url)
        # Calls append their percent-encoded routes to it and send the text as it is: a raw
        # "ä" would go out as bytes HTTP does not allow, a lone surrogate be dropped.
        or not _ENCODED_PATH.fullmatch(parts.path)
    ):
        raise InvalidParameterError(
            "base_url must be an http(s) URL with a host (and a port from 1 to 65535, if "
            f"any), a percent-encoded path and no query, got {display_url(url)}"
        )
    return url.rstrip("/")


class LiveOpsClient(RefusesPickling):
    """Asyncio client of the Xsolla LiveOps API.

    Configuration (arguments win over the environment):

    * `project_id` (`LIVEOPS_PROJECT_ID`): fills `{project_id}` in every route.
    * `api_key` (`LIVEOPS_API_KEY`) with `project_id`, or with `merchant_id`
      (`LIVEOPS_MERCHANT_ID`) for a merchant key; or `admin_auth=AdminAuth(...)`.
    * `base_url` (`LIVEOPS_BASE_URL`, default `https://store.xsolla.com/api`).
    * `timeout`, `retry` / `max_retries`, `default_headers`, `validate_requests`: defaults for
      every call, overridable by `with_options(...)` and per call by `options=RequestOptions()`.
    * `strict_responses` (`LIVEOPS_STRICT_RESPONSES=1`; default off): off, a response field
      that does not fit the spec keeps its raw JSON value and a WARNING is logged once per
      (model, field); on, it raises `ResponseDecodeError` naming the field path. Also per
      `with_options(...)` and per call.
    * The SDK's own session (created on first use, closed by `aclose()` or when its event loop
      ends): a pool of `pool_size` connections, TLS >= 1.2 verified against the system store,
      or `ca_bundle` (path of a PEM file), or as `ssl_context` says; `proxy` (an http:// URL,
      credentials in it allowed); `trust_env` (HTTP(S)_PROXY, NO_PROXY, proxy credentials from
      the environment or .netrc); `connector` (an aiohttp connector you share, never closed by
      the SDK); `trace_configs` passed through.
    * `session`: an aiohttp session of yours instead (never closed by the SDK). It must use
      `aiohttp.DummyCookieJar()` and no `auth`, `base_url`, `middlewares`, `trust_env` or Cookie
      header, and keep `auto_decompress`; the SDK turns off aiohttp's resend of GET/PUT/DELETE
      on a dropped keep-alive connection on it. Raises InvalidParameterError naming a setting
      that would break a guarantee.
    * `rate_limiter`: called before every attempt and after every 429 (not closed by the SDK).
    * `on_request` / `on_response`: hooks for metrics and tracing (see `RequestEvent`).
    * `settle` (default True): after a non-idempotent call fails once it may have arrived,
      find out from the API's state whether it acted (docs/settling.md); `on_settle` hooks get
      a `SettleEvent` for each settled call.
    * `retry_budget`: a client-wide `RetryBudget` (or `lib.retrybudget.RedisRetryBudget`):
      retries draw from it, successes refill it, an empty budget fails calls fast.
    * `telemetry`: `liveops_async.lib.otel.Telemetry()` for OpenTelemetry spans and metrics.
    """

    _holds: ClassVar[str] = "credentials and a connection pool"

    def __init__(
        self,
        *,
        project_id: int | str | None = None,
        api_key: str | None = None,
        merchant_id: int | str | None = None,
        admin_auth: AdminAuth | None = None,
        base_url: str | None = None,
        timeout: Timeouts | float | None = None,
        retry: RetryPolicy | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
        validate_requests: bool = True,
        strict_responses: bool | None = None,
        session: aiohttp.ClientSession | None = None,
        connector: aiohttp.BaseConnector | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
        pool_size_per_host: int = 0,
        keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
        ca_bundle: str | os.PathLike[str] | None = None,
        proxy: str | None = None,
        trust_env: bool = False,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
        rate_limiter: RateLimiter | None = None,
        on_request: Iterable[RequestHook] = (),
        on_response: Iterable[ResponseHook] = (),
        settle: bool = True,
        retry_budget: RetryBudgetLike | None = None,
        on_settle: Iterable[SettleHook] = (),
        telemetry: CallTelemetry | None = None,
    ) -> None:
        from ._transport import Transport

        configure_from_env()  # LIVEOPS_LOG=debug|info
        # Inside a running loop the engine is imported off the loop; the config that needs it
        # is built on first use (`_config`).
        if _in_running_loop():
            _start_engine_import(background=True)
        else:
            _require_engine()  # no loop to keep free
        resolved_project = _positive_id(
            project_id if project_id is not None else os.environ.get(ENV_PROJECT_ID), "project_id"
        )
        if admin_auth is not None:
            resolved_project = self._project_of(admin_auth, resolved_project)
        self._admin_auth = admin_auth or self._admin_from(
            resolved_project, api_key, merchant_id, explicit_key=api_key is not None
        )
        timeouts = as_timeouts(timeout)
        _implements(rate_limiter, "rate_limiter", "a RateLimiter", ("acquire", "on_rate_limited"))
        _implements(
            retry_budget, "retry_budget", "a RetryBudget", ("try_acquire", "record_success")
        )
        _implements(telemetry, "telemetry", "a Telemetry", ("start",))
        policy = checked_retry(retry) or RetryPolicy()
        if max_retries is not None:
            policy = policy.with_max_retries(max_retries)
        self._built_config: ClientConfig | None = None
        self._config_factory = functools.partial(
            _client_config,
            base_url=_base_url(base_url),
            project_id=resolved_project,
            timeouts=timeouts.merged_over(DEFAULT_TIMEOUTS) if timeouts else DEFAULT_TIMEOUTS,
            retry=policy,
            headers={
                "Accept": "application/json",
                **check_headers(default_headers or {}),
            },
            validate_requests=validate_requests,
            strict_responses=_strict_responses(strict_responses),
            rate_limiter=rate_limiter,
            on_request=_hooks(on_request, "on_request"),
            on_response=_hooks(on_response, "on_response"),
            settle=settle,
            retry_budget=retry_budget,
            on_settle=_hooks(on_settle, "on_settle"),
            telemetry=telemetry,
        )
        self._transport: Transport = Transport(
            session=session,
            connector=connector,
            pool_size=pool_size,
            pool_size_per_host=pool_size_per_host,
            keepalive_timeout=keepalive_timeout,
            ssl_context=ssl_context,
            ca_bundle=ca_bundle,
            proxy=proxy,
            trust_env=trust_env,
            trace_configs=trace_configs,
        )
        if self._admin_auth is not None:
            # Every call's errors also scrub the client's own key: a caching or desynchronised
            # proxy may echo an admin call's request into a player's call.
            self._transport.scrub_also(self._admin_auth.secrets())
        self._owns_transport = True
        self._admin: AdminResources | None = None

    @staticmethod
    def _project_of(admin_auth: AdminAuth, project_id: int | None) -> int | None:
        """The client's project given its `admin_auth`: an AdminAuth that names a project
        (`project_id=`) must agree with the client's; without a client project, the
        credential's project is the client's."""
        if not isinstance(admin_auth, AdminAuth):
            raise InvalidParameterError("admin_auth must be an AdminAuth")
        if project_id is None:
            return admin_auth.project_id
        if admin_auth.project_id != project_id:
            # AdminAuth(P, key) is project P's key; a merchant key says its project with
            # AdminAuth(merchant_id, key, project_id=P). Either way it must be the client's.
            raise InvalidParameterError(
                f"admin_auth is for project {admin_auth.project_id} but project_id is "
                f"{project_id}; for a merchant key use AdminAuth(merchant_id, key, "
                f"project_id={project_id}); for another project, client.admin_as(...)"
            )
        return project_id

    @staticmethod
    def _admin_from(
        project_id: int | None,
        api_key: str | None,
        merchant_id: int | str | None,
        *,
        explicit_key: bool,
    ) -> AdminAuth | None:
        key = api_key if api_key is not None else os.environ.get(ENV_API_KEY)
        if not key:
            if explicit_key:  # as AdminAuth refuses it; an empty LIVEOPS_API_KEY counts as unset
                raise InvalidParameterError(
                    "api_key must not be empty; leave it out for a client without admin credentials"
                )
            return None
        merchant = _positive_id(
            merchant_id if merchant_id is not None else os.environ.get(ENV_MERCHANT_ID),
            "merchant_id",
        )
        ident = merchant if merchant is not None else project_id
        if ident is None:
            if not explicit_key:
                return None  # a stray LIVEOPS_API_KEY alone does not break player-only use
            raise InvalidParameterError(
                "api_key needs project_id (or merchant_id) to form the HTTP Basic credentials"
            )
        if merchant is not None and project_id is not None:
            return AdminAuth(merchant, key, project_id=project_id)
        return AdminAuth(ident, key)

    # Views ---------------------------------------------------------------------------------

    def requester(self, credential: Credential | None) -> HTTPRequester:
        """A low-level requester over this client's pool, bound to `credential`.

        Calls go to the client's project, except for an AdminAuth other than the client's own:
        its calls go to the project it names."""
        config = self._config  # first: waits for the engine import if it is still running
        from ._engine import HTTPRequester

        if (
            isinstance(credential, AdminAuth)
            and credential is not self._admin_auth
            and credential.project_id != config.project_id
        ):
            config = config.for_project(credential.project_id)
        return HTTPRequester(self._transport, config, credential)

    @property
    def _config(self) -> ClientConfig:
        config = self._built_config
        if config is None:
            _require_engine()
            config = self._built_config = self._config_factory()
        return config

    @property
    def admin(self) -> AdminResources:
        """Admin operations, authenticated with the client's admin credentials."""
        if self._admin is None:
            requester = self.requester(self._admin_auth)
            from ._generated.resources import AdminResources

            self._admin = AdminResources(requester)
        return self._admin

    def user(self, token: str | TokenProvider | UserAuth) -> UserResources:
        """Client operations for one player: their Xsolla Login JWT, or an async callable that
        returns the current one. Shares the client's connection pool.

        A view has no `with_options` of its own: take it from a copy for other settings on all
        its calls (`client.with_options(timeout=3).user(jwt)`), or pass
        `options=RequestOptions(...)` to one call. The same holds for `admin`, `guest` and
        `admin_as`."""
        credential = token if isinstance(token, UserAuth) else UserAuth(token)
        requester = self.requester(credential)
        from ._generated.resources import UserResources

        return UserResources(requester)

    def guest(self, unauthorized_id: str, email: str) -> GuestResources:
        """Cart operations for a player who is not logged in (game-key carts): sent with the
        `x-unauthorized-id` and `x-user` (Base64 e-mail) headers instead of a token."""
        requester = self.requester(GuestCartAuth(unauthorized_id, email))
        from ._generated.resources import GuestResources

        return GuestResources(requester)

    def admin_as(self, credential: AdminAuth | UserAuth) -> AdminResources:
        """Admin operations sent with another credential, over the same pool.

        For the upsell admin calls, which Xsolla documents with a player's JWT
        (`client.admin_as(UserAuth(jwt)).upsell.get()`), or for a second project's key:
        `AdminAuth(project_id, key)` sends to that project, and a merchant key names its
        project with `AdminAuth(merchant_id, key, project_id=...)`. An operation the
        credential cannot call fails with MissingCredentialsError, unsent.
        """
        requester = self.requester(credential)
        from ._generated.resources import AdminResources

        return AdminResources(requester)

    def with_options(self, **overrides: Unpack[ClientOverrides]) -> LiveOpsClient:
        """A copy sharing this client's pool and credentials, with other defaults.

        Takes `timeout`, `retry`, `max_retries`, `headers`, `validate_requests`,
        `strict_responses` and `settle` (see `ClientOverrides`); a setting left out or None keeps
        this client's value. The copy borrows the pool: closing the copy (`aclose()`, `async with`)
        leaves the pool open; closing the client that made it closes it for every copy.
        """
        unknown = overrides.keys() - ClientOverrides.__optional_keys__
        if unknown:
            raise TypeError(f"with_options() got unexpected keyword arguments {sorted(unknown)}")
        headers = overrides.get("headers")
        if headers:
            overrides = {**overrides, "headers": check_headers(headers)}
        copy = object.__new__(LiveOpsClient)
        copy._admin_auth = self._admin_auth
        copy._transport = self._transport
        copy._owns_transport = False
        copy._admin = None
        copy._built_config = self._config.overridden(**overrides)
        return copy

    # Settings, read-only --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API's base URL every call goes to (e.g. ``https://store.xsolla.com/api``)."""
        return self._config.base_url

    @property
    def project_id(self) -> int | None:
        """The Xsolla project id filled into ``/project/{project_id}/`` routes; None if unset."""
        return self._config.project_id

    @property
    def timeouts(self) -> Timeouts:
        """The per-call timeouts, in seconds (connect, read, pool wait, total)."""
        return self._config.timeouts

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy: attempts, backoff in seconds, and which failures are retried."""
        return self._config.retry

    @property
    def closed(self) -> bool:
        """True once `aclose` has closed the connection pool; calls then raise
        ClientClosedError."""
        return self._transport.closed

    # Lifecycle ------------------------------------------------------------------------------

    async def prepare(self) -> None:
        """Wait, without blocking the event loop, until the request engine is imported (see
        the module docstring); `async with client` does this. Raises what the import raised."""
        import asyncio

        engine = _start_engine_import(background=True)
        if not engine.done():
            await asyncio.wrap_future(engine)
        engine.result()

    def warm_up(self) -> None:
        """Compile the parsers of every operation's response type now (~70 ms of CPU), not on
        first use (~2 ms per type). Blocks: call it before the event loop serves anyone, or
        with `await asyncio.to_thread(client.warm_up)`."""
        _require_engine()
        try:
            from ._generated.operations import OPERATIONS
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}._generated.operations":
                raise
            return
        from . import _serde

        _serde.warm_up(op.response_type for op in OPERATIONS.values())

    async def aclose(self) -> None:
        """Close the connection pool (if the SDK created it; a `session=` or `connector=` you
        gave stays open). Safe to call more than once; the client, its copies and views cannot
        be used afterwards. The client's calls end at once with ClientClosedError: those
        waiting for the client-side rate limiter (any `RateLimiter`; the limiter itself is not
        closed), for a player's token provider or for a connection (unsent, or not retried),
        those waiting after a failed attempt for the limiter's 429 pause or the retry budget
        (not retried), those in flight, those pausing between attempts
        (not retried), and those being settled (while it reads the API's state or waits to
        resend: not resent; during a resend: the message says whether it may have arrived;
        the outcome is unknown and the call's original error is the cause). A task's own
        cancellation stays a CancelledError. On a `with_options` copy it does nothing: the
        copy borrows its parent's pool, which only the parent's `aclose` closes."""
        if self._owns_transport:
            await self._transport.aclose()

    async def __aenter__(self) -> LiveOpsClient:
        """`prepare` the client (the engine import, off the event loop) and return it. Raises
        `ClientClosedError` for a closed client (or a copy of one): its calls would all fail."""
        if self.closed:
            raise ClientClosedError("the LiveOps client is closed; create a new one")
        await self.prepare()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """`aclose` the client, whatever ended the block."""
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"LiveOpsClient(base_url={self._config.base_url!r}, "
            f"project_id={self._config.project_id}, admin_auth={self._admin_auth!r})"
        )
