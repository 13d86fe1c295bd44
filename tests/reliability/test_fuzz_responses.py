"""Random and mutated JSON fed to every response model through the runtime's own parsing step:
the SDK answers with a model or its own `ResponseDecodeError`, never anything else, and extra
fields the SDK does not know never break an answer that parses today."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveops_async import ResponseDecodeError
from liveops_async._engine import HTTPRequester
from liveops_async._generated.operations import OPERATIONS
from liveops_async._operation import Operation
from liveops_async.testing._spec import default_spec_path, load_spec
from tests._json_documents import json_paths, replaced_at

FUZZ = settings(
    max_examples=25,
    deadline=None,
    database=None,  # no .hypothesis folder in the tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_SPEC = load_spec(default_spec_path())


def _one_op_per_response_type() -> list[Operation]:
    chosen: dict[str, Operation] = {}
    for op in sorted(OPERATIONS.values(), key=lambda o: o.operation_id):
        if op.response_type is not None:
            chosen.setdefault(repr(op.response_type), op)
    return list(chosen.values())


RESPONSE_OPS = _one_op_per_response_type()

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)  # past 64 bits too
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["2025-01-01T00:00:00Z", "2025-13-45", "", "null", "[]", "-1"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=15,
)


def _parse(op: Operation, raw: bytes) -> Any:
    """The runtime's parsing of a 2xx body; anything but ResponseDecodeError fails the test."""
    try:
        result = HTTPRequester._parse(op, op.success_status, raw)
    except ResponseDecodeError as error:
        assert error.status == op.success_status
        str(error), repr(error)  # the error itself must render
        return error
    repr(result)  # and so must the model
    return result


def _with_unknown_fields(value: Any, extra: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        known = {k: _with_unknown_fields(v, extra) for k, v in value.items()}
        return {**{k: v for k, v in extra.items() if k not in value}, **known}
    if isinstance(value, list):
        return [_with_unknown_fields(v, extra) for v in value]
    return value


def test_every_response_type_is_fuzzed() -> None:
    types = {repr(op.response_type) for op in OPERATIONS.values() if op.response_type is not None}
    assert {repr(op.response_type) for op in RESPONSE_OPS} == types


def _bodies(op: Operation) -> st.SearchStrategy[bytes]:
    """Random JSON, the documented example with one value replaced, or random bytes."""
    example = _SPEC.operations[op.operation_id].success_example
    mutated = st.tuples(st.sampled_from(json_paths(example)), json_values).map(
        lambda change: replaced_at(example, *change)
    )
    as_json = st.one_of(json_values, mutated).map(lambda value: json.dumps(value).encode())
    return st.one_of(as_json, st.binary(max_size=64))


@pytest.mark.parametrize("op", RESPONSE_OPS, ids=lambda op: op.operation_id)
@FUZZ
@given(data=st.data())
def test_any_body_gives_a_model_or_a_decode_error(op: Operation, data: st.DataObject) -> None:
    _parse(op, data.draw(_bodies(op), label="body"))


@pytest.mark.parametrize("op", RESPONSE_OPS, ids=lambda op: op.operation_id)
@settings(FUZZ, max_examples=10)
@given(extra=st.dictionaries(st.text(min_size=1, max_size=12), json_values, min_size=1, max_size=3))
def test_unknown_fields_never_break_a_valid_answer(op: Operation, extra: dict[str, Any]) -> None:
    example = _SPEC.operations[op.operation_id].success_example
    assert not isinstance(_parse(op, orjson.dumps(example)), ResponseDecodeError)
    widened = _with_unknown_fields(example, extra)
    result = _parse(op, json.dumps(widened).encode())
    assert not isinstance(result, ResponseDecodeError), (widened, result)


@pytest.fixture(autouse=True)
def _watch_logs_and_sessions() -> None:
    """Parsing opens no session and sends nothing: the suite's network checks do not apply."""
