"""Write the project's entities as files, byte-stable for an unchanged project."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from .._utils._numbers import ascii_int
from ._files import Desired, dump_entity, entity_file_name, load_folder
from ._kinds import Current, Kind

__all__ = ["ExportResult", "write_export"]


@attrs.define
class ExportResult:
    written: list[Path] = attrs.field(factory=list)  # created or changed
    unchanged: list[Path] = attrs.field(factory=list)
    removed: list[Path] = attrs.field(factory=list)  # entities the project no longer has
    kept_new: list[Path] = attrs.field(factory=list)  # files without id: not created yet


def write_export(
    root: Path, kinds: Sequence[Kind], project: Mapping[str, Sequence[Current]]
) -> ExportResult:
    """Write one file per entity under `root`, in one folder per kind.

    A file that already describes an entity (same kind and id) keeps its name, so renaming a
    file by hand survives the next export. Files of entities the project no longer has are
    removed; files without an id (new entities not applied yet) are left alone."""
    result = ExportResult()
    existing, _ = load_folder(root) if root.is_dir() else ([], [])
    by_key: dict[tuple[str, str], Desired] = {
        (d.kind.name, d.key): d for d in existing if d.key is not None
    }
    wanted: set[Path] = set()
    for kind in kinds:
        folder = root / kind.directory
        # A folder even for a kind without entities: plan and apply manage the kinds that
        # have one, so an entity created later elsewhere shows up in the next plan.
        folder.mkdir(parents=True, exist_ok=True)
        for current in sorted(project.get(kind.name, ()), key=lambda c: _order(kind, c.key)):
            known = by_key.get((kind.name, current.key))
            path = (
                known.path if known else folder / entity_file_name(kind, current.key, current.spec)
            )
            text = dump_entity(kind, current.key, current.enabled, current.spec)
            wanted.add(path)
            if path.is_file() and path.read_text(encoding="utf-8") == text:
                result.unchanged.append(path)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            result.written.append(path)
    for entity in existing:
        if entity.kind not in kinds or entity.path in wanted:
            continue
        if entity.key is None:
            result.kept_new.append(entity.path)
        else:
            entity.path.unlink()
            result.removed.append(entity.path)
    return result


def _order(kind: Kind, key: str) -> tuple[int, str]:
    number = ascii_int(key) if kind.key_field is None else None
    return (number, "") if number is not None and number >= 0 else (0, key)
