"""The compiled structuring fast path (`_structure`) against the cattrs converter it shortcuts:
same answers on real and mutated bodies, strict scalars, defaults, unions, maps, fallbacks."""

from __future__ import annotations

import copy
import typing
from datetime import datetime, timedelta, timezone
from types import MappingProxyType, ModuleType
from typing import Any

import attrs
import cattrs
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liveops_async import ResponseDecodeError, _serde
from liveops_async._engine import HTTPRequester
from liveops_async._generated import models
from liveops_async._generated.operations import OPERATIONS
from liveops_async._types import UNSET
from tests._json_documents import json_paths, replaced_at

from ._examples import GENERATED_MODELS, SUCCESS_EXAMPLE_IDS, SUCCESS_EXAMPLES


class _Raised:
    """Stands for "raised" when comparing the two paths."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Raised)

    def __repr__(self) -> str:
        return "<raised>"


def _through_cattrs(value: Any, tp: Any) -> Any:
    try:
        return _serde._converter.structure(copy.deepcopy(value), tp)
    except Exception:
        return _Raised()


def _through_compiled(value: Any, tp: Any) -> Any:
    try:
        return _serde._compiler.hook(tp)(copy.deepcopy(value))
    except Exception:
        return _Raised()


def _same_types(a: Any, b: Any) -> bool:
    """Equal and built of the same types all the way down (1 == 1.0 == True is not enough)."""
    if type(a) is not type(b):
        return False
    if attrs.has(type(a)):
        return all(
            _same_types(getattr(a, f.name), getattr(b, f.name)) for f in attrs.fields(type(a))
        )
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same_types, a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same_types(a[k], b[k]) for k in a)
    return bool(a == b)


def _assert_agree(value: Any, tp: Any) -> None:
    compiled, reference = _through_compiled(value, tp), _through_cattrs(value, tp)
    if isinstance(compiled, _Raised):  # allowed: `structure` then asks the converter
        return
    assert _same_types(compiled, reference), (value, compiled, reference)


def test_every_generated_model_is_compiled() -> None:
    _serde.warm_up(GENERATED_MODELS)
    _serde.warm_up(op.response_type for op in OPERATIONS.values())
    # Other tests' hand-made models may have fallen back earlier in the session: look at ours.
    generated = {tp for tp in _serde._compiler.fell_back if tp.__module__ == models.__name__}
    assert generated == set()


@pytest.mark.parametrize(("op_id", "tp", "example"), SUCCESS_EXAMPLES, ids=SUCCESS_EXAMPLE_IDS)
def test_spec_examples_take_the_fast_path_and_agree(op_id: str, tp: Any, example: Any) -> None:
    compiled = _through_compiled(example, tp)
    assert not isinstance(compiled, _Raised), f"{op_id}: the fast path refused its own example"
    assert _same_types(compiled, _through_cattrs(example, tp))


_SCALARS = (
    st.none()
    | st.booleans()
    | st.sampled_from([0, 1, 2, -1, 2**70, 0.0, 1.0, 2.5, -3.0, 1e300])
    | st.sampled_from(["", "x", "5", "true", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00z"])
    | st.sampled_from(["coupon", "standard", "string", "number", "date", "weekly", "[]"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.mark.parametrize(("op_id", "tp", "example"), SUCCESS_EXAMPLES, ids=SUCCESS_EXAMPLE_IDS)
@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_mutated_examples_agree_with_the_converter(
    op_id: str, tp: Any, example: Any, data: st.DataObject
) -> None:
    """Whatever one value of the example is replaced with (or deleted), the fast path gives
    exactly the converter's answer, or raises and leaves the answer to the converter."""
    path = data.draw(st.sampled_from(json_paths(example)), label="path")
    if path and data.draw(st.booleans(), label="delete") and isinstance(example, dict | list):
        mutated = copy.deepcopy(example)
        parent = mutated
        for step in path[:-1]:
            parent = parent[step]
        del parent[path[-1]]
    else:
        mutated = replaced_at(example, path, data.draw(_VALUES, label="new"))
    _assert_agree(mutated, tp)


# Scalars -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rule_id", "5"),  # a numeric string is not an int
        ("rule_id", 5.5),  # nor is a fraction
        ("rule_id", True),  # nor a boolean
        ("name", None),  # null is not a string
        ("name", 5),
        ("name", ["x"]),
        ("is_enabled", "false"),  # a string is not a boolean
        ("is_enabled", 2),
    ],
)
def test_a_wrong_scalar_type_is_an_error(field: str, value: Any) -> None:
    body = {"rule_id": 5, "name": "x", "is_enabled": True, field: value}
    with pytest.raises(cattrs.ClassValidationError) as caught:
        _serde.structure(body, models.CatalogRuleSummary)
    (message,) = cattrs.transform_error(caught.value)
    assert message.endswith(f"@ $.{field}")


