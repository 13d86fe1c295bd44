"""Handlers are bound by operation id: every id names an operation of the spec, each id is
bound in the mock module named after its SDK resource, and each handler is the call its id
says."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from liveops_async.testing._spec import default_spec_path, load_spec
from liveops_async.testing._state import HANDLERS
from liveops_async.testing._state._code_promotions import CodePromotionCalls
from liveops_async.testing._state._core import handles
from liveops_async.testing._state._item_promotions import ItemPromotionCalls
from liveops_async.testing._state._redemption_limits import RedemptionLimitCalls

SPEC = load_spec(default_spec_path())
ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / "liveops_async" / "testing" / "_state"
SDK_RESOURCES = ROOT / "liveops_async" / "_generated" / "resources"


def _resource_of_each_operation() -> dict[str, str]:
    """operationId -> the SDK resource it belongs to (`x-liveops-sdk.resource` of the spec)."""
    bundled = json.loads(default_spec_path().read_text(encoding="utf-8"))
    return {
        op["operationId"]: op["x-liveops-sdk"]["resource"]
        for item in bundled["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op
    }


def _ids_bound_in(module: Path) -> list[str]:
    """The operation ids a module binds: the strings given to `handles(...)` and the keys of
    the tables given to `handles_each({...})`."""
    bound: list[str] = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        if node.func.id == "handles":
            bound += [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
        elif node.func.id == "handles_each" and isinstance(node.args[0], ast.Dict):
            bound += [key.value for key in node.args[0].keys if isinstance(key, ast.Constant)]
    return bound


def test_every_bound_id_is_an_operation_of_the_spec() -> None:
    assert set(HANDLERS) <= set(SPEC.operations), set(HANDLERS) - set(SPEC.operations)


def test_public_modules_are_named_as_the_sdk_resources() -> None:
    public = {p.stem for p in STATE.glob("*.py") if not p.stem.startswith("_")}
    resources = {p.stem for p in SDK_RESOURCES.glob("*.py") if not p.stem.startswith("_")}
    assert public <= resources, public - resources


def test_each_id_is_bound_in_the_module_of_its_sdk_resource() -> None:
    resource_of = _resource_of_each_operation()
    seen: list[str] = []
    for module in sorted(STATE.glob("*.py")):
        bound = _ids_bound_in(module)
        seen += bound
        if module.stem.startswith("_"):
            assert bound == [], f"{module.name} is shared code and binds no operation id"
            continue
        misplaced = {
            op_id: resource_of[op_id] for op_id in bound if resource_of[op_id] != module.stem
        }
        assert not misplaced, f"{module.name} binds ids of other resources: {misplaced}"
    # Every registered handler was found where it is bound, once.
    assert sorted(seen) == sorted(HANDLERS)


def test_ids_are_bound_to_the_call_they_name() -> None:
    # A few ids of each table, with the call and the kind of promotion it must reach.
    expected = {
        "admin-create-coupon": (CodePromotionCalls, "create", "coupon"),
        "generate-promo-code-codes": (CodePromotionCalls, "generate_codes", "promocode"),
        "deactivate-unique-catalog-offer": (
            CodePromotionCalls,
            "deactivate",
            "unique_catalog_offer",
        ),
        "get-bonus-promotion-list": (ItemPromotionCalls, "list_", "item_bonus"),
        "update-item-promotion": (ItemPromotionCalls, "update", "item_discount"),
    }
    for op_id, (calls, name, kind) in expected.items():
        handler: Any = HANDLERS[op_id]
        assert isinstance(handler.__self__, calls), op_id
        assert handler.__name__ == name, op_id
        assert handler.__self__.kind.type == kind, op_id


def test_limit_ids_reach_the_limits_of_their_own_kind() -> None:
    # id -> (call, the kind of the promotion its finder looks up; None: by promotion id)
    expected = {
        "set-coupon-user-promotion-limit": ("set_limit", "coupon"),
        "get-promo-code-code-limit": ("code_limits", "promocode"),
        "remove-user-promotion-limit": ("decrease", None),
    }
    for op_id, (name, kind) in expected.items():
        handler: Any = HANDLERS[op_id]
        assert isinstance(handler.__self__, RedemptionLimitCalls), op_id
        assert handler.__name__ == name, op_id
        finder = handler.__self__.find
        found_by = getattr(finder, "__self__", None)
        assert (found_by.kind.type if found_by is not None else None) == kind, op_id


def test_an_id_cannot_be_bound_twice() -> None:
    with pytest.raises(RuntimeError, match="two handlers for admin-create-coupon"):
        handles("admin-create-coupon")(lambda ctx: None)
