"""Hostile input and secrets: path parameters cannot change the route, header injection is
refused before sending, echoed credentials are scrubbed, and only TLS >= 1.2 is spoken."""

from __future__ import annotations

import asyncio
import base64
import re
import ssl
import subprocess
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest

from liveops_async import (
    APIConnectionError,
    GuestCartAuth,
    InvalidParameterError,
    LiveOpsClient,
    LiveOpsError,
    NotFoundError,
    RequestOptions,
    UserAuth,
)
from liveops_async._auth import AdminAuth
from liveops_async._generated.operations import OPERATIONS
from liveops_async._operation import AuthGroup, Operation
from liveops_async._transport import default_ssl_context

from . import _fault_server as fs
from ._calls import ALL_CALLS, Call
from ._secrets import CANARIES, assert_no_canary, find_canary, shown_text
from .conftest import PROJECT_ID, outcome

ClientFactory = Callable[..., LiveOpsClient]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# A path segment as it must travel: unreserved characters and %XX escapes only.
_ENCODED_SEGMENT = re.compile(r"^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})+$")

HOSTILE_VALUES = [
    "%2e%2e",
    "%2E%2E%2F",
    "../../admin",
    "..%2f..%2fadmin",
    "a/b",
    "/",
    "a?x=1&limit=1000",
    "a#fragment",
    "a\r\nX-Injected: 1",
    "line\nfeed",
    "ü-日本-🎁",
    "%2F",
    "nul\x00byte",
    "with space",
    "a;b=c",
    "\\..\\windows",
    "..a",
    "+&=@:$,",
]
# Values that a server could resolve as `.`/`..` even when encoded: refused before sending.
DOT_SEGMENTS = [".", "..", "..."]

PATH_OPERATIONS = sorted(
    (op for op in OPERATIONS.values() if set(_PLACEHOLDER.findall(op.path)) - {"project_id"}),
    key=lambda op: op.operation_id,
)


def _credential(op: Operation) -> AdminAuth | UserAuth:
    if op.auth in (AuthGroup.ADMIN, AuthGroup.ADMIN_OR_USER):
        return AdminAuth(PROJECT_ID, CANARIES.api_key)
    return UserAuth(CANARIES.jwt)


def _assert_one_segment_each(template: str, target: str, value: str) -> None:
    """The raw request target has the template's literal segments in place and, where each
    parameter goes, exactly one segment that decodes to `value`."""
    assert "?" not in target and "#" not in target, target
    expected = ("/api" + template).split("/")
    received = target.split("/")
    assert len(received) == len(expected), (template, target)
    for want, got in zip(expected, received, strict=True):
        name = _PLACEHOLDER.fullmatch(want)
        if name is None:
            assert got == want, (template, target)
        elif name.group(1) == "project_id":
            assert got == str(PROJECT_ID)
        else:
            assert _ENCODED_SEGMENT.fullmatch(got), (template, target)
            assert unquote(got, errors="strict") == value, (template, target)


def test_every_operation_with_path_parameters_is_covered() -> None:
    assert len(PATH_OPERATIONS) >= 80  # the inventory has 85 such routes; none may be skipped


