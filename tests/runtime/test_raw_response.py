"""`with_raw_response` wraps the real generated methods (no copies): same signature and
docstring, bound to a requester that answers `APIResponse`."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from liveops_async._generated import resources
from liveops_async._response import RawResponseRequester


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def request(self, op: Any, **kwargs: Any) -> Any:
        self.calls.append(("request", op.operation_id, kwargs))
        return "parsed"

    async def request_raw(self, op: Any, **kwargs: Any) -> Any:
        self.calls.append(("request_raw", op.operation_id, kwargs))
        return "raw"

    def paginate(self, op: Any, **kwargs: Any) -> Any:
        self.calls.append(("paginate", op.operation_id, kwargs))
        return "paginator"


def _resource_classes() -> list[type]:
    return [
        cls
        for name, cls in vars(resources).items()
        if name.endswith("Resource") and isinstance(cls, type)
    ]


@pytest.mark.parametrize("cls", _resource_classes(), ids=lambda c: c.__name__)
def test_every_raw_method_wraps_the_real_method(cls: type) -> None:
    resource = cls(_Recorder())
    raw = resource.with_raw_response
    public = [n for n, v in vars(cls).items() if inspect.isfunction(v) and not n.startswith("_")]
    assert sorted(type(raw).__slots__) == sorted(public)
    for name in public:
        wrapper = getattr(raw, name)
        real = wrapper.__wrapped__
        assert real.__func__ is vars(cls)[name], name
        assert isinstance(real.__self__._requester, RawResponseRequester)
        assert wrapper.__doc__ == vars(cls)[name].__doc__
        assert inspect.signature(wrapper) == inspect.signature(getattr(resource, name))


async def test_raw_calls_reach_request_raw_and_lists_answer_the_first_page() -> None:
    recorder = _Recorder()
    coupons = resources.AdminCouponsResource(recorder)
    assert await coupons.with_raw_response.get("c1") == "raw"
    assert recorder.calls[-1][:2] == ("request_raw", "get-coupon")
    assert await coupons.with_raw_response.list(limit=3) == "raw"
    kind, op_id, kwargs = recorder.calls[-1]
    assert (kind, op_id, kwargs["query"]["limit"]) == ("request_raw", "get-coupons", 3)
    # A call without a response body answers its raw response too (status and headers).
    assert await coupons.with_raw_response.activate("c1") == "raw"
    assert recorder.calls[-1][:2] == ("request_raw", "activate-coupon")
    # The plain methods are untouched by the raw view.
    assert await coupons.get("c1") == "parsed"
    assert coupons.list() == "paginator"


def test_the_raw_json_keeps_integers_beyond_64_bits_exact() -> None:
    """`APIResponse.json()` decodes as `parsed` does: an integer too big for 64 bits stays the
    exact int (orjson alone turned it into a rounded float)."""
    from multidict import CIMultiDict, CIMultiDictProxy

    from liveops_async import APIResponse

    big = 123456789012345678901234567890
    response = APIResponse(
        status=200,
        headers=CIMultiDictProxy(CIMultiDict()),
        content=b'{"redeem_total_limit": %d, "x": 1.5}' % big,
        parsed=None,
        operation_id="get-coupon",
        attempts=1,
        elapsed=0.0,
    )
    assert response.json() == {"redeem_total_limit": big, "x": 1.5}
    assert type(response.json()["redeem_total_limit"]) is int
