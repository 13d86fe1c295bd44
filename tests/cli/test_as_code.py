"""export -> plan -> edit -> plan -> apply -> plan against the embedded mock."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from liveops_async.cli._export import write_export
from liveops_async.cli._files import write_id
from liveops_async.cli._kinds import FETCH_CONCURRENCY, KINDS, Current

from .conftest import Invoke, MockServer, edit


def test_round_trip_export_plan_edit_apply_converges(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    server.seed()
    config = tmp_path / "config"
    exported = liveops("export", str(config))
    assert exported.exit_code == 0, exported.output
    assert "Skipped upsell: the API refused this key (403)" in exported.output
    files = sorted(p.relative_to(config).as_posix() for p in config.rglob("*.yaml"))
    assert files == [
        "bonuses/2-new-year-bonus.yaml",
        "catalog_rules/1-orc-race-armor-rule.yaml",
        "coupons/winter_coupon_2026.yaml",
        "daily_chains/1-december-login-calendar.yaml",
        "discounts/1-elven-week.yaml",
        "offer_chains/1-starter-path.yaml",
        "promo_codes/spring_sale_2026.yaml",
        "reward_chains/1-winter-pass.yaml",
        "unique_catalog_offers/secret_shop_2026.yaml",
        "value_point_rewards/season_points.yaml",
        "value_points/season_points.yaml",
    ]
    coupon = yaml.safe_load((config / "coupons/winter_coupon_2026.yaml").read_text())
    assert coupon["kind"] == "coupon" and coupon["id"] == "winter_coupon_2026"
    assert coupon["enabled"] is True
    # Read-only and computed fields stay out of the spec; the key is kept apart.
    assert not {"is_enabled", "total_limit_state", "total_codes_count", "external_id"} & set(
        coupon["spec"]
    )
    assert coupon["spec"]["bonus"][0] == {"sku": "elven_sword", "quantity": 1}

    assert liveops("plan", str(config)).exit_code == 0

    # Edits: a coupon's name and its state, a quantity in an enabled daily chain, a new
    # discount without an id, and a bonus file removed.
    edit(config / "coupons/winter_coupon_2026.yaml", "en-US: Winter gift", "en-US: Winter gift!")
    edit(config / "coupons/winter_coupon_2026.yaml", "enabled: true", "enabled: false")
    chain = config / "daily_chains/1-december-login-calendar.yaml"
    edit(chain, "quantity: 2", "quantity: 5")
    new_discount = config / "discounts/orc-week.yaml"
    new_discount.write_text(
        (config / "discounts/1-elven-week.yaml")
        .read_text()
        .replace("\nid: 1\n", "\n")
        .replace("Elven week", "Orc week")
    )
    (config / "bonuses/2-new-year-bonus.yaml").unlink()

    planned = liveops("plan", str(config), "--json")
    assert planned.exit_code == 2, planned.output
    changes = json.loads(planned.stdout)["changes"]
    by_id = {(c["action"], c["kind"], c["id"]): c for c in changes}
    assert set(by_id) == {
        ("create", "discount", None),
        ("update", "coupon", "winter_coupon_2026"),
        ("update", "daily_chain", "1"),
        ("delete", "bonus", "2"),
    }
    coupon_fields = by_id[("update", "coupon", "winter_coupon_2026")]["fields"]
    assert coupon_fields == [
        {"field": "spec.name.en-US", "before": "Winter gift", "after": "Winter gift!"},
        {"field": "enabled", "before": True, "after": False},
    ]
    assert by_id[("update", "daily_chain", "1")]["fields"] == [
        {"field": "spec.steps[2].items[1].quantity", "before": 2, "after": 5}
    ]
    text_plan = liveops("plan", str(config))
    assert '~ spec.name.en-US: "Winter gift" -> "Winter gift!"' in text_plan.output

    # Without --allow-delete the bonus stays; everything else is applied.
    applied = liveops("apply", str(config), "--yes")
    assert applied.exit_code == 0, applied.output
    assert "Skipped 1 delete(s)" in applied.output
    assert "Applying" in applied.output and "3/3" in applied.output  # the progress bar
    assert server.mock.count("delete-bonus-promotion") == 0
    assert server.mock.count("admin-toggle-daily-chain") == 1  # disabled before the update
    assert server.mock.count("deactivate-coupon") == 1
    assert yaml.safe_load(new_discount.read_text())["id"] == 6  # the server's id, written back

    again = liveops("plan", str(config), "--json")
    assert again.exit_code == 2
    assert [(c["action"], c["kind"]) for c in json.loads(again.stdout)["changes"]] == [
        ("delete", "bonus")
    ]
    deleted = liveops("apply", str(config), "--yes", "--allow-delete")
    assert deleted.exit_code == 0, deleted.output
    assert server.mock.count("delete-bonus-promotion") == 1
    assert liveops("plan", str(config)).exit_code == 0

    # The project now is what the files say: a fresh export of it is the same files.
    before = {p: p.read_text() for p in config.rglob("*.yaml")}
    second = liveops("export", str(config))
    assert "0 written" in second.output
    assert {p: p.read_text() for p in config.rglob("*.yaml")} == before


def test_second_export_of_unchanged_project_is_byte_identical(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    server.seed()
    first, second = tmp_path / "a", tmp_path / "b"
    assert liveops("export", str(first)).exit_code == 0
    assert liveops("export", str(second)).exit_code == 0
    names = sorted(p.relative_to(first) for p in first.rglob("*.yaml"))
    assert names == sorted(p.relative_to(second) for p in second.rglob("*.yaml"))
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_apply_creates_into_an_empty_project_in_dependency_order(
    server: MockServer, liveops: Invoke, exported: Path
) -> None:
    config = exported
    # Forget every entity: the files now describe a project to build from nothing.
    server.call(_reset(server))
    for path in config.rglob("*.yaml"):
        data = yaml.safe_load(path.read_text())
        if isinstance(data.get("id"), int):  # server-assigned ids are meaningless now
            path.write_text(re.sub(r"^id: \d+\n", "", path.read_text(), flags=re.MULTILINE))
    # A unique catalog offer with two periods: its create call takes one date range only.
    edit(
        config / "unique_catalog_offers/secret_shop_2026.yaml",
        "  promotion_periods:\n",
        "  promotion_periods:\n  - date_from: '2026-11-01T00:00:00+00:00'\n"
        "    date_until: '2026-11-02T00:00:00+00:00'\n",
    )
    planned = liveops("plan", str(config), "--json")
    assert planned.exit_code == 2, planned.output
    changes = json.loads(planned.stdout)["changes"]
    assert {c["action"] for c in changes} == {"create"}
    assert len(changes) == 11  # every kind but upsell, which the project key may not read

    applied = liveops("apply", str(config), "--yes", "--concurrency", "2")
    assert applied.exit_code == 0, applied.output
    order = [r.operation_id for r in server.mock.requests if r.method in ("POST", "PUT")]
    assert order.index("admin-create-value-points") < order.index("admin-create-reward-chain")
    assert "activate-coupon" in order  # the coupon file says enabled: true
    assert order.index("admin-create-value-points") < order.index(
        "admin-set-items-value-point-reward"
    )
    assert "update-unique-catalog-offer-promotion" in order  # the second period
    assert liveops("plan", str(config)).exit_code == 0


async def _reset(server: MockServer) -> None:
    server.mock.reset_state()


def test_example_configuration_applies_to_an_empty_project(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    example = Path(__file__).parents[2] / "examples" / "liveops-config"
    config = tmp_path / "config"
    shutil.copytree(example, config)
    # Xsolla refuses the project key on the upsell admin calls: its file is left out here.
    refused = liveops("plan", str(config))
    assert refused.exit_code == 1
    assert "reading upsell failed" in refused.output and "--exclude upsell" in refused.output
    planned = liveops("plan", str(config), "--exclude", "upsell", "--json")
    assert planned.exit_code == 2, planned.output
    assert json.loads(planned.stdout)["summary"] == {"create": 11, "update": 0, "delete": 0}
    applied = liveops("apply", str(config), "--exclude", "upsell", "--yes")
    assert applied.exit_code == 0, applied.output
    assert liveops("plan", str(config), "--exclude", "upsell").exit_code == 0
    # The comment above the discount's fields survives writing its id.
    discount = (config / "discounts/spring-weekend.yaml").read_text()
    assert discount.startswith("# No `id` yet") and "\nid: 1\n" in discount


def test_only_kinds_with_a_folder_are_managed(liveops: Invoke, exported: Path) -> None:
    # A repository that keeps coupons only: nothing else is planned for deletion.
    for folder in exported.iterdir():
        if folder.name != "coupons":
            shutil.rmtree(folder)
    edit(
        exported / "coupons/winter_coupon_2026.yaml", "redeem_user_limit: 1", "redeem_user_limit: 2"
    )
    planned = liveops("plan", str(exported), "--json")
    assert planned.exit_code == 2
    assert [(c["action"], c["kind"]) for c in json.loads(planned.stdout)["changes"]] == [
        ("update", "coupon")
    ]
    text = liveops("plan", str(exported))
    assert "Not managed here (no folder): value_points, value_point_rewards," in text.output
    # --only names kinds outright: without files, every coupon would be deleted.
    (exported / "coupons/winter_coupon_2026.yaml").unlink()
    only = liveops("plan", str(exported), "--only", "coupon", "--only", "discount", "--json")
    assert [(c["action"], c["kind"]) for c in json.loads(only.stdout)["changes"]] == [
        ("delete", "coupon"),  # deletes in reverse dependency order
        ("delete", "discount"),
    ]


def test_a_kind_the_key_may_not_read_is_named_and_can_be_excluded(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    server.seed()  # with an upsell, which the mock, as Xsolla, refuses to the project key
    named = liveops("export", str(tmp_path), "--only", "upsell")
    assert named.exit_code == 1
    assert "reading upsell failed" in named.output and "--exclude upsell" in named.output
    skipped = liveops("export", str(tmp_path))
    assert skipped.exit_code == 0, skipped.output
    assert "Skipped upsell: the API refused this key (403)" in skipped.output
    assert not (tmp_path / "upsell").exists() and (tmp_path / "coupons").is_dir()
    # A file kept in the upsell folder (managed with other credentials) survives the export.
    kept = tmp_path / "upsell" / "upsell.yaml"
    kept.parent.mkdir()
    kept.write_text("kind: upsell\nspec: {type: fixed_list, is_enabled: true, items: [a]}\n")
    assert liveops("export", str(tmp_path)).exit_code == 0
    assert kept.is_file()
    excluded = liveops("export", str(tmp_path), "--exclude", "upsell")
    assert excluded.exit_code == 0 and "Skipped" not in excluded.output


def test_export_of_an_empty_project_makes_every_kind_folder(
    liveops: Invoke, tmp_path: Path
) -> None:
    assert liveops("export", str(tmp_path)).exit_code == 0
    # Every kind the project key may read: the upsell admin calls refuse it (403).
    readable = sorted(kind.directory for kind in KINDS if kind.name != "upsell")
    assert sorted(p.name for p in tmp_path.iterdir()) == readable
    assert list(tmp_path.rglob("*.yaml")) == []
    assert liveops("plan", str(tmp_path)).exit_code == 0


def test_a_catalog_rule_item_named_by_id_is_no_change(
    server: MockServer, liveops: Invoke, exported: Path
) -> None:
    # The seeded rule was created with {item_id: 101}; the export names it by SKU.
    rule = exported / "catalog_rules/1-orc-race-armor-rule.yaml"
    edit(rule, "  - sku: item_1\n", "  - item_id: 101\n")
    assert liveops("plan", str(exported)).exit_code == 0
    edit(rule, "  - item_id: 101\n", "  - item_id: 102\n")
    changed = liveops("plan", str(exported), "--json")
    assert json.loads(changed.stdout)["changes"][0]["fields"] == [
        {"field": "spec.items[0].item_id", "before": None, "after": 102},
        {"field": "spec.items[0].sku", "before": "item_1", "after": None},
    ]


def test_apply_keeps_to_its_concurrency_bound(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    (tmp_path / "coupons").mkdir()
    for n in range(6):
        (tmp_path / f"coupons/c{n}.yaml").write_text(
            f"kind: coupon\nid: c{n}\nenabled: true\nspec:\n  name: {{en-US: C{n}}}\n"
        )
    server.delay = 0.05  # every request held a moment, so the changes overlap
    applied = liveops("apply", str(tmp_path), "--yes", "--concurrency", "2")
    assert applied.exit_code == 0, applied.output
    assert server.mock.count("admin-create-coupon") == 6
    assert server.mock.count("activate-coupon") == 6
    assert server.most_in_flight <= 2


def test_reading_many_entities_one_by_one_is_bounded(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    for n in range(12):
        body = {**server.example("admin-create-value-points"), "sku": f"points-{n}"}
        assert server.request("admin-create-value-points", body=body)[0] == 201
    server.delay = 0.02  # every request held a moment, so the reads overlap
    exported = liveops("export", str(tmp_path), "--only", "value_point_rewards")
    assert exported.exit_code == 0, exported.output
    assert server.mock.count("admin-get-items-value-point-reward") == 12
    assert server.most_in_flight <= FETCH_CONCURRENCY


@pytest.mark.parametrize(
    "server_id",
    ["../../../outside", "(absolute)", "a/b", "..", "17\nkind: coupon", "C:\\x", "",
     "\u00b2", "\u0663", "9" * 5000],
)  # fmt: skip
def test_a_hostile_server_id_stays_inside_the_export_folder_and_its_file(
    server_id: str, tmp_path: Path
) -> None:
    """A server's id names a file (discounts, chains, ...) and is written into it after a
    create: whatever it holds, the file stays in its kind folder, and the id stays one YAML
    value."""
    if server_id == "(absolute)":  # inside tmp_path, should the test fail and write there
        server_id = str(tmp_path / "absolute")
    root = tmp_path / "config"
    discount = next(kind for kind in KINDS if kind.name == "discount")
    spec = {"name": {"en-US": "Sale"}}
    result = write_export(root, [discount], {"discount": [Current(server_id, True, spec)]})
    (written,) = result.written
    assert written.parent == root / discount.directory, written
    assert written.resolve().is_relative_to((root / discount.directory).resolve())
    document = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert document["id"] == server_id and document["kind"] == "discount"
    # The id a create answered, recorded in a file the user wrote: one value, nothing more.
    mine = root / discount.directory / "mine.yaml"
    mine.write_text("kind: discount\nspec:\n  name:\n    en-US: Mine\n", encoding="utf-8")
    write_id(mine, server_id)
    recorded = yaml.safe_load(mine.read_text(encoding="utf-8"))
    assert recorded == {"kind": "discount", "id": server_id, "spec": {"name": {"en-US": "Mine"}}}
