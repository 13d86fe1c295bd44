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


# The plan format this module writes; a built extension of another (a stale build left in a
# source tree) is not used.
PLAN_VERSION = 2


def _load() -> Any:
    if os.environ.get("LIVEOPS_ASYNC_NO_EXTENSIONS", "") not in ("", "0"):
        return None
    try:
        from . import _speedups
    except ImportError:  # not built (a pure-Python install): the Python functions serve
        return None
    if getattr(_speedups, "PLAN_VERSION", None) != PLAN_VERSION:
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
    """Builds the plan of one type. Models are built in place exactly where the Python function
    writes their lines into its parent's (the compiler's own rule, `inlinable`, asked with this
    plan's stack of models being built); elsewhere a type that may hold a model is a call
    of its own function (`hook_of`, looked up once the plan's function exists, see `pending`),
    counted against `MAX_NESTED_CALLS` as the Python function counts it. A type that holds no
    model is built in place wherever it is (the same answer; its call could not nest). Where the
    Python function keeps a value after a check, the compiler's `checked_only` says so."""

    def __init__(
        self,
        inlinable: Callable[[list[Any], Any], bool],
        checked_only: Callable[[Any], bool],
        tagged_variants: Callable[[Any], tuple[str, dict[Any, int], list[type]] | None],
        datetimes: tuple[dict[str, datetime], Hook],
        no_float: Hook,
    ) -> None:
        self._inlinable_in = inlinable
        self._checked_only = checked_only
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
        if origin is list and len(args) == 1:  # `_emit_list`
            item = args[0]
            inline = self._inlinable(item) or self._checked_only(item)
            return (K_LIST, self.node(item) if inline else self._call(item))
        if origin is dict and len(args) == 2:  # `_emit_dict`: values by their own function
            value = args[1]
            return (K_DICT, self.node(value) if self._checked_only(value) else self._call(value))
        if not self._inlinable(tp):  # `_emit_nested`
            return self._call(tp)
        tagged = self._tagged_variants(tp)
        if tagged is not None:
            wire_key, tag_index, variants = tagged
            built = tuple(self._model(cls) for cls in variants)
            return (K_TAGGED, wire_key, dict(tag_index), built, self._no_float)
        return self._model(tp)

    def _inlinable(self, tp: Any) -> bool:
        return self._inlinable_in(self._stack, tp)

    def _call(self, tp: Any) -> tuple[Any, ...]:
        """A call of `tp`'s own function where it may nest (it may hold a model); a type that
        holds none is built in place (no call to count)."""
        if not _wire.contains_model(tp):
            return self.node(tp)
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
