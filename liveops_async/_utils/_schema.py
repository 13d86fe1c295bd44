"""Request body checks compiled once per operation from its JSON Schema (and the checks of
path and query values, one per parameter: `_params.py`).

jsonschema walks the schema anew for every instance (~8 us for a one-field body, whether with
`iter_errors` or `is_valid`). `compile_check` turns the keywords the generator emits into plain
closures built once (well under 1 us per small body). A check answers exactly as jsonschema's
Draft 2020-12 validator (without format assertion, as the engine runs it) would on the body as
it goes on the wire (with one format asserted: `date-time`, RFC 3339 with a time zone, checked by
both, and `pattern` read as ECMA-262, as JSON Schema says and `ecma_validator` makes jsonschema
read it: `_ecma_regex.py`), because it only answers for plain JSON values: `dict`, `list`,
`str`, `int`, finite `float`, `bool` and `None`, exactly those types. Meeting anything else
where the schema looks (a tuple, a str subclass, NaN...) it raises `NotPlainJSON`, and the
caller checks the encoded body, decoded again, instead. A schema using any other keyword is not
compiled (None).

`BodyValidator` puts both together: a rejected body is explained by `_schema_problems` over the
same keywords, in jsonschema's words. jsonschema (not a runtime dependency) is imported only for
a schema the compiler does not cover, which no generated operation has (tested).
"""

from __future__ import annotations

import datetime
import functools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ._ecma_regex import ecma_search
from ._schema_problems import Problem, explained, is_enum_member, problems_of

if TYPE_CHECKING:
    import jsonschema

__all__ = [
    "BodyValidator",
    "Check",
    "NotPlainJSON",
    "compile_check",
    "ecma_validator",
    "explained_problems",
    "format_checker",
]

Check = Callable[[Any], bool]

_MAX_REPORTED_PROBLEMS = 5

# Keywords that never change whether an instance is valid (format is an annotation, except for
# the formats in _FORMATS, which both the compiled check and jsonschema's checker assert).
_ANNOTATIONS = frozenset(
    {"title", "description", "default", "examples", "deprecated", "readOnly",
     "writeOnly", "$comment"}
)  # fmt: skip
# RFC 3339 date-time: the server must not have to guess the zone, so the offset is required.
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|[+-](\d{2}):(\d{2}))",
    re.ASCII,
)


def is_date_time(value: object) -> bool:
    """RFC 3339 `date-time` with a time zone, and a real calendar date and time (a format
    applies to strings only: any other value passes)."""
    if not isinstance(value, str):
        return True
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second, zone_h, zone_m = (
        int(part) if part is not None else 0 for part in match.groups()
    )
    try:
        datetime.datetime(year, month, day, hour, minute, min(second, 59))  # 60: a leap second
    except ValueError:
        return False
    return second <= 60 and zone_h <= 23 and zone_m <= 59


