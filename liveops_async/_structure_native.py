"""Plans for the C structuring functions (`liveops_async._speedups`), the fast path of response
bodies when the extension is built.

A plan says per type what the Python function `_structure.StructureCompiler(from_orjson=True)`
writes for it (same checks, defaults, kept lists and dicts, raw data): the C code follows it
node by node and raises wherever the Python function would raise, and the caller then takes the
exact way. `_structure` uses this module only for a compiler made with ``from_orjson=True``;
the Python functions stay for every other compiler, and for all of them when the extension is
missing or ``LIVEOPS_ASYNC_NO_EXTENSIONS`` is set (to anything but "" or "0").

Plan nodes are tuples ``(kind, ...)``; the C side checks every one when the `Structurer` is
made (a ValueError: the Python function is used instead).
"""

from __future__ import annotations

import os
import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from . import _wire
from ._model import EXTRA_SLOT
from ._types import OpenEnum

__all__ = ["NATIVE", "Planner"]

Hook = Callable[[Any], Any]


def _load() -> Any:
    if os.environ.get("LIVEOPS_ASYNC_NO_EXTENSIONS", "") not in ("", "0"):
        return None
    try:
        from . import _speedups
    except ImportError:  # not built (a pure-Python install): the Python functions serve
        return None
    return _speedups


# The extension module, or None when responses are structured by the Python functions only.
NATIVE: Any = _load()

(
    K_ANY,
    K_STR,
    K_INT,
    K_BOOL,
    K_LITERAL,
    K_OPTIONAL,
    K_FLOAT,
    K_DATETIME,
    K_ENUM,
    K_LIST,
    K_DICT,
    K_MODEL,
    K_TAGGED,
    K_HOOK,
) = range(14)

F_REQUIRED, F_OPTIONAL_NONE, F_DEFAULT = range(3)

_SCALARS: dict[Any, tuple[int]] = {
    str: (K_STR,),
    int: (K_INT,),
    bool: (K_BOOL,),
    float: (K_FLOAT,),
    Any: (K_ANY,),
    object: (K_ANY,),
}


class Planner:
    """Builds the plan of one type. `inlinable(cls)` says whether a model is built in place (the
    compiler's `_plain_slots_model`); any other nested type calls `hook_of(tp)`, looked up once
    the plan's function exists (`resolve`), since a model may contain itself."""

    def __init__(
        self,
        inlinable: Callable[[type], bool],
        tagged_variants: Callable[[Any], tuple[str, dict[Any, int], list[type]] | None],
        datetimes: tuple[dict[str, datetime], Hook],
        no_float: Hook,
    ) -> None:
        self._inlinable = inlinable
        self._tagged_variants = tagged_variants
        self._datetimes = datetimes
        self._no_float = no_float
        self._stack: list[Any] = []
        self.pending: list[tuple[list[Any], Any]] = []  # (one-item cell, type) to resolve

    def top(self, tp: Any) -> tuple[Any, ...]:
        """The plan of a model or value type compiled on its own (it is its own hook)."""
        if _wire.is_model(tp):
            return self._model(tp)
        return self.node(tp)

    def node(self, tp: Any) -> tuple[Any, ...]:
        """The node of `tp` inside a model (the rules of `StructureCompiler._emit`)."""
        scalar = _SCALARS.get(tp)
        if scalar is not None:
            return scalar
        literal = _wire.literal_args(tp)
        if literal:
            return (K_LITERAL, tuple(literal))
        inner = _wire.without_none(tp)
        if inner is not None:
            return (K_OPTIONAL, self.node(inner))
        if tp is datetime:
            return (K_DATETIME, *self._datetimes)
        if isinstance(tp, type) and issubclass(tp, OpenEnum):
            return (K_ENUM, tp._value2member_map_, tp)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is list and len(args) == 1:
            return (K_LIST, self.node(args[0]))
        if origin is dict and len(args) == 2:
            return (K_DICT, self.node(args[1]))
        if _wire.is_model(tp) and tp not in self._stack and self._inlinable(tp):
            return self._model(tp)
        tagged = self._tagged_variants(tp)
        if tagged is not None and all(
            cls not in self._stack and self._inlinable(cls) for cls in tagged[2]
        ):
            wire_key, tag_index, variants = tagged
            built = tuple(self._model(cls) for cls in variants)
            return (K_TAGGED, wire_key, dict(tag_index), built, self._no_float)
        cell: list[Any] = [None]
        self.pending.append((cell, tp))
        return (K_HOOK, cell)

    def _model(self, cls: type) -> tuple[Any, ...]:
        self._stack.append(cls)
        fields = tuple(self._field(cls, field) for field in attrs.fields(cls))
        self._stack.pop()
        extra = _slot(cls, EXTRA_SLOT) if hasattr(cls, EXTRA_SLOT) else None
        known = _wire.declared_keys(cls) or frozenset()
        return (K_MODEL, cls, fields, known, extra, self._no_float)

    def _field(self, cls: type, field: attrs.Attribute[Any]) -> tuple[Any, ...]:
        key, tp, default = _wire.wire_name(field), field.type, field.default
        descriptor = _slot(cls, field.name)
        if default is attrs.NOTHING:
            return (key, descriptor, F_REQUIRED, None, self.node(tp))
        inner = _wire.without_none(tp)
        if default is None and inner is not None:
            return (key, descriptor, F_OPTIONAL_NONE, None, self.node(inner))
        return (key, descriptor, F_DEFAULT, default, self.node(tp))


def _slot(cls: type, name: str) -> Any:
    """The slot's member descriptor, from the class in `cls`'s MRO that defines it (the C side
    checks that it is one, of a class `cls` derives from)."""
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return None
