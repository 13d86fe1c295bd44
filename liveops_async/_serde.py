"""The one converter between JSON and the generated attrs models.

Responses are structured by functions compiled per model (`_structure`), with this module's
cattrs converter behind them for what they do not cover and for the detailed error when a body
does not fit; request bodies are unstructured by the converter. Hooks are built per type the
first time a type is seen and cached (~2 ms for a page of coupons: short enough for the first
call on a running loop); `LiveOpsClient.warm_up` calls `warm_up` with every operation's types
(~70 ms) for programs that want it done before serving. Importing this module builds no hooks.

Rules (see codegen/README.md and `_wire`):
* wire names come from the field metadata key ``"json"`` (``from_`` <-> ``from``);
* an optional field left at its default (``None``, or ``UNSET`` for optional-nullable ones) is
  left out of the body; a required field is always sent, ``None`` as ``null``;
* scalars are checked, not coerced: a JSON value of the wrong type is an error;
* unknown keys in a response are kept in the model's `model_extra` (the `_liveops_extra`
  slot of `LiveOpsModel`) and written back by `to_json_ready` and request bodies; unknown
  enum values become `OpenEnum` pseudo-members; an entry of a ``dict[str, V]`` map whose
  value is not a V is left out;
* `decode` (what the client calls) adds the tolerance rules of `_decode`: the body's JSON type
  is checked first; a field that does not fit keeps its raw value and warns (default) or
  raises `DecodeMismatchError` with its path (strict); `structure` alone is strict;
* integers are exact: a body holding an integer literal beyond 64 bits is parsed by the
  standard library (exact ints) instead of orjson (which would give a float); a response
  whose type checks every number skips that scan (see `loads_response`);
* a ``oneOf`` of models that share a ``Literal`` tag field is dispatched on that tag; a tag no
  variant knows keeps the raw mapping instead of raising (forward compatibility). Without a
  tag, the variants that declare every key present are tried first, then the others.
"""

from __future__ import annotations

import enum
import json
import math
import re
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Literal

import attrs
import orjson
from cattrs.cols import iterable_unstructure_factory, list_structure_factory
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.orjson import OrjsonConverter, make_converter

from . import _decode, _wire
from ._exceptions import DecodeMismatchError
from ._model import EXTRA_SLOT
from ._structure import StructureCompiler
from ._types import UNSET, OpenEnum
from ._wire import WIRE_NAME_KEY, is_model, union_args, without_none

__all__ = [
    "UnsendableValue",
    "decode",
    "decode_json",
    "dumps_body",
    "dumps_json",
    "loads_json",
    "loads_response",
    "structure",
    "to_json_ready",
    "misshapen_values",
    "unsendable_values",
    "unstructure",
    "warm_up",
]

StructureHook = Callable[[Any, Any], Any]


def _structure_open_enum(value: Any, cls: type[OpenEnum]) -> OpenEnum:
    return cls(value)


def _make_optional_hook(conv: OrjsonConverter, tp: Any) -> StructureHook:
    inner_tp = without_none(tp)
    inner = conv.get_structure_hook(inner_tp)

    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else inner(value, inner_tp)

    return structure_optional


def _make_list_hook(conv: OrjsonConverter, tp: Any) -> StructureHook:
    items = list_structure_factory(tp, conv)

    def structure_list(value: Any, _: Any) -> Any:
        if not isinstance(value, list):  # cattrs would take any iterable, a string included
            raise TypeError(f"expected an array, got {type(value).__name__}")
        return items(value, tp)

    return structure_list


def _make_map_hook(conv: OrjsonConverter, tp: Any) -> StructureHook:
    _, value_tp = typing.get_args(tp)  # dict[str, V]
    values = conv.get_structure_hook(value_tp)

    def structure_map(value: Any, _: Any) -> Any:
        if not isinstance(value, dict):
            raise TypeError(f"expected an object, got {type(value).__name__}")
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"expected string keys, got {type(key).__name__}")
            # An entry this SDK cannot read is left out, like an unknown field: a locale added
            # with a new kind of value must not break the whole answer.
            try:
                out[key] = values(item, value_tp)
            except Exception:  # noqa: S112  # nosec B112
                continue
        return out

    return structure_map


