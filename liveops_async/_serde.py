"""The one converter between JSON and the generated attrs models.

Hooks are compiled per type the first time a type is seen and cached by cattrs; the client calls
`warm_up` with every operation's types so that no request pays for compiling them. Importing this
module builds no hooks.

Rules (see codegen/README.md):
* wire names come from the field metadata key ``"json"`` (``from_`` <-> ``from``);
* an optional field left at its default (``None``, or ``UNSET`` for optional-nullable ones) is
  left out of the body; a required field is always sent, ``None`` as ``null``;
* unknown keys in a response are ignored; unknown enum values become `OpenEnum` pseudo-members;
* a ``oneOf`` of models that share a ``Literal`` tag field is dispatched on that tag; a tag no
  variant knows keeps the raw mapping instead of raising (forward compatibility).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Any, Literal, Union

import attrs
import orjson
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.orjson import OrjsonConverter, make_converter

from ._types import UNSET, OpenEnum, Unset

__all__ = ["dumps_body", "loads_response", "structure", "unstructure", "warm_up"]

WIRE_NAME_KEY = "json"

StructureHook = Callable[[Any, Any], Any]
_NONE_TYPES: frozenset[Any] = frozenset({type(None), Unset})


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(tp)
    if origin is Union or origin is types.UnionType:
        return typing.get_args(tp)
    return None


def _without_none(tp: Any) -> Any | None:
    """`T | None` or `T | None | Unset` -> T (a union when several remain); None otherwise."""
    args = _union_args(tp)
    if args is None or not any(a in _NONE_TYPES for a in args):
        return None
    rest = tuple(a for a in args if a not in _NONE_TYPES)
    if not rest:
        return None
    return rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007 - runtime construction


def _literal_args(tp: Any) -> tuple[Any, ...]:
    """The values of `Literal[...]` (also inside `Annotated[Literal[...], ...]`), else ()."""
    if typing.get_origin(tp) is Annotated:
        tp = typing.get_args(tp)[0]
    return typing.get_args(tp) if typing.get_origin(tp) is Literal else ()


def _literal_tags(cls: type, field_name: str) -> tuple[Any, ...]:
    for a in attrs.fields(cls):
        if a.name == field_name:
            return _literal_args(a.type)
    return ()


def _discriminator(members: tuple[Any, ...]) -> tuple[str, str, dict[Any, type]] | None:
    """For a union of attrs classes sharing a Literal field: (attr, wire key, tag -> class)."""
    if not all(isinstance(m, type) and attrs.has(m) for m in members):
        return None
    for m in members:
        attrs.resolve_types(m)
    first = members[0]
    for candidate in attrs.fields(first):
        if not _literal_args(candidate.type):
            continue
        tag_map: dict[Any, type] = {}
        for m in members:
            tags = _literal_tags(m, candidate.name)
            if not tags or any(t in tag_map for t in tags):
                break
            tag_map.update(dict.fromkeys(tags, m))
        else:
            return candidate.name, candidate.metadata.get(WIRE_NAME_KEY, candidate.name), tag_map
    return None


def _parse_datetime(value: Any, _: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    text = str(value)
    # Python 3.10's fromisoformat does not accept a trailing "Z".
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return datetime.fromisoformat(text)


def _structure_open_enum(value: Any, cls: type[OpenEnum]) -> OpenEnum:
    return cls(value)


def _make_optional_hook(conv: OrjsonConverter, tp: Any) -> StructureHook:
    inner_tp = _without_none(tp)
    inner = conv.get_structure_hook(inner_tp)

    def structure_optional(value: Any, _: Any) -> Any:
        return None if value is None else inner(value, inner_tp)

    return structure_optional


def _make_union_hook(conv: OrjsonConverter, tp: Any) -> StructureHook:
    members = _union_args(tp) or ()
    found = _discriminator(members)
    if found is not None:
        _, wire_key, tag_map = found
        hooks = {tag: (conv.get_structure_hook(cls), cls) for tag, cls in tag_map.items()}

        def structure_tagged(value: Any, _: Any) -> Any:
            entry = hooks.get(value.get(wire_key)) if isinstance(value, dict) else None
            if entry is None:
                return value  # a variant this SDK version does not know: keep the raw data
            hook, cls = entry
            return hook(value, cls)

        return structure_tagged

    member_hooks = [(conv.get_structure_hook(m), m) for m in members]

    def structure_first_match(value: Any, _: Any) -> Any:
        errors: list[Exception] = []
        for hook, member in member_hooks:
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
    return make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=False, **_renames(cls))


def _make_model_unstructure(conv: OrjsonConverter, cls: type) -> Callable[[Any], Any]:
    overrides: dict[str, Any] = {}
    for a in attrs.fields(cls):
        omit = a.default is None or a.default is UNSET  # only optional fields are left out
        overrides[a.name] = override(
            rename=a.metadata.get(WIRE_NAME_KEY), omit_if_default=omit or None
        )
    return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=False, **overrides)


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and attrs.has(tp)


def _build_converter() -> OrjsonConverter:
    conv = make_converter(detailed_validation=True)
    conv.register_structure_hook(datetime, _parse_datetime)
    conv.register_unstructure_hook(datetime, datetime.isoformat)
    conv.register_structure_hook(OpenEnum, _structure_open_enum)
    conv.register_unstructure_hook(OpenEnum, lambda e: e.value)
    conv.register_structure_hook_factory(
        lambda t: _without_none(t) is not None, lambda t: _make_optional_hook(conv, t)
    )
    conv.register_structure_hook_factory(
        lambda t: _union_args(t) is not None and _without_none(t) is None,
        lambda t: _make_union_hook(conv, t),
    )
    conv.register_structure_hook_factory(_is_model, lambda t: _make_model_structure(conv, t))
    conv.register_unstructure_hook_factory(_is_model, lambda t: _make_model_unstructure(conv, t))
    return conv


_converter = _build_converter()


def structure(obj: Any, tp: Any) -> Any:
    """Turn decoded JSON into `tp` (a model class, `list[Model]`, a union...)."""
    if tp is None:
        return None
    return _converter.structure(obj, tp)


def unstructure(obj: Any) -> Any:
    """Turn a model (or a list of them) into JSON-ready data, wire names and omissions applied."""
    return _converter.unstructure(obj)


def loads_response(raw: bytes, tp: Any) -> Any:
    """Parse a response body; an empty body or `tp=None` gives None."""
    if tp is None or not raw:
        return None
    return structure(orjson.loads(raw), tp)


def dumps_body(obj: Any) -> bytes:
    """Serialize a request body (a model, a list of models, or already plain data)."""
    return orjson.dumps(unstructure(obj))


def warm_up(types_: Iterable[Any]) -> None:
    """Compile the structure and unstructure hooks of `types_` (and everything they contain)."""
    for tp in types_:
        if tp is None:
            continue
        _converter.get_structure_hook(tp)
        _converter.get_unstructure_hook(tp)