async def test_hostile_path_values_stay_inside_one_segment(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = fs.reply(404, {"errorMessage": "not found"})
    client = make_client(server, max_retries=0)
    gate = asyncio.Semaphore(64)
    expectations: dict[str, tuple[Operation, str]] = {}

    async def send(op: Operation, value: str, request_id: str) -> None:
        names = set(_PLACEHOLDER.findall(op.path)) - {"project_id"}
        expectations[request_id] = (op, value)
        options = RequestOptions(validate_requests=False, headers={"X-Request-Id": request_id})
        async with gate:
            result = await outcome(
                client.requester(_credential(op)).request(
                    op,
                    path=dict.fromkeys(names, value),
                    query=dict.fromkeys(op.required_query, "p1"),  # required: refused without
                    body=None if op.body_schema is None else {},  # a body is required, unchecked
                    options=options,
                )
            )
        assert isinstance(result, NotFoundError), (op.operation_id, value, result)
        # Errors name the route template, never the values filled into it.
        assert value not in str(result).replace(op.path, "")

    await asyncio.gather(
        *(
            send(op, value, f"{op.operation_id}/{n}")
            for op in PATH_OPERATIONS
            for n, value in enumerate(HOSTILE_VALUES)
        )
    )
    assert len(server.received) == len(expectations) == len(PATH_OPERATIONS) * len(HOSTILE_VALUES)
    for request in server.received:
        op, value = expectations[request.headers["x-request-id"]]
        required_query = "&".join(f"{name}=p1" for name in sorted(op.required_query))
        target = request.target.removesuffix(f"?{required_query}" if required_query else "")
        _assert_one_segment_each(op.path, target, value)
        assert request.method == op.method
        assert "x-injected" not in request.headers


@pytest.mark.parametrize("value", DOT_SEGMENTS)
@pytest.mark.parametrize("op", PATH_OPERATIONS[:5], ids=lambda op: op.operation_id)
async def test_dot_segments_are_refused_before_sending(
    op: Operation, value: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    client = make_client(server)
    names = set(_PLACEHOLDER.findall(op.path)) - {"project_id"}
    with pytest.raises(InvalidParameterError):
        await client.requester(_credential(op)).request(op, path=dict.fromkeys(names, value))
    assert server.received == []


# Header injection --------------------------------------------------------------------------

INJECTIONS = [
    "\r\nX-Injected: 1",
    "\nX-Injected: 1",
    "\rX",
    "\x00",
    "\x85X-Injected: 1",  # NEL, a C1 control: a line break to some parsers
    "\x9b2J",  # the 8-bit CSI
    "\ud800",  # a lone surrogate: UnicodeEncodeError once the header is written
]


@pytest.mark.parametrize("injection", INJECTIONS, ids=repr)
def test_crlf_in_credentials_is_refused_without_echoing_them(injection: str) -> None:
    attempts: list[Callable[[], object]] = [
        lambda: UserAuth(CANARIES.jwt + injection),
        lambda: LiveOpsClient(project_id=PROJECT_ID, api_key=CANARIES.api_key + injection),
        lambda: GuestCartAuth("guest-1" + injection, "player@example.com"),
        lambda: GuestCartAuth("guest-1", "player@example.com" + injection),
        lambda: RequestOptions(headers={"X-Trace": "t" + injection}),
        lambda: RequestOptions(headers={"X-Trace" + injection: "t"}),
        lambda: LiveOpsClient(default_headers={"X-Trace": CANARIES.jwt + injection}),
    ]
    for attempt in attempts:
        with pytest.raises(InvalidParameterError) as caught:
            attempt()
        assert_no_canary(caught.value)


@pytest.mark.parametrize("injection", INJECTIONS, ids=repr)
async def test_crlf_from_a_token_provider_or_option_is_refused_before_sending(
    injection: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    async def provider() -> str:
        return CANARIES.jwt + injection

    client = make_client(server)
    error = await outcome(client.user(provider).coupons.redeem(coupon_code="WINTER"))
    assert isinstance(error, InvalidParameterError), error
    assert_no_canary(error)
    with pytest.raises(InvalidParameterError):
        client.with_options(headers={"X-Trace": "a" + injection})
    assert server.received == []


# Echoed credentials --------------------------------------------------------------------------


def _echo(status: int) -> fs.Action:
    """A broken proxy that puts the request's credentials everywhere in its answer."""

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        secret = request.headers.get("authorization", "")
        token = secret.split(" ", 1)[-1]
        decoded = (
            base64.b64decode(token + "==").decode(errors="replace") if "Basic" in secret else ""
        )
        body = {
            "errorMessage": f"[0401-1] bad credentials {secret} {decoded}",
            "errorMessageExtended": [secret],
            "external_id": {"echo": secret},
            "items": secret,
            "per_user": {"total": secret, "available": decoded},
        }
        await fs.reply(status, body, headers={"X-Echo": token})(request, conn)

    return action


@pytest.mark.parametrize("status", [200, 401, 422, 500])
@pytest.mark.parametrize("call", ALL_CALLS, ids=repr)
async def test_credentials_echoed_by_the_server_are_not_shown(
    call: Call, status: int, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = _echo(status)
    client = make_client(server, max_retries=0)
    result = await outcome(call.invoke(client))
    assert isinstance(result, (LiveOpsError, object))
    if isinstance(result, BaseException):
        assert isinstance(result, LiveOpsError), repr(result)
        leaked = find_canary(f"{result!s}\n{result!r}")
        assert leaked is None, f"{leaked!r} in {result!r}"
        for linked in (result.__cause__, result.__context__):
            if linked is not None:
                assert find_canary(str(linked)) is None, repr(linked)
    assert server.count(call.route) == 1


def test_canary_search_catches_a_leak() -> None:
    """The detector itself: a leaking error and a leaking cause are both found."""
    assert find_canary(f"x{CANARIES.api_key}y") == CANARIES.api_key
    try:
        try:
            raise ValueError(f"Authorization: Basic {CANARIES.basic}")
        except ValueError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        assert find_canary(shown_text(outer)) == CANARIES.basic
    with pytest.raises(AssertionError):
        assert_no_canary(ValueError(CANARIES.jwt))


def test_reprs_of_client_views_and_credentials_hide_secrets() -> None:
    client = LiveOpsClient(project_id=PROJECT_ID, api_key=CANARIES.api_key)
    user = client.user(CANARIES.jwt)
    things = [
        client,
        client.with_options(max_retries=0),
        client.requester(UserAuth(CANARIES.jwt)),
        client.requester(AdminAuth(PROJECT_ID, CANARIES.api_key)),
        user,
        user.coupons,
        client.admin.coupons,
        AdminAuth(PROJECT_ID, CANARIES.api_key),
        UserAuth(CANARIES.jwt),
    ]
    assert_no_canary(*things)
    assert_no_canary(vars(client) if hasattr(client, "__dict__") else client)


def test_reprs_of_options_and_settings_mask_credential_headers_a_caller_gave() -> None:
    # A caller may pass its own token in a header (a proxy's key, a gateway's token): the reprs
    # of per-call options and of the client's settings show those values masked, and other
    # header values as given. (Authorization itself is refused: only the credential sets it;
    # Proxy-Authorization too: only proxy= sets it.)
    for credential in ("Authorization", "Proxy-Authorization"):  # the client's own to set
        with pytest.raises(InvalidParameterError) as refused:
            RequestOptions(headers={credential: f"Bearer {CANARIES.jwt}"})
        assert_no_canary(refused.value)
    given = {
        "X-Gateway-Authorization": f"Basic {CANARIES.basic}",
        "X-Api-Key": CANARIES.api_key,
        "X-Auth-Token": CANARIES.jwt,
        "Cookie": f"session={CANARIES.api_key}",
        "X-Signature": CANARIES.api_key,
        "X-Player-Jwt": CANARIES.jwt,
        "X-Client-Credential": CANARIES.basic,
        "X-Passwd": CANARIES.api_key,
        "X-Bearer": CANARIES.jwt,
        "X-Trace": "trace-1",
    }
    options = RequestOptions(headers=given)
    client = LiveOpsClient(project_id=PROJECT_ID, api_key="k" * 8, default_headers=given)
    for shown in (repr(options), repr(client._config), str(client.with_options(headers=given))):
        assert_no_canary(shown)
    assert "'X-Trace': 'trace-1'" in repr(options)
    assert "'X-Auth-Token': '***'" in repr(client._config)


# TLS -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A throwaway self-signed certificate for 127.0.0.1 (openssl CLI, EC key: fast)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-nodes", "-days", "1",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )  # fmt: skip
    yield cert, key


def _server_context(cert: tuple[Path, Path], *, legacy: bool) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*cert)
    if legacy:
        # Allow what a modern OpenSSL forbids, so that only the client can say no.
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():  # naming the old versions is deprecated, and the point
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1_1
    else:
        context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _sdk_context_trusting(cert: Path) -> ssl.SSLContext:
    """The SDK's own context, trusting the throwaway certificate; weak ciphers allowed so that
    only the protocol version floor can refuse a legacy server."""
    context = default_ssl_context()
    context.load_verify_locations(cafile=str(cert))
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


async def test_tls_1_2_server_is_accepted(
    certificate: tuple[Path, Path], make_client: ClientFactory
) -> None:
    async with fs.FaultServer(ssl_context=_server_context(certificate, legacy=False)) as tls:
        client = make_client(tls, ssl_context=_sdk_context_trusting(certificate[0]))
        coupon = await client.admin.coupons.get("c1")
        assert coupon.external_id == "c1"
        assert tls.count("/admin/coupon/c1") == 1


async def test_server_capped_at_tls_1_1_is_refused(
    certificate: tuple[Path, Path], make_client: ClientFactory
) -> None:
    context = _sdk_context_trusting(certificate[0])
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    async with fs.FaultServer(ssl_context=_server_context(certificate, legacy=True)) as legacy:
        client = make_client(legacy, ssl_context=context)
        for call in (ALL_CALLS[0], ALL_CALLS[2]):  # a retry-safe and a non-idempotent call
            error = await outcome(call.invoke(client))
            assert isinstance(error, APIConnectionError), repr(error)
            # The handshake fails (an alert or a reset, depending on who gives up first).
            assert error.sent is False
            assert_no_canary(error)
        assert legacy.received == []
        if not await _legacy_handshake_possible(legacy.port, certificate[0]):
            pytest.skip("this OpenSSL cannot speak TLS 1.1 at all; the SDK floor was still checked")


async def _legacy_handshake_possible(port: int, cert: Path) -> bool:
    """Control: a client that allows TLS 1.1 does get through, so the refusal above came from
    the SDK's floor, not from the server being unusable."""
    permissive = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    permissive.load_verify_locations(cafile=str(cert))
    permissive.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        permissive.minimum_version = ssl.TLSVersion.TLSv1
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, ssl=permissive), 5
        )
    except (ssl.SSLError, OSError):
        return False
    version = writer.get_extra_info("ssl_object").version()
    writer.close()
    await writer.wait_closed()
    assert version == "TLSv1.1"
    return True


async def test_default_context_verifies_certificates(
    certificate: tuple[Path, Path], make_client: ClientFactory
) -> None:
    async with fs.FaultServer(ssl_context=_server_context(certificate, legacy=False)) as tls:
        client = make_client(tls)  # the SDK's default context: system CAs only
        error = await outcome(client.admin.coupons.get("c1"))
        assert isinstance(error, APIConnectionError) and error.sent is False
        assert tls.received == []


@pytest.mark.parametrize(
    "header",
    [
        {"Content-Length": "5"},  # the body's rest became a second request on the connection
        {"transfer-encoding": "chunked"},
        {"Connection": "close"},
        {"Upgrade": "websocket"},
        {"Keep-Alive": "timeout=5"},
        {"TE": "trailers"},
        {"Trailer": "X-Sum"},
        {"Expect": "100-continue"},
        {"Content-Encoding": "gzip"},  # a plain JSON body labelled gzip: refused or misread
        {"Host": "admin.internal.example"},  # the API key sent to another virtual host
        {"proxy-authorization": "Basic dXNlcjpwYXNz"},  # sent to the API without a proxy
        {"X-Ü": "v"},  # not an HTTP token: a 400 from the server, after sending
        {"X(Y)": "v"},
    ],
    ids=repr,
)
async def test_headers_that_would_change_the_framing_or_are_not_tokens_are_refused(
    header: dict[str, str], make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """Caller headers cannot change how a request is framed on the connection (a wrong
    Content-Length made the rest of a redeem's body a second request on the pooled connection)
    and must be valid header names: refused before anything is sent, naming the header."""
    name = next(iter(header))
    client = make_client(server)
    with pytest.raises(InvalidParameterError, match=re.escape(name)):
        make_client(server, default_headers=header)
    with pytest.raises(InvalidParameterError, match=re.escape(name)):
        client.with_options(headers=header)
    with pytest.raises(InvalidParameterError, match=re.escape(name)):
        RequestOptions(headers=header)
    assert server.received == []
