"""The converter on the fixture models: wire names, the four nullability cases, open enums,
unknown fields, oneOf, maps, arrays and date-times."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import ModuleType

import cattrs
import orjson
import pytest

from liveops_async import _serde
from liveops_async._types import UNSET

WIDGET = {
    "id": "w1",
    "kind": "fancy",
    "created_at": "2026-12-01T10:00:00Z",
    "name": None,
    "size": {"width": 3, "height": None},
    "from": 2,
    "class": "gold",
    "max-uses-per-user": 5,
    "updatedAt": "2026-12-02T10:00:00+03:00",
    "conditions": [{"type": "string", "value": "x"}, {"type": "number", "value": 1.5}],
    "labels": {"en": "Hi", "de": None},
    "counts": {"a": 1, "b": 2},
    "tags": ["t1", "t2"],
    "payload": {"nested": [1, {"k": True}]},
}


def test_round_trip_keeps_every_shape(golden_models: ModuleType) -> None:
    m = golden_models
    widget = _serde.loads_response(orjson.dumps(WIDGET), m.Widget)
    assert widget.kind is m.WidgetKind.FANCY
    assert widget.created_at == datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    assert widget.updated_at.utcoffset() == timedelta(hours=3)
    assert (widget.from_, widget.class_, widget.max_uses_per_user) == (2, "gold", 5)
    assert widget.conditions == [m.StringCondition(value="x"), m.NumberCondition(value=1.5)]
    assert widget.size == m.Size(width=3, height=None)
    assert widget.labels == {"en": "Hi", "de": None}
    back = orjson.loads(_serde.dumps_body(widget))
    assert back == {**WIDGET, "created_at": "2026-12-01T10:00:00+00:00"}


def test_unknown_fields_ignored_and_unknown_enum_kept(golden_models: ModuleType) -> None:
    m = golden_models
    raw = {**WIDGET, "kind": "gigantic", "brand_new_field": {"x": 1}}
    widget = _serde.structure(raw, m.Widget)
    assert widget.kind == "gigantic"
    assert isinstance(widget.kind, m.WidgetKind)
    assert not hasattr(widget, "brand_new_field")
    assert _serde.unstructure(widget)["kind"] == "gigantic"
    step = _serde.structure({"status": "expired"}, m.Step)
    assert step.status == "expired" and step.status != m.StepStatus.OPEN


def test_four_nullability_cases(golden_models: ModuleType) -> None:
    m = golden_models
    # required (id, kind, created_at) and required-nullable (name): always sent, name as null
    created = datetime(2026, 1, 1, tzinfo=timezone.utc)  # a naive datetime is never sent
    minimal = m.Widget(id="w", kind=m.WidgetKind.BASIC, created_at=created, name=None)
    assert _serde.unstructure(minimal) == {
        "id": "w", "kind": "basic", "created_at": "2026-01-01T00:00:00+00:00", "name": None,
    }  # fmt: skip
    # optional (size, from_): None is left out, never sent as null
    assert "size" not in _serde.unstructure(minimal)
    # optional-nullable: UNSET left out, None sent as null
    assert _serde.unstructure(m.WidgetPatch()) == {}
    assert _serde.unstructure(m.WidgetPatch(name=None, max_uses_per_user=None)) == {
        "name": None, "max-uses-per-user": None,
    }  # fmt: skip
    # and on the way in: absent stays UNSET, null becomes None
    assert _serde.structure({}, m.WidgetPatch).name is UNSET
    assert _serde.structure({"name": None}, m.WidgetPatch).name is None
    assert _serde.structure({"width": 1}, m.Size).height is UNSET
    # a required-nullable key that is absent is an error, not a silent None
    with pytest.raises(cattrs.ClassValidationError) as caught:
        _serde.structure(
            {"id": "w", "kind": "basic", "created_at": "2026-01-01T00:00:00"}, m.Widget
        )
    assert cattrs.transform_error(caught.value) == ["required field missing @ $.name"]


def test_one_of_dispatches_on_the_tag(golden_models: ModuleType) -> None:
    m = golden_models
    assert _serde.structure({"type": "number", "value": 3}, m.Condition) == m.NumberCondition(
        value=3.0
    )
    assert _serde.unstructure(m.StringCondition(value="v")) == {"type": "string", "value": "v"}
    unknown = {"type": "geo", "radius": 5}
    assert _serde.structure(unknown, m.Condition) == unknown  # kept, not raised


def test_top_level_arrays_and_empty_bodies(golden_models: ModuleType) -> None:
    m = golden_models
    raw = orjson.dumps([{"tag": "a"}, {"tag": "b"}])
    assert _serde.loads_response(raw, list[m.TagRef]) == [m.TagRef(tag="a"), m.TagRef(tag="b")]
    assert _serde.loads_response(b"", m.TagRef) is None
    assert _serde.loads_response(b'{"x": 1}', None) is None
    assert orjson.loads(_serde.dumps_body([m.TagRef(tag="a")])) == [{"tag": "a"}]


def test_warm_up_compiles_hooks_once(golden_models: ModuleType) -> None:
    m = golden_models
    _serde.warm_up([m.Widget, list[m.Widget], None, m.Condition])
    conv = _serde._converter
    assert conv.get_structure_hook(m.Widget) is conv.get_structure_hook(m.Widget)
    assert conv.get_unstructure_hook(m.Widget) is conv.get_unstructure_hook(m.Widget)
