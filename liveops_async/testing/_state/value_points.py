"""Value points (`client.admin.value_points`): CRUD of the value point items."""

from __future__ import annotations

from typing import Any

from .._errors import unprocessable
from ._core import RequestContext, body_copy, handles, page
from ._rules import refuse_read_only
from ._value_point_state import ValuePointsState


@handles("admin-create-value-points")
def create(ctx: RequestContext) -> Any:
    value_points = ctx.state(ValuePointsState).value_points
    body = body_copy(ctx)
    if body["sku"] in value_points.records:
        raise unprocessable(4002, "Item with this sku already exists")
    item_id = value_points.new_id()
    value_points.add(body["sku"], {**body, "item_id": item_id, "type": "value_point"})
    return {"sku": body["sku"], "item_id": item_id}


@handles("admin-get-value-points-list")
def list_(ctx: RequestContext) -> Any:
    chunk, _ = page(list(ctx.state(ValuePointsState).value_points), ctx)
    return {"items": chunk}


@handles("admin-get-value-point")
def get(ctx: RequestContext) -> Any:
    return ctx.state(ValuePointsState).value_points.get(ctx.path["item_sku"])


@handles("admin-update-value-point")
def update(ctx: RequestContext) -> None:
    body = body_copy(ctx)
    refuse_read_only(body, "value_point")
    ctx.state(ValuePointsState).value_points.replace(
        ctx.path["item_sku"], body, keep=("item_id", "type")
    )


@handles("admin-delete-value-point")
def delete(ctx: RequestContext) -> None:
    ctx.state(ValuePointsState).value_points.delete(ctx.path["item_sku"])
