"""The slow path of response decoding: what happens when a body does not fit the models.

`_serde.decode` first runs the compiled fast path (`_structure`); only when that refuses the
body does it come here. This walker goes down the body next to the model types, tries the strict
rules (`structure`, fast path then cattrs) on each subtree, and descends only into the subtrees
that fail, so its answer for every field that fits is exactly the strict answer.

For a value that does not fit its declared type (a string where an object is declared, an object
where a string is, null in a non-nullable field, a number for an enum, a required field absent):

* strict: raise `DecodeMismatchError` naming the field path and the expected and received JSON
  types;
* tolerant (the default of the client): keep the raw JSON value in that field (None for an
  absent one), and log one WARNING per (model, field) per process on the `liveops_async`
  logger, naming the operation, the path and the two JSON types, never the value.

A nested value of the wrong JSON kind never becomes an empty model: it is kept raw. The JSON
type of the whole body (object for a model, array for a list) is checked before anything else
and is always an error (`check_top_level`).
"""

from __future__ import annotations

import logging
import threading
import typing
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from . import _wire
from ._exceptions import DecodeMismatchError
from ._model import EXTRA_SLOT
from ._types import OpenEnum, Unset

__all__ = ["check_top_level", "json_kind", "type_description", "walk"]

log = logging.getLogger("liveops_async")

Structure = Callable[[Any, Any], Any]  # the strict rules: (value, type) -> structured, or raise

_ABSENT = object()
_FACTORY: type = attrs.Factory  # type: ignore[assignment]  # a class at runtime

_warned: set[tuple[str, str]] = set()
_warned_lock = threading.Lock()


def json_kind(value: Any) -> str:
    """The JSON type name of a decoded JSON value."""
    if value is _ABSENT:
        return "nothing (field absent)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


_SCALAR_KINDS: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    datetime: "string (date-time)",
    type(None): "null",
}


def type_description(tp: Any) -> str:
    """What JSON a type expects, in words: `object (Coupon) or null`, `array`, `string`."""
    if tp in _SCALAR_KINDS:
        return _SCALAR_KINDS[tp]
    if tp is Any or tp is object:
        return "any JSON value"
    literal = _wire.literal_args(tp)
    if literal:  # tags from the spec, not response data
        return "one of " + ", ".join(repr(v) for v in literal)
    if isinstance(tp, type) and issubclass(tp, OpenEnum):
        return f"string ({tp.__name__})"
    if _wire.is_model(tp):
        return f"object ({tp.__name__})"
    origin = typing.get_origin(tp)
    if origin is list:
        return "array"
    if origin is dict:
        return "object"
    members = _wire.union_args(tp)
    if members is not None:
        kinds = dict.fromkeys(type_description(m) for m in members if m is not Unset)
        return " or ".join(kinds)
    return getattr(tp, "__name__", repr(tp))


def _expects_object(tp: Any) -> bool:
    if _wire.is_model(tp) or typing.get_origin(tp) is dict:
        return True
    members = _wire.union_args(tp)
    return members is not None and all(_wire.is_model(m) for m in members)


def check_top_level(data: Any, tp: Any) -> None:
    """Raise `DecodeMismatchError` when the body's JSON type is not the documented one (an
    array, a string or a number where an object is documented; anything but an array where
    an array is). In every mode: a body of the wrong kind is not a partly wrong answer."""
    if _expects_object(tp):
        if not isinstance(data, Mapping):
            raise DecodeMismatchError("$", type_description(tp), json_kind(data))
    elif typing.get_origin(tp) is list and not isinstance(data, list):
        raise DecodeMismatchError("$", "array", json_kind(data))


def walk(data: Any, tp: Any, *, structure: Structure, strict: bool, operation: str) -> Any:
    """Decode `data` as `tp` by the rules of this module (see the module docstring)."""
    walker = _Walker(structure, strict, operation)
    if not strict:
        return walker.value(data, tp, "$", None)
    try:
        return structure(data, tp)
    except Exception as exc:  # find the field to name; the converter's text may hold values
        cause = exc
    walker.value(data, tp, "$", None)  # raises at the first field that does not fit
    # Every field fits, yet the whole does not (a hand-written model's validator, say).
    raise DecodeMismatchError("$", type_description(tp), "a value the model refuses") from cause


def forget_warnings() -> None:
    """Let every (model, field) warn again (tests)."""
    with _warned_lock:
        _warned.clear()


class _Walker:
    def __init__(self, structure: Structure, strict: bool, operation: str) -> None:
        self._structure = structure
        self._strict = strict
        self._operation = operation

    def value(self, value: Any, tp: Any, path: str, owner: tuple[str, str] | None) -> Any:
        # The subtree fits: the strict answer. Otherwise look below for what does not fit.
        try:
            return self._structure(value, tp)
        except Exception:  # noqa: S110  # nosec B110
            pass
        return self._descend(value, tp, tp, path, owner)

    def _descend(
        self, value: Any, tp: Any, shown: Any, path: str, owner: tuple[str, str] | None
    ) -> Any:
        inner = _wire.without_none(tp)
        if inner is not None and value is not None:
            return self._descend(value, inner, shown, path, owner)
        if _wire.is_model(tp) and isinstance(value, Mapping):
            return self._model(value, tp, path)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is list and isinstance(value, list):
            return [self.value(v, args[0], f"{path}[{i}]", owner) for i, v in enumerate(value)]
        members = _wire.union_args(tp)
        if members is not None and inner is None and isinstance(value, Mapping):
            found = _wire.discriminator(members)
            if found is not None:
                wire_key, tag_map = found
                variant = tag_map.get(value.get(wire_key))
                if variant is not None:
                    return self._model(value, variant, path)
        return self._mismatch(value, shown, path, owner)

    def _model(self, value: Mapping[str, Any], cls: type, path: str) -> Any:
        attrs.resolve_types(cls)
        instance: Any = object.__new__(cls)
        known = set()
        for field in attrs.fields(cls):
            key = _wire.wire_name(field)
            known.add(key)
            field_path = f"{path}.{key}"
            owner = (cls.__qualname__, key)
            if key in value:
                result = self.value(value[key], field.type, field_path, owner)
            elif field.default is attrs.NOTHING:
                result = self._mismatch(_ABSENT, field.type, field_path, owner)
            else:
                default: Any = field.default
                is_factory = isinstance(default, _FACTORY)
                result = default.factory() if is_factory else default
            object.__setattr__(instance, field.name, result)
        extra = {k: v for k, v in value.items() if k not in known}
        if extra and hasattr(cls, EXTRA_SLOT):
            object.__setattr__(instance, EXTRA_SLOT, extra)
        return instance

    def _mismatch(self, value: Any, tp: Any, path: str, owner: tuple[str, str] | None) -> Any:
        expected, received = type_description(tp), json_kind(value)
        if self._strict:
            raise DecodeMismatchError(path, expected, received)
        key = owner or ("(top level)", path)
        with _warned_lock:
            first = key not in _warned
            _warned.add(key)
        if first:
            # The value itself is never logged: it may be a player's personal data.
            log.warning(
                "%s: the response does not fit the spec at %s (%s.%s): expected %s, received "
                "%s; the field keeps the raw JSON value (logged once per model field)",
                self._operation,
                path,
                key[0],
                key[1],
                expected,
                received,
                extra={"operation_id": self._operation, "field_path": path},
            )
        return None if value is _ABSENT else value
