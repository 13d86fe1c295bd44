"""Path and query values that cannot go out faithfully are refused before sending, naming the
parameter, through the generated method of every operation, with and without request checks:
a lone surrogate (no UTF-8 for it: it was the encoder's UnicodeEncodeError), an integer beyond
64 bits (10**5000 was `str()`'s ValueError; 2**64 was sent), NaN and infinities (sent as the
text `nan`/`inf` unchecked). The same rules as request bodies (test_request_values.py).

And the 0/1 flag parameters (`bool` arguments of the generated methods): a value that is not a
bool goes to the request check instead of `int()` (which raised ValueError from the method call
for "yes" and sent 2 for 2.7).
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable
from typing import Any

import pytest

from codegen.common import snake
from liveops_async import (
    InvalidParameterError,
    LiveOpsClient,
    LiveOpsError,
    RequestValidationError,
)
from liveops_async._pagination import AsyncPaginator
from liveops_async._types import UNSET
from tests.operations._cases import (
    VIEWS_BY_AUTH,
    Case,
    all_cases,
    bound_method,
    call_arguments,
    resolve,
)

from .conftest import ScriptedServer

ClientFactory = Callable[..., LiveOpsClient]
PRIMARY_CASES = [case for case in all_cases() if case.view is VIEWS_BY_AUTH[case.op.auth][0]]

# (value, the words of its refusal)
UNSENDABLE = [
    ("a\ud800b", "lone surrogate"),
    ("\udcff", "lone surrogate"),  # how an undecodable byte of argv or a file name arrives
    (2**64, "an integer of 65 bits does not fit in 64"),
    (-(2**63) - 1, "an integer of 64 bits does not fit in 64"),
    (10**5000, "an integer of 16610 bits does not fit in 64"),
    (-(10**5000), "an integer of 16610 bits does not fit in 64"),
    (1e300, "an integer of 997 bits does not fit in 64"),
    (math.nan, "nan is not a JSON number"),
    (math.inf, "inf is not a JSON number"),
    (-math.inf, "-inf is not a JSON number"),
]


async def _call(
    case: Case, client: LiveOpsClient, path: dict[str, Any], query: dict[str, Any]
) -> Any:
    method = bound_method(case, client)
    args, kwargs = call_arguments(case, method, path_values=path)
    kwargs.update(query)
    result = method(*args, **kwargs)  # shaping the arguments raises nothing
    if isinstance(result, AsyncPaginator):
        return await result.first_page()
    return await result


def _assert_refused_naming(error: InvalidParameterError, name: str, words: str) -> None:
    text = str(error)
    assert re.search(rf"(?<![\w\[]){re.escape(name)}(?![\w\[])", text), text[:300]
    assert words in text, text[:300]
    if isinstance(error, RequestValidationError):
        assert all(p.split(":")[0].split("/")[0] == name for p in error.problems), error.problems


PATH_PARAMETERS = [
    (case, name)
    for case in PRIMARY_CASES
    for name in re.findall(r"{(\w+)}", case.op.path)
    if name != "project_id"
]
QUERY_PARAMETERS = [
    (case, wire) for case in PRIMARY_CASES for wire in (case.op.query_schemas or {})
]


def test_the_tables_hold_every_parameter() -> None:
    assert len(PRIMARY_CASES) == 119
    assert len(PATH_PARAMETERS) == sum(len(c.op.path_schemas or {}) for c in PRIMARY_CASES)
    assert {wire for _, wire in QUERY_PARAMETERS} == {
        "codes[]", "enabled", "is_enabled", "limit", "offset", "user_external_id"
    }  # fmt: skip


@pytest.mark.parametrize("validate", [True, False], ids=["checked", "unchecked"])
@pytest.mark.parametrize(
    ("case", "location", "name"),
    [(case, "path", name) for case, name in PATH_PARAMETERS]
    + [(case, "query", wire) for case, wire in QUERY_PARAMETERS],
    ids=lambda v: v if isinstance(v, str) else v.operation_id,
)
async def test_every_parameter_refuses_unsendable_values(
    make_client: ClientFactory,
    server: ScriptedServer,
    case: Case,
    location: str,
    name: str,
    validate: bool,
) -> None:
    client = make_client(base_url=server.base_url, max_retries=0, validate_requests=validate)
    array = (case.op.query_schemas or {}).get(name, {}).get("type") == "array"
    for value, words in UNSENDABLE:
        with pytest.raises(InvalidParameterError) as caught:
            if location == "path":
                await _call(case, client, {name: value}, {})
            else:
                await _call(case, client, {}, {snake(name): ["ok", value] if array else value})
        _assert_refused_naming(caught.value, name, words)
    assert server.seen == []


FLAG_PARAMETERS = [
    (case, wire)
    for case, wire in QUERY_PARAMETERS
    if (case.op.query_schemas or {})[wire].get("enum") == [0, 1]
]


def test_there_are_flag_parameters() -> None:
    assert len(FLAG_PARAMETERS) == 5


@pytest.mark.parametrize(
    ("case", "wire"), FLAG_PARAMETERS, ids=lambda v: v if isinstance(v, str) else v.operation_id
)
async def test_a_flag_that_is_no_bool_is_refused_by_the_check_naming_it(
    make_client: ClientFactory, server: ScriptedServer, case: Case, wire: str
) -> None:
    client = make_client(base_url=server.base_url, max_retries=0)
    for value, words in [
        ("yes", "'yes' is not of type 'integer'"),
        ("1", "'1' is not of type 'integer'"),
        (2.7, "2.7 is not of type 'integer'"),
        (2, "2 is not one of [0, 1]"),
        (math.nan, "nan is not a JSON number"),
        ([True], "is not of type 'integer'"),
    ]:
        with pytest.raises(RequestValidationError) as caught:
            await _call(case, client, {}, {snake(wire): value})
        _assert_refused_naming(caught.value, wire, words)
    assert server.seen == []
    server.handler = None  # any answer: only the request matters here
    for value, sent in [(True, "1"), (False, "0"), (1, "1"), (0, "0")]:
        server.seen.clear()
        with contextlib.suppress(LiveOpsError):  # the canned answer may not fit the operation
            await _call(case, client, {}, {snake(wire): value})
        [seen] = server.seen
        assert f"{wire}={sent}" in seen.raw_path.split("?", 1)[1].split("&")


WALKED_CASES = [
    case
    for case in PRIMARY_CASES
    if case.op.pagination is not None and "offset" in (case.op.query_schemas or {})
]


def test_every_list_operation_takes_an_offset() -> None:
    assert len(WALKED_CASES) == sum(1 for c in PRIMARY_CASES if c.op.pagination is not None)
    assert len(WALKED_CASES) >= 15


@pytest.mark.parametrize("validate", [True, False], ids=["checked", "unchecked"])
@pytest.mark.parametrize("case", WALKED_CASES, ids=lambda case: case.operation_id)
async def test_a_walk_refuses_an_offset_that_is_no_integer_unsent(
    make_client: ClientFactory, server: ScriptedServer, case: Case, validate: bool
) -> None:
    """`async for` and `pages()` count on from the caller's offset: one that is no integer
    was replaced by 0 (or "5" by 5) and the walk fetched pages nobody asked for."""
    client = make_client(base_url=server.base_url, max_retries=0, validate_requests=validate)
    method = bound_method(case, client)
    for offset in ["abc", "5", True, 2.5, math.nan, [1]]:
        args, kwargs = call_arguments(case, method, query_overrides={"offset": 0})
        kwargs["offset"] = offset
        paginator = method(*args, **kwargs)
        with pytest.raises(InvalidParameterError, match=r"^offset: ") as caught:
            [item async for item in paginator]
        assert repr(offset) in str(caught.value)
        with pytest.raises(InvalidParameterError, match=r"^offset: "):
            [page async for page in paginator.pages()]
    assert server.seen == []


def _spec_required_query(case: Case) -> set[str]:
    parameters = [resolve(p) for p in case.spec_op.raw.get("parameters", [])]
    return {p["name"] for p in parameters if p["in"] == "query" and p.get("required")}


REQUIRED_QUERY = [(case, wire) for case in PRIMARY_CASES for wire in sorted(case.op.required_query)]


def test_required_query_parameters_are_the_specs() -> None:
    for case in PRIMARY_CASES:
        assert case.op.required_query == _spec_required_query(case), case.operation_id
    assert len(REQUIRED_QUERY) == 3


@pytest.mark.parametrize("validate", [True, False], ids=["checked", "unchecked"])
@pytest.mark.parametrize(
    ("case", "wire"), REQUIRED_QUERY, ids=lambda v: v if isinstance(v, str) else v.operation_id
)
async def test_a_required_query_parameter_left_out_is_refused_unsent(
    make_client: ClientFactory, server: ScriptedServer, case: Case, wire: str, validate: bool
) -> None:
    """`get_user_limit(..., user_external_id=None)` sent the call without the parameter (the
    encoder drops None), with or without checks."""
    client = make_client(base_url=server.base_url, max_retries=0, validate_requests=validate)
    for absent in (None, UNSET):
        with pytest.raises(RequestValidationError) as caught:
            await _call(case, client, {}, {snake(wire): absent})
        assert caught.value.problems == (f"{wire}: required, got None",)
    assert server.seen == []


ARRAY_PARAMETERS = [
    (case, wire)
    for case, wire in QUERY_PARAMETERS
    if (case.op.query_schemas or {})[wire].get("type") == "array"
]


def test_there_are_list_filters() -> None:
    assert ARRAY_PARAMETERS


@pytest.mark.parametrize("validate", [True, False], ids=["checked", "unchecked"])
@pytest.mark.parametrize("value", [[], [None], ["ok", None], [UNSET]], ids=repr)
@pytest.mark.parametrize(
    ("case", "name"), ARRAY_PARAMETERS, ids=lambda v: v if isinstance(v, str) else v.operation_id
)
async def test_a_list_filter_left_empty_or_holding_none_is_refused_unsent(
    make_client: ClientFactory,
    server: ScriptedServer,
    case: Case,
    name: str,
    value: list[Any],
    validate: bool,
) -> None:
    """A list filter that would go out empty (`codes=[]`, or `[None]` with the None dropped, as
    it was) reads every item instead of none: refused naming the parameter, nothing sent."""
    client = make_client(base_url=server.base_url, max_retries=0, validate_requests=validate)
    with pytest.raises(InvalidParameterError) as caught:
        await _call(case, client, {}, {snake(name): value})
    assert re.search(rf"(?<![\w\[]){re.escape(name)}", str(caught.value)), str(caught.value)
    assert server.seen == []
