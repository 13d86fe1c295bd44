"""Property-based and strict: whatever valid request is sent, the mock answers a status the spec
documents for the operation, with a body that matches the schema documented for that status.

The only exceptions are the spec gaps listed in SPEC_GAPS: statuses the references show the real
service answering that the spec does not list yet. Each is reported to the spec's owners; the
last test fails once the spec documents one, so the list only shrinks."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveops_async._utils._ecma_regex import ecma_search
from liveops_async.testing import LiveOpsMock
from liveops_async.testing._spec import OperationSpec, Parameter, default_spec_path, load_spec

from .conftest import Api

SPEC = load_spec(default_spec_path())
GET_OPS = sorted(op_id for op_id, op in SPEC.operations.items() if op.method == "GET")

# operation id -> statuses the mock answers (as the references say the service does) that the
# spec does not document yet. Empty since the spec documents the 404s of lookups by id and the
# 422 of a daily chain reset (openapi/, marked `x-liveops-choice` where inferred); a new gap goes
# here until the spec covers it.
SPEC_GAPS: dict[str, frozenset[int]] = {}
_SAFE = string.ascii_letters + string.digits + "_-"  # no "." (dot segments), no "/" or "%"


def _strings(schema: Mapping[str, Any]) -> st.SearchStrategy[str]:
    low = max(int(schema.get("minLength", 1)), 1)
    high = max(min(int(schema.get("maxLength", 24)), 24), low)
    text = st.text(alphabet=_SAFE, min_size=low, max_size=high)
    pattern = schema.get("pattern")
    return text.filter(lambda s: ecma_search(pattern)(s) is not None) if pattern else text


def _values(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    schema = SPEC.resolve(schema)
    if "enum" in schema:
        return st.sampled_from([v for v in schema["enum"] if v is not None])
    kind = schema.get("type")
    kind = next((k for k in kind if k != "null"), None) if isinstance(kind, list) else kind
    if kind == "integer":
        return st.integers(int(schema.get("minimum", 0)), int(schema.get("maximum", 50)))
    if kind == "number":
        return st.integers(int(schema.get("minimum", 0)), 50)
    if kind == "boolean":
        return st.sampled_from(["true", "false"])
    if kind == "array":
        return st.lists(_values(schema.get("items", {})), min_size=1, max_size=3)
    return _strings(schema)


def _param(param: Parameter, known: list[Any]) -> st.SearchStrategy[Any]:
    generated = _values(param.schema)
    return st.one_of(st.sampled_from(known), generated) if known else generated


async def _seed(api: Api) -> dict[str, list[Any]]:
    """Create one entity per create call (from the spec's request examples) and return the
    ids they got, by path parameter name, so lookups also hit existing entities."""
    known: dict[str, list[Any]] = {}
    for op_id, op in SPEC.operations.items():
        example = SPEC.request_example(op.operation_id)
        if op.method != "POST" or example is None or "{" in op.path.split("/")[-1]:
            continue
        if op.path.count("{") > 1:
            continue
        status, body = await api.call(op_id, body=example)
        if status < 300 and isinstance(body, dict):
            for key, value in body.items():
                known.setdefault(key, []).append(value)
                # Also filed under the kind (last path segment): coupon, promocode, item...
                known.setdefault(f"{op.path.rsplit('/', 1)[-1]}:{key}", []).append(value)
    known["item_sku"] = known["value_point_sku"] = known.get("sku", [])
    return known


def _check(op: OperationSpec, status: int, body: Any) -> None:
    assert status < 500, (op.operation_id, status, body)
    documented = status in op.documented_statuses
    gap = status in SPEC_GAPS.get(op.operation_id, frozenset())
    assert documented or gap, (op.operation_id, status, body)
    validator = op.response_validators.get(status)
    if validator is None and documented:
        assert body is None, (op.operation_id, status, body)
        return
    if validator is None:  # a spec gap: at least the Xsolla error body
        validator = SPEC.validator({"$ref": "#/components/schemas/Error"})
    errors = [e.message for e in validator.iter_errors(body)]
    assert not errors, (op.operation_id, status, errors[:3], body)


@pytest.mark.parametrize("op_id", GET_OPS)
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_get_answers_conform_to_the_spec(
    op_id: str, api: Api, liveops_mock: LiveOpsMock, data: st.DataObject
) -> None:
    liveops_mock.strict_responses = False  # check here, to see the body that broke the spec
    op = SPEC.operations[op_id]
    if not liveops_mock.requests:
        api.known = await _seed(api)  # type: ignore[attr-defined]
    known: dict[str, list[Any]] = api.known  # type: ignore[attr-defined]
    path: dict[str, Any] = {}
    query: list[tuple[str, str]] = []
    for param in op.parameters:
        if param.name == "project_id" or param.location == "header":
            continue
        if not param.required and not data.draw(st.booleans(), label=f"send {param.name}"):
            continue
        value = data.draw(_param(param, known.get(param.name, [])), label=param.name)
        if param.location == "path":
            path[param.name] = value
        else:
            for one in value if isinstance(value, list) else [value]:
                query.append((param.name, str(one)))
    auth = (
        "admin"
        if any("basicAuth" in entry for entry in op.security)
        else (liveops_mock.issue_jwt("conformance-player"))
    )
    status, body = await api.call(op_id, path=path, query=query, auth=auth)
    _check(op, status, body)


def _example_path(op: OperationSpec, known: dict[str, list[Any]]) -> dict[str, Any]:
    path = {}
    for param in op.parameters:
        if param.location == "path" and param.name != "project_id":
            kinds = [f"{segment}:{param.name}" for segment in op.path.split("/")]
            values = [v for k in kinds for v in known.get(k, [])]
            values += known.get(param.name) or [param.schema.get("example", "1")]
            path[param.name] = values[0]
    return path


def _order(op_id: str) -> int:
    """Deletes and resets last, so the other calls still find the seeded entities."""
    return 1 if ("delete" in op_id or "remove" in op_id or "reset" in op_id) else 0


async def test_every_operation_answers_its_example_request(
    api: Api, liveops_mock: LiveOpsMock
) -> None:
    liveops_mock.strict_responses = False
    known = await _seed(api)
    known["toggle"] = ["activate"]
    player = liveops_mock.issue_jwt("conformance-player")
    for op_id in sorted(SPEC.operations, key=lambda o: (_order(o), o)):
        op = SPEC.operations[op_id]
        body = SPEC.request_example(op.operation_id)
        query = {
            p.name: str(p.schema.get("example", "x"))
            for p in op.parameters
            if p.location == "query" and p.required
        }
        auth = "admin" if any("basicAuth" in entry for entry in op.security) else player
        status, answer = await api.call(
            op_id, path=_example_path(op, known), query=query, body=body, auth=auth
        )
        _check(op, status, answer)
    assert liveops_mock.count("get-coupon") == 1


def test_spec_gaps_are_still_gaps() -> None:
    """Once the spec documents a status listed in SPEC_GAPS, delete that entry."""
    for op_id, statuses in SPEC_GAPS.items():
        now_documented = statuses & SPEC.operations[op_id].documented_statuses
        assert not now_documented, (
            f"{op_id} documents {set(now_documented)}: drop it from SPEC_GAPS"
        )


async def test_a_calendar_chain_reset_answers_422_with_the_error_body(
    api: Api,
) -> None:
    status, _ = await api.call(
        "admin-create-daily-chain", body=api.example("admin-create-daily-chain")
    )
    assert status == 201
    status, body = await api.call("admin-reset-daily-chain", path={"daily_chain_id": 1})
    _check(SPEC.operations["admin-reset-daily-chain"], status, body)
    assert status == 422


# Lookups by a path id whose documented 404 the mock must answer for an id nothing has.
_MISSING = {"toggle": "activate", "step_number": "1", "step_id": "1"}
MISSING_ENTITY_OPS = sorted(
    op_id
    for op_id, op in SPEC.operations.items()
    if 404 in op.documented_statuses
    and any(p.location == "path" and p.name not in ("project_id", "toggle") for p in op.parameters)
)


@pytest.mark.parametrize("op_id", MISSING_ENTITY_OPS)
async def test_a_missing_entity_is_404_with_the_xsolla_error_body(
    op_id: str, api: Api, liveops_mock: LiveOpsMock
) -> None:
    """Every operation that documents a 404 and names an entity in its path (promotion,
    code, chain, step, value point, rule, item) answers 404 for one that does not exist."""
    op = SPEC.operations[op_id]
    path = {
        p.name: _MISSING.get(p.name, "987654" if p.schema.get("type") != "string" else "nosuch9")
        for p in op.parameters
        if p.location == "path" and p.name != "project_id"
    }
    query = {p.name: "u1" for p in op.parameters if p.location == "query" and p.required}
    auth = "admin" if any("basicAuth" in e for e in op.security) else liveops_mock.issue_jwt("p")
    body = SPEC.request_example(op_id)
    status, answer = await api.call(op_id, path=path, query=query or None, body=body, auth=auth)
    _check(op, status, answer)
    assert status == 404, (op_id, answer)
