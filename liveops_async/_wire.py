"""What the JSON <-> model rules are, shared by the cattrs converter (`_serde`) and the compiled
structuring functions (`_structure`), so that both give the same answer for the same input.

* type introspection of the generated annotations (`X | None`, `X | Unset | None`, `Literal`
  tags, wire names);
* the strict scalar rules: a JSON value of the wrong type is an error, never coerced
  (``"5"`` is not an int, ``null`` is not a string, ``"false"`` is not a bool); the only
  widenings are a number to a `float`, a whole float (``5.0``) to an `int`, and the integer
  flags ``0``/``1`` to a `bool`;
* the order in which the variants of an untagged ``oneOf`` are tried.
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, Union

import attrs

from ._types import Unset

WIRE_NAME_KEY = "json"

NONE_TYPES: frozenset[Any] = frozenset({type(None), Unset})


def union_args(tp: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return typing.get_args(tp)
    return None


def without_none(tp: Any) -> Any | None:
    """`T | None` or `T | None | Unset` -> T (a union when several remain); None otherwise."""
    args = union_args(tp)
    if args is None or not any(a in NONE_TYPES for a in args):
        return None
    rest = tuple(a for a in args if a not in NONE_TYPES)
    if not rest:
        return None
    return rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007 - runtime construction


def literal_args(tp: Any) -> tuple[Any, ...]:
    """The values of `Literal[...]` (also inside `Annotated[Literal[...], ...]`), else ()."""
    if typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return typing.get_args(tp) if typing.get_origin(tp) is Literal else ()


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def wire_name(field: attrs.Attribute[Any]) -> str:
    name: str = field.metadata.get(WIRE_NAME_KEY, field.name)
    return name


def _literal_tags(cls: type, field_name: str) -> tuple[Any, ...]:
    for a in attrs.fields(cls):
        if a.name == field_name:
            return literal_args(a.type)
    return ()


def discriminator(members: tuple[Any, ...]) -> tuple[str, dict[Any, type]] | None:
    """For a union of attrs classes sharing a Literal field: (wire key, tag -> class)."""
    if not all(is_model(m) for m in members):
        return None
    for m in members:
        attrs.resolve_types(m)
    first = members[0]
    for candidate in attrs.fields(first):
        if not literal_args(candidate.type):
            continue
        tag_map: dict[Any, type] = {}
        for m in members:
            tags = _literal_tags(m, candidate.name)
            if not tags or any(t in tag_map for t in tags):
                break
            tag_map.update(dict.fromkeys(tags, m))
        else:
            return wire_name(candidate), tag_map
    return None


def contains_model(tp: Any) -> bool:
    """Whether a value of `tp` may hold a model (itself one, or in a list, map or union): only
    such a type's structuring can call other models' functions, nesting as deep as the data."""
    if is_model(tp):
        return True
    return any(contains_model(arg) for arg in typing.get_args(tp) if arg is not Ellipsis)


def declared_keys(tp: Any) -> frozenset[str] | None:
    """The wire names a model declares; None for a type that is not a model."""
    if not is_model(tp):
        return None
    return frozenset(wire_name(a) for a in attrs.fields(tp))


def variant_order(value: Any, declared: Sequence[frozenset[str] | None]) -> list[int]:
    """The order in which to try the variants of an untagged union on `value`: first the models
    that declare every key present (a clan body then picks the clan variant, whose extra fields
    a plain variant would silently drop), then the others; each group in declaration order."""
    if not isinstance(value, dict):
        return list(range(len(declared)))
    keys = value.keys()
    covering = [i for i, known in enumerate(declared) if known is not None and keys <= known]
    return covering + [i for i in range(len(declared)) if i not in covering]


# Strict scalars ---------------------------------------------------------------------------------


def structure_str(value: Any, _: Any = str) -> str:
    if isinstance(value, str):
        return str(value)
    raise TypeError(f"expected a string, got {type(value).__name__}")


def structure_bool(value: Any, _: Any = bool) -> bool:
    if value is True or value is False:
        return value
    if type(value) is int and value in (0, 1):  # Xsolla's integer flags (`enum: [0, 1]`)
        return value == 1
    raise TypeError(f"expected a boolean, got {type(value).__name__}")


def structure_int(value: Any, _: Any = int) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and value.is_integer():  # JSON does not tell 5 from 5.0
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__} {value!r:.40}")


def structure_float(value: Any, _: Any = float) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {type(value).__name__}")


if sys.version_info >= (3, 11):
    # Takes "Z" since 3.11 (not "z": that one fails here and `structure_datetime` takes it).
    parse_iso_datetime = datetime.fromisoformat

else:  # pragma: no cover - Python 3.10

    def parse_iso_datetime(text: str) -> datetime:
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        return datetime.fromisoformat(text)


def structure_datetime(value: Any, _: Any = datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 date-time string, got {type(value).__name__}")
    try:
        return parse_iso_datetime(value)
    except ValueError:
        if not value.endswith("z"):
            raise
        return parse_iso_datetime(value[:-1] + "+00:00")
