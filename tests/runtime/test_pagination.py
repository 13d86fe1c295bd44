"""Paging with limit/offset over the different list shapes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from aiohttp import web

from liveops_async import AsyncPaginator, InvalidParameterError, LiveOpsClient
from liveops_async._engine import HTTPRequester
from liveops_async._operation import Pagination

from . import _ops
from .conftest import ScriptedServer


def _serve_list(
    server: ScriptedServer,
    total: int,
    page_body: Callable[..., dict[str, Any]],
    cap: int | None = None,
) -> None:
    """A list endpoint over `total` coupons; `cap` silently limits the page size."""

    async def handler(request: web.Request) -> web.StreamResponse:
        offset = int(request.query.get("offset", 0))
        limit = int(request.query.get("limit", 3))
        if cap is not None:
            limit = min(limit, cap)
        ids = [f"c{i}" for i in range(offset, min(offset + limit, total))]
        return web.json_response(page_body(ids, offset + len(ids) < total, total))

    server.handler = handler


def _coupons(ids: list[str]) -> list[dict[str, str]]:
    return [{"external_id": i} for i in ids]


def _items_page(ids: list[str], more: bool, total: int) -> dict[str, Any]:
    return {"items": _coupons(ids), "has_more": more}


def _codes_page(ids: list[str], more: bool, total: int) -> dict[str, Any]:
    return {"codes": _coupons(ids), "total_count": total}


def _promotions_page(ids: list[str], more: bool, total: int) -> dict[str, Any]:
    return {"promotions": _coupons(ids)}


def _admin(server: ScriptedServer, make_client: Callable[..., LiveOpsClient]) -> HTTPRequester:
    client = make_client(base_url=server.base_url)
    return client.requester(client._admin_auth)


def _queries(server: ScriptedServer) -> list[str]:
    return [s.raw_path.split("?", 1)[1] for s in server.seen]


async def test_walks_by_has_more(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    _serve_list(server, 5, _items_page)
    pager = _admin(server, make_client).paginate(_ops.LIST_COUPONS, query={"limit": None})
    ids = [coupon.external_id async for coupon in pager]
    assert ids == ["c0", "c1", "c2", "c3", "c4"]
    # The documented cap (2) is used as page size when the caller gives none.
    assert _queries(server) == ["limit=2&offset=0", "limit=2&offset=2", "limit=2&offset=4"]


@pytest.mark.parametrize("where", ["item", "nested object"])
async def test_items_told_apart_only_by_a_field_the_spec_lacks_are_not_a_repeated_page(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient], where: str
) -> None:
    """Items whose declared fields are all alike but whose unknown fields (`model_extra`, of
    the item or of a model inside it) differ, such as an id the spec names otherwise: a repr
    leaves `model_extra` out, so the second page was a PaginationError ("a page it had sent
    before")."""

    def coupon(i: str) -> dict[str, Any]:
        if where == "item":
            return {"external_id": "same", "id": i}
        return {"external_id": "same", "bonus": [{"sku": "s", "quantity": 1, "id": i}]}

    def page(ids: list[str], more: bool, total: int) -> dict[str, Any]:
        return {"items": [coupon(i) for i in ids], "has_more": more}

    _serve_list(server, 5, page)
    pager = make_client(base_url=server.base_url).admin.coupons.list(limit=2)
    seen = [c async for c in pager]
    extras = [c.model_extra if where == "item" else c.bonus[0].model_extra for c in seen]
    assert [extra["id"] for extra in extras] == ["c0", "c1", "c2", "c3", "c4"]


async def test_has_more_wins_over_a_page_shorter_than_asked(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    _serve_list(server, 5, _items_page, cap=2)
    pager = _admin(server, make_client).paginate(_ops.LIST_COUPONS, query={"limit": 10})
    assert len([c async for c in pager]) == 5


async def test_walks_by_total(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    _serve_list(server, 7, _codes_page, cap=3)
    pager = _admin(server, make_client).paginate(
        _ops.LIST_CODES, path={"external_id": "c"}, query={"limit": 50, "offset": 1}
    )
    ids = [c.external_id async for c in pager]
    assert ids == [f"c{i}" for i in range(1, 7)]
    assert _queries(server) == ["limit=50&offset=1", "limit=50&offset=4"]


async def test_stops_on_short_page_when_nothing_else_is_known(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    _serve_list(server, 7, _promotions_page)
    requester = _admin(server, make_client)
    explicit = [c async for c in requester.paginate(_ops.LIST_PROMOTIONS, query={"limit": 3})]
    assert len(explicit) == 7 and len(server.seen) == 3
    server.seen.clear()
    # No limit sent: the server's own page size (3 here) is learnt from the first page.
    implicit = [c async for c in requester.paginate(_ops.LIST_PROMOTIONS)]
    assert len(implicit) == 7 and len(server.seen) == 3
    assert "limit" not in _queries(server)[0]


async def test_stops_on_an_empty_page(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    _serve_list(server, 4, _promotions_page)
    pager = _admin(server, make_client).paginate(_ops.LIST_PROMOTIONS, query={"limit": 2})
    assert len([c async for c in pager]) == 4
    assert len(server.seen) == 3  # the third page is empty


async def test_page_at_a_time(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    _serve_list(server, 3, _items_page)
    pager = _admin(server, make_client).paginate(_ops.LIST_COUPONS)
    first = await pager.first_page()
    assert isinstance(first, _ops.CouponPage) and first.has_more is True
    assert [c.external_id for c in pager.items_of(first)] == ["c0", "c1"]
    pages = [page async for page in pager.pages()]
    assert [len(p.items) for p in pages] == [2, 1]


async def test_plain_dict_pages_and_non_list_operations() -> None:
    pages = [{"items": [1, 2], "has_more": True}, {"items": [3], "has_more": False}]
    seen: list[dict[str, object]] = []

    async def fetch(query: Any) -> Any:
        seen.append(dict(query))
        return pages[len(seen) - 1]

    pagination = Pagination(
        items="items", items_attr="items", has_more="has_more", has_more_attr="has_more"
    )
    assert [i async for i in AsyncPaginator[int, dict[str, Any]](fetch, pagination)] == [1, 2, 3]
    assert seen == [{"offset": 0}, {"offset": 2}]
    client = LiveOpsClient(project_id=1, api_key="k")
    with pytest.raises(InvalidParameterError, match="not a list operation"):
        client.requester(client._admin_auth).paginate(_ops.GET_COUPON)


@pytest.mark.parametrize(
    "total", ["\u00b2", "9" * 5000], ids=["superscript two", "5000 digits"]
)  # fmt: skip
async def test_a_total_that_is_no_ascii_count_is_unknown_not_a_crash(total: str) -> None:
    """A tolerant model keeps a string total as the server sent it: one `int()` refuses (or
    reads as another number) is no total, and the walk ends as it would without one."""
    pages = [{"codes": [{"code": "A"}, {"code": "B"}], "total_count": total}, {"codes": []}]
    asked: list[Mapping[str, object]] = []

    async def fetch(query: Mapping[str, object]) -> Any:
        asked.append(dict(query))
        return pages[len(asked) - 1]

    paging = Pagination(items="codes", items_attr="codes", total="total_count", total_attr="t")
    walked = [item async for item in AsyncPaginator(fetch, paging)]
    assert walked == [{"code": "A"}, {"code": "B"}] and len(asked) == 2


_NOT_BOOLEANS = ["false", "true", "0", "1", 0, 1, "", [], {"more": False}]


@pytest.mark.parametrize("flag", _NOT_BOOLEANS, ids=repr)
async def test_a_has_more_that_is_no_json_boolean_is_not_told(
    flag: object, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither truthiness nor falsiness of a non-boolean flag decides: `"false"` must not walk
    past the end, `0` must not stop after a full page. The walk goes by page length instead
    and warns once."""
    pages = [
        {"items": [1, 2], "has_more": flag},
        {"items": [3, 4], "has_more": flag},
        {"items": [5], "has_more": flag},
    ]
    asked: list[Mapping[str, object]] = []

    async def fetch(query: Mapping[str, object]) -> Any:
        asked.append(dict(query))
        return pages[len(asked) - 1]

    paging = Pagination(items="items", items_attr="items", has_more="has_more", has_more_attr="h")
    pager = AsyncPaginator[int, Any](fetch, paging, {"limit": 2}, operation_id="list-things")
    with caplog.at_level("WARNING", logger="liveops_async"):
        walked = [item async for item in pager]
    assert walked == [1, 2, 3, 4, 5] and len(asked) == 3
    warnings = [r for r in caplog.records if "has_more" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelname == "WARNING"
    assert "list-things" in warnings[0].getMessage()
    assert type(flag).__name__ in warnings[0].getMessage()


async def test_a_non_boolean_has_more_falls_back_to_the_total() -> None:
    pages = [
        {"items": [1, 2], "has_more": "false", "total": 3},
        {"items": [3], "has_more": "true", "total": 3},
    ]
    asked: list[Mapping[str, object]] = []

    async def fetch(query: Mapping[str, object]) -> Any:
        asked.append(dict(query))
        return pages[len(asked) - 1]

    paging = Pagination(
        items="items", items_attr="i", has_more="has_more", has_more_attr="h", total="total"
    )
    # A page size the server ignores (3 asked, 2 sent) is why the total, not length, decides.
    walked = [item async for item in AsyncPaginator[int, Any](fetch, paging, {"limit": 3})]
    assert walked == [1, 2, 3] and len(asked) == 2


async def test_a_null_has_more_is_not_told_without_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pages = [{"items": [1, 2], "has_more": None}, {"items": [3], "has_more": None}]
    asked: list[Mapping[str, object]] = []

    async def fetch(query: Mapping[str, object]) -> Any:
        asked.append(dict(query))
        return pages[len(asked) - 1]

    paging = Pagination(items="items", items_attr="i", has_more="has_more", has_more_attr="h")
    with caplog.at_level("WARNING", logger="liveops_async"):
        walked = [item async for item in AsyncPaginator[int, Any](fetch, paging, {"limit": 2})]
    assert walked == [1, 2, 3] and len(asked) == 2
    assert not [r for r in caplog.records if "has_more" in r.getMessage()]


async def test_a_string_false_has_more_ends_a_model_walk(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    """Through the tolerant decoder: the model keeps the string, the walk still ends."""

    def page(ids: list[str], more: bool, total: int) -> dict[str, Any]:
        return {"items": _coupons(ids), "has_more": "true" if more else "false"}

    _serve_list(server, 3, page)
    client = make_client(base_url=server.base_url, strict_responses=False)
    pager = client.requester(client._admin_auth).paginate(_ops.LIST_COUPONS)
    assert [c.external_id async for c in pager] == ["c0", "c1", "c2"]
    assert len(server.seen) == 2
