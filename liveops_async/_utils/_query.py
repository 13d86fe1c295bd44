"""Query string encoding: None/UNSET dropped, lists repeat the key, everything percent-encoded;
dates and date-times as RFC 3339."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

from .._exceptions import InvalidParameterError
from .._types import UNSET

__all__ = ["date_text", "encode_query"]

_MINUTE = timedelta(minutes=1)


def date_text(name: str, value: date) -> str:
    """`value` as RFC 3339 text: a `datetime` with its UTC offset (an offset with seconds, which
    RFC 3339 cannot write, as the same instant in UTC), a `date` as a full-date. A naive
    `datetime` raises InvalidParameterError naming the query parameter `name`: the server
    would have to guess its zone."""
    if not isinstance(value, datetime):
        return value.isoformat()
    offset = value.utcoffset()
    if offset is None:
        raise InvalidParameterError(
            f"query parameter {name}: {value.isoformat()!r} has no time zone "
            "(give tzinfo, e.g. datetime.timezone.utc)"
        )
    if offset % _MINUTE:
        value = value.astimezone(timezone.utc)
    return value.isoformat()


def _scalar(name: str, value: object) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        # Where the spec wants 0/1 the generated code passes an int; a bool here means the
        # spec says boolean.
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        # An integral float is an integer to JSON Schema (the request check): send it as one,
        # as path values are (`2`, not `2.0`, which no integer parameter accepts).
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, date):  # after the common types: one check less per plain value
        return date_text(name, value)
    raise InvalidParameterError(
        f"query parameter {name} must be a str, number, bool, date, datetime or a list of them, "
        f"not {type(value).__name__}"
    )


def encode_query(query: Mapping[str, object]) -> str:
    """`a=1&codes%5B%5D=x&codes%5B%5D=y` (no leading `?`; empty when nothing is left)."""
    pairs: list[str] = []
    for name, value in query.items():
        if value is None or value is UNSET:
            continue
        key = quote(name, safe="")
        if isinstance(value, (list, tuple)):
            for item in value:
                if item is None or item is UNSET:
                    continue
                pairs.append(f"{key}={quote(_scalar(name, item), safe='')}")
        else:
            pairs.append(f"{key}={quote(_scalar(name, value), safe='')}")
    return "&".join(pairs)
