"""The compiled body checks answer as jsonschema does, or step aside (`NotPlainJSON`), and a
rejected body is explained as jsonschema would (closest oneOf branch), without jsonschema."""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from typing import Any

import jsonschema
import orjson
import pytest

from liveops_async._generated.operations import OPERATIONS
from liveops_async._utils._schema import (
    BodyValidator,
    NotPlainJSON,
    compile_check,
    ecma_validator,
    format_checker,
)
from liveops_async._utils._schema_problems import FORMAT_HINTS, shown

# jsonschema with `pattern` as ECMA-262 reads it: the reference the compiled checks answer as.
ECMA_VALIDATOR = ecma_validator(jsonschema.Draft202012Validator)
BODY_SCHEMAS = {op.operation_id: op.body_schema for op in OPERATIONS.values() if op.body_schema}
_ODD = [None, 0, -3, 2.0, 2.5, "", "a", "x" * 300, [], {}, True, False, 10**6]


def _instance(schema: Any, rnd: random.Random, depth: int = 0) -> Any:
    """A value shaped by `schema`, often slightly wrong (lengths, bounds, types, extra keys)."""
    if not isinstance(schema, dict) or depth > 6 or rnd.random() < 0.08:
        return rnd.choice(_ODD)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return _instance(rnd.choice(schema[key]), rnd, depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = _instance(part, rnd, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    if "enum" in schema and rnd.random() < 0.9:
        return rnd.choice([*schema["enum"], "not-a-member"])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = rnd.choice(kind)
    if kind == "object" or "properties" in schema:
        out = {
            name: _instance(sub, rnd, depth + 1)
            for name, sub in schema.get("properties", {}).items()
            if name in schema.get("required", ()) or rnd.random() < 0.6
        }
        if rnd.random() < 0.15:
            out["unexpected"] = _instance(schema.get("additionalProperties", {}), rnd, depth + 1)
        return out
    if kind == "array":
        count = rnd.randint(max(0, schema.get("minItems", 0) - 1), schema.get("maxItems", 3) + 1)
        return [_instance(schema.get("items", {}), rnd, depth + 1) for _ in range(min(count, 5))]
    if kind == "string":
        if "pattern" in schema and rnd.random() < 0.5:
            return rnd.choice(
                [
                    "abc",
                    "a.b-c_1",
                    "1.25",
                    "12",
                    "1.23456",
                    "a b",
                    "\u2013x",
                    "abc\n",
                    "\u0661\u0662",
                    "12\n",
                ]
            )
        low, high = schema.get("minLength", 0), schema.get("maxLength", 10)
        return "x" * rnd.choice([max(0, low - 1), low, high, high + 1])
    if kind in ("integer", "number"):
        low = schema.get("minimum", -5)
        high = schema.get("maximum", low + 100)
        value = rnd.choice([low - 1, low, high, high + 1])
        return rnd.choice([value, value, float(value), value + 0.5])
    if kind == "boolean":
        return rnd.choice([True, False, 0, 1])
    return rnd.choice(_ODD)


def test_every_generated_body_schema_compiles() -> None:
    assert len(BODY_SCHEMAS) > 20
    assert [name for name, s in BODY_SCHEMAS.items() if compile_check(s) is None] == []


def test_checks_agree_with_jsonschema_on_every_body_schema() -> None:
    verdicts = {True: 0, False: 0}
    for operation_id, schema in BODY_SCHEMAS.items():
        check = compile_check(schema)
        assert check is not None
        reference = ECMA_VALIDATOR(schema, format_checker=format_checker())
        rnd = random.Random(operation_id)
        for _ in range(150):
            instance = _instance(schema, rnd)
            try:
                fast = check(instance)
            except NotPlainJSON:
                continue
            expected = reference.is_valid(orjson.loads(orjson.dumps(instance)))
            assert fast == expected, (operation_id, orjson.dumps(instance))
            verdicts[fast] += 1
    assert min(verdicts.values()) > 500, verdicts  # both answers were exercised, often


SCHEMA = {
    "type": "object",
    "required": ["code"],
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 4, "pattern": "^[a-z]+$"},
        "count": {"type": ["integer", "null"], "minimum": 1, "maximum": 9},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
        "any": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
        "one": {"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 5}]},
        "at": {"type": "string", "format": "date-time"},
    },
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    ("instance", "valid"),
    [
        ({"code": "ab"}, True),
        ({"code": "ab", "count": None, "kind": "b", "tags": ["x"], "any": 3}, True),
        ({"code": "ab", "count": 3.0}, True),  # an integral float is an integer
        ({"code": "ab", "count": True}, False),  # a bool is not
        ({"code": ""}, False),
        ({"code": "abcde"}, False),
        ({"code": "AB"}, False),
        ({"count": 1}, False),
        ({"code": "ab", "count": 10}, False),
        ({"code": "ab", "kind": "c"}, False),
        ({"code": "ab", "tags": ["x", "y", "z"]}, False),
        ({"code": "ab", "tags": [1]}, False),
        ({"code": "ab", "extra": 1}, False),
        ({"code": "ab", "any": 1.5}, False),
        ({"code": "ab", "one": 7}, False),  # valid under both branches
        ({"code": "ab", "one": 7.5}, True),
        ([], False),
    ],
)
def test_keywords(instance: Any, valid: bool) -> None:
    check = compile_check(SCHEMA)
    assert check is not None
    assert check(instance) is valid
    assert ECMA_VALIDATOR(SCHEMA).is_valid(instance) is valid


class _Str(str):
    pass


@pytest.mark.parametrize(
    "instance",
    [
        {"code": _Str("ab")},
        {"code": "ab", "tags": ("x",)},
        {"code": "ab", "one": math.nan},
        {"code": "ab", "one": math.inf},
        OrderedDict(code="ab"),
    ],
)
def test_values_that_encode_differently_are_left_to_jsonschema(instance: Any) -> None:
    check = compile_check(SCHEMA)
    assert check is not None
    with pytest.raises(NotPlainJSON):
        check(instance)
    assert not BodyValidator(SCHEMA).accepts(instance)  # the engine asks jsonschema instead


@pytest.mark.parametrize(
    "schema",
    [
        {"$ref": "#/$defs/x"},
        {"type": "string", "const": "a"},
        {"type": "object", "patternProperties": {"^a": {}}},
        {"enum": [1.5, None]},  # strings and integers only
        {"type": "strange"},
        {"type": "string", "pattern": "("},
    ],
)
def test_schemas_outside_the_subset_are_not_compiled(schema: dict[str, Any]) -> None:
    assert compile_check(schema) is None
    assert not BodyValidator(schema).accepts("a")


def test_problems_in_path_order_in_jsonschemas_words() -> None:
    problems = BodyValidator(SCHEMA).problems({"code": "", "count": 10, "extra": 1})
    assert problems == [
        "(body): Additional properties are not allowed ('extra' was unexpected)",
        "code: '' should be non-empty",
        "code: '' does not match '^[a-z]+$'",
        "count: 10 is greater than the maximum of 9",
    ]


@pytest.mark.parametrize(
    ("instance", "problem"),
    [
        ({"code": "ab", "kind": "c"}, "kind: 'c' is not one of ['a', 'b']"),
        ({"code": "ab", "count": True}, "count: True is not of type 'integer', 'null'"),
        ({"code": "ab", "tags": [1]}, "tags/0: 1 is not of type 'string'"),
        ({"code": "ab", "tags": ["x"] * 3}, "tags: ['x', 'x', 'x'] is too long"),
        ({"code": "ab", "count": 0}, "count: 0 is less than the minimum of 1"),
        ({"code": "ab", "any": 1.5}, "any: 1.5 is not of type 'string'"),  # the first closest
        ({"code": "ab", "one": 2.5}, "one: 2.5 is not of type 'integer'"),
        ({"code": "ab", "one": 7}, "one: 7 is valid under each of {'type': 'number', 'minimum'"),
        ({}, "(body): 'code' is a required property"),
        (
            {"code": "ab", "at": "2026-06-01T12:00:00"},
            "at: '2026-06-01T12:00:00' is not a 'date-time' (RFC 3339 with a time zone, such as "
            "'2026-06-01T12:00:00Z')",
        ),
        ([], "(body): [] is not of type 'object'"),
    ],
)
def test_each_rule_names_the_field_and_the_reason(instance: Any, problem: str) -> None:
    [found] = BodyValidator(SCHEMA).problems(instance)
    assert found.startswith(problem), found


def _closest(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The reference: jsonschema's errors, a oneOf/anyOf replaced by its closest branch's."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches: dict[object, list[jsonschema.ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    closest = min(
        branches.values(),
        key=lambda errs: (len(errs), -max(len(e.absolute_path) for e in errs)),
    )
    return [leaf for sub in closest for leaf in _closest(sub)]


def test_problems_match_jsonschema_on_every_body_schema() -> None:
    explained = 0
    for operation_id, schema in BODY_SCHEMAS.items():
        validator = BodyValidator(schema)
        reference = ECMA_VALIDATOR(schema, format_checker=format_checker())
        rnd = random.Random("problems:" + operation_id)
        for _ in range(150):
            instance = orjson.loads(orjson.dumps(_instance(schema, rnd)))
            leaves = [leaf for e in reference.iter_errors(instance) for leaf in _closest(e)]
            leaves.sort(key=lambda e: list(e.absolute_path))
            expected = [
                f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: "
                + e.message.replace(repr(e.instance), shown(e.instance), 1)  # a long one is cut
                + (FORMAT_HINTS[e.validator_value] if e.validator == "format" else "")
                for e in leaves[:5]
            ]
            assert validator.problems(instance) == expected, (operation_id, instance)
            explained += bool(expected)
    assert explained > 500


@pytest.mark.parametrize(
    ("instance", "problem"),
    [
        (
            {"code": "a" * 5000},
            "code: '" + "a" * 79 + "... (5,000 characters) is too long",
        ),
        (
            {"code": "ab", "tags": ["x"] * 40},
            "tags: ['x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x', "
            "'x',... (40 items) is too long",
        ),
        (
            {"code": "ab", "k" * 300: 1},
            "(body): Additional properties are not allowed ('" + "k" * 79 + "... (300 characters)"
            " was unexpected)",
        ),
    ],
)
def test_a_long_value_is_shown_cut_with_its_size(instance: Any, problem: str) -> None:
    # A problem names the field and the rule; the value is repeated only in part.
    assert BodyValidator(SCHEMA).problems(instance) == [problem]


def test_a_schema_outside_the_subset_is_still_explained_by_jsonschema() -> None:
    validator = BodyValidator({"type": "object", "properties": {"a": {"const": 1}}})
    assert validator.problems({"a": 2}) == ["a: 1 was expected"]
    assert validator.problems({"a": 1}) == []
