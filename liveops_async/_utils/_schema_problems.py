"""What is wrong with a rejected request body, found without jsonschema.

Runs only once the compiled check (`_schema.compile_check`) has refused a body, on the body as
it went on the wire (decoded JSON: plain values only), over the same keyword subset. Each
problem names the field (a JSON pointer without the leading slash) and the rule, in the words
jsonschema's Draft 2020-12 validator uses, so messages did not change when it stopped being a
runtime dependency. For a value matching no branch of a `oneOf`/`anyOf`, the problems of the
branch it came closest to (fewest problems, then the deepest one) are reported instead of "is
not valid under any of the given schemas", so a typo in a union member names the field and its
rule ("operator: 'less' is not one of [...]").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, NamedTuple

from ._ecma_regex import ecma_search

__all__ = ["FORMAT_HINTS", "Problem", "explained", "problems_of", "shown"]

Path = tuple[str | int, ...]


class Problem(NamedTuple):
    """One broken rule at `path`; `branches` holds each failed branch's problems for a
    `oneOf`/`anyOf` that no branch matched."""

    path: Path
    message: str
    branches: tuple[tuple[Problem, ...], ...] = ()


# How much of a value a problem repeats: a 5,000-character path value or a long list in a body
# would otherwise fill the error message (and every log line that carries it).
_SHOWN_CHARACTERS = 80


def shown(value: Any) -> str:
    """`repr(value)`, cut to about 80 characters with its size said when longer (jsonschema's
    words otherwise: a short value reads exactly as jsonschema writes it)."""
    text = repr(value)
    if len(text) <= _SHOWN_CHARACTERS:
        return text
    unit = "characters" if isinstance(value, str) else "items"
    size = len(value) if isinstance(value, (str, list, dict, tuple)) else None
    told = f" ({size:,} {unit})" if size is not None else ""
    return f"{text[:_SHOWN_CHARACTERS]}...{told}"


def _is_type(value: Any, name: str) -> bool:
    kind = type(value)
    if name == "integer":
        return kind is int or (kind is float and value.is_integer())
    if name == "number":
        return kind is int or kind is float
    return kind is _JSON_TYPES[name]


_JSON_TYPES: Mapping[str, type] = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
}


# (argument, value, schema, path, formats) -> problems
Keyword = Callable[..., Iterator[Problem]]


def problems_of(
    schema: object, value: Any, path: Path, format_ok: Mapping[str, Callable[[object], bool]]
) -> list[Problem]:
    """Every problem of `value` (plain JSON) under `schema`, keyword by keyword in the
    schema's order (as jsonschema reports them)."""
    if schema is True:
        return []
    if schema is False:
        return [Problem(path, f"False schema does not allow {shown(value)}")]
    if not isinstance(schema, Mapping):  # compile_check refuses such a schema
        raise TypeError(f"not a JSON Schema: {schema!r}")
    found: list[Problem] = []
    for keyword, argument in schema.items():
        rule = _RULES.get(keyword)
        if rule is not None:
            found += rule(argument, value, schema, path, format_ok)
    return found


