"""The generator on the fixture spec: output equals the committed golden files, and the
generated operation layer passes the right facts to the requester."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import jsonschema
import pytest

from codegen.__main__ import GOLDEN, differences, golden_files
from liveops_async import _serde
from liveops_async._operation import AuthGroup, Operation, Pagination
from liveops_async._types import UNSET
from tests._package_classes import classes_defined_in


def test_generator_output_equals_golden_files() -> None:
    diff = differences(golden_files(), GOLDEN)
    assert not diff, "golden output changed; run `python -m codegen --golden`:\n" + "".join(diff)


class RecordingRequester:
    """Stands in for the runtime: records what the generated methods pass it."""

    def __init__(self, answer: Any = None) -> None:
        self.answer = answer
        self.calls: list[tuple[str, Any, dict[str, Any]]] = []

    async def request(self, op: Any, **kwargs: Any) -> Any:
        self.calls.append(("request", op, kwargs))
        return self.answer

    async def request_raw(self, op: Any, **kwargs: Any) -> Any:
        self.calls.append(("request_raw", op, kwargs))
        return self.answer

    def paginate(self, op: Any, **kwargs: Any) -> Any:
        self.calls.append(("paginate", op, kwargs))
        return self.answer


def test_operation_facts(golden_ops: ModuleType, golden_models: ModuleType) -> None:
    ops = golden_ops.OPERATIONS
    assert sorted(ops) == sorted(
        [
            "create-widget", "delete-widget-tags", "get-all-widgets", "get-user-widget-steps",
            "get-widget", "get-widgets", "patch-widget", "rebuild-widgets", "redeem-widget",
            "replace-widget-condition",
        ]
    )  # fmt: skip
    listing = ops["get-widgets"]
    assert (listing.method, listing.auth, listing.retry_safe) == ("GET", AuthGroup.ADMIN, True)
    assert listing.response_type is golden_models.WidgetList
    assert listing.pagination == Pagination(
        items="items", items_attr="items", total="total_count", total_attr="total_count",
        has_more="has_more", has_more_attr="has_more", max_limit=50,
    )  # fmt: skip
    # Path (but project_id) and query parameter schemas, by wire name, for the pre-send check.
    assert listing.path_schemas is None
    assert listing.query_schemas["codes[]"] == {"type": "array", "items": {"type": "string"}}
    assert listing.query_schemas["enabled"] == {"type": "integer", "enum": [0, 1]}
    assert listing.query_schemas["limit"] == {"type": "integer", "minimum": 1}
    assert ops["get-widget"].path_schemas == {"widget_id": {"type": "string", "minLength": 1}}
    assert ops["create-widget"].path_schemas is ops["create-widget"].query_schemas is None
    assert ops["create-widget"].success_status == 201
    assert ops["create-widget"].version_confirmed is False
    assert ops["get-all-widgets"].auth is AuthGroup.ADMIN_OR_USER
    assert ops["get-all-widgets"].response_type == list[golden_models.Widget]
    assert ops["redeem-widget"].auth is AuthGroup.CART
    assert ops["rebuild-widgets"].response_type is None
    assert ops["rebuild-widgets"].success_status == 202
    assert ops["delete-widget-tags"].method == "DELETE"
    # Named for the SDK method (the name of the call's coroutine); by its id when made by hand.
    assert ops["get-user-widget-steps"].sdk_name == "user.widget_steps.list"
    assert ops["delete-widget-tags"].sdk_name == "admin.widgets.delete_tags"
    by_hand = Operation("made-by-hand", "GET", "/v2/x", AuthGroup.ADMIN, True, True, 200)
    assert by_hand.sdk_name == "made-by-hand"


def test_body_schema_inlines_refs_and_turns_nullable_into_type_lists(
    golden_ops: ModuleType, golden_models: ModuleType
) -> None:
    schema = golden_ops.OPERATIONS["create-widget"].body_schema
    assert "$ref" not in repr(schema)
    assert schema["properties"]["labels"]["type"] == ["object", "null"]
    m = golden_models
    good = m.WidgetCreate(
        id="abc", kind=m.WidgetKind.FANCY, from_=2, labels=None,
        conditions=[m.StringCondition(value="x"), m.NumberCondition(value=1.5)],
    )  # fmt: skip
    jsonschema.validate(_serde.unstructure(good), schema)
    for bad in (
        {"id": "abc"},  # required `kind` missing
        {"id": "ABC", "kind": "basic"},  # pattern
        {"id": "abc", "kind": "basic", "conditions": [{"type": "string", "value": 3}]},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    patch = golden_ops.OPERATIONS["patch-widget"].body_schema
    jsonschema.validate({"name": None, "max-uses-per-user": None}, patch)
    array = golden_ops.OPERATIONS["delete-widget-tags"].body_schema
    jsonschema.validate([{"tag": "a"}], array)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"tag": "a"}, array)


async def test_flattened_body_path_and_answer(
    golden_resources: ModuleType, golden_models: ModuleType
) -> None:
    m = golden_models
    created = m.CreatedWidget(id="w1")
    requester = RecordingRequester(created)
    widgets = golden_resources.AdminResources(requester).widgets
    result = await widgets.create(id="w1", kind=m.WidgetKind.BASIC, from_=3)
    assert result is created
    kind, op, kwargs = requester.calls[-1]
    assert (kind, op.operation_id) == ("request", "create-widget")
    assert kwargs["body"] == m.WidgetCreate(id="w1", kind=m.WidgetKind.BASIC, from_=3)
    assert _serde.unstructure(kwargs["body"]) == {"id": "w1", "kind": "basic", "from": 3}

    await widgets.patch("w 1", name=None)
    _, op, kwargs = requester.calls[-1]
    assert kwargs["path"] == {"widget_id": "w 1"}
    assert kwargs["body"].max_uses_per_user is UNSET
    assert _serde.unstructure(kwargs["body"]) == {"name": None}


async def test_query_header_and_non_object_bodies(
    golden_resources: ModuleType, golden_models: ModuleType
) -> None:
    m = golden_models
    requester = RecordingRequester("paginator")
    admin = golden_resources.AdminResources(requester)
    assert admin.widgets.list(codes=["A", "B"], enabled=True, limit=10) == "paginator"
    kind, op, kwargs = requester.calls[-1]
    assert (kind, op.operation_id) == ("paginate", "get-widgets")
    assert kwargs["query"] == {
        "codes[]": ["A", "B"], "enabled": 1, "from": None, "limit": 10, "offset": None,
    }  # fmt: skip

    await admin.widgets.with_raw_response.list(limit=5)
    kind, op, kwargs = requester.calls[-1]
    assert (kind, op.operation_id, kwargs["query"]["limit"]) == ("request_raw", "get-widgets", 5)

    await admin.widgets.delete_tags("w1", body=[m.TagRef(tag="t")])
    assert requester.calls[-1][2]["body"] == [m.TagRef(tag="t")]
    await admin.widgets.set_condition("w1", body=m.NumberCondition(value=2))
    assert requester.calls[-1][2]["body"] == m.NumberCondition(value=2)

    guest = golden_resources.GuestResources(requester)
    await guest.widgets.redeem(code="C1", x_trace_tag="t-1")
    _, op, kwargs = requester.calls[-1]
    assert op.auth is AuthGroup.CART
    assert kwargs["headers"] == {"x-trace-tag": "t-1"}
    await guest.widgets.redeem(code="C1")
    assert requester.calls[-1][2]["headers"] == {}


def test_views_group_resources_by_auth(golden_resources: ModuleType) -> None:
    user = golden_resources.UserResources(RecordingRequester())
    assert {"widgets", "widget_steps"} == set(type(user).__slots__)
    assert not hasattr(golden_resources.GuestResources(RecordingRequester()), "widget_steps")
    assert hasattr(golden_resources.AdminResources(RecordingRequester()).widgets, "list_all")


def test_resources_package_lists_every_class_it_generates(golden_resources: ModuleType) -> None:
    # `liveops_async.resources` re-exports this list: it is the public names, written once.
    assert golden_resources.__all__ == sorted(classes_defined_in(golden_resources))
    assert "GuestWidgetsResourceWithRawResponse" in golden_resources.__all__
