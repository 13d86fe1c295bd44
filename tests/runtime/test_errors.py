"""Non-success answers become typed errors with Xsolla's fields, whatever the body looks like."""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable

import orjson
import pytest
from aiohttp import web
from aioresponses import aioresponses

from liveops_async import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    LiveOpsClient,
    LiveOpsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    ResponseDecodeError,
    UnprocessableEntityError,
)
from liveops_async._exceptions import _MAX_TEXT_BODY, MAX_SHOWN_CHARS, make_status_error

from . import _ops
from .conftest import API_KEY, MOCK_BASE, PROJECT_ID, ScriptedServer

COUPON_URL = f"{MOCK_BASE}/v3/project/{PROJECT_ID}/admin/coupon/c1"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (520, InternalServerError),
        (499, APIStatusError),
        (418, APIStatusError),
    ],
)
async def test_status_maps_to_class(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, status: int, cls: type
) -> None:
    api.get(
        COUPON_URL,
        status=status,
        body=orjson.dumps(
            {
                "statusCode": status,
                "errorCode": 4001,
                "errorMessage": "[0401-9802]: Coupon not found",
                "transactionId": "tx-1",
            }
        ),
    )
    client = make_client(max_retries=0)
    with pytest.raises(APIStatusError) as info:
        await client.requester(client._admin_auth).request(
            _ops.GET_COUPON, path={"external_id": "c1"}
        )
    error = info.value
    assert type(error) is cls and isinstance(error, LiveOpsError)
    assert (error.status, error.error_code, error.code) == (status, 4001, "0401-9802")
    assert error.message == "Coupon not found"
    assert error.transaction_id == "tx-1"
    assert (error.method, error.route) == ("GET", _ops.COUPON_PATH)
    assert "[0401-9802] Coupon not found" in str(error) and "c1" not in str(error)


def test_extended_message_and_retry_after() -> None:
    body = {
        "statusCode": 422,
        "errorCode": 1102,
        "errorMessage": "[0401-1102]: Unprocessable Entity. The property `name` is required",
        "errorMessageExtended": [{"property": "name", "message": "required"}],
    }
    error = make_status_error(
        status=422, method="POST", route="/r", raw=orjson.dumps(body), headers={}, retry_after=None
    )
    assert isinstance(error, UnprocessableEntityError)
    assert error.message_extended == [{"property": "name", "message": "required"}]
    assert error.transaction_id is None
    limited = make_status_error(
        status=429, method="GET", route="/r", raw=b"", headers={}, retry_after=3.0
    )
    assert isinstance(limited, RateLimitError) and limited.retry_after == 3.0
    assert limited.message == "Too Many Requests" and "retry_after=3s" in str(limited)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"<html><body>Bad gateway</body></html>", "<html><body>Bad gateway</body></html>"),
        (b'{"statusCode": 502, "errorMess', '{"statusCode": 502, "errorMess'),
        (b"", "Bad Gateway"),
        (b"\xff\xfe\x00garbage", "\ufffd\ufffd\x00garbage"),
        (b"[1, 2]", "Bad Gateway"),
        (b'{"errorCode": "oops", "errorMessage": null}', "Bad Gateway"),
    ],
)
def test_odd_bodies_still_give_typed_errors(raw: bytes, message: str) -> None:
    error = make_status_error(
        status=502, method="GET", route="/r", raw=raw, headers={}, retry_after=None
    )
    assert isinstance(error, InternalServerError)
    assert error.message == message
    assert error.error_code is None


def test_undocumented_status_code_has_a_reason() -> None:
    error = make_status_error(
        status=599, method="GET", route="/r", raw=b"", headers={}, retry_after=None
    )
    assert type(error) is InternalServerError and error.message == "HTTP status 599"


def test_credentials_echoed_in_a_body_are_scrubbed() -> None:
    raw = f"bad request: Authorization: Basic {API_KEY}".encode()
    error = make_status_error(
        status=400,
        method="GET",
        route="/r",
        raw=raw,
        headers={},
        retry_after=None,
        secrets=(API_KEY,),
    )
    assert API_KEY not in str(error) and API_KEY not in repr(error)
    assert API_KEY not in str(error.body)


