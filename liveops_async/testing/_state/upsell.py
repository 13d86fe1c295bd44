"""Upsell: the admin configuration, and the player list that follows it."""

from __future__ import annotations

import copy
from typing import Any

import attrs

from .._errors import MockApiError, not_found
from ._core import RequestContext, handles

# The admin calls are documented with a player's JWT (2025 schema, current docs, July 2025
# client) and S6 saw a project API key refused with 403 "Requested endpoint is forbidden"
# (fidelity finding B7): the mock serves them a JWT and refuses the project's Basic key.
PROJECT_KEY_REFUSED = frozenset(
    {
        "get-upsell-configurations-for-project-admin",
        "post-upsell",
        "put-upsell",
        "put-upsell-toggle-active-inactive",
    }
)


def project_key_refused() -> MockApiError:
    """403 with errorCode 0 and no bracketed code, like the other 403 body (inventory §4.1)."""
    return MockApiError(403, 0, "Requested endpoint is forbidden")


@attrs.define
class UpsellState:
    config: dict[str, Any] | None = None

    def require(self) -> dict[str, Any]:
        if self.config is None:
            raise not_found("Upsell is not configured for this project")
        return self.config


def _config_item(sku: str, n: int) -> dict[str, Any]:
    return {"item_id": n, "sku": sku, "type": "virtual_good", "name": {"en": sku}}


def _player_item(sku: str) -> dict[str, Any]:
    # The mock has no catalog or prices; every suggested item is a plain one-dollar good.
    return {
        "sku": sku,
        "name": sku,
        "type": "virtual_good",
        "description": "",
        "image_url": "",
        "is_free": False,
        "can_be_bought": True,
        "groups": [],
        "attributes": [],
        "virtual_prices": [],
        "promotions": [],
        "price": {"amount": "1.00", "amount_without_discount": "1.00", "currency": "USD"},
    }


@handles("post-upsell")
def create(ctx: RequestContext) -> None:
    ctx.state(UpsellState).config = copy.deepcopy(ctx.body)


@handles("put-upsell")
def replace(ctx: RequestContext) -> None:
    state = ctx.state(UpsellState)
    state.require()
    state.config = copy.deepcopy(ctx.body)


@handles("put-upsell-toggle-active-inactive")
def toggle(ctx: RequestContext) -> None:
    ctx.state(UpsellState).require()["is_enabled"] = ctx.path["toggle"] == "activate"


@handles("get-upsell-configurations-for-project-admin")
def admin_get(ctx: RequestContext) -> Any:
    config = ctx.state(UpsellState).config
    if config is None:
        return []
    items = [_config_item(sku, n) for n, sku in enumerate(config.get("items") or [], start=1)]
    return [{**config, "items": items}]


@handles("get-upsell-for-project-client")
def player_get(ctx: RequestContext) -> Any:
    ctx.require_user()
    config = ctx.state(UpsellState).config
    skus = (config.get("items") or []) if config and config.get("is_enabled") else []
    return {"has_more": False, "items": [_player_item(sku) for sku in skus]}
