"""The mock checks schema `pattern`s as ECMA-262 regular expressions, as the service does: a
value with a trailing newline or non-ASCII digits is a 422 (errorCode 1102) naming the field,
where jsonschema's own check (Python's `re`) would let it through. (The SDK's side, which
refuses the same values before sending: tests/runtime/test_ecma_patterns.py.) Likewise a
query or path integer is ASCII digits, not whatever Python's int() reads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from liveops_async._generated.operations import OPERATIONS
from liveops_async._operation import AuthGroup
from liveops_async.testing._spec import _coerce
from tests._ecma_patterns import Occurrence, request_cases, request_with

from .conftest import Api


def _refusals(answer: Any, where: str) -> list[Any]:
    """The details of a 1102 answer that say the field at `where` does not match its pattern."""
    if not isinstance(answer, dict) or answer.get("errorCode") != 1102:
        return []
    return [
        detail
        for detail in answer.get("errorMessageExtended", ())
        if detail["property"] == where and "does not match" in detail["message"]
    ]


@pytest.mark.parametrize(("occurrence", "value", "accepted"), request_cases())
async def test_the_mock_refuses_what_the_pattern_refuses(
    api: Api, occurrence: Occurrence, value: str, accepted: bool
) -> None:
    op = OPERATIONS[occurrence.operation_id]
    request = request_with(occurrence, value)
    auth = api.mock.issue_jwt("player-1") if op.auth is AuthGroup.USER else "admin"
    status, answer = await api.call(
        op.operation_id,
        path={name: quote(str(each), safe="") for name, each in request.path.items()},
        query=[(name, each) for name, values in request.query.items() for each in _listed(values)],
        body=request.body,
        auth=auth,
    )
    if occurrence.location == "body":
        where = ".".join(["body", *map(str, occurrence.field)])
    else:
        where = str(occurrence.field[0])
    refused = _refusals(answer, where)
    if accepted:
        assert not refused, answer
    else:
        assert status == 422 and refused, (status, answer)
        assert answer["errorMessage"].startswith("[0401-1102]: ")
        assert f"`{where}`" in answer["errorMessage"]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("raw", ["\u0661\u0662", "1\n", "+5", "1_0", " 5"])
async def test_an_integer_parameter_takes_ascii_digits_only(api: Api, raw: str) -> None:
    # Python's int() reads "١٢" as 12 and "1_0" as 10; the service sees no integer there.
    status, answer = await api.call("get-coupons", query={"limit": raw})
    assert status == 422, answer
    assert "`limit`" in answer["errorMessage"]
    assert (await api.call("get-coupons", query={"limit": "12"}))[0] == 200


@pytest.mark.parametrize(
    ("kind", "raw", "value"),
    [
        ("integer", "12", 12),
        ("integer", "\u0661\u0662", "\u0661\u0662"),  # left a string: the schema refuses it
        ("number", "1.5", 1.5),
        ("number", "-2", -2),
        ("number", "1e3", 1000.0),
        ("number", "nan", "nan"),
        ("number", "1_0", "1_0"),
        ("number", "\u0661.5", "\u0661.5"),
    ],
)
def test_query_text_becomes_a_json_value_only_when_it_is_one(
    kind: str, raw: str, value: Any
) -> None:
    coerced = _coerce(kind, raw)
    assert coerced == value and type(coerced) is type(value)