def _make_union_hook(conv: OrjsonConverter, tp: Any) -> StructureHook:
    members = union_args(tp) or ()
    found = _wire.discriminator(members)
    if found is not None:
        wire_key, tag_map = found
        hooks = {tag: (conv.get_structure_hook(cls), cls) for tag, cls in tag_map.items()}

        def structure_tagged(value: Any, _: Any) -> Any:
            entry = hooks.get(value.get(wire_key)) if isinstance(value, dict) else None
            if entry is None:
                return value  # a variant this SDK version does not know: keep the raw data
            hook, cls = entry
            return hook(value, cls)

        return structure_tagged

    member_hooks = [(conv.get_structure_hook(m), m) for m in members]
    declared = [_wire.declared_keys(m) for m in members]

    def structure_first_match(value: Any, _: Any) -> Any:
        errors: list[Exception] = []
        for index in _wire.variant_order(value, declared):
            hook, member = member_hooks[index]
            try:
                return hook(value, member)
            except Exception as exc:  # a failed variant: try the next one
                errors.append(exc)
        raise ValueError(f"{value!r} matches no variant of {tp}") from errors[-1]

    return structure_first_match


def _renames(cls: type) -> dict[str, Any]:
    return {
        a.name: override(rename=a.metadata[WIRE_NAME_KEY])
        for a in attrs.fields(cls)
        if WIRE_NAME_KEY in a.metadata
    }


def _make_model_structure(conv: OrjsonConverter, cls: type) -> StructureHook:
    fields: StructureHook = make_dict_structure_fn(
        cls, conv, _cattrs_forbid_extra_keys=False, **_renames(cls)
    )
    known = _wire.declared_keys(cls) or frozenset()
    keeps_extra = hasattr(cls, EXTRA_SLOT)

    def structure_model(value: Any, tp: Any) -> Any:
        if not isinstance(value, Mapping):  # cattrs would read `[]` or `"OK"` as "no fields"
            raise TypeError(f"expected an object, got {_decode.json_kind(value)}")
        instance = fields(value, tp)
        if keeps_extra and not value.keys() <= known:
            setattr(instance, EXTRA_SLOT, {k: v for k, v in value.items() if k not in known})
        return instance

    return structure_model


def _make_model_unstructure(conv: OrjsonConverter, cls: type) -> Callable[[Any], Any]:
    overrides: dict[str, Any] = {}
    for a in attrs.fields(cls):
        omit = a.default is None or a.default is UNSET  # only optional fields are left out
        overrides[a.name] = override(
            rename=a.metadata.get(WIRE_NAME_KEY), omit_if_default=omit or None
        )
    fields: Callable[[Any], Any] = make_dict_unstructure_fn(
        cls, conv, _cattrs_omit_if_default=False, **overrides
    )
    if not hasattr(cls, EXTRA_SLOT):
        return fields

    def unstructure_model(obj: Any) -> Any:
        data = fields(obj)
        extra = getattr(obj, EXTRA_SLOT, None)
        if extra:  # unknown fields kept from a response, or added by the caller
            data = {**{k: to_json_ready(v) for k, v in extra.items()}, **data}
        return data

    return unstructure_model


def _is_list(tp: Any) -> bool:
    return tp is list or getattr(tp, "__origin__", None) is list


def _is_str_map(tp: Any) -> bool:
    return typing.get_origin(tp) is dict and typing.get_args(tp)[:1] == (str,)


class UnsendableValue(ValueError):
    """A request value JSON cannot carry faithfully (`unsendable_values` says where)."""


