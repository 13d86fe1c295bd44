"""Request body checks compiled once per operation from its JSON Schema.

jsonschema walks the schema anew for every instance (~8 us for a one-field body, whether with
`iter_errors` or `is_valid`). `compile_check` turns the keywords the generator emits into plain
closures built once (well under 1 us per small body). A check answers exactly as jsonschema's
Draft 2020-12 validator (without format assertion, as the engine runs it) would on the body as
it goes on the wire, because it only answers for plain JSON values: `dict`, `list`, `str`, `int`,
finite `float`, `bool` and `None`, exactly those types. Meeting anything else where the schema
looks (a tuple, a str subclass, NaN...) it raises `NotPlainJSON`, and the caller asks
fastjsonschema about the encoded body instead. A schema using any other keyword is not compiled
(None).

`BodyValidator` puts both together. fastjsonschema (a small pure-Python dependency; jsonschema
and its Rust extension are only needed by the mock) explains a rejected body, listing every
problem, and checks a schema the compiler does not cover. Both read the body schemas the same
way: the generator emits draft-07 keywords only, and formats are annotations.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["BodyValidator", "Check", "NotPlainJSON", "compile_check"]

Check = Callable[[Any], bool]

_MAX_REPORTED_PROBLEMS = 5

# Keywords that never change whether an instance is valid (format is an annotation unless the
# validator is given a format checker, and the engine gives none).
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "format", "deprecated", "readOnly",
     "writeOnly", "$comment"}
)  # fmt: skip
_KEYWORDS = frozenset(
    {"type", "enum", "properties", "required", "additionalProperties", "items", "minItems",
     "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
     "exclusiveMaximum", "allOf", "anyOf", "oneOf"}
)  # fmt: skip
_PLAIN_TYPES: frozenset[type] = frozenset({dict, list, str, int, float, bool, type(None)})
_NUMBER_TYPES = (int, float)
_TYPE_NAMES: Mapping[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),  # and floats with an integral value, see _node
    "number": _NUMBER_TYPES,
    "boolean": (bool,),
    "null": (type(None),),
}


class NotPlainJSON(Exception):
    """The body holds a value whose encoded form may validate differently: ask fastjsonschema."""


class _Unsupported(Exception):
    """The schema uses a keyword this compiler does not implement."""


def compile_check(schema: object) -> Check | None:
    """A check for `schema`, or None when it uses keywords this module does not implement."""
    try:
        return _compile(schema)
    except _Unsupported:
        return None


def _always(result: bool) -> Check:
    def check(value: Any) -> bool:
        return result

    return check


def _compile(schema: object) -> Check:
    if isinstance(schema, bool):
        return _always(schema)
    if not isinstance(schema, Mapping) or not schema.keys() <= _KEYWORDS | _ANNOTATIONS:
        raise _Unsupported
    by_type: dict[type, list[Check]] = {}

    def add(kinds: Sequence[type], check: Check) -> None:
        for kind in kinds:
            by_type.setdefault(kind, []).append(check)

    for keyword, argument in schema.items():
        if keyword in _ANNOTATIONS or keyword == "type":
            continue
        kinds, check = _keyword(keyword, argument, schema)
        add(kinds, check)
    allowed, integral_floats = _allowed_types(schema.get("type"))
    return _node(allowed, integral_floats, {k: tuple(v) for k, v in by_type.items()})


def _allowed_types(declared: object) -> tuple[frozenset[type] | None, bool]:
    """The Python types `type` admits (None: any), and whether integral floats count."""
    if declared is None:
        return None, False
    names = [declared] if isinstance(declared, str) else declared
    if not isinstance(names, list) or not all(n in _TYPE_NAMES for n in names):
        raise _Unsupported
    allowed = frozenset(kind for name in names for kind in _TYPE_NAMES[name])
    return allowed, "integer" in names and float not in allowed


def _node(
    allowed: frozenset[type] | None,
    integral_floats: bool,
    by_type: Mapping[type, tuple[Check, ...]],
) -> Check:
    empty: tuple[Check, ...] = ()

    def check(value: Any) -> bool:
        kind = type(value)
        if kind not in _PLAIN_TYPES or (kind is float and not math.isfinite(value)):
            raise NotPlainJSON
        if (
            allowed is not None
            and kind not in allowed
            and not (integral_floats and kind is float and value.is_integer())
        ):
            return False
        for keyword_check in by_type.get(kind, empty):  # noqa: SIM110 - no generator per value
            if not keyword_check(value):
                return False
        return True

    return check


_ALL_TYPES: tuple[type, ...] = tuple(_PLAIN_TYPES)


def _keyword(
    keyword: str, argument: Any, schema: Mapping[str, Any]
) -> tuple[tuple[type, ...], Check]:
    """The types a keyword applies to (jsonschema ignores it for the others) and its check."""
    if keyword in ("minLength", "maxLength", "minItems", "maxItems"):
        if isinstance(argument, bool) or not isinstance(argument, int):
            raise _Unsupported
        kinds = (str,) if keyword.endswith("Length") else (list,)
        if keyword.startswith("min"):
            return kinds, lambda v: len(v) >= argument
        return kinds, lambda v: len(v) <= argument
    if keyword in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        if isinstance(argument, bool) or not isinstance(argument, _NUMBER_TYPES):
            raise _Unsupported
        compare: dict[str, Check] = {
            "minimum": lambda v: v >= argument,
            "maximum": lambda v: v <= argument,
            "exclusiveMinimum": lambda v: v > argument,
            "exclusiveMaximum": lambda v: v < argument,
        }
        return _NUMBER_TYPES, compare[keyword]
    if keyword == "pattern":
        try:
            search = re.compile(argument).search  # jsonschema uses re.search, unanchored
        except (TypeError, re.error):
            raise _Unsupported from None  # jsonschema reports it its own way
        return (str,), lambda v: search(v) is not None
    if keyword == "enum":
        # jsonschema compares a str to anything with ==, so a plain value is in an enum of
        # strings exactly when it is one of them.
        if not isinstance(argument, list) or not all(type(e) is str for e in argument):
            raise _Unsupported
        members = frozenset(argument)
        return _ALL_TYPES, lambda v: type(v) is str and v in members
    if keyword == "required":
        names = tuple(argument)
        return (dict,), lambda v: all(name in v for name in names)
    if keyword == "properties":
        return (dict,), _properties(argument)
    if keyword == "additionalProperties":
        return (dict,), _additional(argument, schema.get("properties", {}))
    if keyword == "items":
        if not isinstance(argument, (Mapping, bool)):
            raise _Unsupported
        item = _compile(argument)
        return (list,), lambda v: all(item(each) for each in v)
    if keyword in ("allOf", "anyOf", "oneOf"):
        if not isinstance(argument, list) or not argument:
            raise _Unsupported
        branches = tuple(_compile(each) for each in argument)
        if keyword == "allOf":
            return _ALL_TYPES, lambda v: all(branch(v) for branch in branches)
        if keyword == "anyOf":
            return _ALL_TYPES, lambda v: any(branch(v) for branch in branches)
        return _ALL_TYPES, lambda v: sum(1 for branch in branches if branch(v)) == 1
    raise _Unsupported


def _properties(properties: object) -> Check:
    if not isinstance(properties, Mapping):
        raise _Unsupported
    checks = tuple((name, _compile(sub)) for name, sub in properties.items())

    def check(value: dict[str, Any]) -> bool:
        for name, sub in checks:  # noqa: SIM110 - no generator per value
            if name in value and not sub(value[name]):
                return False
        return True

    return check


def _additional(additional: object, properties: Mapping[str, Any]) -> Check:
    known = frozenset(properties)
    check_unlisted = _compile(additional)

    def check(value: dict[str, Any]) -> bool:
        return all(check_unlisted(item) for name, item in value.items() if name not in known)

    return check


class BodyValidator:
    """One operation's body schema: the compiled check, and fastjsonschema's findings on failure."""

    __slots__ = ("_check", "_explain", "_schema")

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self._schema = schema
        self._check = compile_check(schema)
        self._explain: Callable[[Any], object] | None = None

    def accepts(self, data: Any) -> bool:
        """True when `data` (the unstructured body) is known to be valid; False when it must be
        checked again, encoded, with `problems`."""
        if self._check is None:
            return False
        try:
            return self._check(data)
        except NotPlainJSON:
            return False

    def problems(self, instance: Any) -> list[str]:
        """What is wrong with `instance` (the decoded body), in path order, at most five.

        Each problem is `path: message`, the path being the JSON field names and list indexes
        joined by `/` (`(body)` for the body itself), e.g. `bonus/0/quantity: must be integer`.
        """
        import fastjsonschema  # first use only: a valid body never needs it

        explain = self._explain
        if explain is None:
            # use_default=False: never fill defaults into the caller's body; formats are
            # annotations for the API, not checks; fast_fail=False: report every problem.
            explain = self._explain = fastjsonschema.compile(
                dict(self._schema), use_default=False, use_formats=False, fast_fail=False
            )
        try:
            explain(instance)
        except fastjsonschema.JsonSchemaValuesException as exc:
            found = list(exc.errors)
        except fastjsonschema.JsonSchemaValueException as exc:
            found = [exc]
        else:
            return []
        found.sort(key=lambda error: error.path)
        return [_describe(error) for error in found[:_MAX_REPORTED_PROBLEMS]]


def _describe(error: Any) -> str:
    """`path: message` from fastjsonschema's `data.field[0] must be ...` form."""
    path = "/".join(str(part) for part in error.path[1:]) or "(body)"
    message: str = error.message
    if error.name and message.startswith(error.name + " "):
        message = message[len(error.name) + 1 :]
    return f"{path}: {message}"