def test_a_wrong_scalar_in_a_response_is_a_decode_error() -> None:
    op = next(o for o in OPERATIONS.values() if o.response_type is models.CouponRedeemResult)
    raw = orjson.dumps({"items": [{"sku": 5}]})
    with pytest.raises(ResponseDecodeError, match=r"cannot parse .*\$\.items\[0\]\.sku"):
        HTTPRequester._parse(op, op.success_status, raw, strict=True)
    tolerated = HTTPRequester._parse(op, op.success_status, raw, strict=False)
    assert tolerated.items[0].sku == 5  # the raw value, with a warning


def test_json_number_widenings() -> None:
    summary = _serde.structure(
        {"rule_id": 5.0, "name": "x", "is_enabled": 1}, models.CatalogRuleSummary
    )
    assert summary.rule_id == 5 and type(summary.rule_id) is int
    assert summary.is_enabled is True
    bonus = _serde.structure({"sku": "gem", "quantity": 3}, models.BonusItem)
    assert bonus.quantity == 3.0 and type(bonus.quantity) is float


def test_date_times_with_z_offsets_and_errors(golden_models: ModuleType) -> None:
    m = golden_models
    base = {"id": "w", "kind": "basic", "name": None}
    for text in ("2026-12-01T10:00:00Z", "2026-12-01T10:00:00z", "2026-12-01T10:00:00+00:00"):
        widget = _serde.structure({**base, "created_at": text}, m.Widget)
        assert widget.created_at == datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    offset = _serde.structure({**base, "created_at": "2026-12-01T10:00:00+03:00"}, m.Widget)
    assert offset.created_at.utcoffset() == timedelta(hours=3)
    for bad in (20261201, "2026-13-45", None):
        with pytest.raises(cattrs.ClassValidationError):
            _serde.structure({**base, "created_at": bad}, m.Widget)


# Defaults, wire names, unknown keys -----------------------------------------------------------


def test_absent_fields_get_their_attrs_default(golden_models: ModuleType) -> None:
    m = golden_models
    widget = _serde.structure(
        {"id": "w", "kind": "basic", "created_at": "2026-01-01T00:00:00", "name": "n"}, m.Widget
    )
    assert widget.size is None and widget.from_ is None  # optional: None
    assert widget.max_uses_per_user is UNSET and widget.labels is UNSET  # optional-nullable
    condition = _serde.structure({"value": "x"}, m.StringCondition)
    assert condition.type == "string"  # a tag left out takes its Literal default


def test_wire_names_and_unknown_keys(golden_models: ModuleType) -> None:
    m = golden_models
    widget = _serde.structure(
        {
            "id": "w", "kind": "basic", "created_at": "2026-01-01T00:00:00", "name": None,
            "from": 3, "class": "c", "max-uses-per-user": None, "from_": 99, "surprise": [1],
        },
        m.Widget,
    )  # fmt: skip
    assert (widget.from_, widget.class_, widget.max_uses_per_user) == (3, "c", None)


def test_missing_required_field_is_reported_by_name(golden_models: ModuleType) -> None:
    with pytest.raises(cattrs.ClassValidationError) as caught:
        _serde.structure({"width": None}, golden_models.Size)
    (message,) = cattrs.transform_error(caught.value)
    assert message.endswith("@ $.width")
    with pytest.raises(cattrs.ClassValidationError) as caught:
        _serde.structure({}, golden_models.Size)
    assert cattrs.transform_error(caught.value) == ["required field missing @ $.width"]


def test_a_mapping_that_is_not_a_dict_still_structures(golden_models: ModuleType) -> None:
    size = _serde.structure(MappingProxyType({"width": 2}), golden_models.Size)
    assert size == golden_models.Size(width=2)


# Maps ------------------------------------------------------------------------------------------


def test_map_entries_that_do_not_fit_are_left_out(golden_models: ModuleType) -> None:
    m = golden_models
    labels = {"en": "Hi", "de": None, "fr": ["new", "shape"], "ja": 5}
    widget = _serde.structure(
        {"id": "w", "kind": "basic", "created_at": "2026-01-01T00:00:00", "name": None,
         "labels": labels, "counts": {"a": 1, "b": "2"}},
        m.Widget,
    )  # fmt: skip
    assert widget.labels == {"en": "Hi", "de": None}
    assert widget.counts == {"a": 1}
    assert _serde.structure({"en": "x"}, dict[str, str]) == {"en": "x"}
    with pytest.raises(cattrs.ClassValidationError):
        _serde.structure({"id": "w", "kind": "basic", "created_at": "2026-01-01T00:00:00",
                          "name": None, "labels": ["en"]}, m.Widget)  # fmt: skip


