"""What `apply` would change: files compared with the project, field by field."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from .._exceptions import APIStatusError, LiveOpsError, PermissionDeniedError
from .._generated.resources import AdminResources
from ._files import Desired, FileProblem
from ._kinds import Current, Kind
from ._schema import body_schema, comparable, unknown_fields, validate

__all__ = [
    "MISSING",
    "Action",
    "Change",
    "FieldChange",
    "KindReadError",
    "Plan",
    "diff_values",
    "fetch_project",
    "make_plan",
    "ordered_batches",
    "spec_changes",
    "validate_desired",
]


class _Missing(enum.Enum):
    MISSING = "missing"

    def __repr__(self) -> str:
        return "(absent)"


MISSING = _Missing.MISSING

# Ids the server gives to parts of an entity: a file that leaves them out keeps the project's
# (a chain step takes the id of the step at its position, see `Kind.update_body`).
SERVER_PART_IDS = frozenset({"step_id"})


class Action(str, enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@attrs.frozen
class FieldChange:
    """One field that differs: `before` is the project's value, `after` the file's."""

    field: str
    before: Any
    after: Any


@attrs.frozen
class Change:
    """One entity to create (from `desired`), update (`desired` over `current`, the fields
    that differ) or delete (`current`, which no file describes)."""

    action: Action
    kind: Kind
    key: str | None
    desired: Desired | None
    current: Current | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def label(self) -> str:
        if self.key is not None:
            return f"{self.kind.name} {self.key}"
        return f"{self.kind.name} (new)"

    @property
    def spec_changed(self) -> bool:
        return any(f.field != "enabled" for f in self.fields)


@attrs.frozen
class Plan:
    changes: tuple[Change, ...]

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action is action)


def ordered_batches(changes: Sequence[Change]) -> list[list[Change]]:
    """Creates and updates by rank (value points before the chains that use them), then
    deletes in reverse rank (chains before their value points)."""
    batches: list[list[Change]] = []
    upserts = [c for c in changes if c.action is not Action.DELETE]
    deletes = [c for c in changes if c.action is Action.DELETE]
    for rank in sorted({c.kind.rank for c in upserts}):
        batches.append([c for c in upserts if c.kind.rank == rank])
    for rank in sorted({c.kind.rank for c in deletes}, reverse=True):
        batches.append([c for c in deletes if c.kind.rank == rank])
    return batches


def _join(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def diff_values(before: Any, after: Any, path: str = "") -> list[FieldChange]:
    """Field-level differences; absent and null count as the same (both mean "no value")."""
    if comparable(before) == comparable(after):
        return []
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        found: list[FieldChange] = []
        keys = list(after) + [key for key in before if key not in after]
        for key in keys:
            old, new = before.get(key, MISSING), after.get(key, MISSING)
            if new is MISSING and key in SERVER_PART_IDS:
                continue
            if _no_value(old) and _no_value(new):
                continue
            found += diff_values(old, new, _join(path, key))
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (old, new) in enumerate(zip(before, after, strict=True)):
            found += diff_values(old, new, _join(path, index))
        return found
    return [FieldChange(path, before, after)]


def _no_value(value: Any) -> bool:
    """Absent, null, empty, or an object of nothing but those: all say "no value" in a
    replacing PUT, and read answers fill left-out fields with any of them."""
    if value is None or value is MISSING:
        return True
    if isinstance(value, Mapping):
        return all(_no_value(sub) for sub in value.values())
    return isinstance(value, list) and not value


def _with_defaults(kind: Kind, spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with the update schema's top-level defaults filled in: leaving out a field
    that has a documented default asks for that default."""
    filled = dict(spec)
    schema = body_schema(kind.update_op)
    for branch in [schema, *schema.get("oneOf", ())]:
        for name, sub in branch.get("properties", {}).items():
            if "default" in sub and name not in filled:
                filled[name] = sub["default"]
    return filled


def spec_changes(
    kind: Kind, desired: Mapping[str, Any], current: Mapping[str, Any]
) -> list[FieldChange]:
    """How the project's spec must change to become the file's (a field left out on either
    side has its documented default)."""
    changes = diff_values(_with_defaults(kind, current), _with_defaults(kind, desired))
    return [attrs.evolve(c, field=f"spec.{c.field}" if c.field else "spec") for c in changes]


def _body_problems(kind: Kind, path: Path, body: Any, operation_id: str) -> list[FileProblem]:
    found = []
    for problem in validate(body, body_schema(operation_id)):
        if problem.message.startswith("unknown field"):
            continue  # judged on the whole spec
        if kind.key_field and problem.field.split(".")[0].split("[")[0] == kind.key_field:
            field = "id"
        else:
            inner = kind.spec_field(problem.field) if problem.field else ""
            field = f"spec.{inner}" if inner else "spec"
        found.append(FileProblem(path, field, problem.message))
    return found


