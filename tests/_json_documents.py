"""Walking and editing decoded JSON documents, for the tests that mutate spec examples."""

from __future__ import annotations

import copy
from typing import Any


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (dict keys and list indexes) in `value`, the empty path to the root first."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += json_paths(item, (*prefix, index))
    return found


def replaced_at(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    """A copy of `document` with the value at `path` replaced by `new`; `document` is untouched."""
    if not path:
        return new
    document = copy.deepcopy(document)
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = new
    return document
