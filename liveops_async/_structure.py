"""Compiled structuring: one Python function per model class, generated from what the code
generator guarantees about the models, built once per type and cached.

The generated models are attrs classes, slotted, not frozen, without validators, converters or
``__attrs_post_init__``, so an instance can be made with ``object.__new__`` and its slots
assigned directly; the attrs ``__init__`` and cattrs' per-field dispatch are skipped. Each
model's function reads the wire names, fills absent fields with the attrs default, checks
JSON-native scalars with ``type(v) is T`` inline, writes the lines of nested plain models (and
of lists of them, and tagged unions of them) into the parent's function (a few levels deep:
no call or frame per nested object) and calls the functions of other nested types, bound once
per field type. Unknown keys are found by counting the declared keys absent against
``len(d)``. Date-time strings seen lately map to their parsed datetimes.

A compiler made with ``from_orjson=True`` (the one responses use) takes only what
``orjson.loads`` made of a body: its lists and dicts become the models' own, and since orjson
turns an integer beyond 64 bits into a float, its functions raise rather than keep a float in
raw data (unknown fields, an unknown variant), where no field type checks it.

This is a fast path, not a second set of rules: a compiled function either returns exactly what
the cattrs converter of `_serde` returns, or raises (any exception), and the caller then runs
the cattrs converter, which gives the answer or the detailed error. Anything unusual (a wrong
scalar type, a whole float for an int, a missing required key, a type this module does not
know) simply raises here. Types this module does not compile use the converter's hook.

When the C extension is built, the response compiler's functions are C (`_structure_native`
plans them by the rules of `_emit` below; `_speedups` follows the plan): the same answers, or a
raise where this code raises. This code then serves the copying compiler, and every compiler
when the extension is missing or turned off.
"""

from __future__ import annotations

import itertools
import linecache
import typing
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs

from . import _structure_native, _wire
from ._model import EXTRA_SLOT
from ._types import OpenEnum, Unset

__all__ = ["Fallback", "Hook", "StructureCompiler"]

Hook = Callable[[Any], Any]
Fallback = Callable[[Any], Callable[[Any, Any], Any]]  # tp -> the cattrs hook for tp


class _Mismatch(Exception):
    """The input is not the common case this function was compiled for."""


_ABSENT = object()