def test_structured_containers_are_copies() -> None:
    names = {"en": "A"}
    tags = ["a", "b"]
    assert _serde.structure(tags, list[str]) == tags
    assert _serde.structure(tags, list[str]) is not tags
    assert _serde.structure(names, dict[str, str]) is not names


# Unions ----------------------------------------------------------------------------------------


def _reward_chain_update(**extra: Any) -> dict[str, Any]:
    return {
        "name": {"en": "Winter"},
        "date_start": "2026-12-01T00:00:00Z",
        "is_enabled": True,
        "steps": [],
        **extra,
    }


def test_untagged_union_prefers_the_variant_that_declares_every_key() -> None:
    tp = models.RewardChainUpdateRequest
    clan = _serde.structure(
        _reward_chain_update(popup_header={"en": "Clan"}, popup_instruction=None), tp
    )
    assert type(clan) is models.RewardChainClanUpdate
    assert clan.popup_header == {"en": "Clan"}
    regular = _serde.structure(_reward_chain_update(), tp)
    assert type(regular) is models.RewardChainUpdate  # both declare its keys: the first wins
    # a key no variant declares: first that accepts, as before
    unknown = _serde.structure(_reward_chain_update(brand_new=1), tp)
    assert type(unknown) is models.RewardChainUpdate
    # the converter alone orders the variants the same way
    reference = _serde._converter.structure(
        _reward_chain_update(popup_header=None, popup_instruction=None), tp
    )
    assert type(reference) is models.RewardChainClanUpdate


def test_untagged_union_with_no_fitting_variant_is_an_error() -> None:
    with pytest.raises(Exception, match="matches no variant"):
        _serde.structure({"name": 5}, models.RewardChainUpdateRequest)


def test_tagged_union_dispatch_and_unknown_tags(golden_models: ModuleType) -> None:
    m = golden_models
    conditions = _serde.structure(
        [{"type": "string", "value": "a"}, {"type": "number", "value": 2}, {"type": "geo"}],
        list[m.Condition],
    )
    assert conditions == [
        m.StringCondition(value="a"),
        m.NumberCondition(value=2.0),
        {"type": "geo"},
    ]
    assert _serde.structure("not an object", m.Condition) == "not an object"  # kept, as before
    with pytest.raises(cattrs.ClassValidationError):
        _serde.structure({"type": "number", "value": "x"}, m.Condition)


# Fallbacks -------------------------------------------------------------------------------------


@attrs.define(kw_only=True)
class _Node:
    label: str
    children: list[_Node] | None = None


@attrs.frozen(kw_only=True)
class _Frozen:
    label: str
    tags: list[str] = attrs.Factory(list)


@attrs.define(kw_only=True)
class _Validated:
    count: int = attrs.field(validator=attrs.validators.ge(0))


def test_a_model_that_contains_itself() -> None:
    tree = _serde.structure(
        {"label": "root", "children": [{"label": "leaf", "children": None}]}, _Node
    )
    assert tree == _Node(label="root", children=[_Node(label="leaf")])
    assert _Node not in _serde._copying_compiler.fell_back


@pytest.mark.parametrize("cls", [_Frozen, _Validated])
def test_models_the_compiler_does_not_cover_use_the_converter(cls: type) -> None:
    if cls is _Frozen:
        assert _serde.structure({"label": "x"}, _Frozen) == _Frozen(label="x", tags=[])
    else:
        assert _serde.structure({"count": 2}, _Validated) == _Validated(count=2)
        with pytest.raises(cattrs.ClassValidationError):
            _serde.structure({"count": -1}, _Validated)  # its validator ran
    assert cls in _serde._copying_compiler.fell_back


def test_types_the_compiler_does_not_know_use_the_converter() -> None:
    assert _serde.structure([1, 2], tuple[int, ...]) == (1, 2)
    assert _serde.structure(None, None) is None


def test_structure_hooks_are_built_once_per_type(golden_models: ModuleType) -> None:
    tp = list[golden_models.Widget]
    assert _serde._compiler.hook(tp) is _serde._compiler.hook(tp)
    assert typing.get_origin(tp) is list


def test_compiled_functions_register_their_source_for_tracebacks() -> None:
    import inspect
    import linecache

    hook = _serde._copying_compiler.hook(models.Coupon)  # the response compiler's may be C
    filename = hook.__code__.co_filename
    assert filename == "<structure Coupon>"
    source = "".join(linecache.getlines(filename))
    assert f"def {hook.__name__}(" in source
    assert inspect.getsource(hook).lstrip().startswith(f"def {hook.__name__}(")  # in its factory


