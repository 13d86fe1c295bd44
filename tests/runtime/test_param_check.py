"""Path and query values are checked against their parameter's schema before anything is sent
(`_utils/_params.py`, through `_OperationPlan.target`): a refusal is a `RequestValidationError`
naming the parameter, raised when the call is awaited, and the server sees no request. With
`validate_requests=False` values are sent as given."""

from __future__ import annotations

import enum
import pickle
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import jsonschema
import pytest

from liveops_async import LiveOpsClient, RequestOptions, RequestValidationError
from liveops_async._engine import _plan_for
from liveops_async._generated.operations import OPERATIONS
from liveops_async._operation import Operation
from liveops_async._types import UNSET
from liveops_async._utils._ecma_regex import ecma_search
from liveops_async._utils._params import ParameterValidator
from liveops_async._utils._schema import compile_check, ecma_validator
from tests._ecma_patterns import valid_value
from tests.operations._cases import all_cases, bound_method

from .conftest import ScriptedServer

ClientFactory = Callable[..., LiveOpsClient]


@pytest.fixture
def client(make_client: ClientFactory, server: ScriptedServer) -> LiveOpsClient:
    return make_client(base_url=server.base_url, max_retries=0)


# The cases of the issue, through the generated methods -------------------------------------


@pytest.mark.parametrize(
    ("limit", "problem"),
    [
        (0, "limit: 0 is less than the minimum of 1"),
        (-3, "limit: -3 is less than the minimum of 1"),
        ("5", "limit: '5' is not of type 'integer'"),
        (True, "limit: True is not of type 'integer'"),
        (False, "limit: False is not of type 'integer'"),
        (2.5, "limit: 2.5 is not of type 'integer'"),
    ],
)
async def test_a_bad_query_value_is_refused_naming_it(
    client: LiveOpsClient, server: ScriptedServer, limit: Any, problem: str
) -> None:
    pages = client.admin.coupons.list(limit=limit)
    with pytest.raises(RequestValidationError) as caught:
        [item async for item in pages]
    assert caught.value.problems == (problem,)
    assert caught.value.operation_id == "get-coupons"
    assert problem in str(caught.value)
    assert "path or query parameter" in str(caught.value)
    copied = pickle.loads(pickle.dumps(caught.value))  # job queues pickle failed jobs' errors
    assert (copied.problems, copied.subject, str(copied)) == (
        caught.value.problems, caught.value.subject, str(caught.value)
    )  # fmt: skip
    assert server.seen == []


@pytest.mark.parametrize(
    ("external_id", "problem"),
    [
        (123, "external_id: 123 is not of type 'string'"),
        ("a/b", "external_id: 'a/b' does not match '^[a-zA-Z0-9._-]+$'"),
        ("", "external_id: '' should be non-empty"),
        # A long value is repeated only in part, with its size.
        ("x" * 256, "external_id: '" + "x" * 79 + "... (256 characters) is too long"),
    ],
)
async def test_a_bad_path_value_is_refused_naming_it(
    client: LiveOpsClient, server: ScriptedServer, external_id: Any, problem: str
) -> None:
    call = client.admin.coupons.get(external_id)  # nothing is checked until it is awaited
    with pytest.raises(RequestValidationError) as caught:
        await call
    assert problem in caught.value.problems
    assert server.seen == []


async def test_every_bad_value_of_a_call_is_named(
    client: LiveOpsClient, server: ScriptedServer
) -> None:
    requester = client.admin.coupons._requester
    call = requester.request(
        OPERATIONS["get-coupon-codes"],
        path={"external_id": "a b"},
        query={"limit": 0, "offset": -1},
    )
    with pytest.raises(RequestValidationError) as caught:
        await call
    assert [p.split(":")[0] for p in caught.value.problems] == ["external_id", "limit", "offset"]
    assert server.seen == []


async def test_an_array_item_is_named_by_its_index(
    client: LiveOpsClient, server: ScriptedServer
) -> None:
    op = next(op for op in OPERATIONS.values() if "codes[]" in (op.query_schemas or {}))
    requester = client.admin.coupons._requester
    path = {name: "c1" for name in op.path_schemas or {}}
    with pytest.raises(RequestValidationError) as caught:
        await requester.request(op, path=path, query={"codes[]": ["OK", ""]})
    assert caught.value.problems == ("codes[]/1: '' should be non-empty",)
    assert server.seen == []


async def test_values_the_spec_allows_are_sent(
    client: LiveOpsClient, server: ScriptedServer
) -> None:
    class Size(enum.IntEnum):
        TEN = 10

    server.handler = None
    requester = client.admin.coupons._requester
    for limit, sent in [(1, "1"), (Size.TEN, "10"), (2.0, "2"), (None, None), (UNSET, None)]:
        server.seen.clear()
        await requester.request(
            OPERATIONS["get-coupon-codes"], path={"external_id": "a.b_c-1"}, query={"limit": limit}
        )
        [seen] = server.seen
        expected = "/api/v2/project/44056/admin/coupon/a.b_c-1/code"
        assert seen.raw_path == expected + ("" if sent is None else f"?limit={sent}")


