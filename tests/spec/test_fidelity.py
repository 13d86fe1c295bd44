"""The fidelity findings of November 2026 (/work/shared/reference/fidelity-findings-2026-11.md)
are fixed in the spec, and every choice between disagreeing references is marked.

Class (a) and (d) rows: each is checked here against the bundled spec, as the fix says (type,
nullability, presence, enum value). Class (b) rows and the inferred daily-chain shapes: each
finding id appears in an `x-liveops-choice` marker, whose form is checked too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

BUNDLE = Path(__file__).resolve().parents[2] / "liveops_async" / "testing" / "liveops.openapi.json"
SPEC: dict[str, Any] = json.loads(BUNDLE.read_text(encoding="utf-8"))
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMAS[node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node and len(node["allOf"]) == 1:  # `nullable` next to a single `$ref`
        return {**_resolve(node["allOf"][0]), **{k: v for k, v in node.items() if k != "allOf"}}
    return node


def _operation(operation_id: str) -> dict[str, Any]:
    for item in SPEC["paths"].values():
        for method in ("get", "put", "post", "patch", "delete"):
            if item.get(method, {}).get("operationId") == operation_id:
                op: dict[str, Any] = item[method]
                return op
    raise KeyError(operation_id)


def _at(operation_id: str, where: str, path: str) -> dict[str, Any]:
    """The schema at `path` (`items[].value_point.description`) of the 2xx response body
    (`where="response"`) or of the request body (`where="request"`)."""
    op = _operation(operation_id)
    if where == "request":
        node = op["requestBody"]["content"]["application/json"]["schema"]
    else:
        status = next(s for s in op["responses"] if s.startswith("2"))
        node = op["responses"][status]["content"]["application/json"]["schema"]
    node = _resolve(node)
    for step in path.split("."):
        name, is_array = step.removesuffix("[]"), step.endswith("[]")
        node = _resolve(node["properties"][name])
        if is_array:
            node = _resolve(node["items"])
    return node


def _nullable(node: dict[str, Any]) -> bool:
    return bool(node.get("nullable"))


# (finding, operation, request/response, path, check)
NULLABLE = "nullable"
STRING = "string, nullable"
PRESENT = "present"
FIXES: list[tuple[str, str, str, str, str]] = [
    ("A1", "admin-get-reward-chains", "response", "items[].value_point.description", STRING),
    ("A1", "admin-get-reward-chains", "response", "items[].value_point.long_description", STRING),
    ("A2", "get-promotion-list", "response", "promotions[].bonus[].item.description", STRING),
    ("A3", "get-offer-chains-list", "response", "items[].description", STRING),
    ("A3", "get-offer-chains-list", "response", "items[].steps[].items[].description", NULLABLE),
    ("A3", "get-offer-chains-list", "response", "items[].steps[].items[].image_url", NULLABLE),
    ("A3", "get-offer-chains-list", "response", "items[].steps[].items[].bundle_type", NULLABLE),
    ("A3", "get-offer-chains-list", "response", "items[].steps[].items[].content", NULLABLE),
    ("A3", "get-offer-chains-list", "response", "items[].steps[].step_vp_rewards", NULLABLE),
    ("A3", "get-offer-chains-list", "response", "items[].steps[].step_loyalty_rewards", NULLABLE),
    ("A3", "get-offer-chains-list", "response",
     "items[].steps[].step_loyalty_rewards[].image_url", NULLABLE),
    ("A3", "get-user-offer-chain-by-id", "response", "description", STRING),
    ("A3", "get-user-offer-chain-by-id", "response", "steps[].items[].description", NULLABLE),
    ("A3", "get-user-offer-chain-by-id", "response", "steps[].items[].image_url", NULLABLE),
    ("A3", "get-user-offer-chain-by-id", "response", "steps[].items[].bundle_type", NULLABLE),
    ("A3", "get-user-offer-chain-by-id", "response", "steps[].items[].content", NULLABLE),
    ("A3", "get-user-offer-chain-by-id", "response", "steps[].step_vp_rewards", NULLABLE),
    ("A3", "get-user-offer-chain-by-id", "response", "steps[].step_loyalty_rewards", NULLABLE),
    ("A3", "get-user-offer-chain-by-id", "response",
     "steps[].step_loyalty_rewards[].image_url", NULLABLE),
    ("A4", "admin-get-offer-chain", "response", "steps[].step_id", NULLABLE),
    ("A4", "admin-get-offer-chain", "response", "steps[].items[].image_url", NULLABLE),
    ("A5", "admin-get-reward-chain", "response", "steps[].step_id", NULLABLE),
    ("A5", "get-reward-chains-list", "response", "items[].top_contributors[]", NULLABLE),
    ("A6", "get-item-promotion-list", "response", "promotions[].items[].sku", STRING),
    ("A7", "admin-get-reward-chain", "response", "top_contributors", NULLABLE),
    ("A7", "admin-get-reward-chain", "response", "top_contributors.contributed_amount", PRESENT),
    ("A8", "verify-promotion-code", "response", "rewards.discounted_items[].description", PRESENT),
    ("A8", "verify-promotion-code", "response", "rewards.bonus[].item.content", PRESENT),
    ("A9", "get-promotion-list", "response", "promotions[].condition[].item.description", STRING),
    ("A10", "admin-create-offer-chain", "request", "steps[].items[].order", NULLABLE),
    ("A10", "admin-update-offer-chain", "request", "steps[].items[].order", NULLABLE),
    ("A10", "admin-update-offer-chain", "request", "steps[].step_id", NULLABLE),
    ("A11", "redeem-promo-code", "response", "items[].promotions[].bonus[].type", "nft"),
    ("A11", "remove-cart-promo-code", "response", "items[].promotions[].bonus[].type", "nft"),
    ("D1", "admin-get-offer-chain", "response", "number_of_steps", PRESENT),
    ("D1", "admin-get-offer-chains", "response", "items[].number_of_steps", PRESENT),
]  # fmt: skip


@pytest.mark.parametrize(
    ("finding", "operation_id", "where", "path", "check"),
    FIXES,
    ids=[f"{f[0]}:{f[1]}:{f[3]}" for f in FIXES],
)
def test_class_a_and_d_findings_are_fixed(
    finding: str, operation_id: str, where: str, path: str, check: str
) -> None:
    node = _at(operation_id, where, path)
    if check == NULLABLE:
        assert _nullable(node), node
    elif check == STRING:
        assert node.get("type") == "string" and _nullable(node), node
    elif check == "nft":
        assert "nft" in node["enum"], node
    else:
        assert node, node


def test_the_fix_check_can_fail() -> None:
    assert not _nullable(_at("get-coupon", "response", "external_id"))
    with pytest.raises(KeyError):
        _at("get-coupon", "response", "no_such_field")


def _choices(node: Any, where: str = "#") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        if "x-liveops-choice" in node:
            yield where, node["x-liveops-choice"]
        for key, value in node.items():
            yield from _choices(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _choices(value, f"{where}/{index}")


CHOICES = list(_choices(SPEC))
# Class (b) rows, D2 (recorded, not applied: one unverified source) and the inferred daily-chain
# shapes (B10), by their ids in the findings file.
MARKED = ["B1", "B2", "B3a", "B3b", "B4a", "B4b", "B4c", "B4d", "B4e", "B5a", "B5b", "B6",
          "B7", "B8", "B9", "B10", "D1", "D2", "A8", "A11"]  # fmt: skip


@pytest.mark.parametrize(("where", "choice"), CHOICES, ids=[c[0] for c in CHOICES])
def test_choice_markers_have_their_form(where: str, choice: Any) -> None:
    assert isinstance(choice, dict) and set(choice) == {"finding", "confirmed", "chose", "over"}
    assert isinstance(choice["confirmed"], bool)
    assert all(isinstance(choice[k], str) and choice[k].strip() for k in ("chose", "over"))
    finding = choice["finding"]
    # "none": a choice no audit finding covers (a status or bound the references leave out)
    assert finding == "none" or all(
        part[0] in "ABD" and part[1:2].isdigit() for part in finding.split("/")
    )


@pytest.mark.parametrize("finding", MARKED)
def test_every_choice_is_marked(finding: str) -> None:
    marked = {part for _, c in CHOICES for part in str(c["finding"]).split("/")}
    assert finding in marked


def test_inferred_daily_chain_shapes_are_marked() -> None:
    daily = [where for where, c in CHOICES if c["finding"].startswith("B10")]
    assert len(daily) >= 8, daily


# Limits of code-based promotions, as written: no reference states a minimum or what 0 or a
# negative value means, so the spec sets no bound and says so (the choice to re-check).
UNBOUNDED_LIMITS = [
    (operation_id, field)
    for operation_id in (
        "admin-create-coupon",
        "update-coupon-promotion",
        "create-promo-code",
        "update-promo-code",
        "admin-create-unique-catalog-offer",
        "update-unique-catalog-offer-promotion",
    )
    for field in ("redeem_total_limit", "redeem_user_limit", "redeem_code_limit")
]


@pytest.mark.parametrize(("operation_id", "field"), UNBOUNDED_LIMITS)
def test_redeem_limits_are_unbounded_and_the_choice_is_marked(
    operation_id: str, field: str
) -> None:
    node = _at(operation_id, "request", field)
    assert node["type"] == "integer" and _nullable(node)
    assert "minimum" not in node and "exclusiveMinimum" not in node
    assert node["x-liveops-choice"]["finding"] == "none"
    assert not node["x-liveops-choice"]["confirmed"]


@pytest.mark.parametrize("operation_id", ["create-item-promotion", "update-item-promotion"])
def test_promotion_per_user_limit_minimum_is_marked_as_a_choice(operation_id: str) -> None:
    node = _at(operation_id, "request", "limits.per_user")
    assert node["minimum"] == 1
    assert node["x-liveops-choice"]["finding"] == "none"
