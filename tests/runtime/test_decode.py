"""The decoding rules of issue 11 on the generated models: tolerant by default (raw value kept,
one WARNING per model field, never the value), strict on demand (DecodeMismatchError / a
ResponseDecodeError naming the path), the body's JSON type always checked, exact integers, the
fast path untouched for bodies that fit, and the `strict_responses` setting. The models' own
serialization (`model_extra`, `to_dict` / `from_dict`) is tested in test_model.py."""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import attrs
import orjson
import pytest

from liveops_async import DecodeMismatchError, ResponseDecodeError, _decode, _serde, models
from liveops_async._engine import HTTPRequester
from liveops_async._generated.operations import OPERATIONS

from ._examples import SUCCESS_EXAMPLE_IDS, SUCCESS_EXAMPLES

SECRET = "player-personal-data-5b1e"  # a value that must never reach a log line


@pytest.fixture(autouse=True)
def _fresh_warnings() -> Iterator[None]:
    _decode.forget_warnings()
    yield
    _decode.forget_warnings()


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "liveops_async" and r.levelno == logging.WARNING]


def _chain_with_plain_text_value_point() -> dict[str, Any]:
    """admin-get-reward-chain (single chain: localized texts) answering the list view's plain
    strings, which is the shape that took a whole call down before issue 11."""
    return {
        "reward_chain_id": 17,
        "name": {"en": "Winter pass"},
        "value_point": {"sku": "snowflake", "description": SECRET, "long_description": SECRET},
        "steps": [{"step_id": None, "name": {"en": "First"}}],
    }


# --- tolerant by default, strict on demand ------------------------------------------------------


def test_a_field_that_does_not_fit_keeps_its_raw_value_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="liveops_async")
    body = _chain_with_plain_text_value_point()
    chain = _serde.decode(
        body, models.RewardChain, strict=False, operation="admin-get-reward-chain"
    )
    assert isinstance(chain, models.RewardChain)
    assert isinstance(chain.value_point, models.RewardChainAdminValuePoint)
    assert chain.value_point.description == SECRET  # the raw JSON value
    assert chain.value_point.sku == "snowflake"  # the rest of the answer is typed as usual
    assert chain.name == {"en": "Winter pass"}
    assert chain.steps is not None and chain.steps[0].step_id is None  # nullable now (A5)
    records = _warnings(caplog)
    assert len(records) == 2  # description and long_description: two model fields
    message = records[0].getMessage()
    assert "admin-get-reward-chain" in message
    assert "$.value_point.description" in message
    assert "expected object or null, received string" in message
    assert all(SECRET not in r.getMessage() for r in records)

    caplog.clear()  # the same (model, field) again: no second warning
    _serde.decode(body, models.RewardChain, strict=False, operation="admin-get-reward-chain")
    assert _warnings(caplog) == []


def test_strict_mode_names_the_path_and_never_the_value() -> None:
    with pytest.raises(DecodeMismatchError) as caught:
        _serde.decode(_chain_with_plain_text_value_point(), models.RewardChain, strict=True)
    error = caught.value
    assert error.path == "$.value_point.description"
    assert (error.expected, error.received) == ("object or null", "string")
    assert SECRET not in str(error)


