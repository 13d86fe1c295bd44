"""The mock's request log keeps the query a call sent: `RecordedRequest.query` (decoded, every
value of a repeated parameter, in order) and `raw_path` (the path and query string as they
arrived, percent-encoded), while `path` keeps its meaning (decoded, no query string)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from liveops_async import LiveOpsClient
from liveops_async.testing import LiveOpsMock, RecordedRequest

from .conftest import API_KEY, PROJECT_ID, Api


@pytest.fixture
async def sdk(liveops_mock: LiveOpsMock) -> AsyncIterator[LiveOpsClient]:
    async with LiveOpsClient(
        project_id=PROJECT_ID, api_key=API_KEY, base_url=liveops_mock.base_url
    ) as client:
        yield client


async def test_the_query_a_call_sent_is_in_the_log(
    api: Api, sdk: LiveOpsClient, liveops_mock: LiveOpsMock
) -> None:
    body = api.example("admin-create-coupon", external_id="spring")
    assert (await api.call("admin-create-coupon", body=body))[0] == 201
    pages = sdk.admin.coupons.list_code_limits("spring", codes=["A B", "c&d=1"], limit=5)
    await pages.first_page()
    [recorded] = [r for r in liveops_mock.requests if r.operation_id == "get-coupon-code-limit"]
    assert recorded.path == f"/v2/project/{PROJECT_ID}/admin/code/limit/coupon/external_id/spring"
    assert recorded.query == {"codes[]": ("A B", "c&d=1"), "limit": ("5",)}
    assert recorded.raw_path == (f"{recorded.path}?codes%5B%5D=A%20B&codes%5B%5D=c%26d%3D1&limit=5")


async def test_without_a_query_string(api: Api, liveops_mock: LiveOpsMock) -> None:
    await api.call("get-coupon", path={"external_id": "caf%C3%A9"})
    recorded = liveops_mock.requests[-1]
    assert recorded.path.endswith("/admin/coupon/café")  # decoded, as before
    assert recorded.raw_path.endswith("/admin/coupon/caf%C3%A9")  # as sent
    assert recorded.query == {}


async def test_unrouted_and_empty_values_are_logged_too(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    async with api.session.get(f"{liveops_mock.base_url}/v9/nothing?a=&a=2&b") as answer:
        assert answer.status == 404
    recorded = liveops_mock.requests[-1]
    assert recorded.operation_id is None
    assert recorded.query == {"a": ("", "2"), "b": ("",)}
    assert recorded.raw_path == "/v9/nothing?a=&a=2&b"


def test_records_built_by_position_keep_their_fields() -> None:
    # Fields were added at the end, with defaults: code that builds records still works.
    recorded = RecordedRequest("GET", "/v2/x", "op", 200, "p1", 1.0, False)
    assert (recorded.path, recorded.query, recorded.raw_path) == ("/v2/x", {}, "/v2/x")
    assert hash(recorded) == hash(RecordedRequest("GET", "/v2/x", "op", 200, "p1", 1.0, False))


async def test_count_refuses_an_operation_id_the_spec_lacks(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    await api.call("get-coupon", path={"external_id": "spring"})
    assert liveops_mock.count("get-coupon") == 1
    assert liveops_mock.count("redeem-coupon") == 0  # a real operation not called: 0
    # A misspelt id counted 0 silently: `assert mock.count("get-coupon-list") == 0` passed.
    with pytest.raises(ValueError, match=r"got 'get-coupns'; did you mean 'get-coupons'\?"):
        liveops_mock.count("get-coupns")
