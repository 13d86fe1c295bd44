"""Secrets a server or proxy echoes back reach no field of any error, event or log record:
every body field (known or not, keys included), every header, the message of a body that does
not parse, the text of a malformed answer and every cause, also after a pickle round trip."""

from __future__ import annotations

import asyncio
import base64
import pickle
import zlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from liveops_async import LiveOpsClient, LiveOpsError, RequestOptions, ResponseEvent

from . import _fault_server as fs
from ._calls import ALL_CALLS, COUPON_GET, Call
from ._secrets import CANARIES, assert_no_canary, find_canary
from .conftest import outcome

ClientFactory = Callable[..., LiveOpsClient]


def _spellings(request: fs.Received) -> list[str]:
    """The request's credentials in every form an echo might take."""
    header = request.headers.get("authorization", "")
    token = header.split(" ", 1)[-1]
    forms = [header, token, quote(header, safe=""), quote(token, safe="")]
    if header.startswith("Basic "):
        decoded = base64.b64decode(token).decode()
        forms += [decoded, decoded.split(":", 1)[1]]
    else:
        forms.append(token.rsplit(".", 1)[-1])  # the JWT's signature alone
    return forms


def _echo_everywhere(status: int) -> fs.Action:
    async def action(request: fs.Received, conn: fs.Connection) -> None:
        forms = _spellings(request)
        joined = " | ".join(forms)
        body = {
            "statusCode": status,
            "errorCode": 1102,
            "errorMessage": f"[0401-1102]: refused {joined}",
            "errorMessageExtended": {"seen": forms, forms[1]: [{"deep": joined}]},
            "transactionId": forms[0],
            "request": {"headers": {"Authorization": forms[0]}},
            "external_id": joined,  # a 2xx whose fields do not fit the model quote them
            "items": joined,
        }
        headers = {f"X-Echo-{n}": form for n, form in enumerate(forms)}
        await fs.reply(status, body, headers=headers)(request, conn)

    return action


