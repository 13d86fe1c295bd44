"""Admin Basic, player Bearer (fixed or rotating), guest cart headers, missing-credential errors."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest
from aioresponses import aioresponses

from liveops_async import (
    AdminAuth,
    GuestCartAuth,
    InvalidParameterError,
    LiveOpsClient,
    MissingCredentialsError,
    RequestOptions,
    UserAuth,
)
from liveops_async._auth import Credential
from liveops_async._operation import Operation

from . import _ops
from .conftest import API_KEY, JWT, MOCK_BASE, PROJECT_ID, ScriptedServer


def _basic(ident: int, key: str) -> str:
    return "Basic " + base64.b64encode(f"{ident}:{key}".encode()).decode()


async def test_admin_call_sends_basic_auth(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=server.base_url)
    coupon = await client.requester(client._admin_auth).request(
        _ops.GET_COUPON, path={"external_id": "c1"}
    )
    assert coupon == _ops.Coupon(external_id="c1")
    assert server.seen[0].headers["Authorization"] == _basic(PROJECT_ID, API_KEY)


async def test_merchant_id_is_the_basic_user_name(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=server.base_url, merchant_id=777)
    await client.requester(client._admin_auth).request(_ops.GET_COUPON, path={"external_id": "c"})
    assert server.seen[0].headers["Authorization"] == _basic(777, API_KEY)
    assert server.seen[0].raw_path.startswith(f"/api/v3/project/{PROJECT_ID}/")


def test_environment_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEOPS_PROJECT_ID", "12")
    monkeypatch.setenv("LIVEOPS_API_KEY", "env-key")
    monkeypatch.setenv("LIVEOPS_BASE_URL", "http://127.0.0.1:4010/")
    client = LiveOpsClient()
    assert client.project_id == 12
    assert client.base_url == "http://127.0.0.1:4010"
    assert client._admin_auth is not None
    assert client._admin_auth.static_headers["Authorization"] == _basic(12, "env-key")
    explicit = LiveOpsClient(project_id=5, api_key="arg-key", base_url="https://x.test/api")
    assert explicit.project_id == 5 and explicit.base_url == "https://x.test/api"
    assert LiveOpsClient(project_id=5).base_url == "http://127.0.0.1:4010"


def test_default_base_url_and_bad_configuration() -> None:
    assert LiveOpsClient().base_url == "https://store.xsolla.com/api"
    with pytest.raises(InvalidParameterError, match="project_id"):
        LiveOpsClient(api_key="k")
    with pytest.raises(InvalidParameterError, match="project_id"):
        LiveOpsClient(project_id="abc")
    with pytest.raises(InvalidParameterError, match="base_url"):
        LiveOpsClient(base_url="ftp://x")


async def test_player_call_sends_bearer_through_shared_pool(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=server.base_url)
    one = client.requester(UserAuth(JWT))
    two = client.requester(UserAuth(JWT + "2"))
    await one.request(_ops.GET_REWARDS, path={"coupon_code": "A"})
    await two.request(_ops.GET_REWARDS, path={"coupon_code": "B"})
    assert [s.headers["Authorization"] for s in server.seen] == [f"Bearer {JWT}", f"Bearer {JWT}2"]
    assert one._transport is two._transport is client._transport


async def test_token_provider_is_awaited_per_attempt(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    tokens = iter(["tok-1", "tok-1", "tok-2"])

    async def provider() -> str:
        return next(tokens)

    client = make_client(base_url=server.base_url)
    requester = client.requester(UserAuth(provider))
    for _ in range(3):
        await requester.request(_ops.GET_REWARDS, path={"coupon_code": "A"})
    assert [s.headers["Authorization"] for s in server.seen] == [
        "Bearer tok-1",
        "Bearer tok-1",
        "Bearer tok-2",
    ]


@pytest.mark.parametrize(
    "token", ["", "abc\r\nX-Evil: 1", "abc\n", "Bearer abc", "a b", "tok\x00", "tøken"]
)
def test_bad_tokens_are_rejected(token: str) -> None:
    with pytest.raises(InvalidParameterError):
        UserAuth(token)


async def test_provider_returning_crlf_fails_before_sending(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    async def provider() -> str:
        return "tok\r\nX-Evil: 1"

    client = make_client(base_url=server.base_url)
    with pytest.raises(InvalidParameterError, match="control characters"):
        await client.requester(UserAuth(provider)).request(
            _ops.GET_REWARDS, path={"coupon_code": "A"}
        )
    assert server.seen == []


async def test_guest_cart_headers(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=server.base_url)
    guest = client.requester(GuestCartAuth("device-42", "player@example.com"))
    rewards = await guest.request(_ops.REDEEM_PROMO, body={"coupon_code": "X"})
    assert rewards == _ops.Rewards(bonus=1)
    headers = server.seen[0].headers
    assert headers["x-unauthorized-id"] == "device-42"
    assert base64.b64decode(headers["x-user"]) == b"player@example.com"
    assert "Authorization" not in headers


@pytest.mark.parametrize(
    ("op", "credential", "hint"),
    [
        (_ops.GET_COUPON, None, "admin credentials"),
        (_ops.GET_COUPON, UserAuth(JWT), "admin credentials"),
        (_ops.GET_REWARDS, None, "client.user"),
        (_ops.GET_REWARDS, AdminAuth(PROJECT_ID, API_KEY), "Xsolla Login JWT"),
        (_ops.GET_REWARDS, GuestCartAuth("d", "e@x.io"), "JWT"),
        (_ops.REDEEM_PROMO, AdminAuth(PROJECT_ID, API_KEY), "guest cart ids"),
        (_ops.GET_UPSELL, GuestCartAuth("d", "e@x.io"), "admin credentials"),
    ],
)
async def test_missing_credentials_fail_before_sending(
    make_client: Callable[..., LiveOpsClient],
    api: aioresponses,
    op: Operation,
    credential: Credential | None,
    hint: str,
) -> None:
    client = make_client()
    path = {name: "x" for name in ("external_id", "coupon_code") if "{" + name + "}" in op.path}
    with pytest.raises(MissingCredentialsError, match=hint) as info:
        await client.requester(credential).request(op, path=path)
    assert api.requests == {}
    assert API_KEY not in str(info.value) and JWT not in str(info.value)


async def test_admin_or_user_accepts_either(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    client = make_client()
    url = f"{MOCK_BASE}/v2/project/{PROJECT_ID}/admin/items/upsell"
    api.get(url, payload={"bonus": 1}, repeat=True)
    for credential in (client._admin_auth, UserAuth(JWT)):
        assert await client.requester(credential).request(_ops.GET_UPSELL) == _ops.Rewards(1)
    sent = [c.kwargs["headers"]["Authorization"] for c in next(iter(api.requests.values()))]
    assert sent == [_basic(PROJECT_ID, API_KEY), f"Bearer {JWT}"]


def test_reprs_hide_secrets() -> None:
    admin = AdminAuth(PROJECT_ID, API_KEY)
    guest = GuestCartAuth("dev", "secret@example.com")
    texts = [
        repr(admin),
        repr(UserAuth(JWT)),
        repr(guest),
        repr(LiveOpsClient(project_id=PROJECT_ID, api_key=API_KEY)),
    ]
    for text in texts:
        assert API_KEY not in text and JWT not in text and "secret@example.com" not in text
    assert "AdminAuth(project_or_merchant_id=44056" in texts[0]


def test_rate_limit_keys_do_not_reveal_credentials() -> None:
    key = AdminAuth(PROJECT_ID, API_KEY).rate_limit_key()
    assert key is not None and key.startswith("admin:")
    assert str(PROJECT_ID) not in key and API_KEY not in key
    assert key != AdminAuth(PROJECT_ID + 1, API_KEY).rate_limit_key()


def test_player_credentials_are_not_throttled_client_side() -> None:
    assert UserAuth(JWT).rate_limit_key() is None
    assert GuestCartAuth("device-1", "p@example.com").rate_limit_key() is None


async def test_a_providers_earlier_tokens_stay_known_to_the_scrubber_within_a_bound() -> None:
    tokens = [f"header.payload.signature-number-{n:02d}" for n in range(12)]
    handed = iter(tokens)

    async def provider() -> str:
        return next(handed)

    auth = UserAuth(provider)
    for _ in tokens:
        await auth.headers()
    # The current token and the eight before it: calls may still be in flight with those.
    assert set(auth.secrets()) == set(tokens[-9:])


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:99999/api",  # port out of range: a bare ValueError at the first call
        "http://[::1/api",  # unclosed IPv6 literal: the same
        "http:///api",  # no host
        "http://exa mple.com/api",  # a blank in the host
        "http://h\x00x.test/api",  # a control character
        "https://user:pw-secret-123@h.test/api",  # credentials: aiohttp's ValueError at the call
        "https://pw-secret-123@h.test/api",
        "https://user:pw-secret-123@h.test/api?x=1",  # refused for its query, password unshown
        "https://user:pw-secret-123@h.test:99999/api",  # a port urlsplit cannot read
        "https://user:pw-secret-123@h.test:port/api",
        "https://user:pw-secret-123@[::1/api",  # a broken IPv6 address
        "https://h.test/api?api_key=pw-secret-123",  # a key in the query
        "https://h.test/api#pw-secret-123",
        # A path calls would send as it is: raw non-ASCII went out as bytes HTTP forbids, a lone
        # surrogate was dropped, the others went out unencoded.
        "https://h.test/\u00e4pi",
        "https://h.test/\ud800/api",
        "https://h.test/a%zz/api",
        "https://h.test/a%2/api",
        "https://h.test/a\\b/api",
        'https://h.test/a"b<c>/api',
        "https://h.test/a{b}|^`/api",
        "https://user:pw-secret-123/x@h.test/api",  # "/" in the password: no authority "@"
        "https://user:pw-secret-123#x@h.test/api",
        "https://user:pw-secret-123?x@h.test/api",
        "user:pw-secret-123@h.test/api",  # no scheme
        "https:user:pw-secret-123@h.test/api",  # no "//"
    ],
)
def test_a_base_url_that_cannot_work_is_refused_at_once_without_its_credentials(
    base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An environment variable cannot hold a NUL or a lone surrogate.
    settable = "\x00" not in base_url and "\ud800" not in base_url
    for given in ("argument", "environment") if settable else ("argument",):
        if given == "environment":
            monkeypatch.setenv("LIVEOPS_BASE_URL", base_url)
        with pytest.raises(InvalidParameterError, match="base_url") as info:
            LiveOpsClient(base_url=base_url if given == "argument" else None)
        assert "pw-secret-123" not in str(info.value)


async def test_a_provider_that_is_not_async_is_refused_by_name_before_sending(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=server.base_url)
    player = client.requester(UserAuth(lambda: JWT))  # type: ignore[arg-type, return-value]
    with pytest.raises(InvalidParameterError, match="async callable"):
        await player.request(_ops.GET_REWARDS, path={"coupon_code": "A"})
    assert server.seen == []


@pytest.mark.parametrize("value", ["\u00b2", "9" * 5000, "\u0663"])
def test_a_project_id_in_digits_int_cannot_read_is_refused_naming_it(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`str.isdigit` takes "²" (which `int()` refuses), 5000 digits (over `int()`'s limit) and
    "٣" (which `int()` reads as 3): each is refused as the bad input it is, naming the setting."""
    monkeypatch.setenv("LIVEOPS_PROJECT_ID", value)
    with pytest.raises(InvalidParameterError, match="project_id must be a positive integer"):
        LiveOpsClient(api_key="secret-key")
    with pytest.raises(InvalidParameterError, match="project_or_merchant_id"):
        AdminAuth(value, "secret-key")


