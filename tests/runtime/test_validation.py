"""The request body is checked against the operation's schema before anything is sent."""

from __future__ import annotations

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
from liveops_async._base_client import _plan_for

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
        _ops.CREATE_COUPON, body=bad, options=RequestOptions(validate_request=False)
    )
    off = checked.with_options(validate_requests=False)
    await off.requester(off._admin_auth).request(_ops.CREATE_COUPON, body=bad)
    assert len(next(iter(api.requests.values()))) == 3


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
