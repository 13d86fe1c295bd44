"""The comparison rules behind `plan` (no server needed)."""

from __future__ import annotations

from pathlib import Path

from liveops_async.cli._files import write_id
from liveops_async.cli._kinds import kind_by_name
from liveops_async.cli._plan import MISSING, FieldChange, diff_values, spec_changes
from liveops_async.cli._schema import project


def test_absent_null_and_empty_mean_no_value() -> None:
    assert diff_values({"a": None, "b": [], "c": {"x": None}}, {}) == []
    assert diff_values({}, {"a": 1}) == [FieldChange("a", MISSING, 1)]
    assert diff_values({"a": 1}, {}) == [FieldChange("a", 1, MISSING)]


def test_same_instant_in_other_offsets_is_no_change_and_other_times_are() -> None:
    before = {"date_from": "2026-12-01T03:00:00+03:00"}
    assert diff_values(before, {"date_from": "2026-12-01T00:00:00Z"}) == []
    assert diff_values(before, {"date_from": "2026-12-01T01:00:00Z"}) == [
        FieldChange("date_from", "2026-12-01T03:00:00+03:00", "2026-12-01T01:00:00Z")
    ]


def test_lists_of_equal_length_diff_by_position_others_whole() -> None:
    assert diff_values([{"q": 1}, {"q": 2}], [{"q": 1}, {"q": 3}]) == [FieldChange("[1].q", 2, 3)]
    assert diff_values([1], [1, 2]) == [FieldChange("", [1], [1, 2])]


def test_step_ids_left_out_of_a_file_are_not_changes() -> None:
    kind = kind_by_name("daily_chain")
    assert kind is not None
    current = {"steps": [{"step_id": 4, "step_number": 1}]}
    assert spec_changes(kind, {"steps": [{"step_number": 1}]}, current) == []
    assert spec_changes(kind, {"steps": [{"step_id": 5, "step_number": 1}]}, current) == [
        FieldChange("spec.steps[0].step_id", 4, 5)
    ]


def test_documented_default_counts_for_a_left_out_field() -> None:
    kind = kind_by_name("catalog_rule")
    assert kind is not None  # is_satisfied_for_unauth defaults to false
    assert spec_changes(kind, {"name": "r"}, {"name": "r", "is_satisfied_for_unauth": False}) == []
    assert spec_changes(kind, {"name": "r", "is_satisfied_for_unauth": True}, {"name": "r"}) == [
        FieldChange("spec.is_satisfied_for_unauth", False, True)
    ]


def test_write_shape_drops_read_only_fields_by_schema() -> None:
    kind = kind_by_name("coupon")
    assert kind is not None
    read = {
        "external_id": "c",
        "name": {"en-US": "C"},
        "is_enabled": True,
        "total_limit_state": {"available": 1},
        "total_codes_count": 3,
        "bonus": [{"sku": "s", "quantity": 2.0, "name": "read-only item name"}],
    }
    assert kind.to_spec(read) == {"name": {"en-US": "C"}, "bonus": [{"sku": "s", "quantity": 2}]}
    assert project({"b": 1, "a": 2}, {"additionalProperties": {"type": "integer"}}) == {
        "a": 2,
        "b": 1,
    }


def test_promotion_limits_come_back_in_their_write_form() -> None:
    kind = kind_by_name("discount")
    assert kind is not None
    read = {
        "id": 3,
        "name": {"en-US": "D"},
        "limits": {
            "per_user": {"total": 2},
            "per_item": None,
            "recurrent_schedule": {
                "per_user": {
                    "interval_type": "weekly",
                    "day_of_week": 1,
                    "day_of_month": None,
                    "time": "11:00:00+03:00",
                    "reset_next_date": 1,
                    "displayable_reset_next_date": "2026-12-07T08:00:00+00:00",
                }
            },
        },
    }
    assert kind.to_spec(read)["limits"] == {
        "per_user": 2,
        "recurrent_schedule": {
            "per_user": {"interval_type": "weekly", "day_of_week": 1, "time": "11:00:00+03:00"}
        },
    }


def test_write_id_keeps_comments_and_replaces_a_stale_id(tmp_path: Path) -> None:
    path = tmp_path / "d.yaml"
    path.write_text("# note\nkind: discount\nspec: {}\n")
    write_id(path, "7")
    assert path.read_text() == "# note\nkind: discount\nid: 7\nspec: {}\n"
    write_id(path, "8")
    assert path.read_text() == "# note\nkind: discount\nid: 8\nspec: {}\n"


def test_update_bodies_follow_the_write_rules() -> None:
    chain = kind_by_name("reward_chain")
    assert chain is not None
    spec = {
        "name": {"en": "Clan pass"},
        "value_point": {"sku": "vp"},
        "clan_type": "guild",
        "popup_header": {"en": "Join"},
        "steps": [{"name": {"en": "s"}, "price": {"amount": 1}, "reward": []}],
    }
    body = chain.update_body("3", spec, {"steps": [{"step_id": 9}]})
    assert "value_point" not in body and "clan_type" not in body  # S6: strip them on PUT
    assert body["steps"][0]["step_id"] == 9  # kept from the project, by position
    assert "value_point" in chain.create_body(None, spec)
    coupon = kind_by_name("coupon")
    assert coupon is not None
    assert "external_id" not in coupon.update_body("gift", {"name": {"en-US": "G"}})
