"""Request schemas as the CLI uses them: the write shape of an entity, and file validation.

The operations' body schemas (`Operation.body_schema`, JSON Schema with refs inlined) say which
fields a create or update request carries. `project` keeps exactly those fields of a read
answer, which leaves out every read-only and server-computed field without a list per entity.
`validate` reports every problem of a body with the dotted path of the field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from .._generated.operations import OPERATIONS
from .._utils._schema import explained_problems

__all__ = [
    "Problem",
    "body_schema",
    "canonical",
    "comparable",
    "field_path",
    "project",
    "unknown_fields",
    "validate",
]

Schema = Mapping[str, Any]

_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@attrs.frozen
class Problem:
    """One reason a body does not fit its request schema."""

    field: str  # dotted path, "" for the body itself
    message: str


def body_schema(operation_id: str) -> Schema:
    """The request body schema of an operation (raises KeyError for an unknown id)."""
    schema = OPERATIONS[operation_id].body_schema
    if schema is None:
        raise KeyError(f"{operation_id} has no request body")
    return schema


def field_path(parts: Iterator[object] | list[object] | tuple[object, ...]) -> str:
    """`["steps", 0, "items"]` as `steps[0].items`."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _branches(schema: Schema) -> list[Schema]:
    """The schema and every oneOf/anyOf/allOf branch below it, flattened."""
    found = [schema]
    for keyword in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(keyword, ()):
            if isinstance(branch, Mapping):
                found.extend(_branches(branch))
    return found


def _object_shape(schema: Schema) -> tuple[dict[str, Schema] | None, Schema | None]:
    """Allowed properties (merged over branches; None when no branch lists any) and the
    schema of free-form keys (a map such as localized names), if any."""
    properties: dict[str, list[Schema]] = {}
    free: Schema | None = None
    for branch in _branches(schema):
        for name, sub in branch.get("properties", {}).items():
            properties.setdefault(name, []).append(sub)
        extra = branch.get("additionalProperties")
        if isinstance(extra, Mapping):
            free = extra
    if not properties:
        return None, free
    merged = {
        name: subs[0] if len(subs) == 1 else {"anyOf": subs} for name, subs in properties.items()
    }
    return merged, free


def _items_schema(schema: Schema) -> Schema | None:
    found = [b["items"] for b in _branches(schema) if isinstance(b.get("items"), Mapping)]
    if not found:
        return None
    return found[0] if len(found) == 1 else {"anyOf": found}


def project(value: Any, schema: Schema | None) -> Any:
    """`value` with only the fields `schema` allows, in the schema's order (free-form maps
    sorted by key): the write shape of a read answer."""
    if schema is None:
        return value
    if isinstance(value, Mapping):
        properties, free = _object_shape(schema)
        if properties is None:
            return {key: project(value[key], free) for key in sorted(value)}
        return {
            name: project(value[name], sub) for name, sub in properties.items() if name in value
        }
    if isinstance(value, list):
        items = _items_schema(schema)
        return [project(each, items) for each in value]
    return value


def unknown_fields(value: Any, schema: Schema | None, path: tuple[object, ...] = ()) -> list[str]:
    """Paths of the fields of `value` that `schema` does not know (typos, read-only fields)."""
    if schema is None:
        return []
    found: list[str] = []
    if isinstance(value, Mapping):
        properties, free = _object_shape(schema)
        for key, sub_value in value.items():
            if properties is not None and key in properties:
                found += unknown_fields(sub_value, properties[key], (*path, key))
            elif properties is None or free is not None:
                found += unknown_fields(sub_value, free, (*path, key))
            else:
                found.append(field_path((*path, key)))
    elif isinstance(value, list):
        items = _items_schema(schema)
        for index, each in enumerate(value):
            found += unknown_fields(each, items, (*path, index))
    return found


def validate(body: Any, schema: Schema) -> list[Problem]:
    """Every problem of `body` against `schema`, sorted by field; empty when it fits.

    The SDK's own explanation of a rejected request body (the words of jsonschema's Draft
    2020-12 validator; for a value matching no `oneOf`/`anyOf` branch, the problems of the
    branch it came closest to; date-times in RFC 3339 with a time zone, as the SDK sends
    them), plus the fields the schema does not know."""
    problems = {
        Problem(field_path(found.path), found.message) for found in explained_problems(schema, body)
    }
    problems.update(
        Problem(name, "unknown field: not part of the request schema")
        for name in unknown_fields(body, schema)
    )
    return sorted(problems, key=lambda p: (p.field, p.message))


def canonical(value: Any) -> Any:
    """Plain data as files keep it: integral floats as ints (the API answers `1.0` for some
    integer quantities), YAML dates and date-times as ISO strings."""
    if isinstance(value, Mapping):
        return {str(key): canonical(sub) for key, sub in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(each) for each in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _parse(text: str) -> dt.datetime | None:
    try:
        # Python 3.10's fromisoformat does not take a trailing Z.
        return dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        return None


def comparable(value: Any) -> Any:
    """`value` with date-times as UTC instants, so `...+03:00` and the same moment in `Z`
    compare equal while any other difference shows."""
    if isinstance(value, Mapping):
        return {key: comparable(sub) for key, sub in value.items()}
    if isinstance(value, list):
        return [comparable(each) for each in value]
    if isinstance(value, str) and _DATETIME.match(value):
        moment = _parse(value)
        if moment is not None and moment.tzinfo is not None:
            return moment.astimezone(dt.timezone.utc).isoformat()
    return canonical(value)
