"""`LiveOpsModel` (`_model.py`) on the generated models: `model_extra` keeps unknown fields,
`to_dict` / `from_dict` / `to_json` / `from_json` round-trip every model and every spec example,
copies and pickles keep what was decoded."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from typing import Any

import attrs
import pytest

from liveops_async import DecodeMismatchError, _serde, models
from liveops_async._model import LiveOpsModel
from liveops_async._types import UNSET

from ._examples import GENERATED_MODELS, SUCCESS_EXAMPLE_IDS, SUCCESS_EXAMPLES


def test_every_generated_model_is_a_live_ops_model() -> None:
    assert GENERATED_MODELS
    assert [m.__name__ for m in GENERATED_MODELS if not issubclass(m, LiveOpsModel)] == []


def test_model_extra_is_empty_and_writable_on_a_new_model() -> None:
    code = models.Code(code="A")
    assert code.model_extra == {}
    code.model_extra["campaign"] = "spring"
    assert code.to_dict() == {"code": "A", "campaign": "spring"}
    assert _serde.unstructure(code) == {"code": "A", "campaign": "spring"}  # a request body too


def test_to_dict_uses_wire_names_and_json_ready_values() -> None:
    period = models.PromotionPeriod(
        date_from=datetime(2026, 12, 1, tzinfo=timezone.utc), date_until=None
    )
    data = period.to_dict()
    assert data == {"date_from": "2026-12-01T00:00:00+00:00", "date_until": None}
    assert json.loads(period.to_json()) == data
    assert models.PromotionPeriod.from_json(period.to_json()) == period
    item = models.CouponRedeemedItem(sku="a", type=models.ItemType.BUNDLE, name=UNSET)
    assert item.to_dict() == {"sku": "a", "type": "bundle"}  # UNSET and None left out
    assert type(item.to_dict()["type"]) is str


@pytest.mark.parametrize(("op_id", "tp", "example"), SUCCESS_EXAMPLES, ids=SUCCESS_EXAMPLE_IDS)
def test_round_trip_of_every_spec_example(op_id: str, tp: Any, example: Any) -> None:
    decoded = _serde.decode(copy.deepcopy(example), tp, strict=True)
    if not isinstance(decoded, LiveOpsModel):
        return
    data = decoded.to_dict()
    json.dumps(data)  # JSON-ready
    again = type(decoded).from_dict(data, strict=True)
    assert again == decoded and again.to_dict() == data
    assert type(decoded).from_json(decoded.to_json(), strict=True) == decoded
    # unknown fields survive too, at the top and nested
    extended = copy.deepcopy(example)
    extended["added_by_xsolla"] = {"nested": [1, 2]}
    with_extra = type(decoded).from_dict(extended, strict=True)
    assert with_extra.model_extra == {"added_by_xsolla": {"nested": [1, 2]}}
    assert type(decoded).from_dict(with_extra.to_dict()).model_extra == with_extra.model_extra


def test_from_dict_refuses_what_is_not_an_object() -> None:
    with pytest.raises(DecodeMismatchError, match=r"\$: expected object \(Code\), received array"):
        models.Code.from_dict([])  # type: ignore[arg-type]
    with pytest.raises(DecodeMismatchError, match="not JSON"):
        models.Code.from_json(b"{oops")


def test_unknown_fields_survive_copies_and_pickling() -> None:
    import pickle

    coupon = models.Coupon.from_dict(
        {"external_id": "e", "new": 1, "bonus": [{"sku": "s", "quantity": 1, "glow": True}]}
    )
    for copied in (
        copy.copy(coupon),
        copy.deepcopy(coupon),
        pickle.loads(pickle.dumps(coupon)),
    ):
        assert copied == coupon
        assert copied.model_extra == {"new": 1}
        assert copied.bonus is not None and copied.bonus[0].model_extra == {"glow": True}
        assert copied.redeem_user_limit is UNSET


def _sample(tp: Any, depth: int = 0) -> Any:
    """A value of `tp` with every optional part filled (models nest up to a few levels)."""
    import enum
    import typing

    from liveops_async import _wire

    literal = _wire.literal_args(tp)
    if literal:
        return literal[0]
    inner = _wire.without_none(tp)
    if inner is not None:
        return None if depth > 3 else _sample(inner, depth)
    samples: dict[Any, Any] = {
        str: "text",
        int: 7,
        float: 2.5,
        bool: True,
        datetime: datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc),
        Any: {"free": ["form", 1]},
    }
    if tp in samples:
        return samples[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return next(iter(tp))
    if attrs.has(tp):
        attrs.resolve_types(tp)
        return tp(**{f.name: _sample(f.type, depth + 1) for f in attrs.fields(tp)})
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is list:
        return [] if depth > 3 else [_sample(args[0], depth + 1)]
    if origin is dict:
        return {"en": _sample(args[1], depth + 1)}
    members = _wire.union_args(tp)
    if members:
        return _sample(members[0], depth)
    raise AssertionError(f"no sample for {tp!r}")


@pytest.mark.parametrize("cls", GENERATED_MODELS, ids=[m.__name__ for m in GENERATED_MODELS])
def test_every_generated_model_round_trips(cls: type[LiveOpsModel]) -> None:
    model = _sample(cls)
    model.model_extra["x_new"] = {"nested": [1, None]}
    data = model.to_dict()
    assert json.loads(json.dumps(data)) == data  # JSON-ready, nothing Python-only left
    assert "UNSET" not in json.dumps(data)
    again = cls.from_dict(data, strict=True)
    assert again == model
    assert again.model_extra == {"x_new": {"nested": [1, None]}}
    assert cls.from_json(model.to_json(), strict=True) == model
    assert again.to_dict() == data


@pytest.mark.parametrize(
    ("depth", "big"),
    [(300, ""), (1023, ""), (600, ',"big":123456789012345678901234567890')],
    ids=["300 levels", "orjson's deepest", "exact parse with a big integer"],
)
def test_unknown_fields_of_any_decodable_depth_write_back(depth: int, big: str) -> None:
    """An unknown field nested deeper than recursion (or orjson's writer, 254 levels) goes:
    to_dict and to_json give back exactly what from_json and a response read."""
    deep = "[" * depth + "0" + "]" * depth
    raw = f'{{"code":"A","deep":{deep}{big}}}'.encode()
    for code in (
        models.Code.from_json(raw),
        _serde.loads_response(raw, models.Code, strict=True),
    ):
        assert code.to_json() == raw
        data = code.to_dict()
        inner = data["deep"]
        for _ in range(depth):
            assert isinstance(inner, list) and len(inner) == 1
            inner = inner[0]
        assert inner == 0
        if big:
            assert data["big"] == 123456789012345678901234567890


def test_deep_objects_and_models_in_unknown_fields_write_back() -> None:
    value: Any = 7
    for level in range(2_000):  # deeper than any decoder reads, as a caller may build it
        value = {"k": value, "n": level} if level % 2 else [value, models.Code(code="B")]
    code = models.Code(code="A")
    code.model_extra["deep"] = value
    data = code.to_dict()
    written = code.to_json()
    assert written.startswith(b'{"code":"A","deep":{"k":[{"k":[') and written.endswith(b"}}")
    walked = data["deep"]
    for level in reversed(range(2_000)):
        if level % 2:
            assert walked["n"] == level
            walked = walked["k"]
        else:
            assert walked[1] == {"code": "B"}
            walked = walked[0]
    assert walked == 7


def test_a_value_that_contains_itself_is_refused_not_walked_forever() -> None:
    loop: list[Any] = []
    loop.append(loop)
    code = models.Code(code="A")
    code.model_extra["loop"] = loop
    with pytest.raises(ValueError, match="contains itself"):
        code.to_dict()
    with pytest.raises(ValueError, match="contains itself"):
        _serde.dumps_json({"loop": loop})