def _unstructure_datetime(value: datetime | str) -> str:
    """A date-time goes out with its UTC offset: a naive one would let the server pick the
    zone, so it is refused. A string is sent as given (the body check validates its format)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise UnsendableValue("a date-time needs a datetime with a time zone")
    return value.isoformat()


def _refuse_bytes(value: bytes) -> str:
    """cattrs' orjson preset would send bytes as base85 text, which no field of the API takes:
    refused (`unsendable_values` names the field)."""
    raise UnsendableValue("bytes is not a JSON value")


def _unstructure_enum(value: OpenEnum | str) -> str:
    """An enum field takes its member or the plain string (members equal their strings)."""
    return value.value if isinstance(value, enum.Enum) else value


# How deep containers (models, mappings, lists) may nest in a request body: what orjson writes
# (the body's own object is the first level). No body of the API comes near it.
MAX_BODY_NESTING = 254


def _values(obj: Any, tp: Any = None, path: str = "") -> Iterator[tuple[Any, Any, str, int]]:
    """Every value of a request body, parents first, with its declared type (None where the
    declaration says nothing), its path and its nesting (how many containers hold it, itself
    included): models by their fields' wire names, mappings by key, lists and tuples by index.
    The one walk the body's problem finders share; on its own stack, so a body of any depth
    is walked (a container nested deeper than `MAX_BODY_NESTING` is yielded, not entered)."""
    pending: list[tuple[Any, Any, str, int]] = [(obj, tp, path, 0)]
    while pending:
        value, declared, here, outer = pending.pop()
        model = is_model(type(value))
        container = model or isinstance(value, (Mapping, list, tuple))
        nesting = outer + 1 if container else outer
        yield value, declared, here, nesting
        if not container or nesting > MAX_BODY_NESTING:
            continue
        declared = _declared(declared)
        inner: list[tuple[Any, Any, str, int]] = []
        if model:
            attrs.resolve_types(type(value))
            for field in attrs.fields(type(value)):
                name = field.metadata.get(WIRE_NAME_KEY, field.name)
                inner.append((getattr(value, field.name), field.type, f"{here}/{name}", nesting))
        elif isinstance(value, Mapping):
            item = typing.get_args(declared)[1] if _is_str_map(declared) else None
            inner += [(v, item, f"{here}/{key}", nesting) for key, v in value.items()]
        else:
            args = typing.get_args(declared) if _is_list(declared) else ()
            item = args[0] if args else None
            inner += [(v, item, f"{here}/{index}", nesting) for index, v in enumerate(value)]
        pending += reversed([(v, t, p.lstrip("/"), n) for v, t, p, n in inner])


# What the body encoder (orjson) can write: integers in 64 bits, strings in UTF-8.
_INT64_MIN, _UINT64_MAX = -(2**63), 2**64 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
# Path segments a problem shows of a value nested too deep (its field comes first).
_SHOWN_SEGMENTS = 8


def _shortened(path: str) -> str:
    parts = path.split("/")
    if len(parts) <= _SHOWN_SEGMENTS:
        return path
    return "/".join(parts[:_SHOWN_SEGMENTS]) + f"/... ({len(parts) - _SHOWN_SEGMENTS} more)"


def unsendable_values(obj: Any) -> Iterator[str]:
    """Problems, each naming its field, for values JSON cannot carry faithfully: NaN and
    infinities (orjson would send null), datetimes without a time zone and bare dates, a value
    of another type where a date-time is declared, values of no JSON type at all (bytes, sets,
    arbitrary objects), and those the encoder refuses (an integer beyond 64 bits, a string with
    a lone surrogate, containers nested deeper than `MAX_BODY_NESTING`). Walks models (by wire
    name), mappings and sequences; only called once a body needs it."""
    for value, declared, path, nesting in _values(obj):
        here = path or "(body)"
        if nesting > MAX_BODY_NESTING:
            yield (
                f"{_shortened(here)}: nested deeper than the {MAX_BODY_NESTING} levels a "
                "request body may have"
            )
            return  # one is enough: its siblings are as deep
        if isinstance(value, Mapping):
            for key in value:
                if not isinstance(key, str):
                    yield f"{here}: a key of type {type(key).__name__} ({key!r}); keys are strings"
                elif _SURROGATE.search(key):
                    yield f"{here}: a key with a lone surrogate (\\ud800-\\udfff): {key!r}"
        if declared is datetime and not isinstance(value, (date, str)):
            yield f"{here}: expected a datetime with a time zone, got {type(value).__name__}"
        elif isinstance(value, str):
            if _SURROGATE.search(value):
                yield f"{here}: a lone surrogate (\\ud800-\\udfff) cannot be sent as UTF-8"
        elif isinstance(value, int) and not isinstance(value, bool):
            if not _INT64_MIN <= value <= _UINT64_MAX:
                yield f"{here}: an integer of {value.bit_length()} bits does not fit in 64"
        elif isinstance(value, float):
            if not math.isfinite(value):
                yield f"{here}: {value!r} is not a JSON number"
        elif isinstance(value, datetime):
            if value.utcoffset() is None:
                yield f"{here}: {value.isoformat()!r} has no time zone (give tzinfo, e.g. UTC)"
        elif isinstance(value, date):  # no field of the API is a bare date
            yield f"{here}: {value.isoformat()!r} is a date; give a datetime with a time zone"
        elif not (
            value is None
            or value is UNSET
            or isinstance(value, (str, int, Mapping, list, tuple))
            or is_model(type(value))
        ):
            yield f"{here}: a value of type {type(value).__name__} is not JSON"  # bytes, a set


def misshapen_values(obj: Any) -> Iterator[str]:
    """Problems, each naming its field, for values whose shape is not the declared type's: a
    dict where a model belongs, a string where a list or a mapping does. The converter cannot
    turn the first into JSON, and would turn a string into a list of its characters. Walks a
    model tree by its fields' declared types (wire names in the paths); scalars are left to the
    body check, which names their JSON types. Below a misfit only a model's own fields
    declare anything (a dict's or a list's values where a model belongs are not checked)."""
    for value, tp, path, _ in _values(obj):
        misfit = _misfit(value, tp)
        if misfit is not None:
            yield f"{path or '(body)'}: {misfit}"


def _declared(tp: Any) -> Any:
    """`T | None | Unset` -> T; a union of several types stays as it is."""
    rest = without_none(tp)
    return tp if rest is None else rest


def _misfit(value: Any, tp: Any) -> str | None:
    """Why `value` cannot stand where `tp` is declared, for the shapes the converter needs
    (models, lists, string-keyed mappings); None when it fits or `tp` says nothing about it.
    Scalars are left to the body check, which names their JSON types. None where such a shape
    is declared without None (a required field) is a misfit too: the converter cannot write it."""
    if tp is None or value is UNSET:
        return None
    if value is None:
        required = is_model(tp) or _is_list(tp) or _is_str_map(tp)
        return f"expected {_shape_name(tp)}, got None" if required else None
    tp = _declared(tp)
    members = union_args(tp)
    if members is not None:
        shapes = [m for m in members if is_model(m) or _is_list(m) or _is_str_map(m)]
        if len(shapes) < len(members) or any(_misfit(value, m) is None for m in shapes):
            return None
        names = ", ".join(_shape_name(m) for m in shapes)
        return f"expected one of {names}, got {type(value).__name__}"
    if (
        (is_model(tp) and not isinstance(value, tp))
        or (_is_list(tp) and not isinstance(value, (list, tuple)))
        or (_is_str_map(tp) and not isinstance(value, Mapping))
    ):
        return f"expected {_shape_name(tp)}, got {type(value).__name__}"
    return None


def _shape_name(tp: Any) -> str:
    if is_model(tp):
        return f"{tp.__name__} (a model instance)"
    return "a list" if _is_list(tp) else "a mapping of string keys"


def _build_converter() -> OrjsonConverter:
    conv = make_converter(detailed_validation=True)
    conv.register_structure_hook(str, _wire.structure_str)
    conv.register_structure_hook(int, _wire.structure_int)
    conv.register_structure_hook(float, _wire.structure_float)
    conv.register_structure_hook(bool, _wire.structure_bool)
    conv.register_structure_hook(datetime, _wire.structure_datetime)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    conv.register_unstructure_hook(bytes, _refuse_bytes)
    conv.register_structure_hook(OpenEnum, _structure_open_enum)
    conv.register_unstructure_hook(OpenEnum, _unstructure_enum)
    conv.register_structure_hook_factory(_is_list, lambda t: _make_list_hook(conv, t))
    conv.register_structure_hook_factory(_is_str_map, lambda t: _make_map_hook(conv, t))
    conv.register_structure_hook_factory(
        lambda t: without_none(t) is not None, lambda t: _make_optional_hook(conv, t)
    )
    conv.register_structure_hook_factory(
        lambda t: union_args(t) is not None and without_none(t) is None,
        lambda t: _make_union_hook(conv, t),
    )
    conv.register_structure_hook_factory(is_model, lambda t: _make_model_structure(conv, t))
    conv.register_unstructure_hook_factory(is_model, lambda t: _make_model_unstructure(conv, t))
    conv.register_unstructure_hook_factory(
        lambda t: _is_list(t) or _is_list(without_none(t)),
        lambda t: _make_list_unstructure(conv, t),
    )
    conv.register_unstructure_hook_factory(
        lambda t: _is_str_map(t) or _is_str_map(without_none(t)),
        lambda t: _make_map_unstructure(conv, t),
    )
    return conv


def _make_map_unstructure(conv: OrjsonConverter, tp: Any) -> Callable[[Any], Any]:
    """A `dict[str, V]` field takes string keys only: cattrs' orjson preset would send `None`,
    `1` or a tuple as the text of its repr (`unsendable_values` names the field)."""
    optional = not _is_str_map(tp)  # `dict[str, V] | None`: None (or UNSET) stays as it is
    item = conv.get_unstructure_hook(typing.get_args(without_none(tp) if optional else tp)[1])

    def unstructure_map(value: Any) -> Any:
        if optional and (value is None or value is UNSET):
            return value
        out = {}
        for key, entry in value.items():
            if not isinstance(key, str):
                raise UnsendableValue("a mapping key that is no string")
            out[key] = item(entry)
        return out

    return unstructure_map


def _make_list_unstructure(conv: OrjsonConverter, tp: Any) -> Callable[[Any], Any]:
    """A list field refuses a string, bytes or a mapping: iterating them would send a
    string's characters or a mapping's keys as the list (`misshapen_values` names the field)."""
    optional = not _is_list(tp)  # `list[T] | None`: None (or UNSET) stays as it is
    # Not `conv.gen_unstructure_iterable`: it registers its result for the type, over this.
    items: Callable[[Any], Any] = iterable_unstructure_factory(
        without_none(tp) if optional else tp, conv, unstructure_to=list
    )

    def unstructure_list(value: Any) -> Any:
        if optional and (value is None or value is UNSET):
            return value
        if isinstance(value, (str, bytes, Mapping)):
            raise TypeError(f"a {type(value).__name__} is not a list")
        return items(value)

    return unstructure_list


_converter = _build_converter()
# The fast path; it falls back to the converter's hooks for the types it does not compile.
# One for orjson's parse of a response body (its lists and dicts become the models' own; raw
# data holding a float refused), one for everything else: data a caller passes (`structure`,
# `decode`: copied, keys checked) and exact parses.
_compiler = StructureCompiler(_converter.get_structure_hook, from_orjson=True)
_copying_compiler = StructureCompiler(_converter.get_structure_hook)


def structure(obj: Any, tp: Any) -> Any:
    """Turn decoded JSON into `tp` (a model class, `list[Model]`, a union...).

    Raises the converter's errors (`cattrs.ClassValidationError` and the like, which say where
    and why) when `obj` does not fit `tp`."""
    if tp is None:
        return None
    hook = _copying_compiler.hook(tp)
    try:
        return hook(obj)
    except Exception:
        # Not the common case (or not valid): the converter gives the answer or the detailed
        # error. The compiled hooks never return what the converter would not.
        return _converter.structure(obj, tp)


_unstructure_hooks: dict[type, Callable[[Any], Any]] = {}


def unstructure(obj: Any) -> Any:
    """Turn a model (or a list of them) into JSON-ready data, wire names and omissions applied."""
    cls = type(obj)
    hook = _unstructure_hooks.get(cls)
    if hook is None:  # the converter's own dispatch per call costs as much as the hook itself
        hook = _unstructure_hooks[cls] = _converter.get_unstructure_hook(cls)
    return hook(obj)


def decode(data: Any, tp: Any, *, strict: bool = True, operation: str = "decode") -> Any:
    """Turn decoded JSON into `tp` by the response rules (see `_decode`).

    The body's JSON type must be `tp`'s (an object for a model): otherwise
    `DecodeMismatchError`, in both modes. A body that fits takes the compiled fast path. Else,
    `strict=True` raises `DecodeMismatchError` naming the first field that does not fit;
    `strict=False` keeps that field's raw JSON value and logs a WARNING once per (model,
    field) naming `operation`, the path and the JSON types. `data` stays the caller's:
    the answer holds copies of its lists and dicts."""
    if tp is None:
        return None
    _decode.check_top_level(data, tp)
    # Not the common case when the fast path raises: the slow path decides.
    try:
        return _copying_compiler.hook(tp)(data)
    except Exception:  # noqa: S110  # nosec B110
        pass
    try:
        return _decode.walk(data, tp, structure=structure, strict=strict, operation=operation)
    except RecursionError:  # self-containing models nested hundreds deep: no real answer
        raise DecodeMismatchError(
            "$", "a body nested no deeper than Python can walk", "a deeper body"
        ) from None


# Every byte that is a digit becomes "0", every other byte a blank: a run of 19 zeros is a run
# of 19 digits, which may be an integer orjson cannot hold in 64 bits and turns into a float
# (above 2**64 - 1, 20 digits; below -2**63, 19 digits after the minus sign).
_DIGIT_MASK = bytes(0x30 if 0x30 <= b <= 0x39 else 0x20 for b in range(256))
_LONG_DIGIT_RUN = b"0" * 19
_UTF8_BOM = b"\xef\xbb\xbf"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError("number is infinity when parsed as double")
    return value


def loads_json(raw: bytes | str) -> Any:
    """Parse JSON text with exact integers: orjson, or the standard library when the text holds
    a run of 19 or more digits (an integer orjson cannot hold in 64 bits would become a
    rounded float). A leading UTF-8 byte order mark is ignored (some gateways add one).
    Raises `ValueError` (a `json.JSONDecodeError`) for text that is not JSON."""
    data = raw.encode() if isinstance(raw, str) else raw
    if data.startswith(_UTF8_BOM):  # which RFC 8259 lets a parser ignore (orjson refuses it)
        data = data[len(_UTF8_BOM) :]
    if data.translate(_DIGIT_MASK).find(_LONG_DIGIT_RUN) < 0:
        return orjson.loads(data)
    try:
        return json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:  # nested deeper than the stack: orjson refuses it as not JSON too
        raise ValueError("JSON nested too deep") from None


def dumps_json(data: Any) -> bytes:
    """Compact UTF-8 JSON of plain JSON data, by orjson; data holding an integer beyond 64 bits
    or nested deeper than orjson writes (254 levels) is written by `_dumps_walked`, exactly
    and without recursion. Raises `TypeError` for a value JSON cannot hold, `ValueError` past
    `MAX_WALK_DEPTH` levels."""
    try:
        return orjson.dumps(data)
    except TypeError as exc:
        reason = str(exc)
        if "64-bit" not in reason and "Recursion limit" not in reason:
            raise
    return _dumps_walked(data)


def _dumps_walked(data: Any) -> bytes:
    """`orjson.dumps(data)` with its own stack instead of recursion and integers of any size:
    containers (dict with str keys, list, tuple) are walked here, every other value is
    written by orjson (so a value orjson refuses is refused here too, with its TypeError)."""
    out: list[bytes] = []
    # (True, literal bytes) or (False, value, depth), taken from the end
    pending: list[tuple[Any, ...]] = [(False, data, 0)]
    while pending:
        entry = pending.pop()
        if entry[0]:
            out.append(entry[1])
            continue
        value, depth = entry[1], entry[2]
        if depth > MAX_WALK_DEPTH:
            raise _too_deep()
        if isinstance(value, dict):
            parts: list[tuple[Any, ...]] = [(True, b"{")]
            for index, (key, item) in enumerate(value.items()):
                if not isinstance(key, str):
                    raise TypeError("Dict key must be str")
                parts.append((True, (b"," if index else b"") + orjson.dumps(key) + b":"))
                parts.append((False, item, depth + 1))
            parts.append((True, b"}"))
            pending.extend(reversed(parts))
        elif isinstance(value, (list, tuple)):
            parts = [(True, b"[")]
            for index, item in enumerate(value):
                if index:
                    parts.append((True, b","))
                parts.append((False, item, depth + 1))
            parts.append((True, b"]"))
            pending.extend(reversed(parts))
        elif isinstance(value, int) and not isinstance(value, bool):
            out.append(int.__repr__(value).encode())  # exact at any size, an IntEnum as its number
        else:
            out.append(orjson.dumps(value))
    return b"".join(out)


def decode_json(
    raw: bytes | str, tp: Any, *, strict: bool = True, operation: str = "decode"
) -> Any:
    """`decode` of JSON text; text that is not JSON raises `DecodeMismatchError`."""
    try:
        data = loads_json(raw)
    except ValueError as exc:
        raise DecodeMismatchError("$", "JSON text", f"text that is not JSON ({exc})") from None
    return decode(data, tp, strict=strict, operation=operation)


def loads_response(raw: bytes, tp: Any, *, strict: bool = True, operation: str = "response") -> Any:
    """Parse a response body (see `decode`); an empty body or `tp=None` gives None.

    The common case skips the scan of `loads_json` for long digit runs: for a model or list
    type whose compiled hook checks every number (`StructureCompiler.number_safe`), orjson's
    parse is structured directly by `_compiler`; an integer beyond 64 bits (a float from
    orjson) then fails its `int` check, or is refused in raw data (unknown fields, an unknown
    union variant). When the hook raises, the body goes the exact way (`loads_json`, then
    `decode`)."""
    hook = _fast_hooks.get(tp)
    if hook:
        try:
            return hook(_orjson_loads(raw))
        except Exception:  # noqa: S110  # nosec B110  # not the common case: the exact way
            pass
    if tp is None or not raw:
        return None
    if hook is None and _fast_hook(tp):  # the first body of this type
        return loads_response(raw, tp, strict=strict, operation=operation)
    return decode(loads_json(raw), tp, strict=strict, operation=operation)


_orjson_loads = orjson.loads


# tp -> its compiled hook when `loads_response` may structure orjson's parse directly, else
# False: one lookup per response.
_fast_hooks: dict[Any, Callable[[Any], Any] | Literal[False]] = {}


def _fast_hook(tp: Any) -> Callable[[Any], Any] | Literal[False]:
    """The hook `loads_response` may run on orjson's parse of a `tp` body, or False: a model
    or a list (their compiled hooks refuse a body of another JSON type, which `decode` then
    reports) whose hook checks every number."""
    shape_checked = is_model(tp) or typing.get_origin(tp) is list
    fast = shape_checked and _compiler.number_safe(tp)
    found: Callable[[Any], Any] | Literal[False] = _compiler.hook(tp) if fast else False
    _fast_hooks[tp] = found
    return found


# How deep `to_json_ready` and `dumps_json` follow containers. The decoders stop far sooner
# (orjson at 1,024 levels, the exact parse at the interpreter's recursion limit); this bound
# only stops a value that contains itself, which would otherwise be walked without end.
MAX_WALK_DEPTH = 100_000


def _too_deep() -> ValueError:
    return ValueError(
        f"nested deeper than {MAX_WALK_DEPTH} levels (a list or dict that contains itself?)"
    )


def to_json_ready(value: Any) -> Any:
    """A model (or list, dict, scalar) as plain JSON data: wire names, optional fields left at
    None or UNSET omitted, unknown fields included, enums and date-times as strings.

    Goes by the runtime value, not the declared type, so a field that holds a raw JSON value
    (kept by tolerant decoding) is written back as it is. Walks with its own stack, not
    recursion, so data of any depth a decoder accepted converts; raises `ValueError` past
    `MAX_WALK_DEPTH` levels (only a value that contains itself gets there)."""
    top: list[Any] = [None]
    # (value, the list or dict its result goes into, at which index or key, its depth)
    pending: list[tuple[Any, Any, Any, int]] = [(value, top, 0, 0)]
    while pending:
        item, into, at, depth = pending.pop()
        if depth > MAX_WALK_DEPTH:
            raise _too_deep()
        into[at] = _ready_shell(item, pending, depth + 1)
    return top[0]


def _ready_shell(value: Any, pending: list[tuple[Any, Any, Any, int]], depth: int) -> Any:
    """`value` as JSON data; a container comes back with placeholders, and what fills each
    placeholder is queued on `pending` (keys keep their order: they are set here)."""
    cls = type(value)
    if attrs.has(cls):
        data: dict[str, Any] = {}
        for field in attrs.fields(cls):
            item = getattr(value, field.name)
            if item is UNSET or (item is None and field.default is None):
                continue
            key = _wire.wire_name(field)
            data[key] = None
            pending.append((item, data, key, depth))
        for key, item in (getattr(value, EXTRA_SLOT, None) or {}).items():
            if key not in data:  # a declared field wins over an unknown one of its name
                data[key] = None
                pending.append((item, data, key, depth))
        return data
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        items: list[Any] = [None] * len(value)
        pending.extend((item, items, index, depth) for index, item in enumerate(value))
        return items
    if isinstance(value, Mapping):
        mapping: dict[Any, Any] = {}
        for key, item in value.items():
            mapping[key] = None
            pending.append((item, mapping, key, depth))
        return mapping
    return value


def dumps_body(obj: Any) -> bytes:
    """Serialize a request body (a model, a list of models, or already plain data)."""
    return orjson.dumps(unstructure(obj))


def warm_up(types_: Iterable[Any]) -> None:
    """Compile the structuring functions of `types_` (and everything they contain) and their
    unstructure hooks, so that no request pays for it."""
    for tp in types_:
        if tp is None:
            continue
        _compiler.hook(tp)
        _fast_hook(tp)
        _converter.get_unstructure_hook(tp)
