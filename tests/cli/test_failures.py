"""A failure half way: what was applied is reported, nothing further runs, a re-run converges;
unclear outcomes of calls that are not resent are settled by reading back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from liveops_async.cli import _apply as apply_module

from .conftest import Invoke, MockServer, edit


def test_failure_half_way_stops_reports_and_rerun_converges(
    server: MockServer, liveops: Invoke, exported: Path
) -> None:
    config = exported
    edit(config / "value_points/season_points.yaml", "en: Season points", "en: Season pts")
    edit(config / "coupons/winter_coupon_2026.yaml", "en-US: Winter gift", "en-US: Gift")
    edit(config / "promo_codes/spring_sale_2026.yaml", "en-US: Spring sale", "en-US: Sale")
    edit(
        config / "unique_catalog_offers/secret_shop_2026.yaml", "en-US: Secret shop", "en-US: Shop"
    )
    refusal = server.fail("PUT", "/admin/promocode/spring_sale_2026", 422)

    failed = liveops("apply", str(config), "--yes", "--concurrency", "1", "--json")
    assert failed.exit_code == 1
    report = json.loads(failed.stdout)
    assert report["ok"] is False
    assert report["applied"] == [
        "value_point season_points: updated",
        "coupon winter_coupon_2026: updated",
    ]
    assert report["failed"]["change"]["id"] == "spring_sale_2026"
    assert "422" in report["failed"]["error"]
    assert [c["id"] for c in report["not_started"]] == ["secret_shop_2026"]
    assert server.mock.count("update-unique-catalog-offer-promotion") == 0
    assert refusal.hits == 1

    # The project holds exactly what the report says: the plan lists only the rest.
    rest = liveops("plan", str(config), "--json")
    assert rest.exit_code == 2
    assert [c["id"] for c in json.loads(rest.stdout)["changes"]] == [
        "spring_sale_2026",
        "secret_shop_2026",
    ]
    refusal.remaining = 0
    again = liveops("apply", str(config), "--yes")
    assert again.exit_code == 0, again.output
    assert liveops("plan", str(config)).exit_code == 0


def test_failure_text_output_names_applied_failed_and_not_started(
    server: MockServer, liveops: Invoke, exported: Path
) -> None:
    config = exported
    edit(config / "coupons/winter_coupon_2026.yaml", "en-US: Winter gift", "en-US: Gift")
    edit(config / "promo_codes/spring_sale_2026.yaml", "en-US: Spring sale", "en-US: Sale")
    server.fail("PUT", "/admin/promocode/spring_sale_2026", 422)
    failed = liveops("apply", str(config), "--yes", "--concurrency", "1")
    assert failed.exit_code == 1
    assert "✓ coupon winter_coupon_2026: updated" in failed.output
    assert "Failed: promo_code spring_sale_2026" in failed.output


def test_create_answered_500_after_it_took_effect_is_settled_not_resent(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    (config / "coupons").mkdir(parents=True)
    (config / "coupons/gift.yaml").write_text(
        "kind: coupon\nid: gift\nenabled: true\nspec:\n  name: {en-US: Gift}\n"
        "  bonus: [{sku: gold, quantity: 5}]\n  redeem_user_limit: 1\n"
    )
    (config / "discounts").mkdir()
    (config / "discounts/sale.yaml").write_text(
        "kind: discount\nenabled: false\nspec:\n  name: {en-US: Sale}\n"
        "  discount: {percent: '10.00'}\n  items: [{sku: gold}]\n"
    )
    server.fail("POST", "/admin/coupon", 500, after_handling=True, remaining=1)
    server.fail("POST", "/admin/promotion/item", 500, after_handling=True, remaining=1)

    applied = liveops("apply", str(config), "--yes")
    assert applied.exit_code == 0, applied.output
    # Creating is not safe to resend: one request each, the outcome read back.
    assert server.mock.count("admin-create-coupon") == 1
    assert server.mock.count("create-item-promotion") == 1
    assert server.mock.count("activate-coupon") == 1
    assert yaml.safe_load((config / "discounts/sale.yaml").read_text())["id"] == 1
    assert liveops("plan", str(config)).exit_code == 0


@pytest.mark.parametrize("raw_body", [b"<html>Created</html>", b""], ids=["html", "empty"])
def test_create_whose_success_answer_cannot_be_read_is_settled_not_created_again(
    server: MockServer, liveops: Invoke, tmp_path: Path, raw_body: bytes
) -> None:
    """A 201 whose body is lost or garbled (ResponseDecodeError) means the create acted. It
    was reported as failed with "Nothing else was changed", the id never written back, so a
    re-run created the discount a second time."""
    config = tmp_path / "config"
    (config / "discounts").mkdir(parents=True)
    sale = config / "discounts/sale.yaml"
    sale.write_text(
        "kind: discount\nenabled: false\nspec:\n  name: {en-US: Sale}\n"
        "  discount: {percent: '10.00'}\n  items: [{sku: gold}]\n"
    )
    garbled = server.fail(
        "POST", "/admin/promotion/item", 201, after_handling=True, remaining=1, raw_body=raw_body
    )

    applied = liveops("apply", str(config), "--yes")
    assert applied.exit_code == 0, applied.output
    assert garbled.hits == 1
    assert yaml.safe_load(sale.read_text())["id"] == 1  # read back, written back
    assert liveops("apply", str(config), "--yes").exit_code == 0
    assert server.mock.count("create-item-promotion") == 1


def test_create_failing_before_it_took_effect_is_reported_and_rerun_creates(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    (config / "discounts").mkdir(parents=True)
    sale = config / "discounts/sale.yaml"
    sale.write_text(
        "kind: discount\nspec:\n  name: {en-US: Sale}\n  discount: {percent: '10.00'}\n"
        "  items: [{sku: gold}]\n"
    )
    outage = server.fail("POST", "/admin/promotion/item", 503, remaining=1)
    failed = liveops("apply", str(config), "--yes")
    assert failed.exit_code == 1
    assert "outcome" in failed.output.lower() or "unknown" in failed.output.lower()
    assert "id:" not in sale.read_text()
    assert outage.hits == 1  # never resent by the SDK or the CLI
    assert liveops("apply", str(config), "--yes").exit_code == 0
    assert yaml.safe_load(sale.read_text())["id"] == 1


def test_an_id_that_cannot_be_written_back_is_reported_after_the_create(
    server: MockServer, liveops: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "discounts").mkdir()
    (tmp_path / "discounts/sale.yaml").write_text(
        "kind: discount\nspec:\n  name: {en-US: Sale}\n  discount: {percent: '10.00'}\n"
        "  items: [{sku: gold}]\n"
    )

    def read_only_disk(path: Path, key: str) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(apply_module, "write_id", read_only_disk)
    failed = liveops("apply", str(tmp_path), "--yes", "--json")
    assert failed.exit_code == 1
    report = json.loads(failed.stdout)
    assert report["applied"] == ["discount (new): created with id 1"]
    assert "`id: 1`" in report["failed"]["error"] and "by hand" in report["failed"]["error"]


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "no-such-folder"),  # a typo in the folder
        ("plan", "{config}", "--only", "coupon_s"),  # an unknown kind
        ("plan", "{config}", "--no-such-option"),
    ],
)
def test_plan_usage_errors_exit_1_not_2_which_means_changes(
    liveops: Invoke, exported: Path, args: tuple[str, ...]
) -> None:
    # A CI job runs `liveops plan config/` and reads 2 as "changes pending"; Click's own usage
    # errors exited 2 too, so a misspelt folder looked like a project with changes.
    result = liveops(*(a.format(config=exported) for a in args))
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output
    assert liveops("plan", str(exported)).exit_code == 0
