"""Offset paging over Xsolla's list shapes, driven by each operation's `Pagination` facts.

Xsolla's list envelopes differ per endpoint (`items` + `has_more`, `promotions` only, `codes` +
`total_count`...). The walker asks for `limit`/`offset` pages and stops on `has_more` false,
when `offset` reaches the total, on an empty page, or, when the page tells neither, on a page
shorter than the page size.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from ._operation import Pagination
from ._types import UNSET

__all__ = ["AsyncPaginator"]

ItemT = TypeVar("ItemT")
PageT = TypeVar("PageT")

FetchPage = Callable[[Mapping[str, object]], Awaitable[Any]]


def _field(page: Any, attr: str | None, key: str | None) -> Any:
    """A page field by Python attribute (models) or wire key (plain dicts)."""
    if attr is None and key is None:
        return None
    if isinstance(page, Mapping):
        return page.get(key) if key is not None else None
    return getattr(page, attr, None) if attr is not None else None


def _as_int(value: object, default: int | None) -> int | None:
    if value is None or value is UNSET or isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return default


class AsyncPaginator(Generic[ItemT, PageT]):
    """`async for item in paginator` walks every page; `pages()` yields whole pages;
    `first_page()` fetches just one."""

    __slots__ = ("_fetch", "_pagination", "_query")

    def __init__(
        self, fetch: FetchPage, pagination: Pagination, query: Mapping[str, object] | None = None
    ) -> None:
        self._fetch = fetch
        self._pagination = pagination
        self._query = dict(query) if query else {}

    def items_of(self, page: PageT) -> Sequence[ItemT]:
        """The items of one page (an empty list when the page has none)."""
        items = _field(page, self._pagination.items_attr, self._pagination.items)
        return items if isinstance(items, Sequence) and not isinstance(items, str) else []

    async def first_page(self) -> PageT:
        """Fetch the first page only (with the largest page size the API allows by default)."""
        page: PageT = await self._fetch(self._first_query())
        return page

    def _first_query(self) -> dict[str, object]:
        query = dict(self._query)
        if _as_int(query.get("limit"), None) is None and self._pagination.max_limit is not None:
            query["limit"] = self._pagination.max_limit
        return query

    async def pages(self) -> AsyncIterator[PageT]:
        """Yield whole pages, fetching the next one as the previous is consumed."""
        pagination = self._pagination
        query = self._first_query()
        offset = _as_int(query.get("offset"), 0) or 0
        limit = _as_int(query.get("limit"), None)
        # Only trust a short page as the end if the server honours our limit (documented cap).
        page_size = (
            limit
            if limit is not None and (pagination.max_limit is None or limit <= pagination.max_limit)
            else None
        )
        while True:
            query["offset"] = offset
            page: PageT = await self._fetch(query)
            yield page
            count = len(self.items_of(page))
            if count == 0:
                return
            offset += count
            has_more = _field(page, pagination.has_more_attr, pagination.has_more)
            if has_more is not None and has_more is not UNSET:
                if not has_more:
                    return
                continue
            total = _as_int(_field(page, pagination.total_attr, pagination.total), None)
            if total is not None:
                if offset >= total:
                    return
                continue
            if page_size is None:
                page_size = count  # the server's own page size, seen on the first page
            elif count < page_size:
                return

    async def _items(self) -> AsyncIterator[ItemT]:
        async for page in self.pages():
            for item in self.items_of(page):
                yield item

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self._items()
