"""Offer chains: steps taken in order; free steps are claimed, paid ones are ordered."""

from __future__ import annotations

import copy
import secrets
from typing import Any

import attrs

from .._errors import unprocessable
from ._chains import ChainBook, handle_admin_calls, localized, next_step, player_items
from ._core import Collection, RequestContext, counted_page, handles


def _book() -> ChainBook:
    return ChainBook(Collection("Offer chain"), "offer_chain_id")


@attrs.define
class OfferChainsState:
    book: ChainBook = attrs.field(factory=_book)
    next_order_id: int = 1
    # order id -> (user, chain id, step number); orders count as paid at once
    orders: dict[int, tuple[str, int, int]] = attrs.field(factory=dict)


def _book_of(ctx: RequestContext) -> ChainBook:
    return ctx.state(OfferChainsState).book


@handles("admin-create-offer-chain")
def create(ctx: RequestContext) -> Any:
    return {"offer_chain_id": _book_of(ctx).create(ctx)}


handle_admin_calls(
    _book_of,
    list_="admin-get-offer-chains",
    get="admin-get-offer-chain",
    update="admin-update-offer-chain",
    delete="admin-delete-offer-chain",
    toggle="admin-toggle-offer-chain",
)


def _player_view(book: ChainBook, user: str, chain: dict[str, Any]) -> dict[str, Any]:
    done = book.done(user, chain)
    view = copy.deepcopy(chain)
    view["name"] = localized(view.get("name")) or ""
    view["description"] = localized(view.get("description"))  # null when there is none
    view["next_step_number"] = next_step(chain, done)
    view["steps"] = [
        {
            **step,
            "is_claimed": step["step_number"] in done,
            "items": player_items(step.get("items", [])),
            "step_vp_rewards": [],
            "step_loyalty_rewards": None,  # the July 2025 client: nullable
        }
        for step in sorted(chain.get("steps", []), key=lambda s: s["step_number"])
    ]
    return view


@handles("get-offer-chains-list")
def player_list(ctx: RequestContext) -> Any:
    user = ctx.require_user()
    book = _book_of(ctx)
    chains = book.live_chains(ctx)
    return counted_page(chains, ctx, lambda chain: _player_view(book, user, chain))


@handles("get-user-offer-chain-by-id")
def player_get(ctx: RequestContext) -> Any:
    book = _book_of(ctx)
    return _player_view(book, ctx.require_user(), book.player_chain(ctx))


def _take_step(ctx: RequestContext, paid: bool) -> int:
    """Check the step is the next one and of the right kind; record it; return an order id."""
    user = ctx.require_user()
    state = ctx.state(OfferChainsState)
    chain = state.book.player_chain(ctx)
    number = int(ctx.path["step_number"])
    step = state.book.step(chain, number)
    done = state.book.done(user, chain)
    if number != next_step(chain, done):
        raise unprocessable(9912, "Steps must be taken in order.")
    if bool(step.get("is_free")) == paid:
        raise unprocessable(9912, "A paid step is ordered, a free step is claimed.")
    done.add(number)
    order_id = state.next_order_id
    state.next_order_id += 1
    state.orders[order_id] = (user, chain["id"], number)
    return order_id


@handles("claim-user-offer-chain-step-reward")
def claim(ctx: RequestContext) -> Any:
    return {"order_id": _take_step(ctx, paid=False)}


@handles("order-user-offer-chain-step-reward")
def order(ctx: RequestContext) -> Any:
    return {"order_id": _take_step(ctx, paid=True), "token": secrets.token_urlsafe(24)}
