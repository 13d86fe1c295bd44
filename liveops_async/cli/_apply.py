"""Carry out a plan: dependency order, bounded concurrency, stop at the first failure.

Each change is a short sequence of SDK calls (create, then activate; disable, then update...).
Every call that succeeded is recorded as it happens, so a failure half way reports exactly what
was applied. Nothing new starts after a failure; calls already running finish. A re-run plans
from what the project then holds, so it picks up where the failed run stopped.

Calls the SDK does not resend (creates, toggles) can fail after reaching the server. Then the
outcome is settled by reading the project back: a create whose entity now exists counts as
done; a toggle counts by the state it left. When reading back cannot tell, the change is
reported as unknown and nothing further runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs

from .._exceptions import APIConnectionError, APIStatusError, ResponseDecodeError
from .._generated.resources import AdminResources
from ._files import write_id
from ._kinds import Current, Kind
from ._plan import Action, Change, ordered_batches, spec_changes

__all__ = ["ApplyReport", "OutcomeUnknownError", "apply_plan", "may_have_acted"]


class OutcomeUnknownError(Exception):
    """A call that is not resent failed after it may have reached the server, and reading the
    project back could not tell whether it took effect."""


@attrs.define
class ApplyReport:
    applied: list[str] = attrs.field(factory=list)  # every call that took effect, in order
    failed: tuple[Change, BaseException] | None = None
    not_started: list[Change] = attrs.field(factory=list)
    skipped_deletes: list[Change] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None


T = TypeVar("T")


def _present(value: T | None, what: str) -> T:
    """A part every change of that action has (a plan built by `make_plan` always does)."""
    if value is None:
        raise ValueError(f"the change has no {what}")
    return value


def may_have_acted(exc: BaseException) -> bool:
    """Whether a call that failed with `exc` may have taken effect: no answer once the request
    may have arrived, a 5xx or 429, or a success answer whose body could not be read (a
    `ResponseDecodeError`: the API acted, only its answer is lost)."""
    if isinstance(exc, APIConnectionError):
        return exc.sent
    if isinstance(exc, ResponseDecodeError):
        return True
    return isinstance(exc, APIStatusError) and (exc.status >= 500 or exc.status == 429)


class _Runner:
    def __init__(
        self,
        admin: AdminResources,
        report: ApplyReport,
        claimed: Callable[[Kind], set[str]],
    ) -> None:
        self.admin = admin
        self.report = report
        self.claimed = claimed

    def done(self, change: Change, what: str) -> None:
        self.report.applied.append(f"{change.label}: {what}")

    async def run(self, change: Change) -> None:
        if change.action is Action.CREATE:
            await self._create(change)
        elif change.action is Action.UPDATE:
            await self._update(change)
        else:
            await change.kind.delete(self.admin, _present(change.key, "key"))
            self.done(change, "deleted")

    async def _create(self, change: Change) -> None:
        kind, desired = change.kind, _present(change.desired, "file")
        body = kind.create_body(desired.key, desired.spec)
        try:
            key = await kind.create(self.admin, desired.key, body)
        except Exception as exc:
            if not may_have_acted(exc):
                raise
            settled = await self._settle_create(change)
            if settled is None:
                raise OutcomeUnknownError(
                    f"outcome unknown: the create failed after it may have reached the server "
                    f"({exc}) and reading the project back found no matching entity; run "
                    "`liveops plan` to see the project as it is now"
                ) from exc
            key = settled
        if kind.key_field is None and not kind.singleton:
            self.done(change, f"created with id {key}")
            try:
                write_id(desired.path, key)
            except OSError as exc:
                raise OSError(
                    f"could not write `id: {key}` into {desired.path} ({exc}): add it by hand, "
                    "or the next apply creates the entity again"
                ) from exc
        else:
            self.done(change, "created")
        labelled = attrs.evolve(change, key=key)
        if kind.needs_update_after_create(desired.spec):
            await kind.update(self.admin, key, kind.update_body(key, desired.spec))
            self.done(labelled, "updated (what the create could not carry)")
        if kind.enabled_apart and desired.enabled:
            await kind.set_enabled(self.admin, key, True)
            self.done(labelled, "activated")

    async def _settle_create(self, change: Change) -> str | None:
        kind, desired = change.kind, _present(change.desired, "file")
        if desired.key is not None:
            return desired.key if await kind.fetch_one(self.admin, desired.key) else None
        # A server-assigned id: an entity no file claims whose spec is the file's.
        claimed = self.claimed(kind)
        for current in await kind.fetch_all(self.admin):
            aligned = kind.align(desired.spec, current)
            if current.key not in claimed and not spec_changes(kind, aligned, current.spec):
                return current.key
        return None

    async def _update(self, change: Change) -> None:
        kind, desired = change.kind, _present(change.desired, "file")
        current, key = _present(change.current, "project entity"), _present(change.key, "key")
        if change.spec_changed:
            if kind.update_needs_disabled and current.spec.get("is_enabled"):
                await self._disable_by_toggle(change, current)
            body = kind.update_body(key, desired.spec, current.spec)
            await kind.update(self.admin, key, body)
            self.done(change, "updated")
        if any(f.field == "enabled" for f in change.fields):
            await kind.set_enabled(self.admin, key, bool(desired.enabled))
            self.done(change, "activated" if desired.enabled else "deactivated")

    async def _disable_by_toggle(self, change: Change, current: Current) -> None:
        """Daily and offer chains are edited while disabled; toggle flips, so it is sent once
        and an unclear outcome is settled by reading the chain."""
        key = _present(change.key, "key")
        try:
            await change.kind.toggle(self.admin, key)
        except Exception as exc:
            if not may_have_acted(exc):
                raise
            now = await change.kind.fetch_one(self.admin, key)
            if now is None or now.spec.get("is_enabled"):
                raise OutcomeUnknownError(
                    f"outcome unknown: disabling failed ({exc}) and the chain is still "
                    "enabled or gone"
                ) from exc
        self.done(change, "disabled (toggle) to allow the update")


async def apply_plan(
    admin: AdminResources,
    changes: Sequence[Change],
    *,
    allow_delete: bool,
    concurrency: int,
    on_finished: Callable[[Change], Any] | None = None,
    claimed: Callable[[Kind], set[str]] | None = None,
) -> ApplyReport:
    """Apply `changes`; never raises for an API failure: the report says what happened.

    `concurrency` (>= 1): changes of one batch that run at once. `on_finished` is called after
    each change (progress). `claimed(kind)`: keys of that kind that files refer to, used to
    settle creates of server-id entities."""
    report = ApplyReport()
    runnable = [c for c in changes if allow_delete or c.action is not Action.DELETE]
    report.skipped_deletes = [c for c in changes if c not in runnable]
    runner = _Runner(admin, report, claimed or (lambda kind: set()))
    gate = asyncio.Semaphore(max(1, concurrency))
    stop = asyncio.Event()
    started: set[int] = set()

    async def one(change: Change) -> None:
        async with gate:
            if stop.is_set():
                return
            started.add(id(change))
            try:
                await runner.run(change)
            except Exception as exc:
                if report.failed is None:
                    report.failed = (change, exc)
                stop.set()
                return
            if on_finished is not None:
                on_finished(change)

    for batch in ordered_batches(runnable):
        if stop.is_set():
            break
        await asyncio.gather(*(one(change) for change in batch))
    report.not_started = [c for c in runnable if id(c) not in started]
    return report
