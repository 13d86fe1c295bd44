"""The configuration folder: one YAML file per entity, `<kind folder>/<name>.yaml`.

```yaml
kind: coupon          # must match the folder
id: winter_gift       # the key; for server-assigned ids apply writes it after a create
enabled: true         # only kinds whose enabled state is set by activate/deactivate calls
spec:                 # the request body fields (the write shape), nothing read-only
  name: {en-US: Winter gift}
```
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import yaml

from .._utils._numbers import ascii_int
from ._kinds import KINDS, Kind, kind_by_directory
from ._schema import canonical

__all__ = [
    "Desired",
    "FileProblem",
    "dump_entity",
    "entity_file_name",
    "load_folder",
    "write_id",
]

SUFFIXES = (".yaml", ".yml")


@attrs.frozen
class FileProblem:
    """Why a file cannot be used, with the field (dotted path; "" for the whole file)."""

    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: {self.field}" if self.field else str(self.path)
        return f"{where}: {self.message}"


@attrs.frozen
class Desired:
    """One entity as a file describes it."""

    kind: Kind
    key: str | None  # None: a new entity whose id the server assigns
    enabled: bool | None  # None: the file does not manage it
    spec: dict[str, Any]
    path: Path


def _load_one(path: Path, kind: Kind) -> tuple[Desired | None, list[FileProblem]]:
    """The entity (whenever its spec is a mapping, so that the spec can be checked too) and
    the problems of the file's other fields."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return None, [FileProblem(path, "", f"cannot read: {exc}")]
    if not isinstance(document, Mapping):
        return None, [FileProblem(path, "", "expected a mapping with kind, id and spec")]
    problems: list[FileProblem] = []
    if document.get("kind") != kind.name:
        problems.append(
            FileProblem(path, "kind", f"expected {kind.name!r} in folder {kind.directory}/")
        )
    for unknown in sorted(set(map(str, document)) - {"kind", "id", "enabled", "spec"}):
        problems.append(FileProblem(path, unknown, "unknown top-level field"))
    raw_key = document.get("id")
    if isinstance(raw_key, bool) or (raw_key is not None and not isinstance(raw_key, (str, int))):
        problems.append(FileProblem(path, "id", "must be a string or a number"))
    if raw_key is None and kind.key_field is not None:
        problems.append(FileProblem(path, "id", f"required: the {kind.key_field}"))
    key = None if raw_key is None else str(raw_key)
    if kind.singleton:
        key = kind.read_key({})
    enabled = document.get("enabled")
    if enabled is not None and not kind.enabled_apart:
        problems.append(
            FileProblem(path, "enabled", f"not used for {kind.name}: set spec.is_enabled")
        )
    elif enabled is not None and not isinstance(enabled, bool):
        problems.append(FileProblem(path, "enabled", "must be true or false"))
    spec = document.get("spec")
    if not isinstance(spec, Mapping):
        problems.append(FileProblem(path, "spec", "required: a mapping of the request fields"))
    if not isinstance(spec, Mapping):
        return None, problems
    return Desired(
        kind, key, enabled if isinstance(enabled, bool) else None, canonical(spec), path
    ), problems


def load_folder(root: Path) -> tuple[list[Desired], list[FileProblem]]:
    """Every entity file under `root`, and every problem found (files in unknown folders,
    unreadable YAML, missing fields, two files for one entity)."""
    desired: list[Desired] = []
    problems: list[FileProblem] = []
    if not root.is_dir():
        return [], [FileProblem(root, "", "not a folder")]
    for path in sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file()):
        relative = path.relative_to(root)
        kind = kind_by_directory(relative.parts[0]) if len(relative.parts) == 2 else None
        if kind is None:
            folders = ", ".join(k.directory for k in KINDS)
            problems.append(FileProblem(path, "", f"not in a kind folder ({folders})"))
            continue
        loaded, found = _load_one(path, kind)
        problems += found
        if loaded is not None:
            desired.append(loaded)
    seen: dict[tuple[str, str], Path] = {}
    for entity in desired:
        if entity.key is None:
            continue
        first = seen.setdefault((entity.kind.name, entity.key), entity.path)
        if first != entity.path:
            problems.append(FileProblem(entity.path, "id", f"{entity.key} is also in {first}"))
    return desired, problems


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _slug(text: str) -> str:
    return _UNSAFE.sub("-", text).strip("-.").lower()[:60]


def _display_name(spec: Mapping[str, Any]) -> str:
    name = spec.get("name")
    if isinstance(name, str):
        return name
    if isinstance(name, Mapping):
        for locale in ("en-US", "en", *sorted(name)):
            if isinstance(name.get(locale), str):
                return str(name[locale])
    return ""


def entity_file_name(kind: Kind, key: str, spec: Mapping[str, Any]) -> str:
    """`winter_gift.yaml` for a chosen key; `17-summer-sale.yaml` for a server id."""
    if kind.singleton:
        return f"{kind.name}.yaml"
    if kind.key_field is not None:
        return f"{_slug(key) or 'entity'}.yaml"
    # The server's id is a number, but whatever a server sends stays one name in the folder.
    name = _slug(key) or "entity"
    slug = _slug(_display_name(spec))
    return f"{name}-{slug}.yaml" if slug else f"{name}.yaml"


def dump_entity(kind: Kind, key: str, enabled: bool | None, spec: Mapping[str, Any]) -> str:
    """The file text of one entity: the same data always gives the same bytes."""
    document: dict[str, Any] = {"kind": kind.name}
    if not kind.singleton:
        number = ascii_int(key) if kind.key_field is None else None
        document["id"] = number if number is not None and number >= 0 else key
    if kind.enabled_apart:
        document["enabled"] = bool(enabled)
    document["spec"] = dict(spec)
    text: str = yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    return text


_ID_LINE = re.compile(r"^id:.*$", re.MULTILINE)
_KIND_LINE = re.compile(r"^kind:.*$", re.MULTILINE)


def write_id(path: Path, key: str) -> None:
    """Record a server-assigned id in a file (after a create), keeping the rest of its text."""
    text = path.read_text(encoding="utf-8")
    # A number as itself; anything else as one quoted scalar on this line (JSON's double-quoted
    # string is YAML), so that an id cannot add lines or change the document.
    number = ascii_int(key)
    plain = number is not None and number >= 0 and str(number) == key
    line = f"id: {key if plain else json.dumps(key)}"
    if _ID_LINE.search(text):
        text = _ID_LINE.sub(line, text, count=1)
    elif _KIND_LINE.search(text):
        text = _KIND_LINE.sub(lambda m: f"{m.group(0)}\n{line}", text, count=1)
    else:
        text = f"{line}\n{text}"
    path.write_text(text, encoding="utf-8")
