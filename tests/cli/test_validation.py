"""Files are checked before anything is read from or sent to the project."""

from __future__ import annotations

import subprocess
from pathlib import Path

from .conftest import API_KEY, PROJECT_ID, Invoke, MockServer, edit, run_without_jsonschema


def _write(root: Path, name: str, text: str) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_every_problem_is_reported_with_file_and_field_and_nothing_is_sent(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    _write(
        tmp_path,
        "coupons/bad.yaml",
        "kind: coupon\nid: bad\nenabled: maybe\nspec:\n  name: {en-US: Bad}\n"
        "  redeem_user_limit: lots\n  nmae: typo\n"
        "  promotion_periods: [{date_from: 'next tuesday'}]\n",
    )
    _write(tmp_path, "coupons/no-id.yaml", "kind: coupon\nspec:\n  name: {en-US: X}\n")
    _write(tmp_path, "coupons/wrong-kind.yaml", "kind: discount\nid: w\nspec: {}\n")
    _write(
        tmp_path,
        "discounts/missing.yaml",
        "kind: discount\nspec:\n  name: {en-US: Sale}\n  items: [{sku: 'bad sku!'}]\n",
    )
    _write(tmp_path, "coupon/typo-folder.yaml", "kind: coupon\nid: x\nspec: {}\n")
    _write(tmp_path, "upsell/upsell.yaml", "kind: upsell\nspec: [not, a, mapping]\n")
    _write(tmp_path, "bonuses/broken.yaml", "kind: bonus\nspec: {name: [unclosed\n")

    result = liveops("plan", str(tmp_path))
    assert result.exit_code == 1
    lines = result.output.splitlines()

    def reported(file: str, field: str, words: str) -> bool:
        return any(line.startswith(f"error {file}: {field}") and words in line for line in lines)

    assert reported("coupons/bad.yaml", "enabled", "true or false")
    assert reported("coupons/bad.yaml", "spec.redeem_user_limit", "'lots'")
    assert reported("coupons/bad.yaml", "spec.nmae", "unknown field")
    assert reported("coupons/bad.yaml", "spec.promotion_periods[0].date_from", "date-time")
    assert reported("coupons/no-id.yaml", "id", "required")
    assert reported("coupons/wrong-kind.yaml", "kind", "'coupon'")
    assert reported("discounts/missing.yaml", "spec", "'discount' is a required property")
    assert reported("discounts/missing.yaml", "spec.items[0].sku", "does not match")
    assert reported("coupon/typo-folder.yaml", "", "not in a kind folder")
    assert reported("upsell/upsell.yaml", "spec", "mapping")
    assert reported("bonuses/broken.yaml", "", "cannot read")
    assert len(server.mock.requests) == 0  # validated before any call

    assert liveops("apply", str(tmp_path), "--yes").exit_code == 1
    assert len(server.mock.requests) == 0


def test_a_create_only_field_cannot_change(liveops: Invoke, exported: Path) -> None:
    edit(exported / "reward_chains/1-winter-pass.yaml", "sku: snowflake", "sku: sunbeam")
    result = liveops("plan", str(exported))
    assert result.exit_code == 1
    assert "reward_chains/1-winter-pass.yaml: spec.value_point: cannot change" in result.output


def test_two_files_for_one_entity_are_refused(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    text = "kind: coupon\nid: twin\nspec:\n  name: {en-US: Twin}\n"
    _write(tmp_path, "coupons/a.yaml", text)
    _write(tmp_path, "coupons/b.yaml", text)
    result = liveops("plan", str(tmp_path))
    assert result.exit_code == 1
    assert "coupons/b.yaml: id: twin is also in" in result.output


def test_a_date_time_without_a_time_zone_is_refused_before_anything_is_sent(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    # The SDK sends date-times with their offset and refuses a naive one when the call is
    # made; the plan says so first, with the file and the field.
    _write(
        tmp_path,
        "coupons/naive.yaml",
        "kind: coupon\nid: naive\nspec:\n  name: {en-US: Naive}\n"
        "  promotion_periods: [{date_from: '2026-11-01T00:00:00'}]\n",
    )
    _write(
        tmp_path,
        "promo_codes/a-day.yaml",
        "kind: promo_code\nid: a-day\nspec:\n  name: {en-US: Day}\n"
        "  promotion_periods: [{date_from: 2026-11-01}]\n",  # YAML reads a date
    )
    result = liveops("plan", str(tmp_path))
    assert result.exit_code == 1
    for file in ("coupons/naive.yaml", "promo_codes/a-day.yaml"):
        assert any(
            line.startswith(f"error {file}: spec.promotion_periods[0].date_from")
            and "RFC 3339 with a time zone" in line
            for line in result.output.splitlines()
        ), result.output
    assert len(server.mock.requests) == 0


def test_a_union_member_is_explained_by_the_branch_it_came_closest_to(
    liveops: Invoke, tmp_path: Path
) -> None:
    # A number condition with a wrong operator: the problem named is the operator, not the
    # `type` that a string condition (another branch) would need.
    _write(
        tmp_path,
        "coupons/levels.yaml",
        "kind: coupon\nid: levels\nspec:\n  name: {en-US: Levels}\n  attribute_conditions:\n"
        "  - {attribute: level, type: number, operator: less, value: '10'}\n",
    )
    result = liveops("plan", str(tmp_path))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith("error ")]
    assert any(
        "spec.attribute_conditions[0].operator: 'less' is not one of" in line for line in lines
    ), result.output
    assert not any("attribute_conditions[0].type" in line for line in lines), result.output


def test_plan_and_apply_never_import_jsonschema(
    server: MockServer, exported: Path, tmp_path: Path
) -> None:
    edit(exported / "coupons/winter_coupon_2026.yaml", "en-US: Winter gift", "en-US: Gift!")
    bad = tmp_path / "bad"
    _write(bad, "coupons/bad.yaml", "kind: coupon\nid: bad\nspec:\n  name: {en-US: B}\n  x: 1\n")
    env = {"LIVEOPS_PROJECT_ID": str(PROJECT_ID), "LIVEOPS_API_KEY": API_KEY, "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_without_jsonschema("--base-url", server.mock.base_url, *args, env=env)

    refused = run("plan", str(bad))
    assert refused.returncode == 1, refused.stderr
    assert "coupons/bad.yaml: spec.x: unknown field" in refused.stdout + refused.stderr
    planned = run("plan", str(exported))
    assert planned.returncode == 2, planned.stderr  # 2: changes to apply
    assert "1 to update" in planned.stdout
    applied = run("apply", str(exported), "--yes")
    assert applied.returncode == 0, applied.stderr
    assert server.mock.count("update-coupon-promotion") == 1
    for done in (refused, planned, applied):
        assert "refused imports []" in done.stdout, done.stdout


def test_patterns_are_checked_as_ecma_262_says(
    server: MockServer, liveops: Invoke, tmp_path: Path
) -> None:
    # YAML's "\n" escape puts a trailing newline in the SKU: `$` of the pattern does not match
    # before it (ECMA-262), nor are Arabic-Indic digits `\d`.
    _write(
        tmp_path,
        "discounts/newline.yaml",
        'kind: discount\nid: nl\nspec:\n  name: {en-US: Sale}\n  items: [{sku: "gold\\n"}]\n'
        '  discount: {percent: "\u0661\u0660"}\n',
    )
    result = liveops("plan", str(tmp_path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any(
        line.startswith("error discounts/newline.yaml: spec.items[0].sku")
        and "'gold\\n' does not match" in line
        for line in lines
    ), result.output
    assert any(
        line.startswith("error discounts/newline.yaml: spec.discount.percent")
        and "does not match" in line
        for line in lines
    ), result.output
    assert len(server.mock.requests) == 0
