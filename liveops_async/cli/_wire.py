"""The one place the CLI turns SDK models into plain JSON data and back.

Until the models get their own `to_dict()` / `from_dict()`, this uses the SDK's converter
(`liveops_async._serde`); switching means changing these two functions only.
"""

from __future__ import annotations

from typing import Any

from .. import _serde

__all__ = ["from_wire", "to_wire"]


def to_wire(model: object) -> Any:
    """A model (or a list of models) as JSON-ready data with wire names, omitted fields left out."""
    return _serde.unstructure(model)


def from_wire(data: Any, tp: Any) -> Any:
    """`data` (decoded JSON) as the model type `tp`.

    Raises whatever the converter raises when `data` does not fit `tp` (a `ValueError`,
    `TypeError` or `cattrs` validation error naming the field)."""
    return _serde.structure(data, tp)
