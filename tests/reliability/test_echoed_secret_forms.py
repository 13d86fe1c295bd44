"""A credential echoed back in another spelling than the one sent (JSON- or HTML-escaped,
percent-encoded with lower-case hex or only in part, in UTF-16, a JWT's payload alone) is
scrubbed like the verbatim one, wherever the SDK keeps text that did not pass a JSON decoder:
a body that does not parse (an error's message and body, a success's parse error and its
cause), a header value, a redirect's Location."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import html
import json
import pickle
import re
import traceback
import zlib
from collections.abc import Callable
from importlib.util import find_spec
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest
from aiohttp import ClientPayloadError
from aiohttp.http_exceptions import ContentLengthError
from cattrs.errors import ClassValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from liveops_async import (
    AdminAuth,
    LiveOpsClient,
    LiveOpsError,
    RequestOptions,
    ResponseEvent,
)
from liveops_async._exceptions import make_status_error
from liveops_async._redact import MASK, RedactedCause, Redactor, _unescaped

from . import _fault_server as fs
from ._secrets import _exception_chain
from .conftest import PROJECT_ID, outcome
from .test_echoed_secrets import _walk

ClientFactory = Callable[..., LiveOpsClient]

# A key whose text and whose Basic value hold characters that JSON and URL encoders escape
# ("/", "+", "=", "?", ">"): the canaries of `_secrets` have none.
API_KEY = "CANARY/>?>key+7f3e9b1c"
BASIC = base64.b64encode(f"{PROJECT_ID}:{API_KEY}".encode()).decode()
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiJwbGF5ZXItZm9ybXMiLCJlbWFpbCI6InBAZXhhbXBsZS5jb20ifQ."
    "FORMSjwtSignature-5d41402abc4b2a76"
)
_HEADER, PAYLOAD, SIGNATURE = JWT.split(".")
SECRETS = {
    "api key": API_KEY,
    "basic": BASIC,
    "jwt": JWT,
    "jwt payload": PAYLOAD,
    "jwt signature": SIGNATURE,
}


def _unicode_escaped(text: str, hex_case: Callable[[str], str]) -> str:
    return "".join(ch if ch.isalnum() else hex_case(f"\\u{ord(ch):04x}") for ch in text)


def _lower_hex(text: str) -> str:
    return re.sub("%[0-9A-F]{2}", lambda escape: escape.group().lower(), text)


SPELLINGS: dict[str, Callable[[str], str]] = {
    "json slash escaped": lambda s: json.dumps(s)[1:-1].replace("/", "\\/"),
    "json unicode escapes": lambda s: _unicode_escaped(s, str.lower),
    "json unicode escapes upper hex": lambda s: _unicode_escaped(
        s, lambda e: "\\u" + e[2:].upper()
    ),
    "html escaped": html.escape,
    "html character references": lambda s: "".join(
        ch if ch.isalnum() else f"&#{ord(ch)};" for ch in s
    ),
    "percent lower hex": lambda s: _lower_hex(quote(s, safe="")),
    "percent in part": lambda s: quote(s, safe="/?"),
    "percent lower hex in part": lambda s: _lower_hex(quote(s, safe="/")),
}


def _echo(where: str, form: str) -> fs.Action:
    text = f"refused {form} here"
    if where == "error text body":
        return fs.reply(422, raw=text.encode(), content_type="text/plain")
    if where == "error json cut short":
        return fs.reply(422, raw=f'{{"errorMessage": "{text}'.encode())
    if where == "error gzip cut short":
        packer = zlib.compressobj(wbits=31)
        raw = packer.compress(text.encode()) + packer.flush(zlib.Z_SYNC_FLUSH)
        return fs.reply(422, raw=raw, headers={"Content-Encoding": "gzip"})
    if where == "error br body":
        import brotli  # a test requirement; the case is skipped without it

        return fs.reply(422, raw=brotli.compress(text.encode()), headers={"Content-Encoding": "br"})
    if where == "error deflate body":
        return fs.reply(
            422, raw=zlib.compress(text.encode()), headers={"Content-Encoding": "deflate"}
        )
    if where == "error header":
        return fs.reply(401, {"errorMessage": "no"}, headers={"WWW-Authenticate": text})
    if where == "redirect location":
        return fs.reply(302, None, headers={"Location": f"https://elsewhere.example/?k={form}"})
    if where == "success text body":
        return fs.reply(200, raw=f"<html>{text}</html>".encode(), content_type="text/html")
    assert where == "success json cut short"
    return fs.reply(200, raw=f'{{"external_id": "c1", "note": "{text}", '.encode())


WHERE = [
    "error text body",
    "error json cut short",
    "error gzip cut short",
    pytest.param(
        "error br body",
        marks=pytest.mark.skipif(find_spec("brotli") is None, reason="Brotli not installed"),
    ),
    "error deflate body",
    "error header",
    "redirect location",
    "success text body",
    "success json cut short",
]


def _assert_scrubbed(error: LiveOpsError, secret: str, form: str) -> None:
    for shown in (error, pickle.loads(pickle.dumps(error))):
        for text in _walk(shown):
            for leaked in {secret, form}:
                assert leaked not in text, f"{leaked!r} in {type(error).__name__}: {text[:300]}"


def _call_carrying(name: str, client: Any) -> Any:
    """A call whose request carries the secret `name`: the admin key (or its Basic value) on an
    admin call, the JWT (or a part of it) on a player call."""
    if name in ("api key", "basic"):
        return client.admin.coupons.get("c1")
    return client.user(JWT).coupons.get_rewards("c1")


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("where", WHERE)
@pytest.mark.parametrize("name", SECRETS)
async def test_a_credential_echoed_in_another_spelling_is_scrubbed(
    name: str, where: str, spelling: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    secret = SECRETS[name]
    form = SPELLINGS[spelling](secret)
    server.default = _echo(where, form)
    call = _call_carrying(name, make_client(server, api_key=API_KEY, max_retries=0))
    error = await outcome(call)
    assert isinstance(error, LiveOpsError), repr(error)
    if where.startswith("error"):  # the echo was read: the error shows it, scrubbed
        assert "refused" in "\n".join(_walk(error))
    _assert_scrubbed(error, secret, form)


def _shows_part_of(text: str, secret: str) -> str | None:
    """Six characters in a row of `secret` that `text`, unescaped, shows (of a JWT: of its
    payload or of its signature; its header is the same for every token signed alike)."""
    plain = _unescaped(text)[0]
    parts = (PAYLOAD, SIGNATURE) if secret == JWT else (secret,)
    windows = (part[i : i + 6] for part in parts for i in range(len(part) - 5))
    return next((window for window in windows if window in plain), None)


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("name", SECRETS)
def test_an_escaped_echo_cut_short_anywhere_shows_no_part_of_the_credential(
    name: str, spelling: str
) -> None:
    """A body cut short (a proxy's limit, a stream that stops) may end inside the escaped
    secret, even inside one escape (`\\u00`, `%2`): what is left of it is masked once it
    spells six characters of the secret."""
    secret = SECRETS[name]
    form = SPELLINGS[spelling](secret)
    scrub = Redactor([API_KEY, BASIC, JWT])
    for cut in range(len(form) + 1):
        shown = scrub.text(f"refused {form[:cut]}")
        assert shown.startswith("refused "), shown
        assert _shows_part_of(shown, secret) is None, (cut, shown)


@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("offset", [-40, -20, -9, -3, 0, 5])
def test_an_escaped_echo_across_the_cut_of_a_long_text_body_is_scrubbed(
    spelling: str, offset: int
) -> None:
    """An error body that is not JSON is kept as its first 500 characters: an escaped echo
    (up to six times the secret's length) across that cut leaves no part of it behind."""
    form = SPELLINGS[spelling](BASIC)
    raw = ("x" * (500 + offset) + form + " tail").encode()
    error = make_status_error(
        status=502, method="GET", route="/r", raw=raw, headers={}, retry_after=None,
        secrets=[API_KEY, BASIC],
    )  # fmt: skip
    assert error.message.startswith("x" * min(490, 500 + offset))
    assert _shows_part_of(error.message, BASIC) is None, error.message[480:]


def test_a_non_ascii_credential_percent_encoded_in_lower_case_hex_is_scrubbed() -> None:
    secret = "proxy-pässwörd"
    scrub = Redactor([secret])
    for form in (quote(secret, safe=""), quote(secret, safe="").lower(), _lower_hex(quote(secret))):
        assert scrub.text(f"<{form}>") == f"<{MASK}>", form


def _group_with_secret(where: str) -> BaseException:
    """A cattrs structuring error (an exception group) whose own text is clean and whose
    member holds the echoed secret where a formatted traceback or a debugger shows it."""
    member: BaseException = ValueError("the field does not fit")
    if where == "member's cause":
        member.__cause__ = ValueError(f"refused {BASIC}")
    elif where == "member's context":
        member.__context__ = ValueError(f"refused {BASIC}")
    elif where == "member's attribute":
        member = json.JSONDecodeError("Expecting value", f"refused {BASIC}", 0)
    else:
        inner = ValueError("no")
        inner.__cause__ = ValueError(f"refused {BASIC}")
        member = ClassValidationError("While structuring Inner", [inner], object)
    return ClassValidationError("While structuring Coupon", [member], object)


@pytest.mark.parametrize(
    "where", ["member's cause", "member's context", "member's attribute", "nested group"]
)
def test_a_cause_that_is_an_exception_group_is_scrubbed_in_its_members(where: str) -> None:
    """What `_parse` chains under a ResponseDecodeError is checked member by member: a
    traceback formatted from it shows every member of a group and their causes."""
    shown = Redactor([API_KEY, BASIC]).exception(_group_with_secret(where))
    assert BASIC not in "".join(traceback.format_exception(shown))
    for linked in _exception_chain(shown):  # members of groups too, with their attributes
        assert BASIC not in "\n".join(_walk(linked))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
@pytest.mark.parametrize("status", [422, 200])
@pytest.mark.parametrize("name", ["api key", "basic", "jwt"])
async def test_a_credential_echoed_in_utf16_or_utf32_is_scrubbed(
    name: str, status: int, encoding: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """A body that is not JSON is read as UTF-8: an echo in UTF-16 or UTF-32 then has NULs
    between the characters of the secret, which a terminal or log viewer does not show."""
    secret = SECRETS[name]
    body = f"refused {secret} here".encode(encoding)
    server.default = fs.reply(status, raw=body, content_type=f"text/plain; charset={encoding}")
    call = _call_carrying(name, make_client(server, api_key=API_KEY, max_retries=0))
    error = await outcome(call)
    assert isinstance(error, LiveOpsError), repr(error)
    for shown in (error, pickle.loads(pickle.dumps(error))):
        for text in _walk(shown):
            assert _shows_part_of(text.replace("\x00", ""), secret) is None, text[:300]


# Credentials in headers whose names do not say so: known by their shape.
SHAPED = {
    "a JWT": ("X-Player", JWT),
    "Bearer": ("X-Forwarded-For-Gateway", "Bearer gw-bearer-4f1c9e2d"),
    "basic in lower case": ("X-Upstream", "basic dXBzdHJlYW06cGFzcy04ZTFh"),
}


@pytest.mark.parametrize("shape", SHAPED)
async def test_a_credential_shaped_header_value_is_masked_and_scrubbed_whatever_its_name(
    shape: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    name, value = SHAPED[shape]
    token = value.split()[-1]
    headers = {name: value, "X-Trace": "trace-7"}
    options = RequestOptions(headers=headers)
    copy = make_client(server).with_options(headers=headers)
    shown = repr(options) + repr(copy._config)
    assert token not in shown and "trace-7" in shown, shown

    async def echo(request: fs.Received, conn: fs.Connection) -> None:
        seen = request.headers[name.lower()]
        assert seen == value  # it was sent
        await fs.reply(403, {"errorMessage": f"no {seen}", "token": token})(request, conn)

    server.default = echo
    for error in (
        await outcome(copy.admin.coupons.get("c1")),
        await outcome(make_client(server).admin.coupons.get("c1", options=options)),
    ):
        assert isinstance(error, LiveOpsError)
        assert token not in "\n".join(_walk(error))


def _with_attribute(kind: str) -> BaseException:
    """An exception that is clean in str and repr, holding the echo in an attribute that is
    neither a string nor bytes."""
    if kind == "parser error headers":
        return ContentLengthError("body cut short", headers=CIMultiDict({"X-Echo": BASIC}))
    error = ValueError("refused")
    error.details = {"seen": [f"Basic {BASIC}"]}  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize("kind", ["parser error headers", "mapping attribute"])
@pytest.mark.parametrize("linked", ["itself", "context of a clean error"])
def test_a_cause_keeping_an_echo_in_a_structured_attribute_is_replaced(
    kind: str, linked: str
) -> None:
    """aiohttp's parser errors keep the answer's headers (a mapping): a cause holding an echo
    there is replaced by its scrubbed text like one holding it in its message."""
    cause = _with_attribute(kind)
    if linked != "itself":
        outer = ClientPayloadError("payload broken")
        outer.__context__ = cause
        cause = outer
    shown = Redactor([API_KEY, BASIC]).exception(cause)
    assert isinstance(shown, RedactedCause)
    for error in _exception_chain(shown):
        assert BASIC not in "\n".join(_walk(error))


MERCHANT_ID, OTHER_PROJECT = 7301, 44057
GUEST_EMAIL = "guest.player@example.com"


def _merchant_basic(ident: int) -> str:
    return base64.b64encode(f"{ident}:{API_KEY}".encode()).decode()


def _credential_echo(status: int) -> fs.Action:
    """Every credential header of the request echoed: verbatim, as the decoded Basic pair,
    JSON-escaped in a body cut short, and in response headers."""

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        sent = [v for k, v in request.headers.items() if k in ("authorization", "x-user")]
        forms = [*sent, *(v.split(" ", 1)[-1] for v in sent)]
        for value in list(forms):
            with contextlib.suppress(ValueError):  # not Base64: no decoded form
                forms.append(base64.b64decode(value, validate=True).decode())
        joined = " | ".join(forms).replace("/", "\\/")
        raw = f'{{"errorMessage": "refused {joined}", "extended": "{joined}'.encode()
        headers = {f"X-Echo-{n}": form for n, form in enumerate(forms)}
        await fs.reply(status, raw=raw, headers=headers)(request, conn)

    return action


@pytest.mark.parametrize("status", [401, 200])
@pytest.mark.parametrize("path", ["merchant key", "merchant key from env", "admin_as", "guest"])
async def test_credentials_of_other_auth_paths_echoed_back_are_scrubbed(
    path: str,
    status: int,
    make_client: ClientFactory,
    server: fs.FaultServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The merchant-key Basic value (a merchant id, not the project's), a second project's
    credential given to admin_as, and a guest's e-mail (x-user, Base64) are known to the
    scrubber like the client's own project key."""
    server.default = _credential_echo(status)
    if path == "merchant key from env":
        monkeypatch.setenv("LIVEOPS_MERCHANT_ID", str(MERCHANT_ID))
        monkeypatch.setenv("LIVEOPS_API_KEY", API_KEY)
        client = make_client(server, api_key=None, max_retries=0)
    elif path == "merchant key":
        client = make_client(server, api_key=API_KEY, merchant_id=MERCHANT_ID, max_retries=0)
    else:
        client = make_client(server, api_key="other-key-0000", max_retries=0)
    if path == "admin_as":
        call = client.admin_as(AdminAuth(OTHER_PROJECT, API_KEY)).coupons.get("c1")
        secrets = [API_KEY, _merchant_basic(OTHER_PROJECT)]
    elif path == "guest":
        call = client.guest("unauth-1", GUEST_EMAIL).promo_codes.redeem(coupon_code="A")
        secrets = [GUEST_EMAIL, base64.b64encode(GUEST_EMAIL.encode()).decode()]
    else:
        call = client.admin.coupons.get("c1")
        secrets = [API_KEY, _merchant_basic(MERCHANT_ID)]
    error = await outcome(call)
    assert isinstance(error, LiveOpsError), repr(error)
    assert server.received, "the call was sent"
    shown = "\n".join(t for linked in _exception_chain(error) for t in _walk(linked))
    for secret in secrets:
        assert secret not in shown and secret.replace("/", "\\/") not in shown, secret


# Error bodies of the shapes the SDK reads a message from, each quoting the credential.
ERROR_SHAPES = {
    "nested error.message": lambda s: {"error": {"code": 4002, "message": f"bad {s}"}},
    "nested error.description": lambda s: {"error": {"code": "010-007", "description": s}},
    "error as a string": lambda s: {"error": f"invalid_token {s}"},
    "message not a string": lambda s: {"errorMessage": {"detail": [s]}, "transactionId": [s]},
    "a JSON string": lambda s: f"[0401-1102]: refused {s}",
    "a JSON list": lambda s: [{"detail": s}, s],
    "a key": lambda s: {"errorMessageExtended": {s: {s: s}}},
}


@pytest.mark.parametrize("shape", ERROR_SHAPES)
@pytest.mark.parametrize("name", ["api key", "basic", "jwt"])
async def test_an_echo_in_every_error_body_shape_the_sdk_reads_is_scrubbed(
    name: str, shape: str, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """The message, code and transaction id are taken from several body shapes (Xsolla's, an
    `error` object of other services, a bare string): whichever field quotes the credential,
    in whichever JSON type, none of the error's fields shows it."""
    secret = SECRETS[name]
    server.default = fs.reply(422, ERROR_SHAPES[shape](secret))
    call = _call_carrying(name, make_client(server, api_key=API_KEY, max_retries=0))
    error = await outcome(call)
    assert isinstance(error, LiveOpsError), repr(error)
    _assert_scrubbed(error, secret, secret)
    assert MASK in "\n".join(_walk(error))


async def test_a_cancel_while_an_aiohttp_exception_is_handled_does_not_carry_it(
    make_client: ClientFactory, server: fs.FaultServer
) -> None:
    """On Python 3.10 the event loop's Task resumes a call inside its `except` for the
    exception aiohttp set on the response (its `request_info` holds the Authorization header
    sent): a cancel arriving then took it as `__context__`, shown to response hooks and to the
    caller. Here a request hook below the call handles such an exception when the cancel
    comes (the same chaining, on any Python)."""
    events: list[ResponseEvent] = []
    sent = aiohttp.RequestInfo(
        URL(server.base_url), "GET", CIMultiDictProxy(CIMultiDict(Authorization=f"Basic {BASIC}"))
    )

    async def handling_an_aiohttp_exception(event: object) -> None:
        try:
            raise aiohttp.ClientResponseError(sent, (), status=400, message="Bad status line")
        except aiohttp.ClientResponseError:
            await asyncio.sleep(3600)  # cancelled here

    client = make_client(
        server,
        api_key=API_KEY,
        max_retries=0,
        on_request=[handling_an_aiohttp_exception],
        on_response=[events.append],
    )
    call = asyncio.ensure_future(client.admin.coupons.get("c1"))
    await asyncio.sleep(0.05)
    call.cancel()
    error = await outcome_of_cancelled(call)
    assert [type(event.error) for event in events] == [asyncio.CancelledError]
    for shown in (error, events[0].error):
        assert shown is not None and shown.__context__ is None
        assert BASIC not in "".join(traceback.format_exception(shown))


async def outcome_of_cancelled(call: asyncio.Future[object]) -> BaseException:
    try:
        await call
    except asyncio.CancelledError as cancelled:
        return cancelled
    raise AssertionError("the call was not cancelled")


def _spelled(ch: str, how: int) -> str:
    """`ch` as one of the spellings an encoder may pick for it, chosen by `how`."""
    code = ord(ch)
    named = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}
    spellings = [
        ch,
        "".join(f"%{b:02X}" for b in ch.encode()),
        "".join(f"%{b:02x}" for b in ch.encode()),
        f"\\u{code:04x}",
        f"\\u{code:04X}",
        f"&#{code};",
        f"&#x{code:x};",
        named.get(ch, ch),
        "\\/" if ch == "/" else ch,
    ]
    spelled = spellings[how % len(spellings)]
    # An encoder escapes the character its own escapes begin with: a "%" left as it is next to
    # escaped characters would be ambiguous ("%41" is "A" or the three characters).
    return f"%{code:02X}" if spelled in ("%", "\\", "&") else spelled


_SECRET_CHARS = st.sampled_from("abcXYZ0189-_./+=~?&<>'\"%\\")


@settings(max_examples=300, deadline=None)
@given(
    secret=st.text(_SECRET_CHARS, min_size=8, max_size=24),
    hows=st.lists(st.integers(0, 8), min_size=24, max_size=24),
    cut=st.none() | st.integers(0, 200),
)
def test_a_credential_spelled_with_any_mix_of_escapes_is_masked(
    secret: str, hows: list[int], cut: int | None
) -> None:
    """Each character of the echo spelled its own way (verbatim, %XX in either case, \\\\u,
    &#..;, &name;, \\\\/), the echo maybe cut short anywhere: no six characters of the secret in
    a row are left, and the text around it stays as it was."""
    echo = "".join(_spelled(ch, how) for ch, how in zip(secret, hows, strict=False))
    end = "]"
    if cut is not None:  # the text ends with what is left of the echo
        echo, end = echo[: cut % (len(echo) + 1)], ""
    shown = Redactor([secret]).text(f"[{echo}{end}")
    assert shown.startswith("[") and shown.endswith(end), shown
    plain = _unescaped(shown[1 : len(shown) - len(end)])[0]
    windows = {secret[i : i + 6] for i in range(len(secret) - 5)}
    assert not any(window in plain for window in windows), (echo, shown)


@pytest.mark.parametrize("given", ["api_key", "admin_auth", "environment"])
@pytest.mark.parametrize("call_with", ["player", "guest", "admin_as another project"])
async def test_the_clients_own_key_echoed_into_a_call_with_another_credential_is_scrubbed(
    given: str,
    call_with: str,
    make_client: ClientFactory,
    server: fs.FaultServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A caching or desynchronised proxy may answer a player's call with what an admin call
    sent: the client's own key and Basic value are scrubbed from every call's errors."""
    server.default = fs.reply(
        502, {"errorMessage": f"cached for {API_KEY}", "auth": f"Basic {BASIC}"}
    )
    if given == "environment":
        monkeypatch.setenv("LIVEOPS_API_KEY", API_KEY)
        client = make_client(server, api_key=None, max_retries=0)
    elif given == "admin_auth":
        auth = AdminAuth(PROJECT_ID, API_KEY)
        client = make_client(server, api_key=None, admin_auth=auth, max_retries=0)
    else:
        client = make_client(server, api_key=API_KEY, max_retries=0)
    if call_with == "player":
        call = client.user(JWT).coupons.get_rewards("c1")
    elif call_with == "guest":
        call = client.guest("unauth-1", GUEST_EMAIL).promo_codes.redeem(coupon_code="A")
    else:
        call = client.admin_as(AdminAuth(OTHER_PROJECT, "other-key-7e2b")).coupons.get("c1")
    error = await outcome(call)
    assert isinstance(error, LiveOpsError) and "cached for" in str(error), repr(error)
    shown = "\n".join(_walk(error))
    assert API_KEY not in shown and BASIC not in shown, shown