@pytest.mark.parametrize(
    ("body", "path", "expected", "received", "kept"),
    [
        # a string where an object is declared (inside a list: only that item is raw)
        ({"items": [{"sku": "a"}, "abc"]},
         "$.items[1]", "object (CouponRedeemedItem)", "string", "abc"),
        # an object where a string is declared
        ({"items": [{"sku": {"en": "a"}}]},
         "$.items[0].sku", "string or null", "object", {"en": "a"}),
        # a number where an enum (a string) is declared
        ({"items": [{"sku": "a", "type": 5}]},
         "$.items[0].type", "string (ItemType) or null", "integer", 5),
        # an array where a nested object is declared
        ({"items": [{"price": [1]}]},
         "$.items[0].price", "object (StoreItemPrice) or null", "array", [1]),
    ],
)  # fmt: skip
@pytest.mark.parametrize("via", ["decode", "loads_response"])
def test_each_kind_of_mismatch_in_both_modes(
    body: dict[str, Any], path: str, expected: str, received: str, kept: Any, via: str
) -> None:
    tp = OPERATIONS["redeem-coupon"].response_type

    def decoded(strict: bool) -> Any:
        if via == "decode":
            return _serde.decode(copy.deepcopy(body), tp, strict=strict)
        return _serde.loads_response(orjson.dumps(body), tp, strict=strict)

    with pytest.raises(DecodeMismatchError) as caught:
        decoded(strict=True)
    assert (caught.value.path, caught.value.expected, caught.value.received) == (
        path,
        expected,
        received,
    )
    result = decoded(strict=False)
    assert isinstance(result, models.CouponRedeemResult)
    items = result.items
    assert items is not None
    index = int(path.split("[")[1].split("]")[0])
    if path.endswith("]"):
        assert items[index] == kept
        assert all(
            isinstance(i, models.CouponRedeemedItem) for n, i in enumerate(items) if n != index
        )
    else:
        assert getattr(items[index], path.rsplit(".", 1)[1]) == kept


def test_null_or_absence_in_a_required_field() -> None:
    tp = models.CatalogRuleSummary  # rule_id, name and is_enabled are required, not nullable
    with pytest.raises(DecodeMismatchError, match=r"\$\.name: expected string, received null"):
        _serde.decode({"rule_id": 1, "name": None, "is_enabled": True}, tp, strict=True)
    with pytest.raises(
        DecodeMismatchError, match=r"\$\.rule_id: expected integer, received nothing"
    ):
        _serde.decode({"name": "x", "is_enabled": True}, tp, strict=True)
    tolerated = _serde.decode({"name": None, "is_enabled": True}, tp, strict=False)
    assert (tolerated.rule_id, tolerated.name, tolerated.is_enabled) == (None, None, True)


def test_unknown_enum_values_and_unknown_fields_are_no_mismatch(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="liveops_async")
    body = {"items": [{"sku": "a", "type": "loot_box", "glow": {"hue": 3}}], "cart_hint": 1}
    for strict in (True, False):
        result = _serde.decode(body, models.CouponRedeemResult, strict=strict)
        assert result.items is not None
        item = result.items[0]
        assert item.type == "loot_box" and isinstance(item.type, models.ItemType)
        assert item.model_extra == {"glow": {"hue": 3}}
        assert result.model_extra == {"cart_hint": 1}
    assert _warnings(caplog) == []


# --- the body's JSON type, and no invented models -------------------------------------------------


@pytest.mark.parametrize("raw", [b"[]", b"[1,2,3]", b'"OK"', b"5", b"null", b"true"])
@pytest.mark.parametrize("strict", [True, False])
def test_a_body_of_the_wrong_json_type_is_always_an_error(raw: bytes, strict: bool) -> None:
    op = OPERATIONS["get-coupon"]
    with pytest.raises(ResponseDecodeError, match=r"\$: expected object \(Coupon\)"):
        HTTPRequester._parse(op, op.success_status, raw, strict=strict)


def test_a_list_body_must_be_an_array() -> None:
    with pytest.raises(DecodeMismatchError, match=r"\$: expected array, received object"):
        _serde.decode({"a": 1}, list[models.Code], strict=False)


def test_the_converter_never_invents_an_empty_model() -> None:
    """The cattrs path (behind the fast path) refuses non-objects too: `[]` or `"abc"` read as
    "no fields" would give a model with every field None."""
    for value in ([], "abc", [1, 2, 3]):
        with pytest.raises(Exception):  # noqa: B017 - any refusal, no model
            _serde.structure(value, models.CouponRedeemedItem)
    result = _serde.decode({"items": ["abc", []]}, models.CouponRedeemResult, strict=False)
    assert result.items == ["abc", []]
    raw = b'{"items": ["abc", [], 5, null]}'  # the response path too
    result = _serde.loads_response(raw, models.CouponRedeemResult, strict=False)
    assert result.items == ["abc", [], 5, None]