async def test_unchecked_values_are_sent_as_given(
    make_client: ClientFactory, server: ScriptedServer
) -> None:
    server.handler = None
    unchecked = make_client(base_url=server.base_url, max_retries=0, validate_requests=False)
    codes = OPERATIONS["get-coupon-codes"]
    await unchecked.admin.coupons._requester.request(codes, path={"external_id": "a b"})
    await unchecked.admin.coupons._requester.request(codes, path={"external_id": 123})
    checked = make_client(base_url=server.base_url, max_retries=0)
    off = RequestOptions(validate_requests=False)
    requester = checked.admin.coupons._requester
    await requester.request(OPERATIONS["get-coupon-codes"], path={"external_id": "x"},
                            query={"limit": 0}, options=off)  # fmt: skip
    await requester.request(OPERATIONS["get-coupon-codes"], path={"external_id": "x"},
                            query={"limit": True}, options=off)  # fmt: skip
    assert [seen.raw_path for seen in server.seen] == [
        "/api/v2/project/44056/admin/coupon/a%20b/code",
        "/api/v2/project/44056/admin/coupon/123/code",
        "/api/v2/project/44056/admin/coupon/x/code?limit=0",
        "/api/v2/project/44056/admin/coupon/x/code?limit=true",
    ]


async def test_a_wrong_limit_is_not_replaced_by_the_page_cap(
    client: LiveOpsClient, server: ScriptedServer
) -> None:
    # The paginator fills in its documented cap only for an absent limit: a bool is refused,
    # not silently swapped for the cap.
    op = next(
        op
        for op in OPERATIONS.values()
        if op.pagination is not None
        and op.pagination.max_limit is not None
        and op.auth.value == "admin"
        and not op.path_schemas
    )
    requester = client.admin.coupons._requester
    with pytest.raises(RequestValidationError, match="limit: True is not of type 'integer'"):
        await requester.paginate(op, query={"limit": True}).first_page()
    assert server.seen == []


async def test_the_project_id_is_still_the_configs(
    client: LiveOpsClient, server: ScriptedServer
) -> None:
    requester = client.admin.coupons._requester
    with pytest.raises(Exception, match="project_id comes from the client configuration"):
        await requester.request(
            OPERATIONS["get-coupon"], path={"external_id": "c1", "project_id": 0}
        )
    assert server.seen == []


def test_the_checks_are_compiled_once_per_operation() -> None:
    plan = _plan_for(OPERATIONS["get-coupon-codes"])
    plan.target("http://x", 1, {"external_id": "c1"}, {"limit": 1}, True)
    checker = plan._parameters
    assert isinstance(checker, ParameterValidator)
    plan.target("http://x", 1, {"external_id": "c2"}, {"limit": 2}, True)
    assert plan._parameters is checker
    redeem = _plan_for(OPERATIONS["redeem-coupon"])
    redeem.target("http://x", 1, None, None, True)
    assert redeem._parameters is None  # no values: nothing compiled, nothing checked


# Every generated operation --------------------------------------------------------------


def _violations(schema: Mapping[str, Any]) -> Iterator[tuple[Any, str]]:
    """(a value `schema` refuses, the words of jsonschema's refusal) for each of its rules."""
    kind = schema.get("type")
    if kind == "integer":
        yield from [("1", "is not of type 'integer'"), (True, "is not of type 'integer'"),
                    (1.5, "is not of type 'integer'")]  # fmt: skip
    if kind == "string":
        yield 1, "is not of type 'string'"
    if "minimum" in schema:
        yield schema["minimum"] - 1, "is less than the minimum of"
    if "maximum" in schema:
        yield schema["maximum"] + 1, "is greater than the maximum of"
    if schema.get("minLength", 0) >= 1:
        yield "", "should be non-empty"
    if "maxLength" in schema:
        yield "a" * (schema["maxLength"] + 1), "is too long"
    if "pattern" in schema:
        value = "a b/c"
        assert not ecma_search(schema["pattern"])(value)
        yield value, "does not match"
    if "enum" in schema:
        strings = all(isinstance(e, str) for e in schema["enum"])
        yield ("not-a-member" if strings else max(schema["enum"]) + 1), "is not one of"
    if kind == "array":
        for item, words in _violations(schema["items"]):
            yield [item], words


VIOLATIONS = [
    pytest.param(op, location, name, value, words, id=f"{op.operation_id}-{name}-{value!r}"[:90])
    for op in sorted(OPERATIONS.values(), key=lambda op: op.operation_id)
    for location in ("path", "query")
    for name, schema in (getattr(op, f"{location}_schemas") or {}).items()
    for value, words in _violations(schema)
]
CASE_BY_OPERATION = {case.operation_id: case for case in reversed(all_cases())}


