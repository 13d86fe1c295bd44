"""Canary credentials and the search for them in anything the SDK shows."""

from __future__ import annotations

import base64
import traceback
from collections.abc import Iterator

import attrs

_PROJECT_ID = 44056


@attrs.frozen
class Canaries:
    api_key: str
    jwt: str

    @property
    def basic(self) -> str:
        return base64.b64encode(f"{_PROJECT_ID}:{self.api_key}".encode()).decode()

    def all(self) -> tuple[str, ...]:
        signature = self.jwt.rsplit(".", 1)[1]
        return (self.api_key, self.basic, self.jwt, signature)


CANARIES = Canaries(
    api_key="CANARY-api-key-7f3e9b1c",
    jwt=(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJzdWIiOiJwbGF5ZXItY2FuYXJ5In0."
        "CANARYjwtSignature-d41d8cd98f00b204"
    ),
)


def find_canary(text: str) -> str | None:
    for secret in CANARIES.all():
        if secret in text:
            return secret
    return None


def _exception_chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)
        grouped = getattr(current, "exceptions", None)  # an exception group's members
        if isinstance(grouped, (list, tuple)):
            pending.extend(e for e in grouped if isinstance(e, BaseException))


def shown_text(thing: object) -> str:
    """Everything a user could see of `thing`: str and repr, and for an error its whole chain
    (causes, contexts, the formatted traceback)."""
    if isinstance(thing, BaseException):
        parts = ["".join(traceback.format_exception(thing))]
        for error in _exception_chain(thing):
            parts += [str(error), repr(error)]
        return "\n".join(parts)
    return f"{thing!s}\n{thing!r}"


def assert_no_canary(*things: object) -> None:
    for thing in things:
        leaked = find_canary(shown_text(thing))
        assert leaked is None, f"{leaked!r} shown by {type(thing).__name__}: {thing!r}"


def with_locals(error: BaseException) -> str:
    """The error as a traceback with locals shows it, and each linked exception likewise
    (also a context `raise ... from` hides: a reporting tool may walk it)."""
    shown = [
        "".join(traceback.TracebackException.from_exception(error, capture_locals=True).format())
    ]
    for linked in _exception_chain(error):
        shown.append(
            "".join(
                traceback.TracebackException(
                    type(linked), linked, linked.__traceback__, capture_locals=True
                ).format(chain=False)
            )
        )
    return "\n".join(shown)


def assert_no_secret_in_locals(error: BaseException, *extra: str) -> None:
    text = with_locals(error)
    for line in text.splitlines():
        leaked = find_canary(line) or next((s for s in extra if s in line), None)
        assert leaked is None, f"{leaked!r} shown by a traceback with locals: {line[:300]}"
