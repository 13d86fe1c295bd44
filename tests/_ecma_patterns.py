"""Every distinct `pattern` of the bundled spec, with values ECMA-262 accepts and refuses, and
where each pattern is checked in a request (shared by the SDK's and the mock's tests).

The refused values are the ones Python's `re` reads differently: a trailing "\\n" (`$` matches
before it), digits and letters outside ASCII (`\\d`, `\\w`), spaces Python does not count as
`\\s` (U+FEFF); the accepted ones include what Python refuses but ECMA takes ("\\x1c" is no
ECMA space) and a trailing "\\n" where the pattern does not end in `$`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import pytest

from liveops_async._generated.operations import OPERATIONS
from liveops_async._operation import AuthGroup
from liveops_async.testing._spec import default_spec_path, load_spec
from tests._json_documents import replaced_at

SPEC = load_spec(default_spec_path())

ARABIC_DIGITS = "\u0661\u0662"  # "١٢": Unicode digits, not ECMA's \d


class PatternCase(NamedTuple):
    accepted: tuple[str, ...]  # the first is the one requests use
    refused: tuple[str, ...]


PATTERN_CASES: Mapping[str, PatternCase] = {
    r"^\S+$": PatternCase(
        ("player-1", "a\x1cb", "игрок"), ("player-1\n", "a\ufeffb", "a\u2028b", "a b", "")
    ),
    r"^\S": PatternCase(("Rule", "Rule\n", "R u"), (" Rule", "\ufeffRule", "\nRule", "")),
    r"^[-_.\d\w]+$": PatternCase(
        ("level_2.a-b", "A9"), ("level\n", f"lvl{ARABIC_DIGITS}", "niveau_\u00e9", "lvl\u00b2")
    ),
    r"^[a-zA-Z0-9]+$": PatternCase(("CODE123",), ("CODE123\n", "CODE\u0661", "CODE-1")),
    r"^(100(\.0{1,2})?|\d{1,2}(\.\d{1,2})?)$": PatternCase(
        ("12.5", "100.00", "0"), ("12.5\n", ARABIC_DIGITS, "100.5", "12.\u0665")
    ),
    r"^\d+(\.\d{1,4})?$": PatternCase(
        ("9.99", "10"), ("9.99\n", "\u0669.\u0669\u0669", "9.99999", "9\n")
    ),
    r"^[a-zA-Z0-9._-]+$": PatternCase(("coupon-1", "a.b_c"), ("coupon-1\n", "coupon 1", "kupón")),
    r"^((0[0-9]|1[0-9]|2[0-3]):00:00)(\+|-)(0[0-9]|1[0-9]|2[0-3]):([0-5][0-9])$": PatternCase(
        ("10:00:00+03:00", "00:00:00-00:00"),
        ("10:00:00+03:00\n", "\u0661\u0660:00:00+03:00", "10:30:00+03:00"),
    ),
    "^[a-zA-Z0-9_\\-\u2013.]*$": PatternCase(
        ("gold\u2013coins", "gold-coins", ""), ("gold\n", "gold coins")
    ),
    r"^[a-zA-Z0-9-_]+$": PatternCase(("a-b_c",), ("a-b\n", "a b")),
}


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from _patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from _patterns(item)


def spec_patterns() -> set[str]:
    """Every `pattern` of the bundled spec (requests and responses)."""
    return set(_patterns(SPEC.document))


class Occurrence(NamedTuple):
    """Where a pattern is checked in a request: a path or query parameter (`field` is its
    name), or a field of the body (`field` is the path of keys and list indexes)."""

    operation_id: str
    location: str  # "path", "query" or "body"
    field: tuple[str | int, ...]


def _walk(schema: Any, field: tuple[str | int, ...]) -> Iterator[tuple[str, tuple[str | int, ...]]]:
    if not isinstance(schema, Mapping):
        return
    if isinstance(schema.get("pattern"), str):
        yield schema["pattern"], field
    for name, sub in schema.get("properties", {}).items():
        yield from _walk(sub, (*field, name))
    if "items" in schema:
        yield from _walk(schema["items"], (*field, 0))
    for union in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(union, ()):
            yield from _walk(branch, field)  # the same instance path


def request_occurrences() -> dict[str, list[Occurrence]]:
    """Pattern -> every place an operation checks it in a request, in operation id order."""
    found: dict[str, list[Occurrence]] = {}
    for op_id in sorted(OPERATIONS):
        op = OPERATIONS[op_id]
        places: list[tuple[str, str, tuple[str | int, ...]]] = []
        for location in ("path", "query"):
            for name, schema in (getattr(op, f"{location}_schemas") or {}).items():
                places += [(p, location, (name,)) for p, _ in _walk(schema, ())]
        places += [(p, "body", field) for p, field in _walk(op.body_schema, ())]
        for pattern, location, field in places:
            occurrence = Occurrence(op_id, location, field)
            if occurrence not in found.setdefault(pattern, []):
                found[pattern].append(occurrence)
    return found


def has_container(document: Any, field: tuple[str | int, ...]) -> bool:
    """Whether `document` holds the object or list that `field`'s last step goes into."""
    node = document
    for step in field[:-1]:
        if isinstance(step, int):
            if not isinstance(node, list) or len(node) <= step:
                return False
        elif not isinstance(node, dict) or step not in node:
            return False
        node = node[step]
    return isinstance(node, dict) if isinstance(field[-1], str) else isinstance(node, list)