def _type(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    names = [argument] if isinstance(argument, str) else argument
    if not any(_is_type(value, name) for name in names):
        yield Problem(path, f"{shown(value)} is not of type {', '.join(repr(n) for n in names)}")


def is_enum_member(value: Any, members: Collection[Any]) -> bool:
    """jsonschema's `enum` rule for an enum of strings and integers (what `compile_check`
    takes): equal and of the same JSON type, so `True` is not 1, while `1.0` is."""
    kind = type(value)
    return (kind is str or kind is int or kind is float) and value in members


def _enum(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    if not is_enum_member(value, argument):
        yield Problem(path, f"{shown(value)} is not one of {argument!r}")


def _length(keyword: str, kind: str) -> Keyword:
    shortest = keyword.startswith("min")

    def rule(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
        if not _is_type(value, kind):
            return
        if shortest and len(value) < argument:
            yield Problem(path, f"{shown(value)} " + _TOO_SHORT[argument == 1])
        elif not shortest and len(value) > argument:
            yield Problem(path, f"{shown(value)} " + _TOO_LONG[argument == 0])

    return rule


_TOO_SHORT = {True: "should be non-empty", False: "is too short"}
_TOO_LONG = {True: "is expected to be empty", False: "is too long"}

_BOUNDS: Mapping[str, tuple[Callable[[Any, Any], bool], str]] = {
    "minimum": (lambda v, b: v >= b, "is less than the minimum of"),
    "maximum": (lambda v, b: v <= b, "is greater than the maximum of"),
    "exclusiveMinimum": (lambda v, b: v > b, "is less than or equal to the minimum of"),
    "exclusiveMaximum": (lambda v, b: v < b, "is greater than or equal to the maximum of"),
}


def _bound(keyword: str) -> Keyword:
    holds, words = _BOUNDS[keyword]

    def rule(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
        if _is_type(value, "number") and not holds(value, argument):
            yield Problem(path, f"{shown(value)} {words} {argument!r}")

    return rule


def _pattern(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    if type(value) is str and ecma_search(argument)(value) is None:
        yield Problem(path, f"{shown(value)} does not match {argument!r}")


def _format(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    known = fmt.get(argument)
    if known is not None and not known(value):
        yield Problem(path, f"{shown(value)} is not a {argument!r}{FORMAT_HINTS.get(argument, '')}")


# What jsonschema's "is not a 'date-time'" leaves the reader to look up.
FORMAT_HINTS: Mapping[str, str] = {
    "date-time": " (RFC 3339 with a time zone, such as '2026-06-01T12:00:00Z')",
}


def _required(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    if type(value) is dict:
        for name in argument:
            if name not in value:
                yield Problem(path, f"{shown(name)} is a required property")


def _properties(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    if type(value) is dict:
        for name, sub in argument.items():
            if name in value:
                yield from problems_of(sub, value[name], (*path, name), fmt)


def _additional(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    if type(value) is not dict:
        return
    known = schema.get("properties", {})
    extras = [name for name in value if name not in known]
    if argument is False and extras:
        names = ", ".join(shown(name) for name in sorted(extras))
        verb = "was" if len(extras) == 1 else "were"
        yield Problem(path, f"Additional properties are not allowed ({names} {verb} unexpected)")
    elif argument is not False:
        for name in extras:
            yield from problems_of(argument, value[name], (*path, name), fmt)


def _items(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    if type(value) is list:
        for index, item in enumerate(value):
            yield from problems_of(argument, item, (*path, index), fmt)


def _all_of(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    for branch in argument:
        yield from problems_of(branch, value, path, fmt)


def _any_of(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    failed = []
    for branch in argument:
        found = tuple(problems_of(branch, value, path, fmt))
        if not found:
            return
        failed.append(found)
    message = f"{shown(value)} is not valid under any of the given schemas"
    yield Problem(path, message, tuple(failed))


def _one_of(argument: Any, value: Any, schema: Any, path: Path, fmt: Any) -> Iterator[Problem]:
    results = [tuple(problems_of(branch, value, path, fmt)) for branch in argument]
    matched = [branch for branch, found in zip(argument, results, strict=True) if not found]
    if not matched:
        message = f"{shown(value)} is not valid under any of the given schemas"
        yield Problem(path, message, tuple(results))
    elif len(matched) > 1:
        # jsonschema's order: the later matches, then the first.
        branches = ", ".join(repr(branch) for branch in [*matched[1:], matched[0]])
        yield Problem(path, f"{shown(value)} is valid under each of {branches}")


_RULES: Mapping[str, Keyword] = {
    "type": _type,
    "enum": _enum,
    "minLength": _length("minLength", "string"),
    "maxLength": _length("maxLength", "string"),
    "minItems": _length("minItems", "array"),
    "maxItems": _length("maxItems", "array"),
    **{keyword: _bound(keyword) for keyword in _BOUNDS},
    "pattern": _pattern,
    "format": _format,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "allOf": _all_of,
    "anyOf": _any_of,
    "oneOf": _one_of,
}


def explained(problem: Problem) -> list[Problem]:
    """The problems that say what is wrong: for a value matching no branch, those of the branch
    it came closest to (fewest problems, then the deepest field; the first on a tie)."""
    if not problem.branches:
        return [problem]
    closest = min(
        problem.branches, key=lambda found: (len(found), -max(len(p.path) for p in found))
    )
    return [leaf for sub in closest for leaf in explained(sub)]