def _no_float(value: Any) -> None:
    """Raise `_Mismatch` when JSON data to be kept raw holds a float: from orjson, it may be an
    integer beyond 64 bits, rounded (the exact parse then decides)."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is float:
            raise _Mismatch
        if kind is dict:
            pending.extend(item.values())
        elif kind is list:
            pending.extend(item)


# Date-time strings parsed lately and their datetimes. A page repeats its timestamps (the
# periods of a campaign's coupons, creation dates of one batch), and a dict lookup costs a
# third of `datetime.fromisoformat`. Datetimes are immutable, so models may share one. Bounded:
# emptied when full, so that a stream of distinct timestamps keeps at most this many.
_DATETIME_CACHE_SIZE = 1024
_recent_datetimes: dict[str, datetime] = {}


def _parse_datetime(text: Any) -> datetime:
    """A date-time string not in `_recent_datetimes`, parsed and remembered."""
    if type(text) is not str:
        raise _Mismatch
    value = _wire.parse_iso_datetime(text)
    if len(_recent_datetimes) >= _DATETIME_CACHE_SIZE:
        _recent_datetimes.clear()
    _recent_datetimes[text] = value
    return value


# How many nested calls of other types' functions that may hold models are running (in this
# process; see `_nested`). A body whose self-containing models nest deeper is refused here, as
# the C functions refuse it (`_speedups.c`, the same limit at the same places): it takes the
# exact way, whose answer is the same with and without the extension. Real bodies nest a few
# levels; a hostile one could otherwise decide by how deep the caller's stack already is.
MAX_NESTED_CALLS = 32
_nested_calls = 0


def _nested(hook: Hook) -> Hook:
    """`hook` as a nested call from a compiled function, counted in `_nested_calls`. Under the
    GIL, another thread's call made while one of ours runs may be refused early: it then takes
    the exact way, which gives the same answer."""

    def nested_call(value: Any) -> Any:
        global _nested_calls
        if _nested_calls >= MAX_NESTED_CALLS:
            raise _Mismatch
        _nested_calls += 1
        try:
            return hook(value)
        finally:
            _nested_calls -= 1

    return nested_call


# The builtins compiled functions use, bound like the other names (see `_finish`).
_BUILTINS: dict[str, Any] = {f.__name__: f for f in (type, len, str, int, bool, float, dict, list)}

# The names every compiled function may use.
_GLOBALS: dict[str, Any] = {
    "_Mismatch": _Mismatch,
    "_new": object.__new__,
    "_ABSENT": _ABSENT,
    "_no_float": _no_float,
    "_recent_datetime": _recent_datetimes.get,  # None when absent; a datetime is never falsy
    "_parse_datetime": _parse_datetime,
}

# How many models deep one function inlines its nested models; below that it calls their own.
_INLINE_DEPTH = 4

# Types whose JSON value is kept as it is when it passes this check (an expression on `{v}`).
_CHECKS: dict[Any, str] = {
    str: "type({v}) is str",
    int: "type({v}) is int",
    bool: "type({v}) is bool",
    Any: "True",
    object: "True",
}


def _inlinable(inlining: Sequence[Any], tp: Any) -> bool:
    """Whether a nested model's lines go into its parent's function (no call, no frame), given
    the models whose lines are being written (`inlining`, outermost first): plain models, not
    one already being inlined (a model that contains itself calls its own function), and not
    too deep (the function stays a readable size); and tagged unions of such models. The C
    plans (`_structure_native.Planner`) follow this same rule."""
    tagged = _tagged_variants(tp)
    if tagged is not None:
        return all(_inlinable(inlining, cls) for cls in tagged[2])
    return (
        _wire.is_model(tp)
        and tp not in inlining
        and len(inlining) < _INLINE_DEPTH
        and _plain_slots_model(tp)
    )


def _check(tp: Any, var: str, bind: Callable[[Any, str], str]) -> str | None:
    """An expression true when `var` is already the structured value of `tp` (the value is then
    kept as it is); None when `tp` needs more than a check. `bind` names a constant in the
    function's globals."""
    if tp in _CHECKS:
        return _CHECKS[tp].format(v=var)
    literal = _wire.literal_args(tp)
    if literal:
        return f"{var} in {bind(literal, 'literal')}"
    inner = _wire.without_none(tp)
    if inner is not None:
        inner_check = _check(inner, var, bind)
        if inner_check is not None:
            return "True" if inner_check == "True" else f"{var} is None or {inner_check}"
    return None


def _checked_only(tp: Any) -> bool:
    """Whether `_check` keeps `tp`'s value as it is after a check (the C plans ask this too)."""
    return _check(tp, "v", lambda value, name: name) is not None


