"""Offer chains: steps taken in order; a free step is claimed, a paid step is ordered.

A paid step is complete only once its order is paid. `order_step` opens an order in status
`new` and the step stays the next one; the test controls `LiveOpsMock.settle_order` and
`LiveOpsMock.cancel_order` stand in for the player paying in Pay Station or giving up.
"""

from __future__ import annotations

import copy
import enum
import secrets
from datetime import datetime
from typing import Any

import attrs

from .._errors import unprocessable
from ._chains import ChainBook, localized, next_step, on_book, player_items
from ._core import Collection, RequestContext, counted_page, handles, handles_each


class OrderStatus(str, enum.Enum):
    """Xsolla's order statuses the mock uses."""

    NEW = "new"  # created, waiting for payment
    PAID = "paid"  # paid: the step is complete
    DONE = "done"  # a free step's order, complete at once
    CANCELED = "canceled"  # the player gave up; the step can be ordered again


@attrs.frozen
class OfferChainOrder:
    """An order for one offer chain step, as the mock's test controls report it."""

    order_id: int
    user_id: str
    offer_chain_id: int
    step_number: int
    status: OrderStatus


def _book() -> ChainBook:
    return ChainBook(
        Collection("Offer chain"), "offer_chain_id", "offer_chain", progress_follows_step_id=True
    )


@attrs.define
class OfferChainsState:
    book: ChainBook = attrs.field(factory=_book)
    next_order_id: int = 1
    orders: dict[int, OfferChainOrder] = attrs.field(factory=dict)

    def open_order(self, user: str, chain_id: int, number: int, status: OrderStatus) -> int:
        order = OfferChainOrder(self.next_order_id, user, chain_id, number, status)
        self.orders[order.order_id] = order
        self.next_order_id += 1
        return order.order_id

    def order(self, order_id: int) -> OfferChainOrder:
        try:
            return self.orders[order_id]
        except KeyError:
            raise KeyError(f"no offer chain order {order_id}") from None

    def settle(self, order_id: int) -> OfferChainOrder:
        """Mark a `new` order paid and complete its step; other open orders for the same step
        are canceled (the player paid once)."""
        order = self._close(order_id, OrderStatus.PAID)
        chain = self.book.chains.records.get(order.offer_chain_id)
        if chain is not None:  # a deleted chain keeps no progress to add to
            self.book.done(order.user_id, chain).add(order.step_number)
        for other in list(self.orders.values()):
            same_step = (other.user_id, other.offer_chain_id, other.step_number) == (
                order.user_id,
                order.offer_chain_id,
                order.step_number,
            )
            if same_step and other.status is OrderStatus.NEW:
                self.orders[other.order_id] = attrs.evolve(other, status=OrderStatus.CANCELED)
        return self.orders[order_id]

    def cancel(self, order_id: int) -> OfferChainOrder:
        """Mark a `new` order canceled; its step stays the next one."""
        return self._close(order_id, OrderStatus.CANCELED)

    def _close(self, order_id: int, status: OrderStatus) -> OfferChainOrder:
        order = self.order(order_id)
        if order.status is not OrderStatus.NEW:
            raise ValueError(f"order {order_id} is {order.status.value}, not new")
        self.orders[order_id] = closed = attrs.evolve(order, status=status)
        return closed


def _book_of(ctx: RequestContext) -> ChainBook:
    return ctx.state(OfferChainsState).book


@handles("admin-create-offer-chain")
def create(ctx: RequestContext) -> Any:
    return {"offer_chain_id": _book_of(ctx).create(ctx)}


handles_each(
    {
        "admin-get-offer-chains": on_book(_book_of, ChainBook.admin_list),
        "admin-get-offer-chain": on_book(_book_of, ChainBook.admin_get),
        "admin-update-offer-chain": on_book(_book_of, ChainBook.update),
        "admin-delete-offer-chain": on_book(_book_of, ChainBook.delete),
        "admin-toggle-offer-chain": on_book(_book_of, ChainBook.toggle),
    }
)


def _player_view(
    book: ChainBook, user: str, chain: dict[str, Any], now: datetime
) -> dict[str, Any]:
    done = book.done(user, chain)
    view = copy.deepcopy(chain)
    view["recurrent_schedule"] = book.player_schedule(chain, now)
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
    return counted_page(chains, ctx, lambda chain: _player_view(book, user, chain, ctx.now()))


@handles("get-user-offer-chain-by-id")
def player_get(ctx: RequestContext) -> Any:
    book = _book_of(ctx)
    return _player_view(book, ctx.require_user(), book.player_chain(ctx), ctx.now())


def _take_step(ctx: RequestContext, paid: bool) -> int:
    """Check the step is the next one and of the right kind; return the new order's id. A free
    step is complete at once; a paid one when its order is settled."""
    user = ctx.require_user()
    state = ctx.state(OfferChainsState)
    chain = state.book.player_chain(ctx)
    number = int(ctx.path["step_number"])
    step = state.book.step(chain, number)
    done = state.book.done(user, chain)
    if number in done:
        raise unprocessable(9912, "Reward already claimed.")
    if number != next_step(chain, done):
        raise unprocessable(9912, "Steps must be taken in order.")
    if bool(step.get("is_free")) == paid:
        raise unprocessable(9912, "A paid step is ordered, a free step is claimed.")
    if paid:
        return state.open_order(user, chain["id"], number, OrderStatus.NEW)
    done.add(number)
    return state.open_order(user, chain["id"], number, OrderStatus.DONE)


@handles("claim-user-offer-chain-step-reward")
def claim(ctx: RequestContext) -> Any:
    return {"order_id": _take_step(ctx, paid=False)}


@handles("order-user-offer-chain-step-reward")
def order(ctx: RequestContext) -> Any:
    return {"order_id": _take_step(ctx, paid=True), "token": secrets.token_urlsafe(24)}