@pytest.mark.parametrize(
    "coupon",
    [
        {"external_id": "c1", "name": None, "later": 1},  # an unknown key next to a null
        {"external_id": "c1", "later": 1},  # next to absent optional fields
        {"later": 1},  # alone
        {"external_id": "c1", "bonus": None, "redeem_user_limit": 2, "later": 1},
    ],
)
def test_unknown_keys_are_kept_at_every_depth_by_the_fast_path(coupon: dict[str, Any]) -> None:
    """The compiled function counts the declared keys present instead of comparing key sets;
    an unknown key is found whatever the nulls and absent fields around it, also in the
    nested models it inlines (the items of a list, a model inside a model)."""
    coupon = {
        **coupon,
        "promotion_periods": [{"date_from": "2026-01-01T00:00:00Z", "soon": [2]}],
        "total_limit_state": {"used": None, "soon": 3},
    }
    page = _serde._compiler.hook(models.CouponList)({"items": [coupon, {"external_id": "c2"}]})
    first, second = page.items
    assert first.model_extra == {"later": 1}
    assert first.promotion_periods[0].model_extra == {"soon": [2]}
    assert first.total_limit_state.model_extra == {"soon": 3}
    assert second.model_extra == {}
    assert page.model_extra == {}


def test_a_model_without_unknown_keys_has_an_empty_model_extra_on_the_fast_path() -> None:
    item = _serde._compiler.hook(models.CouponList)(
        {"items": [{"external_id": "c", "name": None, "is_enabled": None}], "later": None}
    )
    assert item.items[0].model_extra == {}
    assert item.model_extra == {"later": None}


# The response compiler (orjson's parse, owned) and the caller's data ----------------------------


@pytest.mark.parametrize("cls", GENERATED_MODELS, ids=lambda cls: cls.__name__)
def test_parsed_json_of_another_kind_never_becomes_a_model(cls: type) -> None:
    """The response compiler checks no `type(d) is dict` where `.get` or a string index
    refuses a non-object anyway: every other JSON value still raises, for every model."""
    hook = _serde._compiler.hook(cls)
    for value in ([], [{}], "abc", "", 5, 1.5, True, None):
        with pytest.raises(Exception):  # noqa: B017 - any refusal: the slow path decides
            hook(value)


def test_caller_data_is_copied_and_checked_response_data_is_owned() -> None:
    body = {"external_id": "c", "name": {"en": "A"}, "bonus": [{"sku": "s", "quantity": 1}]}
    coupon = _serde.decode(body, models.Coupon)
    assert coupon.name == {"en": "A"} and coupon.name is not body["name"]
    assert models.Coupon.from_dict(body).name is not body["name"]
    with pytest.raises(Exception):  # noqa: B017 - a key JSON cannot have: the converter decides
        _serde._copying_compiler.hook(models.Coupon)({"name": {1: "A"}})
    tolerated = _serde.decode({"name": {1: "A"}}, models.Coupon, strict=False)
    assert tolerated.name == {1: "A"}  # kept raw, as before
    parsed = orjson.loads(orjson.dumps(body))
    assert _serde._compiler.hook(models.Coupon)(parsed).name is parsed["name"]  # no copy


def test_parsed_date_times_are_reused_and_the_cache_stays_bounded() -> None:
    from liveops_async import _structure

    texts = [f"2026-01-01T00:{n // 60:02d}:{n % 60:02d}+03:00" for n in range(1500)]
    body = {"items": [{"promotion_periods": [{"date_from": t, "date_until": t}]} for t in texts]}
    page = _serde.loads_response(orjson.dumps(body), models.CouponList)
    for text, coupon in zip(texts, page.items, strict=True):
        (period,) = coupon.promotion_periods
        assert period.date_from == datetime.fromisoformat(text) == period.date_until
        assert period.date_from.utcoffset() == timedelta(hours=3)
        assert period.date_until is period.date_from  # the second parse was a lookup
    assert 0 < len(_structure._recent_datetimes) <= _structure._DATETIME_CACHE_SIZE
    for bad in ("2026-13-45", 20261201, ["2026-01-01T00:00:00Z"]):
        with pytest.raises(Exception):  # noqa: B017 - the converter decides
            _serde._compiler.hook(models.PromotionPeriod)({"date_from": bad})
    assert "2026-13-45" not in _structure._recent_datetimes


def test_only_types_whose_numbers_are_all_checked_skip_the_exact_parse() -> None:
    compiler = _serde._compiler
    assert compiler.number_safe(models.CouponList)  # its tagged conditions included
    variants = typing.get_args(models.RewardChainUpdateRequest)
    assert all(compiler.number_safe(variant) for variant in variants)
    # tried in turn: a rounded number could pick another variant than the exact parse
    assert not compiler.number_safe(models.RewardChainUpdateRequest)
    assert not compiler.number_safe(models.RewardChainUpdateRequest | None)
    assert not compiler.number_safe(list[Any])  # numbers nobody checks
