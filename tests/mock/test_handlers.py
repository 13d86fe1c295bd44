"""Handlers are bound by operation id: every id names an operation of the spec, and each
handler's function is the one its id says."""

from __future__ import annotations

import functools

import pytest

from liveops_async.testing._spec import default_spec_path, load_spec
from liveops_async.testing._state import HANDLERS
from liveops_async.testing._state._core import handles

SPEC = load_spec(default_spec_path())


def test_every_bound_id_is_an_operation_of_the_spec() -> None:
    assert set(HANDLERS) <= set(SPEC.operations), set(HANDLERS) - set(SPEC.operations)


def test_ids_are_bound_to_the_function_they_name() -> None:
    # A few ids of each table, with the function and kind they must reach.
    expected = {
        "admin-create-coupon": ("create", "coupon"),
        "generate-promo-code-codes": ("generate_codes", "promocode"),
        "deactivate-unique-catalog-offer": ("deactivate", "unique_catalog_offer"),
        "get-bonus-promotion-list": ("list_", "item_bonus"),
        "set-coupon-user-promotion-limit": ("set_limit", "coupon"),
        "remove-user-promotion-limit": ("decrease", None),
    }
    for op_id, (name, kind) in expected.items():
        handler = HANDLERS[op_id]
        assert isinstance(handler, functools.partial), op_id
        assert handler.func.__name__ == name, op_id
        bound = handler.args[0]
        assert (bound.type if bound is not None else None) == kind, op_id


def test_an_id_cannot_be_bound_twice() -> None:
    with pytest.raises(RuntimeError, match="two handlers for admin-create-coupon"):
        handles("admin-create-coupon")(lambda ctx: None)