async def test_a_success_cut_short_is_a_connection_error(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    """The answer is unknown, and the request arrived. (An error status cut short keeps its
    status error: tests/reliability/test_body_codings.py.)"""
    from liveops_async import APIConnectionError

    async def truncated(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(status=200, headers={"Content-Length": "100"})
        await response.prepare(request)
        await response.write(b'{"external_id": "c1"')
        assert request.transport is not None
        request.transport.close()
        return response

    server.handler = truncated
    client = make_client(base_url=server.base_url, max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        await client.requester(client._admin_auth).request(
            _ops.GET_COUPON, path={"external_id": "c1"}
        )
    assert info.value.sent is True


async def test_redirect_is_not_followed(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    async def redirect(request: web.Request) -> web.StreamResponse:
        return web.Response(status=302, headers={"Location": "https://evil.test/steal"})

    server.handler = redirect
    client = make_client(base_url=server.base_url)
    with pytest.raises(RedirectError) as info:
        await client.requester(client._admin_auth).request(
            _ops.GET_COUPON, path={"external_id": "c1"}
        )
    assert info.value.status == 302
    assert info.value.headers["Location"] == "https://evil.test/steal"
    assert len(server.seen) == 1


async def test_unparseable_success_body_is_a_decode_error(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    api.get(COUPON_URL, body=b"not json")
    api.get(COUPON_URL, body=b"")
    api.get(COUPON_URL, payload={"name": "missing the required external_id"})
    client = make_client()
    requester = client.requester(client._admin_auth)
    for _ in range(3):
        with pytest.raises(ResponseDecodeError) as info:
            await requester.request(_ops.GET_COUPON, path={"external_id": "c1"})
        assert info.value.status == 200


async def test_unknown_fields_are_ignored(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    api.get(COUPON_URL, payload={"external_id": "c1", "brand_new_field": {"x": 1}})
    client = make_client()
    coupon = await client.requester(client._admin_auth).request(
        _ops.GET_COUPON, path={"external_id": "c1"}
    )
    assert coupon == _ops.Coupon(external_id="c1")


async def test_errors_and_logs_never_hold_secrets_or_path_values(
    server: ScriptedServer,
    make_client: Callable[..., LiveOpsClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def echo(request: web.Request) -> web.StreamResponse:
        # A misbehaving proxy that echoes the request headers back.
        return web.Response(status=503, text=str(dict(request.headers)))

    server.handler = echo
    client = make_client(base_url=server.base_url, max_retries=1)
    caplog.set_level(logging.DEBUG, logger="liveops_async")
    from liveops_async import RetryPolicy, UserAuth

    jwt = "player.jwt-token.SECRET"
    requester = client.with_options(retry=RetryPolicy(max_attempts=2, initial_backoff=0.001))
    for credential in (client._admin_auth, UserAuth(jwt)):
        op = _ops.GET_COUPON if credential is client._admin_auth else _ops.GET_REWARDS
        key = "external_id" if op is _ops.GET_COUPON else "coupon_code"
        with pytest.raises(InternalServerError) as info:
            await requester.requester(credential).request(op, path={key: "player-typed-VALUE"})
        for text in (str(info.value), repr(info.value), str(info.value.body)):
            assert API_KEY not in text and jwt not in text
            assert "Basic " not in text or "***" in text
    assert "retrying" in caplog.text and "GET /v2/project/{project_id}/coupon" in caplog.text
    for secret in (API_KEY, jwt, "player-typed-VALUE", "Authorization"):
        assert secret not in caplog.text


@pytest.mark.parametrize("cut_after", [6, 12, len(API_KEY) - 1])
def test_a_secret_cut_by_the_text_bound_leaves_no_part_of_itself(cut_after: int) -> None:
    """A text body is kept only up to a bound: the secret it echoes across that bound is
    scrubbed before the cut, so its beginning does not stay behind."""
    filler = "x" * (_MAX_TEXT_BODY - cut_after)
    raw = f"{filler}{API_KEY} and more text after it".encode()
    error = make_status_error(
        status=502, method="GET", route="/r", raw=raw, headers={}, retry_after=None,
        secrets=(API_KEY,),
    )  # fmt: skip
    shown = f"{error}\n{error!r}\n{error.body}\n{error.message}"
    assert API_KEY[:cut_after] not in shown
    assert len(error.message) <= _MAX_TEXT_BODY


@pytest.mark.parametrize(
    ("raw", "message", "error_code", "code"),
    [
        # Xsolla's other services (Login, Pay Station) and gateways nest the error:
        (b'{"error": {"code": "010-007", "description": "Token expired"}}', "Token expired",
         None, "010-007"),
        (b'{"error": {"errorCode": 1102, "errorMessage": "[0401-1102]: Bad name"}}', "Bad name",
         1102, "0401-1102"),
        (b'{"error": {"code": 4002, "message": "Duplicate"}}', "Duplicate", 4002, None),
        (b'{"error": "invalid_token"}', "invalid_token", None, None),
        # A whole number written as a float by some JSON encoders:
        (b'{"errorCode": 1102.0, "errorMessage": "Bad"}', "Bad", 1102, None),
        (b'{"errorCode": 1102.5, "errorMessage": "Bad"}', "Bad", None, None),
        (b'"Service temporarily unavailable"', "Service temporarily unavailable", None, None),
        # The documented shape wins over a nested object:
        (b'{"errorCode": 9803, "errorMessage": "[0401-9803]: Dup", "error": {"code": 1}}', "Dup",
         9803, "0401-9803"),
    ],
)  # fmt: skip
def test_nested_and_plain_text_error_bodies_keep_their_message_and_codes(
    raw: bytes, message: str, error_code: int | None, code: str | None
) -> None:
    error = make_status_error(
        status=422, method="GET", route="/r", raw=raw, headers={}, retry_after=None
    )
    assert isinstance(error, UnprocessableEntityError)
    assert (error.message, error.error_code, error.code) == (message, error_code, code)


def test_a_field_or_text_ending_inside_a_secret_shows_no_part_of_it() -> None:
    """A body cut short by the server may end inside an echoed credential, in a JSON field or
    in plain text: the beginning is masked as the whole would be."""
    for raw in (
        f'{{"errorMessage": "bad key {API_KEY[:9]}", "x": ["{API_KEY[:-1]}"]}}'.encode(),
        f"bad key {API_KEY[:7]}".encode(),
    ):
        error = make_status_error(
            status=400, method="GET", route="/r", raw=raw, headers={}, retry_after=None,
            secrets=(API_KEY,),
        )  # fmt: skip
        shown = f"{error}\n{error!r}\n{error.body}"
        assert API_KEY[:7] not in shown, shown
        assert "bad key ***" in shown


def test_an_error_body_keeps_integers_beyond_64_bits_exact() -> None:
    big = 123456789012345678901234567890
    raw = b'{"errorCode": 1102, "errorMessage": "[0401-1102]: bad", "id": %d}' % big
    error = make_status_error(
        status=422, method="GET", route="/r", raw=raw, headers={}, retry_after=None
    )
    assert error.body["id"] == big and type(error.body["id"]) is int
    assert (error.error_code, error.message) == (1102, "bad")


def test_an_error_body_nested_deeper_than_the_stack_is_text_not_a_recursion_error() -> None:
    # A run of 19+ digits sends the body to the exact (standard library) parser, which would
    # recurse once per level.
    raw = b"[" * 100_000 + b"1234567890123456789012" + b"]" * 100_000
    error = make_status_error(
        status=502, method="GET", route="/r", raw=raw, headers={}, retry_after=None
    )
    assert isinstance(error, InternalServerError) and error.message.startswith("[[[")


@pytest.mark.parametrize(
    "error_code",
    ["\u00b2", "\u0663", "--5", "- 5", "9" * 5000, "12\u200b3"],
    ids=["superscript two", "arabic-indic three", "double minus", "minus space", "5000 digits",
         "zero-width space"],
)  # fmt: skip
def test_an_error_code_string_int_cannot_read_is_no_error_code(error_code: str) -> None:
    """Only ASCII decimal digits are a number: `str.isdigit` also takes digits `int()` refuses
    ("²") or reads as another number ("٣"), and `int()` refuses more than 4,300 digits."""
    raw = orjson.dumps({"errorCode": error_code, "errorMessage": "[0401-1102]: Bad"})
    error = make_status_error(
        status=422, method="GET", route="/r", raw=raw, headers={}, retry_after=None
    )
    assert isinstance(error, UnprocessableEntityError)
    assert (error.error_code, error.code, error.message) == (None, "0401-1102", "Bad")


def test_an_error_code_string_of_ascii_digits_is_read() -> None:
    raw = b'{"errorCode": " -1102 ", "errorMessage": "Bad"}'
    error = make_status_error(
        status=422, method="GET", route="/r", raw=raw, headers={}, retry_after=None
    )
    assert error.error_code == -1102


def _nested(depth: int, kind: str, inner: bytes) -> bytes:
    if kind == "array":
        return b"[" * depth + inner + b"]" * depth
    return b'{"a":' * depth + inner + b"}" * depth


@pytest.mark.parametrize("kind", ["array", "object"])
@pytest.mark.parametrize("depth", [400, 1000, 1024])
@pytest.mark.parametrize("inner", [b"1", b"12345678901234567890123"], ids=["small", "big int"])
def test_an_error_body_nested_hundreds_deep_is_its_text_and_the_error_pickles(
    kind: str, depth: int, inner: bytes
) -> None:
    """The JSON parsers take bodies ~1,000 levels deep; walking one to scrub it (or pickling
    the error that keeps it) must not raise RecursionError: it is kept as text."""
    raw = _nested(depth, kind, inner)
    error = make_status_error(
        status=502, method="GET", route="/r", raw=raw, headers={}, retry_after=None,
        secrets=(API_KEY,),
    )  # fmt: skip
    assert isinstance(error, InternalServerError)
    assert isinstance(error.body, str) and error.message == error.body.strip()
    assert raw.decode().startswith(error.message) and len(error.message) == _MAX_TEXT_BODY
    copied = pickle.loads(pickle.dumps(error))
    assert (copied.status, copied.message) == (502, error.message)


def test_an_error_body_of_ordinary_depth_stays_json_and_is_scrubbed() -> None:
    raw = (
        b'{"errorMessage": "Bad", "detail": '
        + _nested(40, "object", b'"k=%s"' % API_KEY.encode())
        + b"}"
    )
    error = make_status_error(
        status=422, method="GET", route="/r", raw=raw, headers={}, retry_after=None,
        secrets=(API_KEY,),
    )  # fmt: skip
    assert isinstance(error.body, dict) and error.message == "Bad"
    inner = error.body["detail"]
    for _ in range(40):
        inner = inner["a"]
    assert inner == "k=***"


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("errorMessage", {"en": "Bad"}, '{"en":"Bad"}'),
        ("errorMessage", 42, "42"),
        ("transactionId", ["t", 1], '["t",1]'),
        ("errorMessage", [[[[["deep"]]]]], '[[[[["deep"]]]]]'),
    ],
)
def test_a_message_or_transaction_id_that_is_not_a_string_is_its_json(
    field: str, value: object, shown: str
) -> None:
    raw = orjson.dumps({field: value})
    error = make_status_error(
        status=400, method="GET", route="/r", raw=raw, headers={}, retry_after=None
    )
    assert (error.message if field == "errorMessage" else error.transaction_id) == shown


@pytest.mark.parametrize(
    "message",
    ["[0401-\u0669\u0668\u0660\u0663]: Dup", "[0401-" + "9" * 5000 + "]: Dup"],
    ids=["arabic-indic digits", "5000 digits"],
)
def test_only_a_bracketed_code_of_a_few_ascii_digits_is_a_code(message: str) -> None:
    """Settling reads the code's number to spot a duplicate: a code of other digits (which
    `int()` would read as 9803) or of more digits than `int()` converts is no code at all."""
    from liveops_async._settle import _is_duplicate

    raw = orjson.dumps({"errorMessage": message})
    error = make_status_error(
        status=422, method="POST", route="/r", raw=raw, headers={}, retry_after=None
    )
    assert error.code is None and error.message == message
    assert _is_duplicate(error) is False


async def test_a_huge_error_message_is_cut_in_str_and_kept_whole_on_the_error(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    message = "m" * 50_000
    api.get(
        COUPON_URL,
        status=422,
        body=orjson.dumps({"errorCode": 1102, "errorMessage": f"[0401-1102]: {message}"}),
    )
    client = make_client(max_retries=0)
    with pytest.raises(UnprocessableEntityError) as info:
        await client.requester(client._admin_auth).request(
            _ops.GET_COUPON, path={"external_id": "c1"}
        )
    error = info.value
    assert error.message == message and error.code == "0401-1102"
    assert error.body["errorMessage"].endswith(message)
    shown = str(error)
    assert shown.startswith("422 [0401-1102] " + "m" * MAX_SHOWN_CHARS + "... (49000 more")
    assert "errorCode=1102" in shown and len(shown) < MAX_SHOWN_CHARS + 200
    assert len(repr(error)) < MAX_SHOWN_CHARS + 250
