"""Errors and clients in the rest of the program: every public error survives pickle and copy
with its fields; a client closed from another `asyncio.run` leaves no session, socket or
warning; a `with_options` copy never closes its parent's pool; `admin_as` sends a credential's
calls to the project it names."""

from __future__ import annotations

import asyncio
import base64
import copy
import gc
import http.server
import pickle
import re
import threading
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

import liveops_async
from liveops_async import (
    AdminAuth,
    APIConnectionError,
    APIStatusError,
    ClientClosedError,
    DecodeMismatchError,
    InvalidParameterError,
    LiveOpsClient,
    LiveOpsError,
    PaginationError,
    RequestOptions,
    RequestValidationError,
    ResponseDecodeError,
    Timeouts,
    UserAuth,
)
from liveops_async._exceptions import MAX_SHOWN_CHARS, make_status_error

from . import _ops
from .conftest import API_KEY, PROJECT_ID, ScriptedServer

PUBLIC_ERRORS = [
    getattr(liveops_async, name)
    for name in liveops_async.__all__
    if isinstance(getattr(liveops_async, name), type)
    and issubclass(getattr(liveops_async, name), LiveOpsError)
]


def _example(cls: type[LiveOpsError]) -> LiveOpsError:
    """One instance of each public error, built as the SDK builds it."""
    call = {"method": "GET", "route": "/v3/project/{project_id}/admin/coupon/{external_id}"}
    if issubclass(cls, APIStatusError):
        status = {
            "BadRequestError": 400, "AuthenticationError": 401, "PermissionDeniedError": 403,
            "NotFoundError": 404, "ConflictError": 409, "UnprocessableEntityError": 422,
            "RateLimitError": 429, "InternalServerError": 503, "RedirectError": 302,
        }.get(cls.__name__, 418)  # fmt: skip
        headers = CIMultiDictProxy(CIMultiDict({"Retry-After": "2", "X-Request-Id": "r1"}))
        error = make_status_error(
            status=status,
            raw=b'{"errorCode": 1102, "errorMessage": "[0401-1102]: no", "transactionId": "t",'
            b' "errorMessageExtended": [{"property": "code"}]}',
            headers=headers,
            retry_after=2.0,
            **call,
        )
        assert type(error) is cls
        return error
    if issubclass(cls, APIConnectionError):
        return cls("connection failed", sent=True, **call)
    if issubclass(cls, ResponseDecodeError):
        return cls("cannot parse", status=200, **call)
    if cls is RequestValidationError:
        return cls("admin-create-coupon", ["external_id: '' is too short"])
    if cls is DecodeMismatchError:
        return cls("$.items[0].sku", "string or null", "integer")
    if cls is PaginationError:
        return cls("repeated", operation_id="get-coupons", reason="repeated_page", pages=2, items=4)
    return cls("something went wrong")


def _fields(error: BaseException) -> dict[str, Any]:
    state = {k: (dict(v.items()) if hasattr(v, "items") else v) for k, v in vars(error).items()}
    return {"type": type(error), "args": error.args, "str": str(error), **state}


@pytest.mark.parametrize("cls", PUBLIC_ERRORS, ids=lambda c: c.__name__)
def test_every_public_error_pickles_and_copies_with_its_fields(cls: type[LiveOpsError]) -> None:
    error = _example(cls)
    error.__cause__ = ValueError("low-level")
    expected = _fields(error)
    for round_trip in (
        pickle.loads(pickle.dumps(error)),
        pickle.loads(pickle.dumps(error, protocol=2)),
        copy.copy(error),
        copy.deepcopy(error),
    ):
        assert _fields(round_trip) == expected
        assert repr(round_trip) == repr(error)


def test_the_error_list_covers_the_whole_hierarchy() -> None:
    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    # The SDK's own errors; extras (the CLI) may add their own subclasses.
    public = {
        c
        for c in subclasses(LiveOpsError)
        if c.__module__ == "liveops_async._exceptions" and not c.__name__.startswith("_")
    }
    assert public <= set(PUBLIC_ERRORS), public - set(PUBLIC_ERRORS)


# Closing from another asyncio.run --------------------------------------------------------------