MISPLACED_KEY = "misplaced-key-5e0c2a9f"


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda env: AdminAuth(MISPLACED_KEY, 44056), id="AdminAuth swapped"),  # type: ignore[arg-type]
        pytest.param(
            lambda env: AdminAuth(1, "k" * 10, project_id=MISPLACED_KEY), id="project_id="
        ),
        pytest.param(lambda env: LiveOpsClient(project_id=MISPLACED_KEY), id="client project_id"),
        pytest.param(
            lambda env: LiveOpsClient(project_id=1, merchant_id=MISPLACED_KEY, api_key="k" * 10),
            id="client merchant_id",
        ),
        pytest.param(
            lambda env: env.setenv("LIVEOPS_PROJECT_ID", MISPLACED_KEY) or LiveOpsClient(),
            id="LIVEOPS_PROJECT_ID",
        ),
        pytest.param(
            lambda env: (
                env.setenv("LIVEOPS_MERCHANT_ID", MISPLACED_KEY) or LiveOpsClient(api_key="k" * 10)
            ),
            id="LIVEOPS_MERCHANT_ID",
        ),
    ],
)
def test_a_secret_given_where_an_id_goes_is_refused_without_showing_it(
    build: Callable[[pytest.MonkeyPatch], object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Swapped arguments or environment variables put the key where an id goes: the refusal
    names the setting and the value's type, never its text."""
    with pytest.raises(InvalidParameterError, match="must be a positive integer") as info:
        build(monkeypatch)
    assert MISPLACED_KEY not in str(info.value) and MISPLACED_KEY not in repr(info.value)
    assert "got a str (not shown)" in str(info.value)


@pytest.mark.parametrize("line", [f"X-Api-Key: {MISPLACED_KEY}", f"Authorization Bearer {JWT}"])
@pytest.mark.parametrize("where", ["default_headers", "with_options", "RequestOptions"])
def test_a_header_line_given_as_a_header_name_is_refused_without_its_value(
    line: str, where: str
) -> None:
    """A whole header line passed as a name (a copy-paste of "X-Api-Key: <key>") is refused
    as an invalid name, named by its part before the ":" or blank, not with its credential."""
    headers = {line: "v"}
    with pytest.raises(InvalidParameterError, match="invalid header name") as info:
        if where == "default_headers":
            LiveOpsClient(project_id=PROJECT_ID, default_headers=headers)
        elif where == "with_options":
            LiveOpsClient(project_id=PROJECT_ID).with_options(headers=headers)
        else:
            RequestOptions(headers=headers)
    shown = str(info.value) + repr(info.value)
    assert line.split()[0].rstrip(":") in shown
    assert MISPLACED_KEY not in shown and JWT not in shown and JWT.split(".")[2] not in shown


@pytest.mark.parametrize("value", [0, -3, "0", "-2"])
def test_a_number_that_is_no_positive_id_is_shown(value: int | str) -> None:
    with pytest.raises(InvalidParameterError, match=f"got {value!r}"):
        AdminAuth(value, "k" * 10)


@pytest.mark.parametrize(
    "proxy",
    [
        "http://user:pw-secret-123@proxy.test:99999",  # urlsplit raised a bare ValueError
        "http://user:pw-secret-123@proxy.test:port",
        "http://user:pw-secret-123@[::1",
        "http://user:pw-secret-123@proxy.test:3128\nX-Injected: 1",
        "https://user:pw-secret-123@proxy.test:3128",
        "user:pw-secret-123@proxy.test:3128",  # no scheme
        "http:user:pw-secret-123@proxy.test:3128",  # no "//"
        "http://user:pw-secret-123/x@proxy.test:3128",  # "/" in the password
        "http://user:pw-secret-123?x@proxy.test:3128",
        "http://user:pw-secret-123#x@proxy.test:3128",
    ],
)
def test_a_proxy_url_that_cannot_work_is_refused_naming_it_without_its_credentials(
    proxy: str,
) -> None:
    with pytest.raises(InvalidParameterError, match="proxy must be an http:// URL") as info:
        LiveOpsClient(proxy=proxy, project_id=PROJECT_ID, api_key=API_KEY)
    assert "pw-secret-123" not in str(info.value)
    assert "***@proxy.test" in str(info.value) or "***@[::1" in str(info.value)
