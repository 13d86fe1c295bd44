"""An answer whose body comes in a coding aiohttp leaves on it (`gzip, gzip`, two header lines,
`x-gzip`, `identity` beside a coding, `Transfer-Encoding: gzip, chunked`) or in the charset its
Content-Type declares (an error body in ISO-8859-1 or UTF-16, a gateway's page in windows-1251)
is read as the text the server sent: every error class, for an admin and a player (JWT)
operation, keeps its status, errorCode, code and message, and a success answer gives its model.
(The size cap and corrupt bodies under those codings: test_decoded_size.py.)"""

from __future__ import annotations

import asyncio
import gzip
import json
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from liveops_async import APIStatusError, ResponseDecodeError, RetryPolicy, Timeouts
from liveops_async._codings import declared_charset
from liveops_async._exceptions import status_error_class

from . import _fault_server as fs
from ._calls import COUPON_GET, COUPON_REDEEM, Call
from .conftest import FAST_RETRY, outcome

ONE_ATTEMPT = RetryPolicy(max_attempts=1)
STATUSES = [400, 401, 403, 404, 409, 422, 429, 500, 502, 503]
CALLS = pytest.mark.parametrize("call", [COUPON_GET, COUPON_REDEEM], ids=repr)

MESSAGE = "Купон «épée» не найден"  # not ASCII, not Latin-1 only: every byte counts


def _error_body(status: int, message: str) -> str:
    """Xsolla's documented error body, its text not escaped to ASCII."""
    body = {
        "statusCode": status,
        "errorCode": 4001,
        "errorMessage": f"[0401-4001]: {message}",
        "transactionId": "tx-1",
    }
    return json.dumps(body, ensure_ascii=False)


def _gzip_twice(body: bytes) -> bytes:
    return gzip.compress(gzip.compress(body))


def _deflate_then_gzip(body: bytes) -> bytes:
    return gzip.compress(zlib.compress(body))


# (the headers that name the codings, how the body was coded): codings aiohttp does not take off.
# Two header lines are written by smuggling the second into the first one's value (the fault
# server writes header values as given); a transfer coding goes with chunked framing.
STACKED: dict[str, tuple[dict[str, str], Callable[[bytes], bytes]]] = {
    "gzip,gzip": ({"Content-Encoding": "gzip, gzip"}, _gzip_twice),
    "gzip-on-two-header-lines": (
        {"Content-Encoding": "gzip\r\nContent-Encoding: gzip"},
        _gzip_twice,
    ),
    "x-gzip": ({"Content-Encoding": "x-gzip"}, gzip.compress),
    "gzip,identity": ({"Content-Encoding": "gzip, identity"}, gzip.compress),
    "deflate,gzip": ({"Content-Encoding": "deflate, gzip"}, _deflate_then_gzip),
    "transfer-gzip": ({"Transfer-Encoding": "gzip, chunked"}, gzip.compress),
    "gzip+transfer-gzip": (
        {"Content-Encoding": "gzip", "Transfer-Encoding": "gzip, chunked"},
        _gzip_twice,
    ),
}


