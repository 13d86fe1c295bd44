"""The request body is checked against the operation's schema before anything is sent."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

import orjson
import pytest
from aioresponses import aioresponses

from liveops_async import (
    InvalidParameterError,
    LiveOpsClient,
    RequestOptions,
    RequestValidationError,
)
from liveops_async._engine import _plan_for
from tests._missing_modules import JSONSCHEMA_MISSING

from . import _ops
from .conftest import MOCK_BASE, PROJECT_ID

CREATE_URL = f"{MOCK_BASE}/v3/project/{PROJECT_ID}/admin/coupon"


async def test_valid_model_body_is_serialized_with_content_type(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    api.post(CREATE_URL, status=201, payload={"external_id": "c1"})
    client = make_client()
    created = await client.requester(client._admin_auth).request(
        _ops.CREATE_COUPON, body=_ops.CouponCreate(external_id="c1", name="Winter")
    )
    assert created == _ops.Coupon("c1")
    (call,) = next(iter(api.requests.values()))
    assert orjson.loads(call.kwargs["data"]) == {"external_id": "c1", "name": "Winter"}
    assert call.kwargs["headers"]["Content-Type"] == "application/json"
    assert call.kwargs["allow_redirects"] is False


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"name": "no id"}, "'external_id' is a required property"),
        ({"external_id": "waytoolongid", "name": "n"}, "external_id: 'waytoolongid' is too long"),
        ({"external_id": "c1", "name": 5}, "name: 5 is not of type 'string'"),
        ({"external_id": "c1", "name": "n", "typo": 1}, "Additional properties"),
    ],
)
async def test_invalid_body_is_refused_before_sending(
    make_client: Callable[..., LiveOpsClient], api: aioresponses, body: object, problem: str
) -> None:
    client = make_client()
    with pytest.raises(RequestValidationError) as info:
        await client.requester(client._admin_auth).request(_ops.CREATE_COUPON, body=body)
    assert isinstance(info.value, InvalidParameterError)
    assert info.value.operation_id == "create-coupon"
    assert any(problem in p for p in info.value.problems), info.value.problems
    assert api.requests == {}


async def test_validation_can_be_turned_off_per_client_or_call(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    api.post(CREATE_URL, status=201, payload={"external_id": "c1"}, repeat=True)
    bad = {"external_id": "c1"}
    unchecked = make_client(validate_requests=False)
    await unchecked.requester(unchecked._admin_auth).request(_ops.CREATE_COUPON, body=bad)
    checked = make_client()
    await checked.requester(checked._admin_auth).request(
        _ops.CREATE_COUPON, body=bad, options=RequestOptions(validate_requests=False)
    )
    off = checked.with_options(validate_requests=False)
    await off.requester(off._admin_auth).request(_ops.CREATE_COUPON, body=bad)
    assert len(next(iter(api.requests.values()))) == 3


@pytest.mark.parametrize("validate", [True, False])
def test_a_body_the_compiled_check_vouches_for_skips_the_walks(
    validate: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Turning validation off must not make a call slower: the compiled check still vouches
    # for a sound body (its walks cost ~10x more), only its verdict on the schema is ignored.
    from liveops_async import _serde

    def walked(*_: object) -> None:
        raise AssertionError("walked a body the compiled check vouched for")

    plan = _plan_for(_ops.CREATE_COUPON)
    with monkeypatch.context() as patch:
        patch.setattr(_serde, "misshapen_values", walked)
        patch.setattr(_serde, "unsendable_values", walked)
        payload = plan.encode_body(_ops.CouponCreate(external_id="c1", name="Winter"), validate)
    assert orjson.loads(payload) == {"external_id": "c1", "name": "Winter"}
    # Values JSON cannot carry are still refused, naming the field, with validation off.
    with pytest.raises(RequestValidationError, match="name"):
        plan.encode_body({"external_id": "c1", "name": float("nan")}, validate)
    # A body the schema refuses is sent as given only with validation off.
    if validate:
        with pytest.raises(RequestValidationError, match="name"):
            plan.encode_body({"external_id": "c1"}, validate)
    else:
        assert orjson.loads(plan.encode_body({"external_id": "c1"}, validate)) == {
            "external_id": "c1"
        }


async def test_validator_is_compiled_once_per_operation(
    make_client: Callable[..., LiveOpsClient], api: aioresponses
) -> None:
    api.post(CREATE_URL, status=201, payload={"external_id": "c1"}, repeat=True)
    client = make_client()
    requester = client.requester(client._admin_auth)
    await requester.request(_ops.CREATE_COUPON, body={"external_id": "a", "name": "n"})
    validator = _plan_for(_ops.CREATE_COUPON)._validator
    assert validator is not None
    await requester.request(_ops.CREATE_COUPON, body={"external_id": "b", "name": "n"})
    assert _plan_for(_ops.CREATE_COUPON)._validator is validator


# The client's whole path runs with jsonschema (and what it pulls in) made unimportable: the
# script fails on any attempt, and reports every attempt it refused.
_WITHOUT_JSONSCHEMA = (
    JSONSCHEMA_MISSING
    + r"""
import asyncio
from aiohttp import web
from liveops_async import LiveOpsClient, RequestValidationError, models

async def created(request):
    return web.json_response(await request.json(), status=201)

async def main():
    app = web.Application()
    app.router.add_post("/api/v3/project/1/admin/coupon", created)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        async with LiveOpsClient(
            project_id=1, api_key="k", base_url=f"http://127.0.0.1:{port}/api"
        ) as client:
            coupon = await client.admin.coupons.create(
                external_id="c1", name={"en-US": "n"},
                bonus=[models.BonusItem(sku="gold", quantity=1)],
            )
            print("sent", coupon.external_id)
            try:
                await client.admin.coupons.create(
                    external_id="c2", name={"en-US": "n"},
                    bonus=[models.BonusItem(sku="gold", quantity=0)],
                    attribute_conditions=[models.NumberAttributeCondition(
                        attribute="level", operator="less", value="10"
                    )],
                )
            except RequestValidationError as exc:
                print("refused", exc.problems)
    finally:
        await runner.cleanup()

asyncio.run(main())
print("refused imports", refused)
"""
)


def test_the_client_path_never_imports_jsonschema() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _WITHOUT_JSONSCHEMA],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    sent, refused, imports = out.stdout.splitlines()
    assert sent == "sent c1"
    assert refused.startswith(
        "refused (\"attribute_conditions/0/operator: 'less' is not one of ['eq', 'ne', "
    ), refused
    assert "'bonus/0/quantity: 0 is less than the minimum of 1'" in refused, refused
    assert imports == "refused imports []"
