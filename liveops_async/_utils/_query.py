"""Query string encoding: a None/UNSET parameter left out, lists repeat the key (never empty,
never holding None), everything percent-encoded; dates and date-times as RFC 3339."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone

from .._exceptions import InvalidParameterError
from .._types import UNSET
from ._param_text import INT64_MIN, UINT64_MAX, number_text, quoted

__all__ = ["date_text", "encode_query", "flag_value"]

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


def flag_value(value: object) -> object:
    """A 0/1 query parameter's value (the spec's integer flags, a `bool` argument of the
    generated methods): a bool as 1 or 0, anything else as given, for the request check to
    refuse naming the parameter (`"yes"`, `2.7`: `int()` would raise ValueError from the method
    call, or send 2). Never raises: the generated methods only shape their arguments."""
    return int(value) if isinstance(value, bool) else value


def _scalar(name: str, value: object) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]  # the common cases first, checked exactly
    if kind is int and INT64_MIN <= value <= UINT64_MAX:  # type: ignore[operator]
        return str(value)
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        # Where the spec wants 0/1 the generated code passes an int; a bool here means the
        # spec says boolean.
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        # An integral float is an integer to JSON Schema (the request check): sent as one,
        # as path values are (`2`, not `2.0`, which no integer parameter accepts).
        return number_text(f"query parameter {name}", value)
    if isinstance(value, date):  # after the common types: one check less per plain value
        return date_text(name, value)
    raise InvalidParameterError(
        f"query parameter {name} must be a str, number, bool, date, datetime or a list of them, "
        f"not {type(value).__name__}"
    )


def encode_query(query: Mapping[str, object]) -> str:
    """`a=1&codes%5B%5D=x&codes%5B%5D=y` (no leading `?`; empty when nothing is left). Raises
    InvalidParameterError naming the parameter for a value of another type, a naive datetime,
    an empty list or a None in one (the filter would silently widen),
    and what `_param_text.unsendable` refuses (a lone surrogate, NaN, an integer beyond 64
    bits)."""
    pairs: list[str] = []
    for name, value in query.items():
        if value is None or value is UNSET:
            continue
        where = f"query parameter {name}"
        key = quoted(where, name)
        if isinstance(value, (list, tuple)):
            # A list is a filter: left empty, or with an item dropped, it would widen what the
            # call reads or acts on (no `codes` is every code) instead of failing.
            if not value:
                raise InvalidParameterError(
                    f"{where}: an empty list would send no filter at all; pass None for none"
                )
            for index, item in enumerate(value):
                if item is None or item is UNSET:
                    raise InvalidParameterError(f"{where}[{index}] is {item!r}: give a value")
                pairs.append(f"{key}={quoted(where, _scalar(name, item))}")
        else:
            pairs.append(f"{key}={quoted(where, _scalar(name, value))}")
    return "&".join(pairs)