def _answer(status: int, body: bytes, headers: dict[str, str]) -> fs.Action:
    """A complete answer: with Content-Length, or chunked when `headers` name a transfer coding."""
    if "Transfer-Encoding" not in headers:
        return fs.reply(status, raw=body, headers=headers)

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        head = fs.head(status, {"Content-Type": "application/json", **headers})
        await conn.send(head + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n")

    return action


# Charsets an error or success body may declare, each with a text it can carry that is not ASCII.
CHARSET_TEXTS = {
    "utf-16": MESSAGE,
    "utf-16le": MESSAGE,
    "utf-8-sig": MESSAGE,
    "windows-1251": "Купон «меч» не найден",
    "koi8-r": "Купон не найден",
    "iso-8859-1": "Accès refusé: coupon épuisé",
}


def _check_status_error(error: object, status: int, message: str) -> APIStatusError:
    assert type(error) is status_error_class(status), repr(error)
    assert isinstance(error, APIStatusError)
    assert error.status == status
    assert (error.error_code, error.code, error.message) == (4001, "0401-4001", message)
    assert error.transaction_id == "tx-1"
    return error


# How an error body is written: under a coding of STACKED, or in a charset of CHARSET_TEXTS.
ERROR_FORMS = sorted(STACKED) + [f"charset={charset}" for charset in sorted(CHARSET_TEXTS)]


def _error_answer(status: int, form: str) -> tuple[fs.Action, str]:
    """The answer writing Xsolla's error body in `form` (of ERROR_FORMS), and its message."""
    if form in STACKED:
        headers, pack = STACKED[form]
        return _answer(status, pack(_error_body(status, MESSAGE).encode()), headers), MESSAGE
    charset = form.removeprefix("charset=")
    message = CHARSET_TEXTS[charset]
    content_type = f"application/json; charset={charset}"
    body = _error_body(status, message).encode(charset)
    return fs.reply(status, raw=body, content_type=content_type), message


@CALLS
@pytest.mark.parametrize("form", ERROR_FORMS)
@pytest.mark.parametrize("status", STATUSES)
async def test_an_error_body_aiohttp_leaves_coded_or_in_its_charset_keeps_its_fields(
    status: int, form: str, call: Call, server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    answer, message = _error_answer(status, form)
    server.then(answer)
    error = await outcome(call.invoke(make_client(server, retry=ONE_ATTEMPT)))
    _check_status_error(error, status, message)


@CALLS
@pytest.mark.parametrize("coding", sorted(STACKED))
async def test_a_success_under_codings_aiohttp_leaves_gives_its_model(
    coding: str, call: Call, server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    headers, pack = STACKED[coding]
    body = b'{"external_id": "c1", "items": [{"sku": "gold", "quantity": 2}]}'
    server.then(_answer(200, pack(body), headers))
    result = await call.invoke(make_client(server))
    if call is COUPON_GET:
        assert result.external_id == "c1"  # type: ignore[attr-defined]
    else:
        assert [(i.sku, i.quantity) for i in result.items] == [("gold", 2)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("layers", [5, 1000])  # 1000: a header within aiohttp's 8190 bytes
@pytest.mark.parametrize("status", [200, 404])
async def test_a_stack_of_codings_deeper_than_any_server_sends_is_refused(
    status: int, layers: int, server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    """Each layer costs a decoder and its window: a hostile `gzip, gzip, ...` header is a
    decode error for a success (not retried) and leaves an error status its typed error."""
    body = _error_body(status, MESSAGE).encode()
    for _ in range(layers):
        body = gzip.compress(body, 1)
    header = ", ".join(["gzip"] * layers)
    server.then(fs.reply(status, raw=body, headers={"Content-Encoding": header}))
    error = await outcome(COUPON_GET.invoke(make_client(server, retry=ONE_ATTEMPT)))
    expected = ResponseDecodeError if status == 200 else status_error_class(status)
    assert type(error) is expected, repr(error)
    assert error.status == status  # type: ignore[attr-defined]


async def test_a_coding_no_one_knows_is_left_as_it_is(
    server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    """As httpx and urllib3 do: a gateway's `Content-Encoding: utf-8` over plain JSON parses."""
    server.then(fs.reply(200, raw=b'{"external_id": "c1"}', headers={"Content-Encoding": "utf-8"}))
    coupon = await COUPON_GET.invoke(make_client(server))
    assert coupon.external_id == "c1"  # type: ignore[attr-defined]


@CALLS
@pytest.mark.parametrize("status", STATUSES)
async def test_an_error_body_with_a_byte_that_is_not_utf8_keeps_its_fields(
    status: int, call: Call, server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    """A message in another charset the Content-Type does not name (a server's bug): the
    stray bytes become U+FFFD, and the error keeps its errorCode, code and message."""
    body = _error_body(status, "Accès refusé").encode("iso-8859-1")
    server.then(fs.reply(status, raw=body))
    error = await outcome(call.invoke(make_client(server, retry=ONE_ATTEMPT)))
    _check_status_error(error, status, "Acc\ufffds refus\ufffd")


def _cut_short(status: int, body: bytes, how: str) -> fs.Action:
    """An error status whose body stops midway: the connection closed or reset before the
    announced length, a chunked body that stops inside a chunk, or one that stalls (longer
    than the client's read timeout) before its close."""
    framing = {"Content-Type": "application/json", "Retry-After": "0"}

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        if how == "chunked":
            headers = {**framing, "Transfer-Encoding": "chunked"}
            half = body[: len(body) // 2]
            await conn.send(fs.head(status, headers) + f"{len(body):x}\r\n".encode() + half)
        else:
            await conn.send(fs.head(status, framing, 1000) + body)
        await asyncio.sleep(STALL if how == "stall" else 0.01)  # the part reaches the client
        if how == "reset":
            conn.reset()
        else:
            conn.keep_alive = False
            conn.writer.close()

    return action


@CALLS
@pytest.mark.parametrize("how", ["close", "reset", "chunked"])
@pytest.mark.parametrize("status", STATUSES)
async def test_an_error_status_whose_body_is_cut_short_keeps_its_status_error(
    status: int, how: str, call: Call, server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    """The status line says what went wrong: a 404 stays a NotFoundError (was an
    APIConnectionError, and retried as one), a 429 keeps its Retry-After. The retry rules of
    the status apply: here one attempt for a call that is not retry-safe or a 4xx, else all."""
    body = _error_body(status, MESSAGE).encode()
    server.default = _cut_short(status, body, how)
    client = make_client(server, retry=FAST_RETRY)
    error = await outcome(call.invoke(client))
    assert type(error) is status_error_class(status), repr(error)
    assert (error.status, error.retry_after) == (status, 0.0)  # type: ignore[attr-defined]
    retried = call.retry_safe and status in FAST_RETRY.retry_statuses
    assert server.count(call.route) == (FAST_RETRY.max_attempts if retried else 1)


# The read timeout of the stalled case, and how long the server stalls: the headers go out at
# once, so only an event loop held up for a whole second could time out before them.
STALL_READ = 1.0
STALL = 30.0


@CALLS
@pytest.mark.parametrize("status", [404, 429, 503])
async def test_an_error_status_whose_body_stalls_keeps_its_status_error(
    status: int, call: Call, server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    """The read timeout still ends the call, with the status's error (a 404 was a
    ReadTimeoutError, retried as one)."""
    server.default = _cut_short(status, _error_body(status, MESSAGE).encode(), "stall")
    timeouts = Timeouts(total=60.0, connect=10.0, read=STALL_READ, pool=30.0)
    client = make_client(server, retry=FAST_RETRY, timeout=timeouts)
    error = await outcome(call.invoke(client))
    assert type(error) is status_error_class(status), repr(error)
    assert (error.status, error.retry_after) == (status, 0.0)  # type: ignore[attr-defined]
    retried = call.retry_safe and status in FAST_RETRY.retry_statuses
    assert server.count(call.route) == (FAST_RETRY.max_attempts if retried else 1)


@pytest.mark.parametrize(
    ("content_type", "text"),
    [
        ("text/html; charset=windows-1251", "<h1>Шлюз недоступен</h1>"),
        ('text/plain; Charset="ISO-8859-1"', "Accès refusé"),
        ("text/plain;charset=utf-16", "Шлюз недоступен"),
    ],
)
@pytest.mark.parametrize("status", [403, 502])
async def test_a_gateway_page_in_its_declared_charset_is_the_message(
    status: int,
    content_type: str,
    text: str,
    server: fs.FaultServer,
    make_client: Callable[..., Any],
) -> None:
    charset = declared_charset(content_type)
    assert charset is not None
    server.then(fs.reply(status, raw=text.encode(charset), content_type=content_type))
    error = await outcome(COUPON_REDEEM.invoke(make_client(server, retry=ONE_ATTEMPT)))
    assert type(error) is status_error_class(status), repr(error)
    assert error.message == text  # type: ignore[attr-defined]


@CALLS
@pytest.mark.parametrize("charset", sorted(CHARSET_TEXTS))
async def test_a_success_body_in_its_declared_charset_gives_its_model(
    charset: str, call: Call, server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    name = CHARSET_TEXTS[charset]
    body = json.dumps(
        {"external_id": name, "items": [{"sku": name, "quantity": 1}]}, ensure_ascii=False
    )
    content_type = f"application/json; charset={charset}"
    server.then(fs.reply(200, raw=body.encode(charset), content_type=content_type))
    result = await call.invoke(make_client(server))
    if call is COUPON_GET:
        assert result.external_id == name  # type: ignore[attr-defined]
    else:
        assert result.items[0].sku == name  # type: ignore[attr-defined]


@CALLS
@pytest.mark.parametrize("label", ["iso-8859-1", "windows-1251", "ascii"])
@pytest.mark.parametrize("status", [200, 404, 422])
async def test_utf8_under_an_8bit_charset_label_is_read_as_utf8(
    status: int, label: str, call: Call, server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    """A common server default labels UTF-8 JSON `charset=iso-8859-1`: JSON is UTF-8 (RFC
    8259), so valid UTF-8 is read as such, never turned into mojibake ("Ã©" for "é")."""
    content_type = f"application/json; charset={label}"
    if status == 200:
        body = {"external_id": MESSAGE, "items": [{"sku": MESSAGE, "quantity": 1}]}
        server.then(fs.reply(200, body, content_type=content_type))
        result = await call.invoke(make_client(server))
        got = result.external_id if call is COUPON_GET else result.items[0].sku  # type: ignore[attr-defined]
        assert got == MESSAGE
        return
    raw = _error_body(status, MESSAGE).encode()
    server.then(fs.reply(status, raw=raw, content_type=content_type))
    error = await outcome(call.invoke(make_client(server, retry=ONE_ATTEMPT)))
    _check_status_error(error, status, MESSAGE)


async def test_a_success_body_that_is_not_its_declared_charset_is_a_decode_error(
    server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    body = b'{"external_id": "c1"}'
    assert len(body) % 2 == 1  # an odd number of bytes: no UTF-16 text
    server.then(fs.reply(200, raw=body, content_type="application/json; charset=utf-16"))
    error = await outcome(COUPON_GET.invoke(make_client(server)))
    assert type(error) is ResponseDecodeError, repr(error)
    assert error.status == 200 and "utf-16" in str(error)
    assert server.count(COUPON_GET.route) == 1


@pytest.mark.parametrize(
    ("content_type", "charset"),
    [
        ("application/json", None),
        ("application/json; charset=utf-8", None),
        ("application/json; charset=UTF8", None),
        ("application/json; charset=us-ascii", None),
        ("application/json; charset=no-such-charset", None),  # read as UTF-8, as before
        ('application/json; boundary=x; CHARSET="Latin-1"', "iso8859-1"),
        ("text/html;charset=cp1251", "cp1251"),
        ("text/plain; charset=UTF-16", "utf-16"),
        (None, None),
    ],
)
def test_the_declared_charset_is_read_from_the_content_type(
    content_type: str | None, charset: str | None
) -> None:
    assert declared_charset(content_type) == charset