class _Source:
    """A function's source lines and the names it refers to (its globals)."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.lines: list[str] = []
        self.namespace = namespace
        self.deferred: list[tuple[str, Any]] = []  # (global name, type) bound after exec
        self.inlining: list[Any] = []  # the models whose lines are being written, outermost first
        self._ids = itertools.count()

    def local(self, prefix: str) -> str:
        """A fresh local variable name (nested loops and inlined models must not share one)."""
        return f"{prefix}{next(self._ids)}"

    def bind(self, value: Any, prefix: str) -> str:
        name = f"_{prefix}{next(self._ids)}"
        self.namespace[name] = value
        return name

    def add(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


class StructureCompiler:
    """Builds and caches one function (`Hook`, one argument) per type."""

    def __init__(
        self, fallback: Fallback, *, from_orjson: bool = False, native: bool | None = None
    ) -> None:
        """`from_orjson`: the functions take only what `orjson.loads` made of a response
        body, which nobody else holds: its arrays and objects become the models' own lists
        and dicts, an object's keys are strings, and raw data holding a float is refused (it
        may be a rounded integer). Otherwise (data a caller passed, or an exact parse) each
        array of scalars and each map is copied, its keys checked, raw data kept as it is.

        `native`: with `from_orjson`, build models and values with the C functions of
        `_speedups` (see `_structure_native`), which follow the same rules. None (default):
        when the extension is built and not turned off. Other compilers are Python only."""
        self._fallback = fallback
        self._from_orjson = from_orjson
        if native is None:
            native = from_orjson and _structure_native.NATIVE is not None
        if native and (not from_orjson or _structure_native.NATIVE is None):
            raise ValueError("the C structuring functions need from_orjson and the extension")
        self._native = native
        self._hooks: dict[Any, Hook] = {}
        self.fell_back: set[Any] = set()  # types whose hook is the converter's own
        self._number_safe: dict[Any, bool] = {}

    def hook(self, tp: Any) -> Hook:
        found = self._hooks.get(tp)
        if found is None:
            found = self._build(tp)
        return found

    def number_safe(self, tp: Any) -> bool:
        """Whether `hook(tp)` puts no JSON number into its answer unchecked: every number
        lands in an `int` field (`type(v) is int`: a float refused), a `float` field (where
        an integer beyond 64 bits becomes the same float orjson makes of it) or raw data (a
        `from_orjson` compiler refuses a float there); no `Any`, no converter fallback, no
        numeric `Literal`. For such a type, with `from_orjson`, a body parsed by orjson gives
        the exact answer or raises."""
        self.hook(tp)  # builds every nested hook: `fell_back` is complete for `tp`
        return self._numbers_checked(tp)

    def _numbers_checked(self, tp: Any) -> bool:
        found = self._number_safe.get(tp)
        if found is None:
            self._number_safe[tp] = True  # a model that contains itself: decided by the rest
            found = self._number_safe[tp] = self._numbers_checked_uncached(tp)
        return found

    def _numbers_checked_uncached(self, tp: Any) -> bool:
        if tp in self.fell_back or tp is Any or tp is object:
            return False
        if tp in (str, int, float, bool, datetime, type(None), Unset):  # Unset: a default only
            return True
        literal = _wire.literal_args(tp)
        if literal:
            return all(type(value) is str for value in literal)
        if isinstance(tp, type) and issubclass(tp, OpenEnum):
            return True  # strings only: `_missing_` refuses anything else
        if _wire.is_model(tp):
            return _plain_slots_model(tp) and all(
                self._numbers_checked(field.type) for field in attrs.fields(tp)
            )
        members = _wire.union_args(tp)
        if members is not None:
            variants = tuple(m for m in members if m not in _wire.NONE_TYPES)
            if len(variants) > 1 and _wire.discriminator(variants) is None:
                # Tried in turn: a rounded number could make one variant refuse the value and
                # a later one take it, where the exact parse gives the first.
                return False
            return all(self._numbers_checked(m) for m in members)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is list and len(args) == 1:
            return self._numbers_checked(args[0])
        if origin is dict and len(args) == 2 and args[0] is str:
            return self._numbers_checked(args[1])
        return False

    # Building -------------------------------------------------------------------------------

    def _build(self, tp: Any) -> Hook:
        if _wire.is_model(tp) and _plain_slots_model(tp):
            return self._plan(tp) if self._native else self._compile_model(tp)
        args = _wire.union_args(tp)
        if args is not None and _wire.without_none(tp) is None:
            hook = self._union_hook(tp, args)
        elif self._compilable(tp):
            hook = self._plan(tp) if self._native else self._compile_value(tp)
        else:
            hook = self._fallback_hook(tp)
        self._hooks[tp] = hook
        return hook

    def _fallback_hook(self, tp: Any) -> Hook:
        self.fell_back.add(tp)
        cattrs_hook = self._fallback(tp)
        return lambda value: cattrs_hook(value, tp)

    def _compilable(self, tp: Any) -> bool:
        """Whether `_emit` has an inline rule for `tp` (else the converter's hook is used)."""
        if tp in _CHECKS or tp in (float, datetime) or _wire.literal_args(tp):
            return True
        if isinstance(tp, type) and issubclass(tp, OpenEnum):
            return True
        inner = _wire.without_none(tp)
        if inner is not None:
            return True
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is list and len(args) == 1:
            return True
        return origin is dict and len(args) == 2 and args[0] is str

    def _plan(self, tp: Any) -> Hook:
        """The C function of `tp` (what `_compile_model` / `_compile_value` write, in C)."""
        planner = _structure_native.Planner(
            _inlinable,
            _checked_only,
            _tagged_variants,
            (_recent_datetimes, _parse_datetime),
            _no_float,
        )
        try:
            hook: Hook = _structure_native.NATIVE.Structurer(planner.top(tp), _Mismatch)
        except ValueError:  # a class the C side does not build (say, its own `__new__`)
            plain = _wire.is_model(tp) and _plain_slots_model(tp)
            return self._compile_model(tp) if plain else self._compile_value(tp)
        # Cached before the nested types are built: a model that contains itself finds its
        # own function in its plan's cell.
        self._hooks[tp] = hook
        for cell, nested in planner.pending:
            cell[0] = self.hook(nested)
        return hook

    def _compile_value(self, tp: Any) -> Hook:
        src = _Source(dict(_GLOBALS))
        src.add(0, "def structure_value(v):")
        self._emit(src, tp, "v", 1)
        src.add(1, "return v")
        return self._finish(src, "structure_value", f"<structure {tp!r}>")

    def _compile_model(self, cls: type) -> Hook:
        src = _Source(dict(_GLOBALS))
        src.add(0, "def structure_model(d):")
        src.inlining = [cls]
        self._emit_model(src, cls, "d", "o", 1)
        src.add(1, "return o")
        return self._finish(src, "structure_model", f"<structure {cls.__qualname__}>", cls)

    def _emit_model(
        self, src: _Source, cls: type, din: str, out: str, depth: int, *, is_dict: bool = False
    ) -> None:
        """Lines that build `cls` from the dict `din` into the variable `out`, or raise.

        Unknown keys (kept in `model_extra`) are found without a look at every key in the
        common case: `missing` counts the declared optional keys that are absent (and, for a
        field whose default is None, the ones that are null: one lookup cannot tell those
        apart); when `len(din) + missing` is the number of declared keys, there is no other
        key. Only otherwise (an unknown key, or a null) are the keys compared with the
        declared ones. Absent fields are rarer than present ones: counting them costs less.
        `is_dict`: the lines before have checked that `din` is a dict. Parsed JSON needs no
        check when the model has a field: only a JSON object has `.get`, and a JSON array or
        string refuses a string index."""
        fields = attrs.fields(cls)
        if not is_dict and not (self._from_orjson and fields):
            src.add(depth, f"if type({din}) is not dict:")
            src.add(depth + 1, "raise _Mismatch")
        src.add(depth, f"{out} = _new({src.bind(cls, 'cls')})")
        missing = src.local("missing")
        if any(field.default is not attrs.NOTHING for field in fields):
            src.add(depth, f"{missing} = 0")
        for field in fields:
            self._emit_field(src, field, din, out, depth, missing)
        if hasattr(cls, EXTRA_SLOT):  # keep the keys the model does not declare (model_extra)
            known = src.bind(_wire.declared_keys(cls), "known")
            optional = any(field.default is not attrs.NOTHING for field in fields)
            present = f"len({din}) + {missing}" if optional else f"len({din})"
            src.add(depth, f"if {present} != {len(fields)} and not {din}.keys() <= {known}:")
            extra = f"{out}.{EXTRA_SLOT}"
            src.add(depth + 1, f"{extra} = {{k: x for k, x in {din}.items() if k not in {known}}}")
            if self._from_orjson:
                src.add(depth + 1, f"_no_float({extra})")

    def _emit_field(
        self,
        src: _Source,
        field: attrs.Attribute[Any],
        din: str,
        out: str,
        depth: int,
        missing: str,
    ) -> None:
        key, tp, default = _wire.wire_name(field), field.type, field.default
        v = src.local("v")
        inner = _wire.without_none(tp)
        if default is attrs.NOTHING:
            src.add(depth, f"{v} = {din}[{key!r}]")  # absent: KeyError, and cattrs says which
            self._emit(src, tp, v, depth)
            src.add(depth, f"{out}.{field.name} = {v}")
        elif default is None and inner is not None:
            src.add(depth, f"{v} = {din}.get({key!r})")  # absent and null both give None
            src.add(depth, f"if {v} is None:")
            src.add(depth + 1, f"{missing} += 1")
            check = _check(inner, v, src.bind)
            if check is None:
                src.add(depth, "else:")
                self._emit(src, inner, v, depth + 1)
            elif check != "True":
                src.add(depth, f"elif not ({check}):")
                src.add(depth + 1, "raise _Mismatch")
            src.add(depth, f"{out}.{field.name} = {v}")
        else:
            default_name = src.bind(default, "default")
            src.add(depth, f"{v} = {din}.get({key!r}, _ABSENT)")
            src.add(depth, f"if {v} is _ABSENT:")
            src.add(depth + 1, f"{missing} += 1")
            src.add(depth + 1, f"{out}.{field.name} = {default_name}")
            src.add(depth, "else:")
            self._emit(src, tp, v, depth + 1)
            src.add(depth + 1, f"{out}.{field.name} = {v}")

    def _emit_nested(self, src: _Source, tp: Any, var: str, depth: int) -> str:
        """Lines for `structure(tp, var)`: inlined for a plain model or a tagged union of them,
        else a call of its hook. Returns the variable that holds the result."""
        if not _inlinable(src.inlining, tp):
            src.add(depth, f"{var} = {self._deferred(src, tp)}({var})")
            return var
        tagged = _tagged_variants(tp)
        if tagged is not None:
            self._emit_tagged(src, tagged, var, depth)
            return var
        src.inlining.append(tp)
        built = src.local("o")
        self._emit_model(src, tp, var, built, depth)
        src.inlining.pop()
        return built

    def _emit_tagged(
        self, src: _Source, tagged: tuple[str, dict[Any, int], list[type]], var: str, depth: int
    ) -> None:
        """The lines of each variant of a tagged union, chosen by the tag's value: what
        `_tagged_union` does without its call and the variant's. A tag no variant knows keeps
        the raw mapping; a value that is not a dict raises (the converter keeps it raw)."""
        wire_key, tag_index, variants = tagged
        index = src.bind(tag_index, "tags")
        n = src.local("n")
        if not self._from_orjson:  # parsed JSON: only an object has `.get`
            src.add(depth, f"if type({var}) is not dict:")
            src.add(depth + 1, "raise _Mismatch")
        src.add(depth, f"{n} = {index}.get({var}.get({wire_key!r}))")
        for position, cls in enumerate(variants):
            src.add(depth, f"{'if' if position == 0 else 'elif'} {n} == {position}:")
            src.inlining.append(cls)
            built = src.local("o")
            self._emit_model(src, cls, var, built, depth + 1, is_dict=True)
            src.add(depth + 1, f"{var} = {built}")
            src.inlining.pop()
        if self._from_orjson:  # a variant this SDK version does not know: kept raw
            src.add(depth, "else:")
            src.add(depth + 1, f"_no_float({var})")

    def _emit(self, src: _Source, tp: Any, var: str, depth: int) -> None:
        """Lines that check `var` and replace it with its structured value, or raise."""
        check = _check(tp, var, src.bind)
        if check is not None:
            if check != "True":
                src.add(depth, f"if not ({check}):")
                src.add(depth + 1, "raise _Mismatch")
            return
        inner = _wire.without_none(tp)
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if inner is not None:
            src.add(depth, f"if {var} is not None:")
            self._emit(src, inner, var, depth + 1)
        elif tp is float:
            src.add(depth, f"if type({var}) is not float:")
            src.add(depth + 1, f"if type({var}) is not int:")
            src.add(depth + 2, "raise _Mismatch")
            src.add(depth + 1, f"{var} = float({var})")  # JSON 1 for a float field
        elif tp is datetime:  # a string seen lately: its datetime (immutable) is reused
            src.add(depth, f"{var} = _recent_datetime({var}) or _parse_datetime({var})")
        elif isinstance(tp, type) and issubclass(tp, OpenEnum):
            members = src.bind(tp._value2member_map_, "members")
            enum_cls = src.bind(tp, "enum")
            # A member is found by its string; anything else goes to the enum, which makes a
            # pseudo-member of an unknown string and refuses the rest (a member whose value is
            # "" is falsy: the enum finds it too).
            src.add(depth, f"{var} = {members}.get({var}) or {enum_cls}({var})")
        elif origin is list:
            self._emit_list(src, args[0], var, depth)
        elif origin is dict:
            self._emit_dict(src, args[1], var, depth)
        else:  # a model, a union, or a type only the converter knows
            result = self._emit_nested(src, tp, var, depth)
            if result != var:
                src.add(depth, f"{var} = {result}")

    def _emit_list(self, src: _Source, item_tp: Any, var: str, depth: int) -> None:
        src.add(depth, f"if type({var}) is not list:")
        src.add(depth + 1, "raise _Mismatch")
        i = src.local("i")
        check = _check(item_tp, i, src.bind)
        if check is None and _inlinable(src.inlining, item_tp):
            items = src.local("items")
            src.add(depth, f"{items} = []")
            src.add(depth, f"for {i} in {var}:")
            result = self._emit_nested(src, item_tp, i, depth + 1)
            src.add(depth + 1, f"{items}.append({result})")
            src.add(depth, f"{var} = {items}")
            return
        if check is None:
            item = self._deferred(src, item_tp)
            src.add(depth, f"{var} = [{item}({i}) for {i} in {var}]")
            return
        if check != "True":
            self._emit_each(src, i, var, check, depth)
        if not self._from_orjson:
            src.add(depth, f"{var} = list({var})")

    def _emit_dict(self, src: _Source, value_tp: Any, var: str, depth: int) -> None:
        src.add(depth, f"if type({var}) is not dict:")
        src.add(depth + 1, "raise _Mismatch")
        k, x = src.local("k"), src.local("x")
        if not self._from_orjson:  # JSON's keys are strings; a caller's may be anything
            src.add(depth, f"for {k} in {var}:")
            src.add(depth + 1, f"if type({k}) is not str:")
            src.add(depth + 2, "raise _Mismatch")
        check = _check(value_tp, x, src.bind)
        if check is None:
            value = self._deferred(src, value_tp)
            src.add(depth, f"{var} = {{{k}: {value}({x}) for {k}, {x} in {var}.items()}}")
            return
        if check != "True":
            self._emit_each(src, x, f"{var}.values()", check, depth)
        if not self._from_orjson:
            src.add(depth, f"{var} = dict({var})")

    @staticmethod
    def _emit_each(src: _Source, each: str, of: str, check: str, depth: int) -> None:
        """`raise _Mismatch` unless every `each` in `of` passes `check`."""
        src.add(depth, f"for {each} in {of}:")
        src.add(depth + 1, f"if not ({check}):")
        src.add(depth + 2, "raise _Mismatch")

    def _deferred(self, src: _Source, tp: Any) -> str:
        """A global name for `tp`'s hook, filled in by `_finish` once this function exists."""
        name = src.bind(None, "hook")
        src.deferred.append((name, tp))
        return name

    def _finish(self, src: _Source, name: str, filename: str, cache_as: Any = None) -> Hook:
        # The function is made by a factory whose arguments are the names it uses (builtins
        # included): read from the closure, not looked up as globals, they cost less per use
        # (~4% of a coupon page). The hooks of nested types stay globals: they are bound
        # after the function exists (a model may contain itself).
        deferred = {global_name for global_name, _ in src.deferred}
        bound = [n for n in src.namespace if n not in deferred] + list(_BUILTINS)
        lines = [f"def _bind({', '.join(bound)}):", *("    " + line for line in src.lines)]
        text = "\n".join([*lines, f"    return {name}"]) + "\n"
        code = compile(text, filename, "exec")
        # Tracebacks, pdb and profilers read source through linecache: register the generated
        # text under its pseudo-filename, as attrs does for the methods it writes.
        linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
        # The source is built here from identifiers and repr()-quoted wire names of the models;
        # no response data is ever part of it.
        values = {**src.namespace, **_BUILTINS}
        exec(code, src.namespace)  # noqa: S102  # nosec B102
        hook: Hook = src.namespace["_bind"](*(values[n] for n in bound))
        if cache_as is not None:
            # Cached before the nested types are built: a model that contains itself finds its
            # own function (nested names are globals, looked up when called).
            self._hooks[cache_as] = hook
        for global_name, tp in src.deferred:
            nested = self.hook(tp)
            src.namespace[global_name] = _nested(nested) if _wire.contains_model(tp) else nested
        return hook

    # Unions ---------------------------------------------------------------------------------

    def _union_hook(self, tp: Any, members: tuple[Any, ...]) -> Hook:
        found = _wire.discriminator(members)
        if found is not None:
            wire_key, tag_map = found
            hooks = {tag: self.hook(cls) for tag, cls in tag_map.items()}
            return _tagged_union(wire_key, hooks, self._from_orjson)
        variant_hooks = [self.hook(m) for m in members]
        declared = [_wire.declared_keys(m) for m in members]

        def structure_first_match(value: Any) -> Any:
            for index in _wire.variant_order(value, declared):
                try:  # a variant that fails to structure the value: try the next one
                    return variant_hooks[index](value)
                except Exception:  # noqa: S112  # nosec B112
                    continue
            raise _Mismatch(f"no variant of {tp!r}")

        return structure_first_match


def _tagged_variants(tp: Any) -> tuple[str, dict[Any, int], list[type]] | None:
    """For a tagged union (see `_wire.discriminator`): its tag's wire key, each tag's index
    into the variants, and the variants; None for any other type."""
    members = _wire.union_args(tp)
    if members is None or _wire.without_none(tp) is not None:
        return None
    found = _wire.discriminator(members)
    if found is None:
        return None
    wire_key, tag_map = found
    variants = list(dict.fromkeys(tag_map.values()))
    return wire_key, {tag: variants.index(cls) for tag, cls in tag_map.items()}, variants


def _tagged_union(wire_key: str, hooks: dict[Any, Hook], from_orjson: bool) -> Hook:
    def structure_tagged(value: Any) -> Any:
        if isinstance(value, dict):
            hook = hooks.get(value.get(wire_key))
            if hook is not None:
                return hook(value)
        if from_orjson:
            _no_float(value)
        return value  # a variant this SDK version does not know: keep the raw data

    return structure_tagged


def _plain_slots_model(cls: type) -> bool:
    """Whether `object.__new__` plus slot assignment builds what the attrs `__init__` would."""
    try:
        attrs.resolve_types(cls)
    except NameError:
        return False
    return (
        getattr(cls, "__setattr__", None) is object.__setattr__  # no frozen/on_setattr hooks
        and not hasattr(cls, "__attrs_pre_init__")
        and not hasattr(cls, "__attrs_post_init__")
        and all(
            f.init
            and f.alias == f.name
            and f.validator is None
            and f.converter is None
            and not isinstance(f.default, attrs.Factory)  # type: ignore[arg-type]
            for f in attrs.fields(cls)
        )
    )
