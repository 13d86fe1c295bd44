"""The project's value points (items of type `value_point`, keyed by SKU): written by
`value_points.py`, read by `value_point_rewards.py` and by the views of `reward_chains.py`."""

from __future__ import annotations

import attrs

from ._core import Collection


@attrs.define
class ValuePointsState:
    value_points: Collection = attrs.field(factory=lambda: Collection("Item", key_field="sku"))