def _walk(value: Any, seen: set[int] | None = None) -> Iterator[str]:
    """Every string reachable from an error's fields (mappings, sequences, attributes)."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, (str, bytes)):
        yield value if isinstance(value, str) else value.decode("latin-1")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(key, seen)
            yield from _walk(item, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _walk(item, seen)
    elif isinstance(value, BaseException):
        yield str(value)
        yield repr(value)
        for item in vars(value).values():
            yield from _walk(item, seen)
        for linked in (value.__cause__, value.__context__):
            if linked is not None:
                yield from _walk(linked, seen)
    else:
        yield repr(value)


def assert_no_secret_in_any_field(error: BaseException) -> None:
    for text in _walk(error):
        leaked = find_canary(text)
        assert leaked is None, f"{leaked!r} in a field of {type(error).__name__}: {text[:300]}"
    assert_no_canary(error)


@pytest.mark.parametrize("status", [200, 201, 400, 401, 404, 422, 429, 500, 503])
@pytest.mark.parametrize("call", ALL_CALLS, ids=repr)
async def test_echoed_credentials_reach_no_field_of_the_error_or_event(
    call: Call, status: int, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    events: list[ResponseEvent] = []
    server.default = _echo_everywhere(status)
    client = make_client(server, max_retries=0, on_response=[events.append])

    try:
        result: object = await call.invoke(client)
    except LiveOpsError as error:
        result = error
    if isinstance(result, LiveOpsError):
        assert_no_secret_in_any_field(result)
        assert_no_secret_in_any_field(pickle.loads(pickle.dumps(result)))
    for event in events:
        assert find_canary(repr(event)) is None, repr(event)
        if event.error is not None:
            assert_no_secret_in_any_field(event.error)


def _malformed_echo(where: str) -> fs.Action:
    """An answer aiohttp cannot parse, holding the credentials where its parser quotes them."""

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        secret = request.headers.get("authorization", "")
        if where == "status line":
            data = f"HTTP/1.1 2{secret} OK\r\nContent-Length: 0\r\n\r\n"
        elif where == "reason":
            data = f"HTTP/1.1 200 \x00{secret}\r\nContent-Length: 0\r\n\r\n"
        else:
            data = f"HTTP/1.1 200 OK\r\nX-Bad\x01: {secret}\r\nContent-Length: 0\r\n\r\n"
        await fs.garbage(data.encode("latin-1"))(request, conn)

    return action


@pytest.mark.parametrize("where", ["status line", "reason", "header"])
async def test_a_malformed_answer_quoting_the_credentials_does_not_show_them(
    where: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = _malformed_echo(where)
    client = make_client(server, max_retries=0)
    try:
        await COUPON_GET.invoke(client)
    except LiveOpsError as error:
        assert_no_secret_in_any_field(error)
    else:  # aiohttp's lenient parser may accept some of them: then nothing could leak
        pass


async def test_a_rotated_token_is_known_to_the_scrubber(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = _echo_everywhere(401)
    client = make_client(server, max_retries=0)

    async def provider() -> str:
        return CANARIES.jwt

    try:
        await client.user(provider).coupons.redeem(coupon_code="X")
    except LiveOpsError as error:
        assert_no_secret_in_any_field(error)
    else:
        raise AssertionError("a 401 must raise")


async def test_a_token_rotated_while_its_call_was_in_flight_is_still_scrubbed(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """A provider's token is replaced by a newer one (another call of the same view fetched
    it) while a call that sent the old one waits for its answer: that answer's echo of the old
    token is scrubbed all the same."""
    release = asyncio.Event()
    echo = _echo_everywhere(422)

    async def held_echo(request: fs.Received, conn: fs.Connection) -> None:
        await release.wait()
        await echo(request, conn)

    server.then(held_echo, echo)
    client = make_client(server, max_retries=0)
    rotated = CANARIES.jwt.rsplit(".", 1)[0] + ".rotated-signature-0123456789"
    tokens = iter([CANARIES.jwt, rotated])

    async def provider() -> str:
        return next(tokens)

    player = client.user(provider)
    first = asyncio.create_task(outcome(player.coupons.redeem(coupon_code="A")))
    while not server.received:
        await asyncio.sleep(0.01)
    second = await outcome(player.coupons.redeem(coupon_code="B"))  # fetches the new token
    release.set()
    error = await first
    assert isinstance(error, LiveOpsError) and isinstance(second, LiveOpsError)
    assert_no_secret_in_any_field(error)


def _echo_cut_short(kept: int) -> fs.Action:
    """A broken proxy's 422 echoing the Authorization value in a gzip stream that stops after
    `kept` of its characters (flushed, never finished: aiohttp decodes what came, no error)."""

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        value = request.headers["authorization"].split(" ", 1)[1]
        packer = zlib.compressobj(wbits=31)  # gzip framing
        cut = f"refused for {value[:kept]}".encode()
        raw = packer.compress(cut) + packer.flush(zlib.Z_SYNC_FLUSH)
        await fs.reply(422, raw=raw, headers={"Content-Encoding": "gzip"})(request, conn)

    return action


@pytest.mark.parametrize("kept", [6, 12, 30, -1])
@pytest.mark.parametrize("who", ["admin", "player"])
async def test_a_credential_echo_cut_short_shows_no_part_of_it(
    kept: int, who: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """A body cut short (here a compressed stream that stops) may end inside the echoed
    credential: its beginning is scrubbed as the whole would be."""
    secret = CANARIES.basic if who == "admin" else CANARIES.jwt
    server.default = _echo_cut_short(kept if kept > 0 else len(secret) - 1)
    client = make_client(server, max_retries=0)
    call = (
        client.admin.coupons.get("c1")
        if who == "admin"
        else client.user(CANARIES.jwt).coupons.redeem(coupon_code="A")
    )
    error = await outcome(call)
    assert isinstance(error, LiveOpsError) and "refused for" in str(error), error
    shown = "\n".join(_walk(error))
    cut = kept if kept > 0 else len(secret) - 1
    assert secret[:cut] not in shown, shown


GATEWAY_KEY = "gateway-key-3b9f1c7e"  # a credential the caller sends in a header of its own


def _echo_gateway_key(request: fs.Received) -> str:
    return " ".join(v for k, v in request.headers.items() if k.startswith("x-gateway"))


@pytest.mark.parametrize("given", ["default_headers", "with_options", "per_call", "session"])
async def test_a_credential_in_a_callers_own_header_is_scrubbed_from_an_echo(
    given: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """Header values the reprs mask as credentials (names holding auth, key, token, secret,
    ...) are scrubbed from what a server echoes, as the SDK's own credentials are."""

    async def echo(request: fs.Received, conn: fs.Connection) -> None:
        seen = _echo_gateway_key(request)
        assert GATEWAY_KEY in seen  # it was sent
        body = {"errorCode": 1, "errorMessage": f"bad gateway key {seen}", "echo": {seen: seen}}
        await fs.reply(403, body, headers={"X-Echo": seen})(request, conn)

    server.default = echo
    header = {"X-Gateway-Token": GATEWAY_KEY}
    session = None
    if given == "default_headers":
        client = make_client(server, default_headers=header)
    elif given == "session":
        session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(), headers=header)
        client = make_client(server, session=session)
    else:
        client = make_client(server)
    if given == "with_options":
        client = client.with_options(headers=header)
    options = RequestOptions(headers=header) if given == "per_call" else None
    try:
        error = await outcome(client.admin.coupons.get("c1", options=options))
    finally:
        if session is not None:
            await client.aclose()
            await session.close()
    assert isinstance(error, LiveOpsError)
    shown = "\n".join(_walk(error))
    assert "bad gateway key" in shown and GATEWAY_KEY not in shown, shown


