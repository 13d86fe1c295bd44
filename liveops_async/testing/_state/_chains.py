"""What the chains share: the admin CRUD of daily and offer chains (an enabled chain cannot
be edited), and for every kind of chain, when players see it and its texts in one language."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from .._errors import not_found, unprocessable
from ._core import (
    Collection,
    RequestContext,
    body_copy,
    counted_page,
    enabled_filter,
    int_path,
)
from ._rules import check_unique, check_validity, parse_time, refuse_read_only
from ._schedules import ResetClock


@attrs.define
class ChainBook:
    """Chains of one kind plus each player's completed step numbers."""

    chains: Collection
    path_param: str
    read_only_kind: str  # the key of its fields in `_rules.READ_ONLY_ON_PUT`
    progress: dict[tuple[str, int], set[int]] = attrs.field(factory=dict)
    next_step_id: int = 1
    # A reset of a chain's `recurrent_schedule` (offer chains) starts the chain over.
    clock: ResetClock = attrs.field(factory=ResetClock)
    # Whether an update keeps a player's progress on a step only when the step is sent back
    # with its `step_id` (offer chains: S2's ModifyOfferChainStepModel.step_id), following
    # the step to its new number; otherwise progress stays with the step numbers.
    progress_follows_step_id: bool = False

    def _with_step_ids(self, body: dict[str, Any]) -> dict[str, Any]:
        check_validity(body)
        check_unique((s.get("step_number") for s in body.get("steps", [])), "steps[].step_number")
        for step in body.get("steps", []):
            if step.get("step_id") is None:
                step["step_id"] = self.next_step_id
                self.next_step_id += 1
        body["number_of_steps"] = len(body.get("steps", []))
        return body

    def chain_id(self, ctx: RequestContext) -> int:
        return int_path(ctx, self.path_param)

    def create(self, ctx: RequestContext) -> int:
        chain_id = self.chains.new_id()
        self.chains.add(chain_id, self._with_step_ids(body_copy(ctx)))
        self._written(chain_id, ctx.now())
        return chain_id

    def _written(self, chain_id: int, now: datetime) -> None:
        self.refresh(chain_id, now)
        self.clock.written(chain_id, now)

    def refresh(self, chain_id: int, now: datetime) -> None:
        """Apply the chain's scheduled reset: once a reset moment has passed since the
        progress started, every player starts the chain over."""
        schedule = (self.chains.records.get(chain_id) or {}).get("recurrent_schedule")
        if self.clock.reset_due(chain_id, schedule, now):
            self.reset(chain_id)

    def answered_schedule(self, chain: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """The admin form of the chain's schedule, with its computed dates; None if none."""
        return self.clock.view(chain[self.chains.key_field], chain.get("recurrent_schedule"), now)

    def player_schedule(self, chain: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        """The schedule as players see it: the kind of interval and the next reset."""
        answered = self.answered_schedule(chain, now)
        return answered and {k: answered[k] for k in ("interval_type", "reset_next_date")}

    def _admin_view(self, chain: dict[str, Any], now: datetime) -> dict[str, Any]:
        if "recurrent_schedule" not in chain:
            return chain
        return {**chain, "recurrent_schedule": self.answered_schedule(chain, now)}

    def admin_list(self, ctx: RequestContext) -> dict[str, Any]:
        wanted = enabled_filter(ctx)
        chains = [c for c in self.chains if wanted is None or bool(c.get("is_enabled")) == wanted]
        return counted_page(chains, ctx, lambda c: self._admin_view(c, ctx.now()), default_limit=10)

    def admin_get(self, ctx: RequestContext) -> dict[str, Any]:
        return self._admin_view(self.chains.get(self.chain_id(ctx)), ctx.now())

    def update(self, ctx: RequestContext) -> None:
        chain_id = self.chain_id(ctx)
        if self.chains.get(chain_id).get("is_enabled"):
            raise unprocessable(6209, "Active chain cannot be updated. Please deactivate it first")
        body = body_copy(ctx)
        refuse_read_only(body, self.read_only_kind)
        before = self.chains.get(chain_id)
        body = self._with_step_ids(body)
        body.pop("id", None)
        if self.progress_follows_step_id:
            self._carry_progress(chain_id, before, body)
        self.chains.replace(chain_id, body)
        self._written(chain_id, ctx.now())

    def _carry_progress(self, chain_id: int, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Keep each player's completed steps that the update sent back with their `step_id`,
        under the number the step has now; a step sent without it starts over."""
        old_ids = {s["step_number"]: s.get("step_id") for s in before.get("steps", [])}
        new_numbers = {s["step_id"]: s["step_number"] for s in after.get("steps", [])}
        for key in [k for k in self.progress if k[1] == chain_id]:
            self.progress[key] = {
                new_numbers[old_ids[number]]
                for number in self.progress[key]
                if old_ids.get(number) in new_numbers
            }

    def delete(self, ctx: RequestContext) -> None:
        chain_id = self.chain_id(ctx)
        self.chains.delete(chain_id)
        self.reset(chain_id)

    def toggle(self, ctx: RequestContext) -> None:
        """Enable or disable; players' progress is kept, unlike delete."""
        chain = self.chains.get(self.chain_id(ctx))
        chain["is_enabled"] = not chain.get("is_enabled", False)

    def reset(self, chain_id: int) -> None:
        for key in [k for k in self.progress if k[1] == chain_id]:
            del self.progress[key]

    def player_chain(self, ctx: RequestContext) -> dict[str, Any]:
        """An enabled, started chain; anything else does not exist for players."""
        chain = self.chains.records.get(self.chain_id(ctx))
        if chain is None or not is_live(chain, ctx.now()):
            raise not_found(f"{self.chains.label} not found")
        self.refresh(chain[self.chains.key_field], ctx.now())
        return chain

    def live_chains(self, ctx: RequestContext) -> list[dict[str, Any]]:
        chains = [c for c in self.chains if is_live(c, ctx.now())]
        for chain in chains:
            self.refresh(chain[self.chains.key_field], ctx.now())
        return chains

    def step(self, chain: dict[str, Any], number: int) -> dict[str, Any]:
        steps: list[dict[str, Any]] = chain.get("steps", [])
        found = next((s for s in steps if s.get("step_number") == number), None)
        if found is None:
            raise not_found("Step not found")
        return found

    def done(self, user: str, chain: dict[str, Any]) -> set[int]:
        return self.progress.setdefault((user, chain[self.chains.key_field]), set())


def on_book(
    book_of: Callable[[RequestContext], ChainBook],
    call: Callable[[ChainBook, RequestContext], Any],
) -> Callable[[RequestContext], Any]:
    """A handler that runs `call` (a `ChainBook` method) on the book `book_of` finds: daily and
    offer chains answer their admin list, get, update, delete and toggle calls alike."""
    return functools.partial(_on_book, book_of, call)


def _on_book(
    book_of: Callable[[RequestContext], ChainBook],
    call: Callable[[ChainBook, RequestContext], Any],
    ctx: RequestContext,
) -> Any:
    return call(book_of(ctx), ctx)


def is_live(chain: dict[str, Any], now: datetime) -> bool:
    if not chain.get("is_enabled"):
        return False
    start, end = chain.get("date_start"), chain.get("date_end")
    return (start is None or parse_time(start) <= now) and (end is None or now < parse_time(end))


def step_numbers(chain: dict[str, Any]) -> list[int]:
    return sorted(int(s["step_number"]) for s in chain.get("steps", []))


def next_step(chain: dict[str, Any], done: set[int]) -> int | None:
    """Steps are taken in order: the lowest step number not done yet."""
    return next((n for n in step_numbers(chain) if n not in done), None)


def localized(value: Any) -> Any:
    """Player calls answer text in one language rather than the admin's per-language map."""
    if isinstance(value, dict):
        return value.get("en") or value.get("en-US") or next(iter(value.values()), None)
    return value


def player_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **item,
            "item_id": n,
            "name": item["sku"],
            "type": "virtual_good",
            "description": None,  # null where the references allow it, as Xsolla answers
            "image_url": None,
            "bundle_type": None,
            "content": None,
            "is_free": False,
        }
        for n, item in enumerate(items, start=1)
    ]