_FORMATS: Mapping[str, Callable[[object], bool]] = {"date-time": is_date_time}
_KEYWORDS = frozenset(
    {"type", "enum", "properties", "required", "additionalProperties", "items", "minItems",
     "maxItems", "minLength", "maxLength", "pattern", "minimum", "maximum", "exclusiveMinimum",
     "exclusiveMaximum", "allOf", "anyOf", "oneOf", "format"}
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
    """The body holds a value whose encoded form may validate differently: check that form."""


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
    if keyword == "format":
        known = _FORMATS.get(argument) if isinstance(argument, str) else None
        if known is None:
            return (), _always(True)  # an annotation only
        return (str,), known
    if keyword == "pattern":
        try:
            search = ecma_search(argument)  # searched, not anchored; ECMA-262 semantics
        except (TypeError, re.error):
            raise _Unsupported from None  # jsonschema reports it its own way
        return (str,), lambda v: search(v) is not None
    if keyword == "enum":
        # Strings and integers (the 0/1 flags of query parameters): see is_enum_member.
        if not isinstance(argument, list) or not all(type(e) in (str, int) for e in argument):
            raise _Unsupported
        members = frozenset(argument)
        return _ALL_TYPES, lambda v: is_enum_member(v, members)
    if keyword == "required":
        names = frozenset(argument)
        return (dict,), lambda v: v.keys() >= names
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


def explained_problems(schema: Mapping[str, Any], instance: Any) -> list[Problem]:
    """Every problem of `instance` (plain JSON) under `schema`, in path order (the schema's
    order per field), in jsonschema's words; a value matching no `oneOf`/`anyOf` branch is
    explained by the branch it came closest to. Formats asserted: `date-time` (RFC 3339 with
    a time zone). `schema` must be in the compiled subset (`compile_check` answers a check),
    as every operation's body schema is: other keywords are not checked."""
    found = [
        leaf
        for problem in problems_of(schema, instance, (), _FORMATS)
        for leaf in explained(problem)
    ]
    found.sort(key=lambda problem: problem.path)  # stable: the schema's order per field
    return found


def format_checker() -> jsonschema.FormatChecker:
    """jsonschema's checker for the formats this module asserts (and no others): for a schema
    outside the compiled subset, and for tests comparing against jsonschema."""
    import jsonschema

    formats = jsonschema.FormatChecker(formats=())
    for name, check in _FORMATS.items():
        formats.checks(name)(check)
    return formats


@functools.lru_cache(maxsize=8)
def ecma_validator(
    base: type[jsonschema.protocols.Validator],
) -> type[jsonschema.protocols.Validator]:
    """jsonschema's validator class `base` with `pattern` and `patternProperties` read as
    ECMA-262 regular expressions (`_ecma_regex`), as JSON Schema says, instead of Python's: the
    only jsonschema classes the SDK, the mock and the tests validate with."""
    import jsonschema

    def pattern(validator: Any, argument: str, instance: Any, schema: Any) -> Iterator[Any]:
        if validator.is_type(instance, "string") and ecma_search(argument)(instance) is None:
            yield jsonschema.ValidationError(f"{instance!r} does not match {argument!r}")

    def pattern_properties(
        validator: Any, argument: Mapping[str, Any], instance: Any, schema: Any
    ) -> Iterator[Any]:
        if not validator.is_type(instance, "object"):
            return
        for expression, subschema in argument.items():
            search = ecma_search(expression)
            for name, value in instance.items():
                if search(name) is not None:
                    yield from validator.descend(
                        value, subschema, path=name, schema_path=expression
                    )

    extended: type[jsonschema.protocols.Validator] = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
        base, {"pattern": pattern, "patternProperties": pattern_properties}
    )
    return extended


class BodyValidator:
    """One operation's body schema (or one parameter's, `name`d): the compiled check, and what
    is wrong on failure."""

    __slots__ = ("_jsonschema", "_name", "_schema", "check")

    def __init__(self, schema: Mapping[str, Any], *, name: str | None = None) -> None:
        self._schema = schema
        # Problems name the field by its path in the body, or a parameter's by its name first.
        self._name = name
        # The compiled check (None: the schema is outside the compiled subset); it raises
        # NotPlainJSON for a value whose encoded form must be checked instead.
        self.check: Check | None = compile_check(schema)
        self._jsonschema: jsonschema.protocols.Validator | None = None

    def accepts(self, data: Any) -> bool:
        """True when `data` (the unstructured body) is known to be valid; False when it must be
        checked again, encoded, with `problems`."""
        if self.check is None:
            return False
        try:
            return self.check(data)
        except NotPlainJSON:
            return False

    def problems(self, instance: Any) -> list[str]:
        """What is wrong with `instance` (the decoded body), in path order, at most five."""
        if self.check is None:
            return self._problems_from_jsonschema(instance)
        return [
            f"{self._where(problem.path)}: {problem.message}"
            for problem in explained_problems(self._schema, instance)[:_MAX_REPORTED_PROBLEMS]
        ]

    def _where(self, path: Iterable[object]) -> str:
        parts = [str(part) for part in path]
        if self._name is not None:
            parts.insert(0, self._name)
        return "/".join(parts) or "(body)"

    def _problems_from_jsonschema(self, instance: Any) -> list[str]:
        validator = self._jsonschema
        if validator is None:
            # Only for a hand-made schema outside the compiled subset: jsonschema is optional.
            import jsonschema

            cls = ecma_validator(
                jsonschema.validators.validator_for(self._schema, jsonschema.Draft202012Validator)
            )
            validator = self._jsonschema = cls(self._schema, format_checker=format_checker())
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [
            f"{self._where(error.absolute_path)}: {error.message}"
            for error in errors[:_MAX_REPORTED_PROBLEMS]
        ]
