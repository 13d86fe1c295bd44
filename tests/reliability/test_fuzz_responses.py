"""Random and mutated JSON fed to every response model through the runtime's own parsing step:
the SDK answers with a model or its own `ResponseDecodeError`, never anything else, and extra
fields the SDK does not know never break an answer that parses today."""

from __future__ import annotations

import json
import pickle
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveops_async import ResponseDecodeError
from liveops_async._engine import HTTPRequester
from liveops_async._exceptions import make_status_error, status_error_class
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


def _declared_names(node: Any) -> set[str]:
    """Every property name any schema of the document declares: a key the SDK knows somewhere
    is not an unknown field (it would be checked against its declared type there)."""
    names: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("properties"), dict):
                names.update(item["properties"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return names


DECLARED_NAMES = frozenset(_declared_names(_SPEC.document))
unknown_keys = st.text(min_size=1, max_size=12).filter(lambda key: key not in DECLARED_NAMES)


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
@given(extra=st.dictionaries(unknown_keys, json_values, min_size=1, max_size=3))
def test_unknown_fields_never_break_a_valid_answer(op: Operation, extra: dict[str, Any]) -> None:
    example = _SPEC.operations[op.operation_id].success_example
    assert not isinstance(_parse(op, orjson.dumps(example)), ResponseDecodeError)
    widened = _with_unknown_fields(example, extra)
    result = _parse(op, json.dumps(widened).encode())
    assert not isinstance(result, ResponseDecodeError), (widened, result)


@pytest.fixture(autouse=True)
def _watch_logs_and_sessions() -> None:
    """Parsing opens no session and sends nothing: the suite's network checks do not apply."""


# Error bodies --------------------------------------------------------------------------------

# Digits `str.isdigit` takes and `int()` refuses or reads as another number, ASCII ones, signs.
_DIGITISH = st.text(alphabet="0123456789-+ \u00b2\u00b3\u0663\u0669\uff10\u2460", max_size=8)
_ERROR_FIELD = json_values | _DIGITISH | st.integers(min_value=-(2**80), max_value=2**80)


def _nested(depth: int, inner: bytes) -> bytes:
    return b'{"a":[' * depth + inner + b"]}" * depth


@st.composite
def _error_bodies(draw: st.DrawFn) -> bytes:
    """Xsolla's documented error shape and the nested ones gateways use, every field any JSON
    value (or digit-like text), sometimes framed by a byte order mark, cut short or buried
    hundreds of levels deep."""
    fields = draw(
        st.dictionaries(
            st.sampled_from(
                ["errorCode", "errorMessage", "statusCode", "transactionId",
                 "errorMessageExtended", "code", "message", "description", "error"]
            ),
            _ERROR_FIELD,
            max_size=5,
        )
    )  # fmt: skip
    shape = draw(st.sampled_from(["flat", "nested", "message code", "text"]))
    if shape == "nested":
        fields = {"error": fields}
    elif shape == "message code":
        fields["errorMessage"] = (
            f"[{draw(_DIGITISH)}-{draw(_DIGITISH)}]: {draw(st.text(max_size=8))}"
        )
    raw = draw(st.text(max_size=40)).encode() if shape == "text" else json.dumps(fields).encode()
    frame = draw(st.sampled_from(["as is", "bom", "cut", "deep"]))
    if frame == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif frame == "cut":
        raw = raw[: draw(st.integers(min_value=0, max_value=len(raw)))]
    elif frame == "deep":
        raw = _nested(draw(st.integers(min_value=60, max_value=1100)), raw)
    return raw


@settings(FUZZ, max_examples=300)
@given(raw=_error_bodies(), status=st.sampled_from([400, 401, 404, 422, 429, 500, 503, 302]))
def test_any_error_body_gives_the_typed_error_and_it_pickles(raw: bytes, status: int) -> None:
    """`make_status_error` never fails, whatever the body: the status decides the class, the
    error code is an int or None, the message a non-empty string, and the error pickles."""
    error = make_status_error(
        status=status, method="POST", route="/r", raw=raw, headers={}, retry_after=None,
        secrets=("secret-value-123",),
    )  # fmt: skip
    assert type(error) is status_error_class(status)
    assert error.error_code is None or type(error.error_code) is int
    assert isinstance(error.message, str) and error.message
    assert error.code is None or error.code.isascii()
    copied = pickle.loads(pickle.dumps(error))
    assert (copied.status, copied.message, copied.error_code) == (
        error.status, error.message, error.error_code,
    )  # fmt: skip
    assert str(error) and repr(error)  # they must not raise either