def valid_value(schema: Mapping[str, Any]) -> Any:
    """A value a path or query parameter's schema accepts (the spec's simple kinds)."""
    if schema.get("type") == "array":
        return [valid_value(schema["items"])]
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("type") == "integer":
        return max(schema.get("minimum", 1), 1)
    return "abc"


def _sendable(occurrence: Occurrence) -> bool:
    """Whether a test can build a request around it: not a guest-cart call, and a body field
    whose container the spec's request example has."""
    op = OPERATIONS[occurrence.operation_id]
    if op.auth is AuthGroup.CART:
        return False
    if occurrence.location != "body":
        return True
    example = SPEC.request_example(occurrence.operation_id)
    return example is not None and has_container(example, occurrence.field)


def _first_per_location(found: list[Occurrence]) -> list[Occurrence]:
    firsts: dict[str, Occurrence] = {}
    for occurrence in found:
        if _sendable(occurrence):
            firsts.setdefault(occurrence.location, occurrence)
    return list(firsts.values())


# Pattern -> the first place of each location (path, query, body) a request carries it, among
# those a test can send.
REQUEST_PLACES: Mapping[str, list[Occurrence]] = {
    pattern: _first_per_location(found) for pattern, found in request_occurrences().items()
}


def request_cases() -> list[Any]:
    """pytest params (occurrence, value, accepted): every table value at every place."""
    return [
        pytest.param(place, value, accepted, id=f"{pattern}-{place.location}-{value!r}")
        for pattern, places in REQUEST_PLACES.items()
        for place in places
        for accepted, values in (
            (True, PATTERN_CASES[pattern].accepted),
            (False, PATTERN_CASES[pattern].refused),
        )
        for value in values
    ]


class Request(NamedTuple):
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any


def request_with(occurrence: Occurrence, value: str) -> Request:
    """A request carrying `value` where `occurrence` says: path values "abc" (or the first
    enum member, or 1), the spec's request example as the body, otherwise."""
    op = OPERATIONS[occurrence.operation_id]
    path = {name: valid_value(schema) for name, schema in (op.path_schemas or {}).items()}
    query: dict[str, Any] = {}
    body = SPEC.request_example(op.operation_id)
    name = str(occurrence.field[0])
    if occurrence.location == "path":
        path[name] = value
    elif occurrence.location == "query":
        schema = (op.query_schemas or {})[name]
        query[name] = [value] if schema.get("type") == "array" else value
    else:
        body = replaced_at(body, occurrence.field, value)
    return Request(path, query, body)
