"""Raw access to a call's HTTP response next to its parsed body."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, cast

if TYPE_CHECKING:
    from multidict import CIMultiDictProxy

    from ._engine import Requester
    from ._operation import Operation
    from ._pagination import AsyncPaginator
    from ._settle import Settlement

__all__ = ["APIResponse", "RawResponseRequester", "raw_page_wrapper", "raw_response_wrapper"]

T = TypeVar("T")


class APIResponse(Generic[T]):
    """A successful response: `status`, `headers`, `content` (raw bytes), `parsed` (the model).

    `attempts` counts the attempts the call took; `elapsed` is the time of the last one.
    `settlement` is None, or how an ambiguous failure was settled, a `Settlement` (a str enum:
    `Settlement.APPLIED == "applied"`): APPLIED, the result comes from a read, `content` is
    empty and `attempts` 0; NOT_APPLIED, the request was resent and this is its answer; see
    docs/settling.md.
    """

    __slots__ = (
        "attempts",
        "content",
        "elapsed",
        "headers",
        "operation_id",
        "parsed",
        "settlement",
        "status",
    )

    def __init__(
        self,
        *,
        status: int,
        headers: CIMultiDictProxy[str],
        content: bytes,
        parsed: T,
        operation_id: str,
        attempts: int,
        elapsed: float,
    ) -> None:
        self.status: int = status
        self.headers: CIMultiDictProxy[str] = headers
        self.content: bytes = content
        self.parsed: T = parsed
        self.operation_id: str = operation_id
        self.attempts: int = attempts
        self.elapsed: float = elapsed
        self.settlement: Settlement | None = None

    def json(self) -> Any:
        """The body as plain JSON values (None for an empty body), integers exact as in
        `parsed`. Raises ValueError for a body that is not JSON."""
        from ._serde import loads_json  # loaded with the engine already

        return loads_json(self.content) if self.content else None

    def __repr__(self) -> str:
        return (
            f"APIResponse(operation_id={self.operation_id!r}, status={self.status}, "
            f"attempts={self.attempts}, parsed={type(self.parsed).__name__})"
        )


P = ParamSpec("P")
R = TypeVar("R")
PageT = TypeVar("PageT")


class RawResponseRequester:
    """Wraps a requester so that the generated methods it serves answer `APIResponse`.

    `with_raw_response` binds the real resource methods to one of these instead of copying them:
    `request` becomes `request_raw`, and `paginate` fetches the first page as a raw response
    (a coroutine, which `raw_page_wrapper` awaits) instead of building a paginator.
    """

    __slots__ = ("_requester",)

    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def request(self, op: Operation, **kwargs: Any) -> APIResponse[Any]:
        return await self._requester.request_raw(op, **kwargs)

    async def request_raw(self, op: Operation, **kwargs: Any) -> APIResponse[Any]:
        return await self._requester.request_raw(op, **kwargs)

    def paginate(self, op: Operation, **kwargs: Any) -> Any:
        # Typed `Any`: the generated list method declares a paginator; `raw_page_wrapper` knows
        # that under this requester it is the coroutine of the first page's raw response.
        return self._requester.request_raw(op, **kwargs)


def raw_response_wrapper(
    method: Callable[P, Awaitable[R]],
) -> Callable[P, Coroutine[object, None, APIResponse[R]]]:
    """`method`, bound to a `RawResponseRequester`, typed as answering `APIResponse[R]`."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[R]:
        return cast("APIResponse[R]", await method(*args, **kwargs))

    return wrapped


def raw_page_wrapper(
    method: Callable[P, AsyncPaginator[Any, PageT]],
) -> Callable[P, Coroutine[object, None, APIResponse[PageT]]]:
    """A list `method`, bound to a `RawResponseRequester`: answers its first page, raw."""

    @functools.wraps(method)
    async def wrapped(*args: P.args, **kwargs: P.kwargs) -> APIResponse[PageT]:
        first_page: Awaitable[APIResponse[PageT]] = cast(Any, method(*args, **kwargs))
        return await first_page

    return wrapped