# --- integers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("strict", [True, False])
def test_integers_beyond_64_bits_arrive_exact(strict: bool) -> None:
    big = 123456789012345678901234567890
    raw = (
        b'{"total_count": 123456789012345678901234567890, "codes": [],'
        b' "ext": -18446744073709551617}'
    )
    page = _serde.loads_response(raw, OPERATIONS["get-coupon-codes"].response_type, strict=strict)
    assert page.total_count == big and type(page.total_count) is int
    assert page.model_extra == {"ext": -18446744073709551617}
    # the edges of orjson's integers: u64 max and i64 min are exact there, one beyond is not
    for edge in (2**64 - 1, 2**64, -(2**63), -(2**63) - 1, -(10**19) + 1):
        assert _serde.loads_json(f"[{edge}]".encode()) == [edge]
        assert type(_serde.loads_json(f"[{edge}]".encode())[0]) is int
    code = models.Code.from_json(b'{"code": "A", "n": 123456789012345678901234567890}')
    assert code.model_extra == {"n": big}
    assert code.to_json() == b'{"code":"A","n":123456789012345678901234567890}'  # exact back
    assert models.Code.from_json(code.to_json()) == code
    assert models.Code(code="é").to_json() == '{"code":"é"}'.encode()


def test_the_exact_parser_agrees_with_orjson_on_everything_else() -> None:
    text = b'{"a": [1, 2.5, -0.0, 1e300, "x\\u00e9", null, true], "b": "12345678901234567890123"}'
    assert _serde.loads_json(text) == orjson.loads(text)  # 20 digits in a string: exact path
    for bad in (b"[NaN]", b"[1e400]", b"{", b"[Infinity]", b"[1] x"):
        with pytest.raises(ValueError):
            _serde.loads_json(bad)
        with pytest.raises(ValueError):
            _serde.loads_json(bad + b' ["12345678901234567890"]')


# --- values kept raw survive the model's serialization -------------------------------------------


def test_raw_kept_values_survive_a_round_trip() -> None:
    chain = models.RewardChain.from_dict(_chain_with_plain_text_value_point())
    assert chain.value_point is not None and chain.value_point.description == SECRET
    data = chain.to_dict()
    assert data["value_point"]["description"] == SECRET
    assert models.RewardChain.from_dict(data) == chain
    with pytest.raises(DecodeMismatchError):
        models.RewardChain.from_dict(data, strict=True)


# --- the fast path is untouched for bodies that fit -----------------------------------------------