def validate_desired(entity: Desired) -> list[FileProblem]:
    """The file's spec against the request schema(s) it will be sent with."""
    kind = entity.kind
    # Step ids a file leaves out come from the project's steps (`Kind.update_body`); until
    # the project is read, stand-ins let the rest of the body be checked. `make_plan`
    # checks the real update body.
    steps = entity.spec.get("steps")
    stand_in = {"steps": [{"step_id": 0} for _ in steps]} if isinstance(steps, list) else None
    if entity.key is None:
        bodies = [(kind.create_body(None, entity.spec), kind.create_op)]
    elif kind.key_field is None and not kind.singleton:
        bodies = [(kind.update_body(entity.key, entity.spec, stand_in), kind.update_op)]
    else:  # a chosen key: create or update, depending on the project
        bodies = [
            (kind.create_body(entity.key, entity.spec), kind.create_op),
            (kind.update_body(entity.key, entity.spec, stand_in), kind.update_op),
        ]
    problems: dict[tuple[str, str], FileProblem] = {}
    # Unknown fields are judged on the file's spec (the bodies are projections of it).
    for name in unknown_fields(entity.spec, kind.spec_schema):
        problems[(name, "unknown")] = FileProblem(
            entity.path, f"spec.{name}", "unknown field: not part of the request schema"
        )
    for body, operation_id in bodies:
        for problem in _body_problems(kind, entity.path, body, operation_id):
            problems.setdefault((problem.field, problem.message), problem)
    return sorted(problems.values(), key=lambda p: (p.field, p.message))


class KindReadError(LiveOpsError):
    """Reading one kind of entity failed; says which, and how to leave it out."""


async def fetch_project(
    admin: AdminResources, kinds: Sequence[Kind], *, skip_refused: bool = False
) -> dict[str, list[Current]]:
    """Every entity of the given kinds, by kind name (kinds are read in parallel).

    Raises KindReadError (a LiveOpsError) naming the kind when the API refuses to list it
    (upsell admin calls, for one, are documented with a player's JWT and refuse a project
    key with 403). With `skip_refused`, a kind refused with 403 is left out of the answer
    (no key for it) instead."""

    async def read(kind: Kind) -> list[Current] | None:
        try:
            return await kind.fetch_all(admin)
        except APIStatusError as exc:
            if skip_refused and isinstance(exc, PermissionDeniedError):
                return None
            raise KindReadError(
                f"reading {kind.directory} failed: {exc}; leave it out with --exclude {kind.name}"
            ) from exc

    results = await asyncio.gather(*(read(kind) for kind in kinds))
    return {
        kind.name: found for kind, found in zip(kinds, results, strict=True) if found is not None
    }


def make_plan(
    kinds: Iterable[Kind], desired: Sequence[Desired], project: Mapping[str, Sequence[Current]]
) -> tuple[Plan, list[FileProblem]]:
    """Changes in apply order, and problems only the project reveals (a create-only field
    that differs)."""
    changes: list[Change] = []
    problems: list[FileProblem] = []
    for kind in kinds:
        current_by_key = {c.key: c for c in project.get(kind.name, ())}
        claimed: set[str] = set()
        for entity in (d for d in desired if d.kind is kind):
            current = current_by_key.get(entity.key) if entity.key is not None else None
            if current is None:
                changes.append(
                    Change(
                        Action.CREATE,
                        kind,
                        entity.key if kind.key_field or kind.singleton else None,
                        entity,
                        None,
                    )
                )
                continue
            claimed.add(current.key)
            fields = spec_changes(kind, kind.align(entity.spec, current), current.spec)
            if (
                kind.enabled_apart
                and entity.enabled is not None
                and entity.enabled != current.enabled
            ):
                fields.append(FieldChange("enabled", current.enabled, entity.enabled))
            for frozen in kind.create_only:
                if any(
                    f.field == f"spec.{frozen}" or f.field.startswith(f"spec.{frozen}.")
                    for f in fields
                ):
                    problems.append(
                        FileProblem(
                            entity.path,
                            f"spec.{frozen}",
                            "cannot change after creation: remove `id` to create a new "
                            f"{kind.name} (and delete the old one)",
                        )
                    )
            if fields:
                body = kind.update_body(current.key, entity.spec, current.spec)
                problems += _body_problems(kind, entity.path, body, kind.update_op)
                changes.append(
                    Change(Action.UPDATE, kind, current.key, entity, current, tuple(fields))
                )
        if kind.singleton:
            continue  # a singleton without a file is left as it is; it cannot be deleted
        for current in project.get(kind.name, ()):
            if current.key not in claimed:
                changes.append(Change(Action.DELETE, kind, current.key, None, current))
    in_order = [change for batch in ordered_batches(changes) for change in batch]
    return Plan(tuple(in_order)), problems


def display_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
