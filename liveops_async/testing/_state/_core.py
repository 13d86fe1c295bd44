"""What stateful handlers are given and return, the handler registry, and shared helpers."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar

import attrs

from .._clock import Clock
from .._errors import MockApiError, not_found
from .._spec import OperationSpec

T = TypeVar("T")


class MockStore:
    """All in-memory state of one mock instance: one object per area, made on first use."""

    def __init__(self) -> None:
        self._areas: dict[type[Any], Any] = {}

    def get(self, area: type[T]) -> T:
        """The state object of `area` (a class), made with `area()` on first use."""
        found = self._areas.get(area)
        if found is None:
            found = self._areas[area] = area()
        return found

    def clear(self) -> None:
        """Forget every area's state (`LiveOpsMock.reset_state`)."""
        self._areas.clear()


@attrs.frozen
class RequestContext:
    """One validated request, as a handler sees it."""

    op: OperationSpec
    path: Mapping[str, Any]
    query: Mapping[str, Any]
    headers: Mapping[str, str]
    body: Any
    user_id: str | None  # the player (JWT subject or guest id); None on admin calls
    store: MockStore
    clock: Clock

    def now(self) -> datetime:
        return self.clock.now()

    def state(self, area: type[T]) -> T:
        return self.store.get(area)

    def require_user(self) -> str:
        if self.user_id is None:
            raise MockApiError(401, 1501, "Authorization failed: Provide authorization")
        return self.user_id


@attrs.frozen
class Reply:
    """An explicit answer; handlers may instead return the body (sent with the documented
    success status) or None (the success status with no body)."""

    status: int
    body: Any = None


Handler = Callable[[RequestContext], Any]
HANDLERS: dict[str, Handler] = {}


def handles(*operation_ids: str) -> Callable[[Handler], Handler]:
    """Register a function as the stateful handler of one or more operations."""

    def register(func: Handler) -> Handler:
        for op_id in operation_ids:
            if op_id in HANDLERS:
                raise RuntimeError(f"two handlers for {op_id}")
            HANDLERS[op_id] = func
        return func

    return register


def handles_each(table: Mapping[str, Handler]) -> None:
    """Register one handler per operation id, as the table pairs them: each id sits next to the
    function that answers it, so a grep for the id finds its handler."""
    for operation_id, handler in table.items():
        handles(operation_id)(handler)


def page(items: list[T], ctx: RequestContext, default_limit: int = 50) -> tuple[list[T], bool]:
    """Slice by `limit`/`offset` (capped at the documented maximum); also says if more remain."""
    limit = int(ctx.query.get("limit") or ctx.op.max_limit or default_limit)
    if ctx.op.max_limit:
        limit = min(limit, ctx.op.max_limit)
    offset = int(ctx.query.get("offset") or 0)
    chunk = items[offset : offset + limit]
    return chunk, offset + len(chunk) < len(items)


def counted_page(
    items: list[T],
    ctx: RequestContext,
    view: Callable[[T], Any] | None = None,
    default_limit: int = 50,
) -> dict[str, Any]:
    """The answer of a list call that counts its results: one page of `items` (each through
    `view`), `has_more` and `total_items_count`."""
    chunk, has_more = page(items, ctx, default_limit)
    return {
        "has_more": has_more,
        "total_items_count": len(items),
        "items": chunk if view is None else [view(item) for item in chunk],
    }


def enabled_filter(ctx: RequestContext, name: str = "enabled") -> bool | None:
    value = ctx.query.get(name)
    return None if value is None else bool(value)


@attrs.define
class Collection:
    """Entities of one kind keyed by id, with the not-found error of that kind."""

    label: str
    key_field: str = "id"
    not_found_code: int = 4001  # the code in the not-found message's brackets
    records: dict[Any, dict[str, Any]] = attrs.field(factory=dict)
    next_id: int = 1
    not_found_error_code: int = 4001  # the not-found body's `errorCode`

    def new_id(self) -> int:
        value = self.next_id
        self.next_id += 1
        return value

    def add(self, key: Any, record: dict[str, Any]) -> dict[str, Any]:
        record[self.key_field] = key
        self.records[key] = record
        return record

    def get(self, key: Any) -> dict[str, Any]:
        try:
            return self.records[key]
        except KeyError:
            raise not_found(
                f"{self.label} not found", self.not_found_code, self.not_found_error_code
            ) from None

    def delete(self, key: Any) -> dict[str, Any]:
        record = self.get(key)
        del self.records[key]
        return record

    def replace(self, key: Any, body: Mapping[str, Any], keep: tuple[str, ...] = ()) -> None:
        """Full replace (PUT): the body's fields, plus the server-owned fields in `keep`."""
        old = self.get(key)
        new = dict(copy.deepcopy(body))
        for name in (self.key_field, *keep):
            if name in old:
                new[name] = old[name]
        self.records[key] = new

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(list(self.records.values()))


def body_copy(ctx: RequestContext) -> dict[str, Any]:
    return dict(copy.deepcopy(ctx.body or {}))


def int_path(ctx: RequestContext, name: str) -> int:
    """A numeric id from the path; a non-number cannot name an entity, so it is not found."""
    value = ctx.path[name]
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise not_found(f"Entity with id {value!r} not found")
