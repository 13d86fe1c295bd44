"""Offset paging over Xsolla's list shapes, driven by each operation's `Pagination` facts.

Xsolla's list envelopes differ per endpoint (`items` + `has_more`, `promotions` only, `codes` +
`total_count`...). The walker asks for `limit`/`offset` pages and stops on `has_more` false,
when `offset` reaches the total, on an empty page, or, when the page tells neither, on a page
shorter than the page size.

`has_more` is read strictly: only a JSON boolean (`true`/`false`) decides. A tolerant model keeps
whatever the server sent, and a truthiness test would read `"false"`, `"0"` or `[]` wrongly (the
string `"false"` as more to come), so any other value (`"false"`, `0`, `"0"`, `1`, an object...)
counts as "not told": the walk falls back to the total, then to a page shorter than the page
size, as for a list without the flag, and logs one WARNING per walk on the `liveops_async`
logger naming the operation and the value's type. `null` or an absent flag is "not told" too,
without a warning (the page simply has no flag).

A server that ignores `offset` or always says `has_more` must not make a walk endless: the
walker raises `PaginationError` when a page repeats any earlier page, when a full page brings no
item the previous page did not have, when an empty page still says `has_more`, when the items walked
pass the total the page reports, and after `max_pages` pages (default `DEFAULT_MAX_PAGES`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from ._exceptions import InvalidParameterError, PaginationError
from ._operation import Pagination
from ._types import UNSET
from ._utils._numbers import ascii_int

__all__ = ["DEFAULT_MAX_PAGES", "AsyncPaginator"]

log = logging.getLogger("liveops_async")

# A walk stops with PaginationError after this many pages unless the caller sets another bound:
# at the documented page sizes that is millions of items, far more than any real list.
DEFAULT_MAX_PAGES = 100_000

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


def _has_more_flag(
    value: object, operation_id: str | None, warned: bool
) -> tuple[bool | None, bool]:
    """The page's `has_more` as True/False, or None when it does not tell (see the module
    docstring), and whether the walk has now warned about a flag that is no JSON boolean."""
    if value is True or value is False:
        return value, warned
    if value is None or value is UNSET:
        return None, warned
    if not warned:
        log.warning(
            "%s: has_more is a %s, not a JSON boolean; the walk ignores it and ends by the "
            "total or a short page instead",
            operation_id or "list operation",
            type(value).__name__,
        )
    return None, True


def _as_int(value: object, default: int | None) -> int | None:
    if value is None or value is UNSET or isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        number = ascii_int(value)
        return number if number is not None and number >= 0 else default
    return default


def _start_offset(value: object) -> int:
    """The caller's `offset` as the walk's first: absent is 0, an integral float its integer.
    Anything else that is no integer (a bool, a string, NaN, a list) raises
    InvalidParameterError naming it before anything is sent: the walk cannot count on from
    it, and sending 0 (or `int("5")`) instead would fetch pages the caller did not ask for. A
    negative one is the request check's to refuse (or, unchecked, the server's)."""
    if value is None or value is UNSET:
        return 0
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise InvalidParameterError(
        f"offset: a walk starts at an integer offset (or none, for 0), got {value!r}"
    )


def _fingerprints(items: Sequence[Any]) -> list[bytes]:
    """Identifies each item (models and plain data alike, hashable or not) by everything it
    holds: its JSON form, unknown fields (`model_extra`) at every depth included, so items
    told apart only by a field the spec lacks (an `id` it names otherwise, at the top or in a
    nested object) are not one repeated item. A repr leaves `model_extra` out."""
    # Imported here, once a page: orjson, `_serde` and cattrs load with the engine, off
    # `import liveops_async`.
    import orjson

    from ._serde import to_json_ready

    def identity(item: Any) -> bytes:
        try:
            return orjson.dumps(
                to_json_ready(item),
                default=repr,
                option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS,
            )
        except (TypeError, ValueError):  # past the walk's depth, or a value orjson refuses
            return repr(item).encode("utf-8", "surrogatepass")

    return [hashlib.blake2b(identity(item), digest_size=16).digest() for item in items]


def _check_max_pages(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(f"max_pages must be an integer >= 1, got {value!r}")
    return value


class _WalkGuard:
    """Decides, page by page, whether a walk still makes progress (see the module docstring)."""

    __slots__ = (
        "_max_pages",
        "_operation_id",
        "_previous",
        "_previous_count",
        "_seen_pages",
        "items",
        "pages",
    )

    def __init__(self, operation_id: str | None, max_pages: int) -> None:
        self._operation_id = operation_id
        self._max_pages = max_pages
        self._seen_pages: set[bytes] = set()
        self._previous: frozenset[bytes] = frozenset()
        self._previous_count = 0
        self.pages = 0
        self.items = 0

    def _fail(self, reason: str, message: str) -> PaginationError:
        return PaginationError(
            message,
            operation_id=self._operation_id,
            reason=reason,
            pages=self.pages,
            items=self.items,
        )

    def before_fetch(self) -> None:
        if self.pages >= self._max_pages:
            raise self._fail(
                "max_pages",
                f"the walk reached its bound of {self._max_pages} pages "
                "(set another with paginator.with_max_pages(n))",
            )

    def check(
        self, items: Sequence[Any], has_more: bool | None, total: int | None, offset: int
    ) -> None:
        """Raise PaginationError for a page, asked for at `offset`, that cannot be part of a
        finite walk."""
        if not items:
            if has_more is True:
                raise self._fail("no_progress", "an empty page says has_more: the list cannot end")
            return
        each = _fingerprints(items)
        fingerprint = hashlib.blake2b(b"".join(each), digest_size=16).digest()
        if fingerprint in self._seen_pages:
            raise self._fail("repeated_page", "the server sent a page it had sent before")
        # A full page of items all seen on the previous page (the same page reordered, say):
        # the server is not moving. A shorter one may be an item shifted by an insert.
        if len(each) >= self._previous_count and self._previous.issuperset(each):
            raise self._fail("no_progress", "a page brought no item the previous page lacked")
        if total is not None and offset + len(items) > total:
            raise self._fail(
                "past_total",
                f"the pages hold more items than the total of {total} the server reported",
            )
        self._seen_pages.add(fingerprint)
        self._previous = frozenset(each)
        self._previous_count = len(each)

    def accept(self, count: int) -> None:
        self.pages += 1
        self.items += count


class AsyncPaginator(Generic[ItemT, PageT]):
    """`async for item in paginator` walks every page; `pages()` yields whole pages;
    `first_page()` fetches just one.

    A walk raises `PaginationError` (after yielding the good pages) when the server's pages
    cannot end it, and after `max_pages` pages; `with_max_pages(n)` sets another bound.

    Only a JSON boolean `has_more` ends or continues a walk; a flag of any other type
    (`"false"`, `0`, `"0"`, ...) is treated as absent: the walk goes by the reported total, else
    stops on a page shorter than the page size, and logs one WARNING per walk.
    """

    __slots__ = ("_fetch", "_max_pages", "_operation_id", "_pagination", "_query")

    def __init__(
        self,
        fetch: FetchPage,
        pagination: Pagination,
        query: Mapping[str, object] | None = None,
        *,
        operation_id: str | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
    ) -> None:
        self._fetch = fetch
        self._pagination = pagination
        self._query = dict(query) if query else {}
        self._operation_id = operation_id
        self._max_pages = _check_max_pages(max_pages)

    @property
    def max_pages(self) -> int:
        """How many pages (an integer >= 1) the walk fetches before it raises
        PaginationError(reason="max_pages")."""
        return self._max_pages

    def with_max_pages(self, max_pages: int) -> AsyncPaginator[ItemT, PageT]:
        """The same walk, stopped with PaginationError(reason="max_pages") once `max_pages`
        pages (an integer >= 1) have been fetched and yielded."""
        return AsyncPaginator(
            self._fetch,
            self._pagination,
            self._query,
            operation_id=self._operation_id,
            max_pages=max_pages,
        )

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
        # Only an absent limit gets the default: a given one, however wrong, is the request
        # check's (or, unchecked, the server's) to judge.
        limit = query.get("limit")
        if (limit is None or limit is UNSET) and self._pagination.max_limit is not None:
            query["limit"] = self._pagination.max_limit
        return query

    async def pages(self) -> AsyncIterator[PageT]:
        """Yield whole pages, fetching the next one as the previous is consumed."""
        pagination = self._pagination
        query = self._first_query()
        offset = _start_offset(query.get("offset"))
        limit = _as_int(query.get("limit"), None)
        # Only trust a short page as the end if the server honours our limit (documented cap).
        page_size = (
            limit
            if limit is not None and (pagination.max_limit is None or limit <= pagination.max_limit)
            else None
        )
        guard = _WalkGuard(self._operation_id, self._max_pages)
        warned = False
        while True:
            guard.before_fetch()
            query["offset"] = offset
            page: PageT = await self._fetch(query)
            items = self.items_of(page)
            has_more, warned = _has_more_flag(
                _field(page, pagination.has_more_attr, pagination.has_more),
                self._operation_id,
                warned,
            )
            total = _as_int(_field(page, pagination.total_attr, pagination.total), None)
            guard.check(items, has_more, total, offset)
            count = len(items)
            guard.accept(count)
            yield page
            if count == 0:
                return
            offset += count
            if has_more is not None:
                if not has_more:
                    return
                continue
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
