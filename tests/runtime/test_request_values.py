"""Values that cannot go on the wire faithfully are refused before sending, naming the field,
over every operation with a body (from the spec's own examples): NaN and infinities (with and
without validation), datetimes without a time zone, date-time strings without one; enum fields
take their plain strings, and a value outside the enum is refused naming the allowed values."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from datetime import date, datetime, timezone
from typing import Any

import attrs
import orjson
import pytest

from liveops_async import (
    LiveOpsClient,
    RequestValidationError,
    RetryPolicy,
    models,
)
from liveops_async import _serde as serde
from liveops_async._engine import _plan_for
from liveops_async._generated.operations import OPERATIONS
from liveops_async._operation import Operation
from liveops_async._types import OpenEnum
from tests._ecma_patterns import valid_value
from tests.operations._cases import Case, _structure_argument, all_cases, bound_method

from .conftest import ScriptedServer

BODY_CASES = {c.operation_id: c for c in all_cases() if c.has_body}.values()


def _body_model(case: Case) -> Any:
    """The spec's example body as the SDK's request type (a model, or a list of them)."""
    model = getattr(models, case.spec_op.body_schema_name or "", None)
    example = case.spec_op.body_example
    if model is None:
        return example
    return _structure_argument(example, model)


def _leaves(data: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(JSON pointer without the leading slash, value) of every scalar in plain JSON data."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, f"{path}/{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, f"{path}/{index}")
    else:
        yield path.lstrip("/"), data


def _replaced(data: Any, path: str, value: Any) -> Any:
    copied = copy.deepcopy(data)
    *parents, last = path.split("/")
    node = copied
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    return copied


def _encode(case: Case, body: Any, validate: bool) -> bytes:
    return _plan_for(case.op).encode_body(body, validate)


def _numeric_leaves(case: Case) -> list[str]:
    example = case.spec_op.body_example
    return [
        p
        for p, v in _leaves(example)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and p
    ]


NUMERIC_CASES = [c for c in BODY_CASES if _numeric_leaves(c)]


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize("case", NUMERIC_CASES, ids=lambda c: c.operation_id)
def test_nan_and_infinities_are_refused_naming_the_field(case: Case, validate: bool) -> None:
    for path in _numeric_leaves(case):
        for bad in (math.nan, math.inf, -math.inf):
            body = _replaced(case.spec_op.body_example, path, bad)
            with pytest.raises(RequestValidationError) as caught:
                _encode(case, body, validate)
            text = str(caught.value)
            assert f"{path}: {bad!r} is not a JSON number" in text, text


def test_nan_in_a_model_field_is_named_with_and_without_validation() -> None:
    op_case = next(c for c in BODY_CASES if c.operation_id == "admin-create-coupon")
    body = models.CouponCreate(
        external_id="c",
        name={"en-US": "n"},
        bonus=[models.BonusItem(sku="gold", quantity=float("nan"))],  # type: ignore[arg-type]
    )
    for validate in (True, False):
        with pytest.raises(RequestValidationError, match=r"bonus/0/quantity: nan"):
            _encode(op_case, body, validate)


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize("case", NUMERIC_CASES, ids=lambda c: c.operation_id)
def test_an_integer_beyond_64_bits_is_refused_naming_the_field(case: Case, validate: bool) -> None:
    """orjson cannot write it: the refusal names the field (it said "(body): cannot serialize
    TypeError"), whether or not the schema is checked, also for 10**5000 (whose decimal text
    `int()` would refuse to write)."""
    for path in _numeric_leaves(case):
        for bad in (2**64, -(2**63) - 1, 10**5000):
            body = _replaced(case.spec_op.body_example, path, bad)
            with pytest.raises(RequestValidationError) as caught:
                _encode(case, body, validate)
            text = str(caught.value)
            assert f"{path}: an integer of {bad.bit_length()} bits" in text, text[:300]


def test_a_lone_surrogate_in_a_string_is_refused_naming_the_field() -> None:
    op_case = next(c for c in BODY_CASES if c.operation_id == "admin-create-coupon")
    body = models.CouponCreate(
        external_id="c",
        name={"en-US": "broken \ud800 text"},
        bonus=[models.BonusItem(sku="gold", quantity=1)],
    )
    for validate in (True, False):
        with pytest.raises(RequestValidationError, match=r"name/en-US: a lone surrogate"):
            _encode(op_case, body, validate)


def _date_time_fields(case: Case) -> list[str]:
    return [
        p
        for p, v in _leaves(case.spec_op.body_example)
        if isinstance(v, str) and len(v) >= 19 and v[4] == "-" and v[10] in "Tt"
    ]


DATE_TIME_CASES = [c for c in BODY_CASES if _date_time_fields(c)]


def test_the_spec_has_date_time_fields_to_check() -> None:
    assert len(DATE_TIME_CASES) >= 5


def _naive(value: Any) -> Any:
    """The model with every datetime stripped of its time zone."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if attrs.has(type(value)):
        changes = {f.name: _naive(getattr(value, f.name)) for f in attrs.fields(type(value))}
        return attrs.evolve(value, **{k.lstrip("_"): v for k, v in changes.items()})
    if isinstance(value, list):
        return [_naive(v) for v in value]
    if isinstance(value, dict):
        return {k: _naive(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize("case", DATE_TIME_CASES, ids=lambda c: c.operation_id)
def test_naive_datetimes_are_refused_naming_every_field(case: Case, validate: bool) -> None:
    body = _body_model(case)
    _encode(case, body, validate)  # the example, with its zones, is accepted
    with pytest.raises(RequestValidationError) as caught:
        _encode(case, _naive(body), validate)
    problems = caught.value.problems
    for path in _date_time_fields(case):
        assert any(p.startswith(f"{path}: ") and "no time zone" in p for p in problems), problems


@pytest.mark.parametrize("case", DATE_TIME_CASES, ids=lambda c: c.operation_id)
def test_date_time_strings_are_checked_against_the_format(case: Case) -> None:
    for path in _date_time_fields(case):
        for bad in ("2026-06-01T12:00:00", "2026-13-01T00:00:00Z", "June 1st"):
            body = _replaced(case.spec_op.body_example, path, bad)
            with pytest.raises(RequestValidationError) as caught:
                _encode(case, body, True)
            assert any(
                p.startswith(f"{path}: ") and "date-time" in p for p in caught.value.problems
            )


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
def test_a_bare_date_for_a_date_time_is_refused_naming_the_field(validate: bool) -> None:
    case = next(c for c in BODY_CASES if c.operation_id == "create-bonus-promotion")
    body = models.BonusPromotionSpec(
        name={"en-US": "Spring"},
        condition=None,
        bonus=[models.BonusItem(sku="gold", quantity=1)],
        promotion_periods=[models.PromotionPeriod(date_from=date(2026, 6, 1))],  # type: ignore[arg-type]
    )
    with pytest.raises(
        RequestValidationError, match=r"promotion_periods/0/date_from: .* is a date"
    ):
        _encode(case, body, validate)


def test_aware_datetimes_keep_their_offset() -> None:
    period = models.PromotionPeriod(date_from=datetime(2026, 6, 1, 12, tzinfo=timezone.utc))
    assert serde.unstructure(period)["date_from"] == "2026-06-01T12:00:00+00:00"


# Enums -----------------------------------------------------------------------------------------


def _tree(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(wire path, value) of every node of a model tree, parents first."""
    yield path.lstrip("/"), value
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            wire = field.metadata.get("json", field.name)
            yield from _tree(getattr(value, field.name), f"{path}/{wire}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _tree(item, f"{path}/{index}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _tree(item, f"{path}/{key}")


def _enum_fields(value: Any) -> Iterator[tuple[str, Any, OpenEnum]]:
    """(wire path, enum class, member) of every enum value set in a model tree."""
    for path, node in _tree(value):
        if isinstance(node, OpenEnum):
            yield path, type(node), node


def _as_plain(value: Any, replace: dict[str, Any], path: str = "") -> Any:
    """The model tree with the enum members at the given wire paths replaced."""
    if attrs.has(type(value)):
        changes = {}
        for field in attrs.fields(type(value)):
            wire = field.metadata.get("json", field.name)
            changes[field.name.lstrip("_")] = _as_plain(
                getattr(value, field.name), replace, f"{path}/{wire}"
            )
        return attrs.evolve(value, **changes)
    if isinstance(value, list):
        return [_as_plain(v, replace, f"{path}/{i}") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _as_plain(v, replace, f"{path}/{k}") for k, v in value.items()}
    return replace.get(path.lstrip("/"), value)


ENUM_CASES = [c for c in BODY_CASES if list(_enum_fields(_body_model(c)))]


def test_the_spec_has_enum_fields_to_check() -> None:
    assert len(ENUM_CASES) >= 5


@pytest.mark.parametrize("case", ENUM_CASES, ids=lambda c: c.operation_id)
def test_enum_fields_take_plain_strings_and_name_the_allowed_values(case: Case) -> None:
    body = _body_model(case)
    expected = _encode(case, body, True)
    fields = list(_enum_fields(body))
    plain = _as_plain(body, {path: str(member.value) for path, _, member in fields})
    assert _encode(case, plain, True) == expected
    for path, enum_type, _member in fields:
        unknown = _as_plain(body, {path: "not-a-member"})
        with pytest.raises(RequestValidationError) as caught:
            _encode(case, unknown, True)
        [problem] = [p for p in caught.value.problems if p.startswith(f"{path}: ")]
        assert "'not-a-member' is not one of" in problem
        assert all(repr(m.value) in problem for m in enum_type), problem
        # Without validation the value is sent as given: the API has the last word.
        sent = orjson.loads(_encode(case, unknown, False))
        assert "not-a-member" in orjson.dumps(sent).decode()


def test_the_issue_example_goes_out_with_a_plain_string_operator() -> None:
    case = next(c for c in BODY_CASES if c.operation_id == "create-bonus-promotion")

    def promotion(operator: str) -> models.BonusPromotionSpec:
        condition = models.NumberAttributeCondition(
            attribute="level",
            operator=operator,  # type: ignore[arg-type]
            value="10",
        )
        return models.BonusPromotionSpec(
            name={"en-US": "Level bonus"},
            condition=None,
            bonus=[models.BonusItem(sku="gold", quantity=1)],
            attribute_conditions=[condition],
        )

    sent = orjson.loads(_encode(case, promotion("lt"), True))
    assert sent["attribute_conditions"][0]["operator"] == "lt"
    with pytest.raises(RequestValidationError) as caught:
        _encode(case, promotion("less"), True)
    [problem] = caught.value.problems
    assert problem.startswith("attribute_conditions/0/operator: 'less' is not one of"), problem
    assert all(repr(m.value) in problem for m in models.ComparisonOperator), problem


# Backoff ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("retry_number", [1, 2, 30, 1025, 1100, 10**6, 10**12])
def test_backoff_never_overflows_and_respects_the_cap(retry_number: int) -> None:
    policy = RetryPolicy(max_attempts=1100, initial_backoff=0.0001, max_backoff=0.0005)
    wait = policy.backoff(retry_number, rand=lambda: 1.0)
    assert 0 <= wait <= 0.0005
    assert policy.delay(retry_number, None) is not None
    big = RetryPolicy(initial_backoff=1e300, max_backoff=1e308, multiplier=1e10)
    assert big.backoff(retry_number, rand=lambda: 1.0) <= 1e308


def test_backoff_grows_as_documented_below_the_cap() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=8.0, multiplier=2.0)
    assert [policy.backoff(n, rand=lambda: 1.0) for n in range(1, 7)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 8.0,
    ]  # fmt: skip
    assert policy.backoff(1, rand=lambda: 0.0) == 0.25


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"max_attempts": True},
        {"max_attempts": 2.5},
        {"initial_backoff": -1},
        {"initial_backoff": math.nan},
        {"max_backoff": math.inf},
        {"max_backoff": "8"},
        {"multiplier": 0.5},
        {"multiplier": math.inf},
        {"total_budget": math.nan},
        {"retry_after_cap": -0.1},
        {"retry_statuses": [99]},
        {"retry_statuses": [True]},
        {"retry_statuses": ["503"]},
    ],
    ids=repr,
)
def test_retry_policy_refuses_bad_arguments_naming_them(kwargs: dict[str, Any]) -> None:
    from liveops_async import InvalidParameterError

    [name] = kwargs
    with pytest.raises(InvalidParameterError, match=name):
        RetryPolicy(**kwargs)


async def test_a_thousand_retries_against_503_end_in_the_typed_error(
    monkeypatch: pytest.MonkeyPatch, server: ScriptedServer
) -> None:
    from aiohttp import web

    from liveops_async import InternalServerError, _engine

    async def no_wait(delay: float) -> None:
        assert 0 <= delay <= 0.0005

    monkeypatch.setattr(_engine, "_sleep", no_wait)

    async def busy(request: web.Request) -> web.Response:
        return web.json_response({"errorMessage": "busy"}, status=503)

    server.handler = busy
    async with LiveOpsClient(
        project_id=1,
        api_key="k",
        base_url=server.base_url,
        retry=RetryPolicy(max_attempts=1100, max_backoff=0.0005, total_budget=600),
    ) as client:
        with pytest.raises(InternalServerError):
            await client.admin.coupons.get("c1")
    assert len(server.seen) == 1100
    assert {seen.raw_path for seen in server.seen} == {"/api/v3/project/1/admin/coupon/c1"}


def _shaped_fields(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(wire path, misfit) for every model, list and mapping below the top of a model tree:
    what a user may pass there instead (a model's JSON as a dict, a string for a list or a
    mapping), which the converter cannot turn into JSON."""
    if attrs.has(type(value)):
        if path:
            yield path.lstrip("/"), serde.unstructure(value)
        for field in attrs.fields(type(value)):
            wire = field.metadata.get("json", field.name)
            yield from _shaped_fields(getattr(value, field.name), f"{path}/{wire}")
    elif isinstance(value, (list, dict)):
        if path:
            yield path.lstrip("/"), "not-a-" + type(value).__name__
        items = enumerate(value) if isinstance(value, list) else value.items()
        for key, item in items:
            yield from _shaped_fields(item, f"{path}/{key}")


def _replaced_at(value: Any, target: str, new: Any, path: str = "") -> Any:
    """The model tree with whatever is at the wire path `target` replaced by `new`."""
    if path.lstrip("/") == target:
        return new
    if attrs.has(type(value)):
        changes = {}
        for field in attrs.fields(type(value)):
            wire = field.metadata.get("json", field.name)
            changes[field.name.lstrip("_")] = _replaced_at(
                getattr(value, field.name), target, new, f"{path}/{wire}"
            )
        return attrs.evolve(value, **changes)
    if isinstance(value, list):
        return [_replaced_at(v, target, new, f"{path}/{i}") for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: _replaced_at(v, target, new, f"{path}/{k}") for k, v in value.items()}
    return value


SHAPED_CASES = [c for c in BODY_CASES if list(_shaped_fields(_body_model(c)))]


def test_the_spec_has_nested_shapes_to_check() -> None:
    assert len(SHAPED_CASES) >= 20


def _at(data: Any, path: str) -> Any:
    for part in path.split("/"):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize("case", SHAPED_CASES, ids=lambda c: c.operation_id)
def test_a_value_of_the_wrong_shape_is_refused_naming_the_field(case: Case, validate: bool) -> None:
    """A dict where a model belongs, a string where a list or a mapping does: either a typed
    error that names the field (never the converter's AttributeError), or, where the JSON is
    what the schema takes (a union field may take a plain object), the value sent as given,
    never mangled (a string turned into a list of its characters)."""
    body = _body_model(case)
    for path, misfit in _shaped_fields(body):
        try:
            sent = orjson.loads(_encode(case, _replaced_at(body, path, misfit), validate))
        except RequestValidationError as exc:
            assert [p for p in exc.problems if p.startswith(f"{path}: ")], (path, exc.problems)
        else:
            assert _at(sent, path) == misfit, path
            assert validate is False or isinstance(misfit, dict), path


def _scalar_leaves(case: Case) -> list[str]:
    return [
        p
        for p, v in _leaves(case.spec_op.body_example)
        if p and isinstance(v, (str, int)) and not isinstance(v, bool)
    ]


NON_JSON_VALUES = [b"bytes", object()]


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize(
    "case", [c for c in BODY_CASES if _scalar_leaves(c)], ids=lambda c: c.operation_id
)
def test_a_value_of_no_json_type_is_refused_naming_the_field(case: Case, validate: bool) -> None:
    """bytes or any other object: a RequestValidationError naming the field, never the
    encoder's "Type is not JSON serializable", with or without validation."""
    body = _body_model(case)
    for index, path in enumerate(_scalar_leaves(case)):
        value = NON_JSON_VALUES[index % len(NON_JSON_VALUES)]
        with pytest.raises(RequestValidationError) as caught:
            _encode(case, _replaced_at(body, path, value), validate)
        assert [p for p in caught.value.problems if p.startswith(f"{path}: ")], (
            path,
            caught.value.problems,
        )


# Nesting and date-time fields ----------------------------------------------------------------


def _nested(levels: int, leaf: Any = "x") -> Any:
    value = leaf
    for level in range(levels):
        value = [value] if level % 2 else {"k": value}
    return value


def _send(case: Case, client: LiveOpsClient, body: Any) -> Any:
    """The operation's call with `body` through the engine (valid path values)."""
    requester = bound_method(case, client).__self__._requester
    path = {name: valid_value(schema) for name, schema in (case.op.path_schemas or {}).items()}
    return requester.request(case.op, path=path, body=body)


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize(
    "case", [c for c in BODY_CASES if _scalar_leaves(c)], ids=lambda c: c.operation_id
)
async def test_a_body_nested_too_deep_is_refused_naming_the_field_unsent(
    case: Case, validate: bool, make_client: Callable[..., LiveOpsClient], server: ScriptedServer
) -> None:
    """Containers nested deeper than JSON bodies go (orjson writes 254 levels) anywhere in any
    body: a RequestValidationError naming the field where it starts, not a RecursionError (it
    was, past ~1000 levels) or "(body): cannot serialize" (it was, below), and nothing sent."""
    client = make_client(base_url=server.base_url, max_retries=0, validate_requests=validate)
    body = _body_model(case)
    for index, path in enumerate(_scalar_leaves(case)):
        levels = 5_000 if index == 0 else 300
        with pytest.raises(RequestValidationError) as caught:
            await _send(case, client, _replaced_at(body, path, _nested(levels)))
        problems = caught.value.problems
        assert any(p.startswith(f"{path}/") or p.startswith(f"{path}: ") for p in problems), (
            path,
            problems,
        )
        assert any("nested deeper than the 254 levels" in p for p in problems), problems
        assert len(str(caught.value)) < 2_000  # the path of a deep value is shortened
    assert server.seen == []


def test_a_body_as_deep_as_json_goes_is_sent() -> None:
    case = next(c for c in BODY_CASES if c.operation_id == "admin-create-coupon")
    body = _replaced_at(_body_model(case), "bonus/0/sku", _nested(250))
    sent = orjson.loads(_encode(case, body, False))  # unchecked: sent as given
    assert sent["bonus"][0]["sku"] == _nested(250)


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize("case", DATE_TIME_CASES, ids=lambda c: c.operation_id)
def test_a_date_time_field_of_another_type_is_named(case: Case, validate: bool) -> None:
    """None, a number, a bool, a list or a mapping where a date-time belongs: refused naming the
    field (a required one gave "(body): cannot serialize UnsendableValue"), or, unchecked, sent
    as given where the converter passes it through (an optional field)."""
    body = _body_model(case)
    for path in _date_time_fields(case):
        for misfit in (None, 5, True, [1], {"k": 1}):
            try:
                sent = orjson.loads(_encode(case, _replaced_at(body, path, misfit), validate))
            except RequestValidationError as exc:
                assert [p for p in exc.problems if p.startswith(f"{path}: ")], (path, exc.problems)
            else:
                assert validate is False or misfit is None, (path, misfit)
                assert _at(sent, path) == misfit, path


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize("case", SHAPED_CASES, ids=lambda c: c.operation_id)
def test_none_for_a_model_list_or_mapping_is_refused_naming_the_field(
    case: Case, validate: bool
) -> None:
    """None where a model, a list or a mapping is declared: a required one was "(body): cannot
    serialize AttributeError: 'NoneType' object has no attribute 'items'" (no field named);
    now the field is named, and a field that may be null is sent as null."""
    body = _body_model(case)
    for path, _misfit in _shaped_fields(body):
        try:
            sent = orjson.loads(_encode(case, _replaced_at(body, path, None), validate))
        except RequestValidationError as exc:
            assert [p for p in exc.problems if p.startswith(f"{path}: ")], (path, exc.problems)
        else:  # an optional field at None is left out; a nullable one (or item) sent as null
            *parents, last = path.split("/")
            parent = _at(sent, "/".join(parents)) if parents else sent
            if isinstance(parent, list):
                assert parent[int(last)] is None and not validate, path
            else:
                assert parent.get(last) is None, path


BODY_OPERATIONS = [op for op in OPERATIONS.values() if op.body_schema is not None]


def test_every_body_operation_is_covered() -> None:
    assert len(BODY_OPERATIONS) == len(BODY_CASES) == 45


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize("op", BODY_OPERATIONS, ids=lambda op: op.operation_id)
async def test_a_missing_body_is_refused_unsent(
    op: Operation, validate: bool, make_client: Callable[..., LiveOpsClient], server: ScriptedServer
) -> None:
    """Every request body of the API is required: `body=None` (what a caller can pass to the
    methods taking `body=`: reward chains, upsell, value point rewards) sent the call without
    one."""
    client = make_client(base_url=server.base_url, max_retries=0, validate_requests=validate)
    case = next(c for c in BODY_CASES if c.op is op)
    with pytest.raises(RequestValidationError) as caught:
        await _send(case, client, None)
    assert caught.value.problems == ("(body): required, got None",)
    assert server.seen == []


def _mapping_fields(value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(wire path, mapping) of every plain mapping below the top of a model tree (localized
    names...)."""
    return ((path, node) for path, node in _tree(value) if path and isinstance(node, dict))


MAPPING_CASES = [c for c in BODY_CASES if list(_mapping_fields(_body_model(c)))]
BAD_KEYS = [
    (None, "a key of type NoneType"),
    (1, "a key of type int"),
    (("en",), "a key of type tuple"),
    ("\ud800", "lone surrogate"),
]


def test_the_spec_has_mappings_to_check() -> None:
    assert len(MAPPING_CASES) >= 20


@pytest.mark.parametrize("validate", [True, False], ids=["validated", "unvalidated"])
@pytest.mark.parametrize("case", MAPPING_CASES, ids=lambda c: c.operation_id)
def test_a_mapping_key_that_cannot_be_sent_is_refused_naming_the_field(
    case: Case, validate: bool
) -> None:
    """A key that is no string went out as the text of its repr (`{None: "x"}` as
    `{"None": "x"}`), one with a lone surrogate as "(body): cannot serialize TypeError"."""
    body = _body_model(case)
    for path, mapping in _mapping_fields(body):
        for key, words in BAD_KEYS:
            bad = _replaced_at(body, path, {**mapping, key: "x"})
            with pytest.raises(RequestValidationError) as caught:
                _encode(case, bad, validate)
            assert [p for p in caught.value.problems if p.startswith(f"{path}: ") and words in p], (
                path,
                caught.value.problems,
            )
