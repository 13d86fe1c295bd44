"""The base class of every generated model: unknown fields and public serialization.

Kept free of cattrs and orjson imports at module level: `import liveops_async` stays cheap, and
the serialization methods import `_serde` when first called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

__all__ = ["EXTRA_SLOT", "LiveOpsModel"]

_ModelT = TypeVar("_ModelT", bound="LiveOpsModel")

# The slot holding the JSON fields the spec does not declare; the structuring code fills it.
EXTRA_SLOT = "_liveops_extra"


class LiveOpsModel:
    """Base of the API models in `liveops_async.models`.

    Every model keeps the response fields this SDK version does not know (`model_extra`) and
    converts to and from the JSON shape of the API (`to_dict`, `to_json`, `from_dict`,
    `from_json`): wire names, no `UNSET`, unknown fields included.
    """

    __slots__ = (EXTRA_SLOT,)

    @property
    def model_extra(self) -> dict[str, Any]:
        """The JSON fields of the response that this model does not declare, by wire name,
        as decoded JSON values (dict, list, str, int, float, bool, None).

        Xsolla adds fields without notice; this is how to read one before the SDK knows it.
        The dict is the model's own: what you add to it is written by `to_dict` and sent when
        the model is a request body. Empty when the response had no unknown fields.
        """
        try:
            extra: dict[str, Any] = getattr(self, EXTRA_SLOT)
        except AttributeError:
            extra = {}
            setattr(self, EXTRA_SLOT, extra)
        return extra

    def to_dict(self) -> dict[str, Any]:
        """This model as the API's JSON object: wire names (`from`, not `from_`), fields left
        at `UNSET` (and optional fields left at `None`) omitted, date-times as ISO 8601
        strings, enums as their string values, unknown fields (`model_extra`) included. Every
        value is JSON-ready (`json.dumps` / `orjson.dumps` take it as is).

        A field that held a value not fitting its declared type (kept raw by tolerant
        decoding) is written back as that raw value. Unknown fields of any depth are written
        (the walk keeps its own stack, no recursion); a list or dict that contains itself
        raises `ValueError` (after `_serde.MAX_WALK_DEPTH` levels).
        """
        from . import _serde

        data: dict[str, Any] = _serde.to_json_ready(self)
        return data

    def to_json(self) -> bytes:
        """`to_dict()` serialized as compact UTF-8 JSON (bytes). Integers beyond 64 bits (which
        `from_json` keeps exact) are written exactly too.

        Raises `TypeError` for a value JSON cannot hold (something you put into
        `model_extra` that is not JSON data), `ValueError` for a list or dict that contains
        itself. Data nested deeper than orjson writes (254 levels) is written too.
        """
        from . import _serde

        return _serde.dumps_json(self.to_dict())

    @classmethod
    def from_dict(cls: type[_ModelT], data: Mapping[str, Any], *, strict: bool = False) -> _ModelT:
        """Build the model from a JSON object (a `to_dict()` result, a cached or queued body)
        with the SDK's own converter, by the rules a response follows.

        `strict=False` (default): a field whose value does not fit its type keeps the raw
        value and a WARNING is logged once per (model, field) on the `liveops_async` logger.
        `strict=True`: such a field raises `liveops_async.DecodeMismatchError` (a
        `ValueError`) naming the field path. Unknown keys go to `model_extra`.

        Raises `DecodeMismatchError` if `data` is not a JSON object (a mapping).
        """
        from . import _serde

        model: _ModelT = _serde.decode(
            data, cls, strict=strict, operation=f"{cls.__name__}.from_dict"
        )
        return model

    @classmethod
    def from_json(cls: type[_ModelT], data: bytes | str, *, strict: bool = False) -> _ModelT:
        """`from_dict` of JSON text (bytes or str). Integers beyond 64 bits are refused with
        `DecodeMismatchError`, never rounded. Raises `DecodeMismatchError` for text that is
        not JSON or not a JSON object."""
        from . import _serde

        model: _ModelT = _serde.decode_json(
            data, cls, strict=strict, operation=f"{cls.__name__}.from_json"
        )
        return model