class _KeepAliveHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b'{"external_id": "c1"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CountingServer(http.server.ThreadingHTTPServer):
    """A keep-alive server on a thread that knows how many client connections are open."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        self.open = 0
        self.lock = threading.Lock()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.open += 1
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.open -= 1


@pytest.fixture
def threaded_server() -> Iterator[_CountingServer]:
    server = _CountingServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    event = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return True
        event.wait(0.01)
    return predicate()


def test_a_client_closed_from_another_asyncio_run_leaves_nothing_open(
    threaded_server: _CountingServer,
) -> None:
    port = threaded_server.server_address[1]
    client = LiveOpsClient(
        project_id=PROJECT_ID, api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/api"
    )

    async def use() -> Any:
        await client.requester(AdminAuth(PROJECT_ID, API_KEY)).request(
            _ops.GET_COUPON, path={"external_id": "c1"}
        )
        session, _ = client._transport.session()
        return session

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        session = asyncio.run(use())
        assert session.closed  # closed while its loop could still do it
        asyncio.run(client.aclose())
        assert client.closed
        del session
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert _wait_for(lambda: threaded_server.open == 0), "a connection stayed open"


def test_a_client_used_after_its_loop_ended_says_so() -> None:
    client = LiveOpsClient(project_id=PROJECT_ID, api_key=API_KEY, base_url="http://127.0.0.1:9")

    async def bind() -> None:
        client._transport.session()

    asyncio.run(bind())
    with pytest.raises(liveops_async.WrongEventLoopError):
        asyncio.run(bind())
    asyncio.run(client.aclose())


# with_options copies ---------------------------------------------------------------------------


async def test_closing_a_with_options_copy_leaves_the_parent_pool_open(
    server: ScriptedServer,
) -> None:
    async with LiveOpsClient(
        project_id=PROJECT_ID, api_key=API_KEY, base_url=server.base_url
    ) as client:
        admin = client.requester(AdminAuth(PROJECT_ID, API_KEY))
        async with client.with_options(timeout=5, max_retries=0) as fast:
            await fast.requester(AdminAuth(PROJECT_ID, API_KEY)).request(
                _ops.GET_COUPON, path={"external_id": "c1"}
            )
        await fast.aclose()
        assert not client.closed and not fast.closed
        assert await admin.request(_ops.GET_COUPON, path={"external_id": "c1"})
    assert client.closed and fast.closed  # the parent closes the pool for every copy
    with pytest.raises(ClientClosedError):
        await admin.request(_ops.GET_COUPON, path={"external_id": "c1"})


# admin_as routes to the credential's project ---------------------------------------------------


async def _coupon(request: web.Request) -> web.StreamResponse:
    return web.json_response({"external_id": "c1"})


def _basic(ident: int, key: str) -> str:
    return "Basic " + base64.b64encode(f"{ident}:{key}".encode()).decode()


async def test_admin_as_sends_to_the_project_the_credential_names(server: ScriptedServer) -> None:
    server.handler = _coupon
    async with LiveOpsClient(
        project_id=PROJECT_ID, api_key=API_KEY, base_url=server.base_url
    ) as client:
        await client.admin.coupons.get("c1")
        await client.admin_as(AdminAuth(55555, "other-key")).coupons.get("c1")
        await client.admin_as(AdminAuth(777, "merchant-key", project_id=66666)).coupons.get("c1")
        await client.admin_as(AdminAuth(PROJECT_ID, API_KEY)).coupons.get("c1")
    sent = [(s.raw_path, s.headers["Authorization"]) for s in server.seen]
    assert sent == [
        ("/api/v3/project/44056/admin/coupon/c1", _basic(PROJECT_ID, API_KEY)),
        ("/api/v3/project/55555/admin/coupon/c1", _basic(55555, "other-key")),
        ("/api/v3/project/66666/admin/coupon/c1", _basic(777, "merchant-key")),
        ("/api/v3/project/44056/admin/coupon/c1", _basic(PROJECT_ID, API_KEY)),
    ]


async def test_a_merchant_key_names_the_client_project(server: ScriptedServer) -> None:
    server.handler = _coupon
    async with LiveOpsClient(
        project_id=PROJECT_ID, merchant_id=777, api_key="merchant-key", base_url=server.base_url
    ) as client:
        await client.admin.coupons.get("c1")
    async with LiveOpsClient(
        admin_auth=AdminAuth(777, "merchant-key", project_id=PROJECT_ID),
        base_url=server.base_url,
    ) as client:
        assert client.project_id == PROJECT_ID
        await client.admin.coupons.get("c1")
    assert [(s.raw_path, s.headers["Authorization"]) for s in server.seen] == [
        ("/api/v3/project/44056/admin/coupon/c1", _basic(777, "merchant-key"))
    ] * 2


@pytest.mark.parametrize(
    "auth",
    [AdminAuth(7, "k", project_id=55555), AdminAuth(55555, "k")],
    ids=["merchant key for another project", "another project's key"],
)
def test_an_admin_auth_for_another_project_than_the_client_is_refused(auth: AdminAuth) -> None:
    with pytest.raises(InvalidParameterError, match="admin_auth is for project 55555"):
        LiveOpsClient(project_id=PROJECT_ID, admin_auth=auth)
    # Without a client project, the credential's project is the client's.
    assert LiveOpsClient(admin_auth=auth).project_id == 55555


def test_an_admin_auth_id_must_be_positive() -> None:
    with pytest.raises(InvalidParameterError, match="project_id"):
        AdminAuth(7, "k", project_id=0)


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_a_bad_max_retries_is_named_in_its_error(bad: object) -> None:
    with pytest.raises(InvalidParameterError, match=r"max_retries must be an integer >= 0"):
        LiveOpsClient(project_id=PROJECT_ID, api_key="k", max_retries=bad)  # type: ignore[arg-type]
    client = LiveOpsClient(project_id=PROJECT_ID, api_key="k")
    with pytest.raises(InvalidParameterError, match=r"max_retries must be an integer >= 0"):
        client.with_options(max_retries=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match=r"max_retries must be an integer >= 0"):
        RequestOptions(max_retries=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("setting", "bad"),
    [
        (setting, bad)
        for setting in ("validate_requests", "strict_responses", "settle")
        for bad in ("no", "false", 0, 1, None)
        # The client's strict_responses=None: LIVEOPS_STRICT_RESPONSES decides.
        if (setting, bad) != ("strict_responses", None)
    ],
    ids=repr,
)
async def test_an_on_off_setting_that_is_no_bool_is_named_in_its_error(
    setting: str, bad: object, server: ScriptedServer
) -> None:
    """`validate_requests="no"` turned the checks on (a truthy string), `0`/`1` passed unnoticed
    and None at the client level meant off: each is refused naming the setting, at every level,
    before anything is sent."""
    words = rf"{setting} must be True or False, got {re.escape(repr(bad))}"
    if bad is not None:  # None is "the client's value" for with_options and RequestOptions
        with pytest.raises(InvalidParameterError, match=words):
            RequestOptions(**{setting: bad})  # type: ignore[arg-type]
        async with LiveOpsClient(project_id=PROJECT_ID, api_key="k") as client:
            with pytest.raises(InvalidParameterError, match=words):
                client.with_options(**{setting: bad})  # type: ignore[misc]
    with pytest.raises(InvalidParameterError, match=words):
        async with LiveOpsClient(
            project_id=PROJECT_ID, api_key="k", base_url=server.base_url, **{setting: bad}
        ) as client:  # the settings may be built on first use, inside a running loop
            await client.admin.coupons.get("c1")
    assert server.seen == []


def test_a_timeout_too_large_for_a_float_is_named_in_its_error() -> None:
    # It was an OverflowError from math.isfinite.
    with pytest.raises(InvalidParameterError, match=r"timeout total must be a positive"):
        LiveOpsClient(project_id=PROJECT_ID, api_key="k", timeout=10**400)
    with pytest.raises(InvalidParameterError, match=r"timeout read must be a positive"):
        RequestOptions(timeout=Timeouts(read=10**400))


def test_clients_views_and_credentials_refuse_pickling_so_no_secret_is_written() -> None:
    """A pickle (a job queue's task arguments, a cache) would hold the API key, the JWT or the
    proxy password in clear: what holds one refuses, naming why; copies share instead."""
    key, jwt, proxy_password = "api-key-8c1f2e9d", "header.payload.signature-5e7a", "pw-4d2c9b1a"
    client = LiveOpsClient(
        project_id=44056, api_key=key, proxy=f"http://user:{proxy_password}@127.0.0.1:3128"
    )
    holders: list[object] = [
        client,
        client.with_options(timeout=5),
        client.admin,
        client.admin.coupons,
        client.user(jwt),
        client.guest("guest-1", "guest@example.com"),
        AdminAuth(44056, key),
        UserAuth(jwt),
        LiveOpsClient(project_id=44056),  # no credential: still the proxy-less transport
    ]
    for holder in holders:
        with pytest.raises(TypeError, match="cannot be pickled") as refused:
            pickle.dumps(holder)
        for secret in (key, jwt, proxy_password):
            assert secret not in str(refused.value)
    assert copy.deepcopy(client) is client and copy.copy(client) is client  # shared, not copied
    player = client.user(jwt)
    copied = copy.deepcopy(player)
    assert copied.coupons._requester._credential is player.coupons._requester._credential
    assert copy.copy(AdminAuth(44056, key)).secrets() == (key, AdminAuth(44056, key).secrets()[1])


def _with_long_text(cls: type[LiveOpsError], text: str) -> LiveOpsError:
    """An instance of each public error whose server- or caller-chosen text is `text`."""
    call = {"method": "GET", "route": "/r"}
    if issubclass(cls, APIStatusError):
        error = _example(cls)
        error.message = text
        error.args = (text,)
        error.transaction_id = text
        return error
    if issubclass(cls, APIConnectionError):
        return cls(text, sent=True, **call)
    if issubclass(cls, ResponseDecodeError):
        return cls(text, status=200, **call)
    if cls is RequestValidationError:
        return cls("admin-create-coupon", [text])
    if cls is DecodeMismatchError:
        return cls(text, "string", "integer")
    if cls is PaginationError:
        return cls(text, operation_id="op", reason="repeated_page", pages=2, items=4)
    return cls(text)


@pytest.mark.parametrize("cls", PUBLIC_ERRORS, ids=lambda c: c.__name__)
def test_every_public_error_shows_a_bounded_text(cls: type[LiveOpsError]) -> None:
    """str() and repr() (what logs and tracebacks print) show at most MAX_SHOWN_CHARS of a
    text, however long, and say how much they left out; the error keeps the whole text."""
    text = "x" * 50_000
    error = _with_long_text(cls, text)
    for shown in (str(error), repr(error)):
        assert len(shown) < 3 * MAX_SHOWN_CHARS + 500, (cls, len(shown))
        assert "more characters)" in shown
    assert text in error.args[0]
    short = _with_long_text(cls, "short text")
    assert "short text" in str(short) and "more characters" not in str(short)