def test_the_table_covers_every_constrained_parameter() -> None:
    constrained = {
        (op.operation_id, name)
        for op in OPERATIONS.values()
        for schemas in (op.path_schemas, op.query_schemas)
        for name, schema in (schemas or {}).items()
        if schema.keys() & {"pattern", "minimum", "maximum", "enum", "type", "minLength"}
    }
    covered = {(param.values[0].operation_id, param.values[2]) for param in VIOLATIONS}
    assert constrained == covered
    # Every path placeholder but the project id has its schema.
    for op in OPERATIONS.values():
        placeholders = set(re.findall(r"{(\w+)}", op.path)) - {"project_id"}
        assert set(op.path_schemas or {}) == placeholders, op.operation_id
    assert len(OPERATIONS) == 119


@pytest.mark.parametrize(("op", "location", "name", "value", "words"), VIOLATIONS)
async def test_every_operation_refuses_a_violating_value_before_sending(
    make_client: ClientFactory,
    server: ScriptedServer,
    op: Operation,
    location: str,
    name: str,
    value: Any,
    words: str,
) -> None:
    client = make_client(base_url=server.base_url, max_retries=0)
    requester = bound_method(CASE_BY_OPERATION[op.operation_id], client).__self__._requester
    path = {n: valid_value(s) for n, s in (op.path_schemas or {}).items()}
    query = {n: valid_value(s) for n, s in (op.query_schemas or {}).items()}
    # The valid values alone pass: only the violation is refused.
    assert not ParameterValidator(op.path_schemas, op.query_schemas).problems(path, query)
    (path if location == "path" else query)[name] = value
    with pytest.raises(RequestValidationError) as caught:
        if op.pagination is not None:
            await requester.paginate(op, path=path, query=query).first_page()
        else:
            await requester.request(op, path=path, query=query)
    problems = caught.value.problems
    assert all(p.startswith(f"{name}: ") or p.startswith(f"{name}/0: ") for p in problems)
    assert any(words in p for p in problems), problems
    assert server.seen == []


# The compiled checks answer as jsonschema does ------------------------------------------

PARAMETER_SCHEMAS = {
    repr(schema): schema
    for op in OPERATIONS.values()
    for schemas in (op.path_schemas, op.query_schemas)
    for schema in (schemas or {}).values()
}
_ODD = [None, 0, 1, 2, -1, 1.0, 2.0, 1.5, True, False, "", "1", "a", "a b", "a/b", "abc\u2013.",
        "x" * 300, [], ["a"], [""], [1], {}, 10**6, 11, 30, 31, 50, 51, "activate", "abc\n",
        "a\ufeffb", "\u0661\u0662", ["abc\n"]]  # fmt: skip


@pytest.mark.parametrize("schema", PARAMETER_SCHEMAS.values(), ids=list(PARAMETER_SCHEMAS))
def test_every_parameter_schema_is_compiled_and_agrees_with_jsonschema(
    schema: Mapping[str, Any],
) -> None:
    check = compile_check(schema)
    assert check is not None  # no parameter needs jsonschema at run time
    reference = ecma_validator(jsonschema.Draft202012Validator)(schema)
    for value in _ODD:
        assert check(value) == reference.is_valid(value), value
        problems = ParameterValidator({"p": schema}, None).problems({"p": value}, None)
        assert bool(problems) == (value is not None and not reference.is_valid(value)), value


def test_a_schema_outside_the_compiled_subset_is_checked_by_jsonschema() -> None:
    # No generated parameter has one (above); a hand-made Operation may.
    validator = ParameterValidator(None, {"kind": {"type": "string", "const": "a"}})
    assert validator.problems(None, {"kind": "a"}) == []
    assert validator.problems(None, {"kind": "b"}) == ["kind: 'a' was expected"]


def test_values_are_judged_as_they_are_sent() -> None:
    class Kind(str, enum.Enum):
        GOOD = "good"

    class Text(str):
        pass

    validator = ParameterValidator(
        {"sku": {"type": "string", "pattern": "^[a-z]+$"}},
        {"codes[]": {"type": "array", "items": {"type": "string", "minLength": 1}}},
    )
    assert validator.problems({"sku": Kind.GOOD}, {"codes[]": ("a", None, UNSET)}) == []
    assert validator.problems({"sku": Text("ok")}, {"codes[]": ["a"]}) == []
    assert validator.problems({"sku": Text("NO")}, {"codes[]": ("a", "")}) == [
        "sku: 'NO' does not match '^[a-z]+$'",
        "codes[]/1: '' should be non-empty",
    ]
    assert validator.problems({"sku": object()}, None)[0].startswith("sku: <object object")