@pytest.mark.parametrize(("op_id", "tp", "example"), SUCCESS_EXAMPLES, ids=SUCCESS_EXAMPLE_IDS)
def test_well_formed_bodies_never_reach_the_slow_path(
    op_id: str, tp: Any, example: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_slow_path(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"{op_id}: a well-formed body took the slow path")

    monkeypatch.setattr(_decode, "walk", no_slow_path)
    assert _serde.decode(copy.deepcopy(example), tp, strict=False) is not None


# --- the strict_responses setting through the client ----------------------------------------------

COUPON_URL = "https://store.test/api/v3/project/44056/admin/coupon/c1"
_BAD_COUPON = {"external_id": "c1", "is_enabled": "yes"}  # a string for a boolean


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from aioresponses import aioresponses

    from tests.runtime._mocking import patch_aioresponses

    patch_aioresponses(monkeypatch)
    with aioresponses() as mocked:
        yield mocked


def _client(**kwargs: Any) -> Any:
    from liveops_async import LiveOpsClient

    return LiveOpsClient(project_id=44056, api_key="k", base_url="https://store.test/api", **kwargs)


async def test_the_client_is_tolerant_by_default_and_strict_on_every_level(
    api: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from liveops_async import RequestOptions

    caplog.set_level(logging.WARNING, logger="liveops_async")
    monkeypatch.delenv("LIVEOPS_STRICT_RESPONSES")  # the suite's strict default (conftest)
    for _ in range(6):
        api.get(COUPON_URL, payload=_BAD_COUPON)
    client = _client()
    try:
        coupon = await client.admin.coupons.get("c1")
        assert coupon.is_enabled == "yes" and coupon.external_id == "c1"
        (record,) = _warnings(caplog)
        assert "get-coupon" in record.getMessage() and "$.is_enabled" in record.getMessage()
        assert "expected boolean or null, received string" in record.getMessage()

        strict = RequestOptions(strict_responses=True)
        with pytest.raises(ResponseDecodeError, match=r"\$\.is_enabled"):
            await client.admin.coupons.get("c1", options=strict)
        strict_copy = client.with_options(strict_responses=True)
        with pytest.raises(ResponseDecodeError, match=r"\$\.is_enabled"):
            await strict_copy.admin.coupons.get("c1")
        # a per-call option wins over the copy's setting, and the copy left the client alone
        lenient = RequestOptions(strict_responses=False)
        assert (await strict_copy.admin.coupons.get("c1", options=lenient)).is_enabled == "yes"
        assert (await client.admin.coupons.get("c1")).is_enabled == "yes"
    finally:
        await client.aclose()
    strict_client = _client(strict_responses=True)
    try:
        with pytest.raises(ResponseDecodeError, match=r"get-coupon.*\$\.is_enabled"):
            await strict_client.admin.coupons.get("c1")
    finally:
        await strict_client.aclose()


@pytest.mark.parametrize(
    ("value", "strict"), [("1", True), ("true", True), ("yes", True), ("0", False), ("", False)]
)
def test_the_environment_sets_the_default(
    value: str, strict: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LIVEOPS_STRICT_RESPONSES", value)
    assert _client()._config.strict_responses is strict
    assert _client(strict_responses=not strict)._config.strict_responses is (not strict)


def test_the_test_suite_runs_strict() -> None:
    assert _client()._config.strict_responses is True


def test_a_tagged_variant_keeps_its_type_around_a_field_that_does_not_fit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="liveops_async")
    conditions = [
        {"attribute": "level", "type": "number", "operator": "eq", "value": 10},  # value: str
        {"attribute": "mood", "type": "vibes", "operator": "eq", "value": "x"},  # unknown tag
    ]
    body = {"external_id": "c1", "attribute_conditions": conditions}
    with pytest.raises(DecodeMismatchError, match=r"\$\.attribute_conditions\[0\]\.value"):
        _serde.decode(copy.deepcopy(body), models.Coupon, strict=True)
    coupon = _serde.decode(copy.deepcopy(body), models.Coupon, strict=False)
    assert coupon.attribute_conditions is not None
    first, second = coupon.attribute_conditions
    assert isinstance(first, models.NumberAttributeCondition) and first.value == 10
    assert second == conditions[1]  # a variant this SDK does not know: the raw mapping
    (record,) = _warnings(caplog)  # the unknown tag is forward compatibility, not a mismatch
    assert "NumberAttributeCondition.value" in record.getMessage()


@attrs.define
class _Positive:
    count: int = attrs.field(validator=attrs.validators.ge(0))


def test_strict_mode_never_bypasses_what_the_converter_refuses() -> None:
    with pytest.raises(DecodeMismatchError, match="a value the model refuses"):
        _serde.decode({"count": -1}, _Positive, strict=True)
    assert _serde.decode({"count": 2}, _Positive, strict=True) == _Positive(count=2)


# --- the direct orjson path of loads_response (no scan for long digit runs) ----------------------

_BIG = 123456789012345678901234567890


def _coupon_page(coupon: dict[str, Any]) -> bytes:
    body = {"items": [{"external_id": "c", "bonus": [{"sku": "s", "quantity": 2}], **coupon}]}
    return orjson.dumps(body).replace(b'"BIG"', str(_BIG).encode())


@pytest.mark.parametrize(
    "coupon",
    [
        {"later": "BIG"},  # an unknown field of a nested model
        {"later": {"deep": ["BIG"]}},
        {"attribute_conditions": [{"attribute": "a", "type": "geo", "value": "BIG"}]},
        {"redeem_user_limit": "BIG"},  # an int field
        {"total_limit_state": {"used": "BIG"}},
    ],
)
@pytest.mark.parametrize("strict", [True, False])
def test_big_integers_stay_exact_on_the_direct_path(coupon: dict[str, Any], strict: bool) -> None:
    """Where raw JSON is kept (unknown fields, an unknown union variant) or an int is
    declared, a >64-bit integer arrives exact: never as orjson's rounded float."""
    raw = _coupon_page(coupon)
    page = _serde.loads_response(raw, models.CouponList, strict=strict)
    exact = _serde.decode(json.loads(raw), models.CouponList, strict=strict)
    assert page == exact
    assert page.items[0].model_extra == exact.items[0].model_extra
    assert str(_BIG) in repr(page) + repr(page.items[0].model_extra)


def test_a_big_integer_in_a_float_field_is_the_float_of_the_exact_value() -> None:
    raw = _coupon_page({}).replace(b'"quantity":2', b'"quantity":' + str(_BIG).encode())
    page = _serde.loads_response(raw, models.CouponList)
    assert page.items[0].bonus[0].quantity == float(_BIG)


def test_well_formed_bodies_skip_the_digit_scan_and_the_rest_do_not(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exact_parses: list[bytes] = []
    real = _serde.loads_json

    def counting(raw: bytes | str) -> Any:
        exact_parses.append(bytes(raw) if isinstance(raw, bytes) else raw.encode())
        return real(raw)

    monkeypatch.setattr(_serde, "loads_json", counting)
    page = _serde.loads_response(_coupon_page({}), models.CouponList)
    assert page.items[0].bonus[0].quantity == 2.0 and exact_parses == []
    page = _serde.loads_response(_coupon_page({"later": {"n": [1, "x"]}}), models.CouponList)
    assert page.items[0].model_extra == {"later": {"n": [1, "x"]}}
    assert exact_parses == []  # raw JSON kept, without a float: still the direct path
    page = _serde.loads_response(_coupon_page({"later": [1.5]}), models.CouponList)
    assert page.items[0].model_extra == {"later": [1.5]}
    assert len(exact_parses) == 1  # a float kept raw may be a rounded integer: the exact way
    conditions = [{"attribute": "a", "type": "geo", "value": {"radius": 2.5}}]
    page = _serde.loads_response(
        _coupon_page({"attribute_conditions": conditions}), models.CouponList
    )
    assert page.items[0].attribute_conditions == conditions  # an unknown variant, kept raw
    assert len(exact_parses) == 2
    with pytest.raises(DecodeMismatchError):
        _serde.loads_response(b"[]", models.CouponList)  # a body of the wrong JSON type
    with pytest.raises(ValueError):
        _serde.loads_response(b"{", models.CouponList)


def _with_unknown_fields(value: Any, extra: Any) -> Any:
    """`value` with a field no model declares added to every JSON object in it."""
    if isinstance(value, dict):
        return {**{k: _with_unknown_fields(v, extra) for k, v in value.items()}, "zz_new": extra}
    if isinstance(value, list):
        return [_with_unknown_fields(v, extra) for v in value]
    return value


@pytest.mark.parametrize(("op_id", "tp", "example"), SUCCESS_EXAMPLES, ids=SUCCESS_EXAMPLE_IDS)
@pytest.mark.parametrize("extra", [7, "x", None, {"a": [1, "b"]}, 2.5, [_BIG]])
def test_unknown_fields_everywhere_give_the_exact_answer(
    op_id: str, tp: Any, example: Any, extra: Any
) -> None:
    """The response path (orjson's parse, kept raw data checked for floats) and the exact
    path (the standard library's parse) agree on every spec example with an unknown field in
    every object: typed fields and `model_extra` at every depth."""
    body = _with_unknown_fields(example, extra)
    raw = json.dumps(body).encode()
    fast = _serde.loads_response(raw, tp, strict=True, operation=op_id)
    exact = _serde.decode(json.loads(raw), tp, strict=True, operation=op_id)
    assert _serde.to_json_ready(fast) == _serde.to_json_ready(exact)  # model_extra included
    assert repr(fast) == repr(exact)  # the same types: an int stays an int
    if isinstance(body, dict) and attrs.has(type(fast)):
        assert fast.model_extra == {"zz_new": extra}
