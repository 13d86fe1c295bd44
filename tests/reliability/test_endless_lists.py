"""A list whose server never lets the walk end stops with `PaginationError`, on every paginated
operation: a page repeating an earlier one, a full page with nothing new, an empty page that
says `has_more`, more items than the reported total, and the caller's page bound."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from liveops_async import InvalidParameterError, LiveOpsClient, PaginationError
from liveops_async._pagination import DEFAULT_MAX_PAGES, AsyncPaginator
from tests.operations._cases import Case, all_cases, bound_method, call_arguments, case_id

from . import _fault_server as fs

LIST_CASES = [c for c in all_cases() if c.op.pagination is not None]
HAS_MORE_CASES = [c for c in LIST_CASES if c.op.pagination and c.op.pagination.has_more]
TOTAL_CASES = [c for c in LIST_CASES if c.op.pagination and c.op.pagination.total]
ClientFactory = Callable[..., LiveOpsClient]


def test_every_paginated_operation_is_covered() -> None:
    assert len({c.operation_id for c in LIST_CASES}) == 19


def _item(case: Case, n: int) -> Any:
    """The example item made distinct by `n` in one of its string (or integer) fields."""
    pagination = case.op.pagination
    assert pagination is not None
    item = copy.deepcopy(case.response_example[pagination.items][0])
    if isinstance(item, dict):
        for key, value in item.items():
            if isinstance(value, str) and not value[:4].isdigit():  # not a date-time
                item[key] = f"{value}-{n}"
                return item
        for key, value in item.items():
            if isinstance(value, int) and not isinstance(value, bool):
                item[key] = value + n
                return item
    if isinstance(item, str):
        return f"{item}-{n}"
    raise AssertionError(f"{case.operation_id}: cannot vary {item!r}")


def _page(case: Case, items: list[Any], *, more: bool = True, total: int = 10**6) -> object:
    pagination = case.op.pagination
    assert pagination is not None
    page = {**case.response_example, pagination.items: items}
    if pagination.has_more is not None:
        page[pagination.has_more] = more
    if pagination.total is not None:
        page[pagination.total] = total
    return page


def _paginator(case: Case, client: LiveOpsClient) -> AsyncPaginator[Any, Any]:
    method = bound_method(case, client)
    args, kwargs = call_arguments(case, method, query_overrides={"limit": 2})
    kwargs.pop("offset", None)
    paginator = method(*args, **kwargs)
    assert isinstance(paginator, AsyncPaginator)
    return paginator


async def _walk(paginator: AsyncPaginator[Any, Any]) -> tuple[list[Any], PaginationError]:
    walked: list[Any] = []
    with pytest.raises(PaginationError) as caught:
        async for item in paginator:
            walked.append(item)
    return walked, caught.value


@pytest.mark.parametrize("case", LIST_CASES, ids=case_id)
async def test_a_server_ignoring_offset_stops_at_the_repeated_page(
    case: Case, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.default = fs.reply(200, _page(case, [_item(case, 0), _item(case, 1)]))
    walked, error = await _walk(_paginator(case, make_client(server)))
    assert (error.reason, error.pages, error.items) == ("repeated_page", 1, 2), error
    assert error.operation_id == case.operation_id
    assert len(walked) == 2 and len(server.received) == 2


@pytest.mark.parametrize("case", LIST_CASES, ids=case_id)
async def test_the_same_items_in_another_order_are_no_progress(
    case: Case, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    first, second = _item(case, 0), _item(case, 1)
    server.then(
        fs.reply(200, _page(case, [first, second])), fs.reply(200, _page(case, [second, first]))
    )
    _, error = await _walk(_paginator(case, make_client(server)))
    assert (error.reason, error.pages) == ("no_progress", 1), error


@pytest.mark.parametrize("case", LIST_CASES, ids=case_id)
async def test_pages_cycling_through_earlier_ones_stop(
    case: Case, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    pages = [[_item(case, 0), _item(case, 1)], [_item(case, 2), _item(case, 3)]]
    server.then(*(fs.reply(200, _page(case, pages[n % 2])) for n in range(3)))
    walked, error = await _walk(_paginator(case, make_client(server)))
    assert (error.reason, error.pages, len(walked)) == ("repeated_page", 2, 4), error


@pytest.mark.parametrize("case", LIST_CASES, ids=case_id)
async def test_the_callers_page_bound_stops_an_endless_list(
    case: Case, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.then(
        *(
            fs.reply(200, _page(case, [_item(case, 2 * n), _item(case, 2 * n + 1)]))
            for n in range(9)
        )
    )
    paginator = _paginator(case, make_client(server))
    assert paginator.max_pages == DEFAULT_MAX_PAGES
    walked, error = await _walk(paginator.with_max_pages(5))
    assert (error.reason, error.pages, len(walked)) == ("max_pages", 5, 10), error
    assert len(server.received) == 5
    with pytest.raises(InvalidParameterError, match="max_pages"):
        paginator.with_max_pages(0)


@pytest.mark.parametrize("case", HAS_MORE_CASES, ids=case_id)
async def test_an_empty_page_that_says_has_more_is_no_progress(
    case: Case, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.then(
        fs.reply(200, _page(case, [_item(case, 0), _item(case, 1)])),
        fs.reply(200, _page(case, [])),
    )
    _, error = await _walk(_paginator(case, make_client(server)))
    assert (error.reason, error.pages) == ("no_progress", 1), error


@pytest.mark.parametrize("case", TOTAL_CASES, ids=case_id)
async def test_a_walk_past_the_reported_total_stops(
    case: Case, make_client: ClientFactory, server: fs.FaultServer
) -> None:
    server.then(
        *(
            fs.reply(200, _page(case, [_item(case, 2 * n), _item(case, 2 * n + 1)], total=3))
            for n in range(3)
        )
    )
    walked, error = await _walk(_paginator(case, make_client(server)))
    assert (error.reason, error.pages, len(walked)) == ("past_total", 1, 2), error
