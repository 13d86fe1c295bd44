"""The plain cattrs converter of client (2): what a user would write by hand for our models.

It is cattrs' orjson preconf converter with only the hooks these models cannot do without:
ISO datetimes, `X | Unset | None` optionals (the generated models' "omitted" sentinel), and
wire-name renames taken from the field metadata. Tagged unions (attribute conditions) and
enums use cattrs' own defaults (Literal-field disambiguation, `Enum(value)`).
"""

from __future__ import annotations

import types
import typing
from datetime import datetime
from typing import Any, Union

import attrs
from cattrs.gen import make_dict_structure_fn, override
from cattrs.preconf.orjson import OrjsonConverter, make_converter

from liveops_async._types import Unset

_EMPTY = (type(None), Unset)


def _union_members(tp: Any) -> tuple[Any, ...]:
    origin = typing.get_origin(tp)
    return typing.get_args(tp) if origin in (Union, types.UnionType) else ()


def _is_optional(tp: Any) -> bool:
    members = _union_members(tp)
    return any(m in _EMPTY for m in members) and any(m not in _EMPTY for m in members)


def make_plain_converter() -> OrjsonConverter:
    converter = make_converter()
    converter.register_structure_hook(datetime, lambda value, _: datetime.fromisoformat(value))

    def optional_hook(tp: Any) -> Any:
        rest = tuple(m for m in _union_members(tp) if m not in _EMPTY)
        inner_type = rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007
        inner = converter.get_structure_hook(inner_type)
        return lambda value, _: None if value is None else inner(value, inner_type)

    def model_hook(cls: type) -> Any:
        renames: dict[str, Any] = {
            a.name: override(rename=a.metadata["json"])
            for a in attrs.fields(cls)
            if "json" in a.metadata
        }
        return make_dict_structure_fn(cls, converter, **renames)

    converter.register_structure_hook_factory(_is_optional, optional_hook)
    converter.register_structure_hook_factory(attrs.has, model_hook)
    return converter
