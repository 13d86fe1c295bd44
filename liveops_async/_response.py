"""Raw access to a call's HTTP response next to its parsed body."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson

if TYPE_CHECKING:
    from multidict import CIMultiDictProxy

__all__ = ["APIResponse"]

T = TypeVar("T")


class APIResponse(Generic[T]):
    """A successful response: `status`, `headers`, `content` (raw bytes), `parsed` (the model).

    `attempts` counts the attempts the call took; `elapsed` is the time of the last one.
    `settlement` is None, or how an ambiguous failure was settled (`"applied"`: the result
    comes from a read, `content` is empty and `attempts` 0; `"not_applied"`: the request was
    resent and this is its answer; see docs/settling.md).
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
        self.status = status
        self.headers = headers
        self.content = content
        self.parsed = parsed
        self.operation_id = operation_id
        self.attempts = attempts
        self.elapsed = elapsed
        self.settlement: str | None = None

    def json(self) -> Any:
        """The body as plain JSON values (None for an empty body)."""
        return orjson.loads(self.content) if self.content else None

    def __repr__(self) -> str:
        return (
            f"APIResponse(operation_id={self.operation_id!r}, status={self.status}, "
            f"attempts={self.attempts}, parsed={type(self.parsed).__name__})"
        )
