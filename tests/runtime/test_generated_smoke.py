"""The client's views over the generated resources: the right credential reaches the wire."""

from __future__ import annotations

import base64
import gc
from collections.abc import Callable
from typing import Any

import pytest
from aioresponses import aioresponses

from liveops_async import (
    InvalidParameterError,
    LiveOpsClient,
    MissingCredentialsError,
    RequestValidationError,
    UserAuth,
)

from .conftest import API_KEY, JWT, MOCK_BASE, PROJECT_ID

generated = pytest.importorskip("liveops_async._generated.resources")


async def test_admin_view_lists_every_page(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    url = f"{MOCK_BASE}/v3/project/{PROJECT_ID}/admin/coupon"
    api.get(
        f"{url}?limit=2&offset=0", payload={"items": [{"external_id": "a"}, {"external_id": "b"}]}
    )
    api.get(f"{url}?limit=2&offset=2", payload={"items": [{"external_id": "c"}]})
    client = make_client()
    assert client.admin is client.admin
    codes = [coupon.external_id async for coupon in client.admin.coupons.list(limit=2)]
    assert [str(code) for code in codes] == ["a", "b", "c"]
    calls = [call for calls in api.requests.values() for call in calls]
    expected = "Basic " + base64.b64encode(f"{PROJECT_ID}:{API_KEY}".encode()).decode()
    assert all(call.kwargs["headers"]["Authorization"] == expected for call in calls)


async def test_user_and_guest_views(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    client = make_client(api_key=None)
    assert isinstance(client.user(JWT), generated.UserResources)
    assert isinstance(client.guest("device-1", "p@example.com"), generated.GuestResources)
    with pytest.raises(MissingCredentialsError, match="admin credentials"):
        await client.admin.coupons.get("c1")
    assert api.requests == {}


async def test_wrong_body_type_is_a_typed_error_before_sending(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    client = make_client()
    periods = [{"date_from": "2026-01-01T00:00:00+00:00"}]  # a dict where a model belongs
    with pytest.raises(
        RequestValidationError,
        match=r"promotion_periods/0: expected PromotionPeriod \(a model instance\), got dict",
    ):
        await client.admin.coupons.create(
            external_id="c1",
            name={"en-US": "Coupon"},
            promotion_periods=periods,  # type: ignore[arg-type]
        )
    assert api.requests == {}


async def test_options_that_are_not_request_options_are_refused_naming_them(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    client = make_client()
    wrong: Any = {"timeout": 3}
    with pytest.raises(InvalidParameterError, match=r"options must be a RequestOptions, got dict"):
        await client.admin.coupons.get("c1", options=wrong)
    with pytest.raises(InvalidParameterError, match=r"options must be a RequestOptions, got dict"):
        await client.admin.coupons.list(options=wrong).first_page()
    assert api.requests == {}


async def test_admin_as_sends_upsell_admin_calls_with_a_player_jwt(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    api.get(f"{MOCK_BASE}/v2/project/{PROJECT_ID}/admin/items/upsell", payload=[])
    client = make_client(api_key=None)
    admin_by_jwt = client.admin_as(UserAuth(JWT))
    assert await admin_by_jwt.upsell.get() == []
    [call] = [call for calls in api.requests.values() for call in calls]
    assert call.kwargs["headers"]["Authorization"] == f"Bearer {JWT}"
    with pytest.raises(MissingCredentialsError):
        await admin_by_jwt.coupons.get("c1")  # a Basic-only call is refused before sending
    assert len([c for calls in api.requests.values() for c in calls]) == 1


def _resource_methods() -> list[tuple[str, Callable[..., object]]]:
    from liveops_async._engine import BaseResource
    from liveops_async._generated import resources

    found = []
    for class_name in dir(resources):
        cls = getattr(resources, class_name)
        if isinstance(cls, type) and issubclass(cls, BaseResource) and cls is not BaseResource:
            for name, member in vars(cls).items():
                if callable(member) and not name.startswith("_"):
                    found.append((f"{class_name}.{name}", member))
    return found


def test_call_methods_are_coroutine_functions_and_autospec_as_async_mocks() -> None:
    """Call methods return the engine's coroutine from a plain method; they still look like
    `async def` to asyncio, inspect (3.12+) and create_autospec. List methods return a
    paginator at once and stay plain."""
    import asyncio
    import inspect
    import sys
    import typing
    from unittest import mock

    from liveops_async._pagination import AsyncPaginator

    methods = _resource_methods()
    assert len(methods) >= 119
    for name, method in methods:
        returns = typing.get_type_hints(method)["return"]
        is_call = typing.get_origin(returns) is not None and not (
            isinstance(typing.get_origin(returns), type)
            and issubclass(typing.get_origin(returns), AsyncPaginator)
        )
        assert asyncio.iscoroutinefunction(method) is is_call, name
        if sys.version_info >= (3, 12):
            assert inspect.iscoroutinefunction(method) is is_call, name
    client = LiveOpsClient(project_id=PROJECT_ID, api_key=API_KEY)
    spec = mock.create_autospec(client.admin.coupons, instance=True)  # the README's way
    assert isinstance(spec.get, mock.AsyncMock) and isinstance(spec.create, mock.AsyncMock)
    assert not isinstance(spec.list, mock.AsyncMock)
    # The README's other way: patch the resource class.
    with mock.patch.object(type(client.admin.coupons), "get", autospec=True) as patched:
        assert isinstance(patched.mock, mock.AsyncMock)
        assert asyncio.iscoroutinefunction(client.admin.coupons.get)


def test_views_and_resources_have_a_repr_without_their_credential() -> None:
    client = LiveOpsClient(project_id=PROJECT_ID, api_key=API_KEY)
    guest_email = "player@example.com"
    shown = [
        repr(client.admin),
        repr(client.user(JWT)),
        repr(client.guest("guest-1", guest_email)),
        repr(client.user(JWT).coupons),
        repr(client.admin.coupons),
    ]
    assert shown[0].startswith("<client.admin: bonuses, catalog_rules, coupons,")
    assert shown[1].startswith("<client.user(jwt): clans, coupons,")
    assert shown[2] == "<client.guest(unauthorized_id, email): promo_codes>"
    assert shown[3:] == ["<UserCouponsResource>", "<AdminCouponsResource>"]
    for text in shown:
        assert JWT not in text and API_KEY not in text and guest_email not in text
        assert "guest-1" not in text


def test_a_call_left_unawaited_is_named_for_its_method_in_the_warning() -> None:
    """A call method hands back the engine's coroutine; Python's "never awaited" warning names
    the SDK method by its view (`admin.coupons.activate`), not the engine's
    `HTTPRequester._call`, on the plain path, through the settling wrapper and with
    `with_raw_response`; the admin and the player call of the same name are told apart."""
    client = LiveOpsClient(project_id=PROJECT_ID, api_key=API_KEY)
    calls: list[tuple[Callable[[], Any], str]] = [
        (lambda: client.admin.coupons.activate("summer"), "admin.coupons.activate"),
        (
            lambda: client.admin.coupons.create(external_id="summer", name={"en-US": "Summer"}),
            "admin.coupons.create",
        ),
        (lambda: client.admin.daily_chains.get(7), "admin.daily_chains.get"),
        (lambda: client.user(JWT).daily_chains.get(7), "user.daily_chains.get"),
        (
            lambda: client.guest("guest-1", "player@example.com").promo_codes.redeem(
                coupon_code="c-1"
            ),
            "user/guest.promo_codes.redeem",
        ),
        (
            lambda: client.admin.coupons.with_raw_response.activate("summer"),
            "AdminCouponsResource.activate",
        ),
    ]
    # The two engine paths: `HTTPRequester._call` itself, and the settling `CallWrapper`.
    engine_paths = set()
    for make, _ in calls[:2]:
        call = make()
        engine_paths.add(call.cr_code.co_name)
        call.close()  # closed before it started: no warning
    assert engine_paths == {"_call", "__call__"}
    for make, name in calls:
        with pytest.warns(RuntimeWarning, match=rf"^coroutine '{name}' was never awaited"):
            make()  # no await: CPython finalizes the dropped coroutine at once
            gc.collect()  # (for an interpreter that does not count references)


def test_every_operation_is_named_for_a_method_the_client_has() -> None:
    from liveops_async._generated.operations import OPERATIONS

    client = LiveOpsClient(project_id=PROJECT_ID, api_key=API_KEY)
    views = {
        "admin": client.admin,
        "user": client.user(JWT),
        "guest": client.guest("guest-1", "player@example.com"),
    }
    for op in OPERATIONS.values():
        named_views, resource, method = op.sdk_name.split(".")
        for name in named_views.split("/"):
            view = views[name]
            assert hasattr(getattr(view, resource, None), method), op.operation_id
