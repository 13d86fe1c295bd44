"""Every operation of the spec, called through its generated method with the spec's examples:
the exact request on the wire (method, URL, query, JSON body, credentials) and the parsed answer.

Cases come from the bundled spec and `OPERATIONS` (see `_cases.py`); a CART operation runs as a
player and as a guest, an admin-or-player one with the API key and with a player's JWT.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from liveops_async import LiveOpsClient
from liveops_async import _serde as serde
from liveops_async._generated.operations import OPERATIONS
from liveops_async._operation import AuthGroup
from liveops_async._version import __version__
from tests.operations._cases import (
    VIEWS_BY_AUTH,
    Case,
    View,
    all_cases,
    assert_parsed,
    bound_method,
    call_arguments,
    case_id,
    comparable,
    inventory,
    invoke,
    spec_operations,
)
from tests.operations._wire import SentRequest, Wire

CASES = all_cases()
# One case per operation (the first view) for the checks that do not depend on credentials.
PRIMARY_CASES = [case for case in CASES if case.view is VIEWS_BY_AUTH[case.op.auth][0]]
LIST_CASES = [case for case in PRIMARY_CASES if case.op.pagination is not None]
STRING_PATH_CASES = [
    case
    for case in PRIMARY_CASES
    if any(isinstance(v, str) for v in case.spec_op.examples("path").values())
]
# Characters that must not change the route: each is percent-encoded inside its one segment.
AWKWARD_SEGMENT = "a b/c?d#e%f&ü"
GUEST_HEADERS = {"x-unauthorized-id", "x-user"}


def test_every_operation_has_cases() -> None:
    spec_ids = set(spec_operations())
    assert spec_ids == set(OPERATIONS) == set(inventory())
    by_operation: dict[str, set[View]] = {}
    for case in CASES:
        by_operation.setdefault(case.operation_id, set()).add(case.view)
    assert by_operation == {op_id: set(VIEWS_BY_AUTH[op.auth]) for op_id, op in OPERATIONS.items()}
    assert {op.auth for op in OPERATIONS.values()} == set(AuthGroup)


def _assert_headers(case: Case, sent: SentRequest) -> None:
    headers = sent.headers
    for name, value in case.expected_credential_headers().items():
        assert headers.get(name) == value, name
    if case.view is View.GUEST:
        assert "Authorization" not in headers
    else:
        assert not GUEST_HEADERS & {name.lower() for name in headers}
    assert headers.get("Accept") == "application/json"
    assert headers.get("User-Agent", "").startswith(f"liveops-async/{__version__} ")
    if case.has_body:
        assert headers.get("Content-Type") == "application/json"
    else:
        assert "Content-Type" not in headers


@pytest.mark.parametrize("case", CASES, ids=case_id)
async def test_operation_request_and_answer(case: Case, client: LiveOpsClient, wire: Wire) -> None:
    method = bound_method(case, client)
    assert f"(operationId {case.operation_id})" in (inspect.getdoc(method) or "")
    status, _ = case.spec_op.success
    assert case.op.success_status == status
    wire.answer(status, case.response_example)

    parsed = await invoke(case, client)

    [sent] = wire.sent
    assert sent.method == case.spec_op.method == case.op.method
    assert case.op.path == case.spec_op.route
    assert sent.path == case.expected_path()
    assert sent.query_pairs == case.expected_query()
    if case.has_body:
        assert comparable(sent.json) == comparable(case.spec_op.body_example)
    else:
        assert sent.body is None
    _assert_headers(case, sent)
    assert_parsed(case, parsed)


@pytest.mark.parametrize("case", STRING_PATH_CASES, ids=case_id)
async def test_path_values_stay_one_segment(case: Case, client: LiveOpsClient, wire: Wire) -> None:
    awkward = {
        wire_name: AWKWARD_SEGMENT
        for wire_name, example in case.spec_op.examples("path").items()
        if isinstance(example, str)
    }
    wire.answer(case.op.success_status, case.response_example)

    # The encoding is the point here: unchecked, as a schema with a pattern refuses such a
    # value before sending (tests/runtime/test_param_check.py).
    await invoke(case, client.with_options(validate_requests=False), path_values=awkward)

    [sent] = wire.sent
    assert sent.path == case.expected_path(awkward)
    assert "a%20b%2Fc%3Fd%23e%25f%26%C3%BC" in sent.path
    assert sent.query_pairs == case.expected_query()


def _page(example: dict[str, Any], case: Case, items: list[Any], more: bool) -> dict[str, Any]:
    pagination = case.op.pagination
    assert pagination is not None
    page = {**example, pagination.items: items}
    if pagination.has_more is not None:
        page[pagination.has_more] = more
    if pagination.total is not None:
        page[pagination.total] = 3
    return page


@pytest.mark.parametrize("case", LIST_CASES, ids=case_id)
async def test_list_walks_two_pages(case: Case, client: LiveOpsClient, wire: Wire) -> None:
    pagination = case.op.pagination
    assert pagination is not None
    example = case.response_example
    item = example[pagination.items][0]
    wire.answer(200, _page(example, case, [item, item], more=True))
    wire.answer(200, _page(example, case, [item], more=False))
    method = bound_method(case, client)
    args, kwargs = call_arguments(case, method, query_overrides={"limit": 2})
    kwargs.pop("offset", None)  # the walker starts at 0 and moves the offset itself

    walked = [got async for got in method(*args, **kwargs)]

    first_of_example = getattr(
        serde.structure(example, case.op.response_type), pagination.items_attr
    )[0]
    assert walked == [first_of_example] * 3
    assert all(type(got) is type(first_of_example) for got in walked)
    assert [sent.path for sent in wire.sent] == [case.expected_path()] * 2
    assert [sent.query_pairs for sent in wire.sent] == [
        case.expected_query({"limit": 2, "offset": 0}),
        case.expected_query({"limit": 2, "offset": 2}),
    ]
