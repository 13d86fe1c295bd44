"""Personalized catalog rules: CRUD, with PATCH keeping omitted fields."""

from __future__ import annotations

from typing import Any

import attrs

from ._core import Collection, RequestContext, body_copy, counted_page, handles, int_path

_SUMMARY_FIELDS = ("rule_id", "name", "is_enabled", "is_satisfied_for_unauth")


@attrs.define
class CatalogRulesState:
    rules: Collection = attrs.field(factory=lambda: Collection("Rule", key_field="rule_id"))


def _view(rule: dict[str, Any]) -> dict[str, Any]:
    items = [
        {
            "item_id": item.get("item_id", n),
            "sku": item.get("sku", f"item_{n}"),
            "name": item.get("sku", f"item_{n}"),
            "type": "virtual_good",
        }
        for n, item in enumerate(rule.get("items", []), start=1)
    ]
    return {"is_satisfied_for_unauth": False, **rule, "items": items}


def _rules(ctx: RequestContext) -> Collection:
    return ctx.state(CatalogRulesState).rules


@handles("create-filter-rule")
def create(ctx: RequestContext) -> Any:
    rules = _rules(ctx)
    rule_id = rules.new_id()
    rules.add(rule_id, body_copy(ctx))
    return {"rule_id": rule_id}


@handles("get-filter-rules")
def list_(ctx: RequestContext) -> Any:
    wanted = ctx.query.get("is_enabled")
    rules = [r for r in _rules(ctx) if wanted is None or bool(r.get("is_enabled")) == bool(wanted)]
    return counted_page(rules, ctx, _view)


@handles("get-all-filter-rules")
def list_all(ctx: RequestContext) -> Any:
    return {"items": [{k: _view(r)[k] for k in _SUMMARY_FIELDS} for r in _rules(ctx)]}


@handles("get-filter-rule-by-id")
def get(ctx: RequestContext) -> Any:
    return _view(_rules(ctx).get(int_path(ctx, "rule_id")))


@handles("update-filter-rule-by-id")
def replace(ctx: RequestContext) -> None:
    _rules(ctx).replace(int_path(ctx, "rule_id"), body_copy(ctx))


@handles("patch-filter-rule-by-id")
def patch(ctx: RequestContext) -> None:
    _rules(ctx).get(int_path(ctx, "rule_id")).update(body_copy(ctx))


@handles("delete-filter-rule-by-id")
def delete(ctx: RequestContext) -> None:
    _rules(ctx).delete(int_path(ctx, "rule_id"))