def _echo_in_a_body_that_is_not_json(shape: str) -> fs.Action:
    """A 200 that does not parse, quoting the request's credentials: the parser's error keeps
    the whole document it refused (`JSONDecodeError.doc`)."""

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        joined = " | ".join(_spellings(request))
        bodies = {
            "html": f"<html><body>refused {joined}</body></html>",
            "cut json": f'{{"external_id": "c1", "note": "{joined}", ',
            "cut json with a long integer": f'{{"id": 1{"0" * 30}, "note": "{joined}"',
        }
        await fs.reply(200, raw=bodies[shape].encode())(request, conn)

    return action


@pytest.mark.parametrize("shape", ["html", "cut json", "cut json with a long integer"])
@pytest.mark.parametrize("call", ALL_CALLS, ids=repr)
async def test_a_success_body_that_is_not_json_keeps_no_echo_in_the_errors_cause(
    call: Call, shape: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = _echo_in_a_body_that_is_not_json(shape)
    client = make_client(server, max_retries=0)
    error = await outcome(call.invoke(client))
    assert isinstance(error, LiveOpsError), repr(error)
    assert_no_secret_in_any_field(error)


@pytest.mark.parametrize("call", ALL_CALLS, ids=repr)
async def test_an_aiohttp_exception_being_handled_is_not_the_errors_context(
    call: Call, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """An error raised while an exception is handled takes it as its `__context__`. On Python
    3.10 the event loop's Task resumes a call inside its `except` for the exception aiohttp
    set on the response (a malformed status line quoting the echoed credential), so every
    typed error carried aiohttp's unscrubbed text; here the test handles one itself."""
    server.default = fs.reply(503, {"errorMessage": "down"})
    client = make_client(server, max_retries=0)
    try:
        raise aiohttp.ClientResponseError(
            aiohttp.RequestInfo(URL(server.base_url), "GET", CIMultiDictProxy(CIMultiDict())),
            (),
            status=400,
            message=f"Bad status line: HTTP/1.1 2Basic {CANARIES.basic}",
        )
    except aiohttp.ClientResponseError:
        error = await outcome(call.invoke(client))
    assert isinstance(error, LiveOpsError), repr(error)
    assert error.__context__ is None
    assert_no_secret_in_any_field(error)
