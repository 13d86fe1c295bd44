"""Files are checked before anything is read from or sent to the project."""

from __future__ import annotations

from pathlib import Path

from .conftest import Invoke, MockServer, edit


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
