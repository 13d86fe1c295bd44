"""Stateful handlers, one module per area; importing this package registers them all."""

from . import (  # noqa: F401 - imported for their @handles registrations
    catalog_rules,
    code_promotions,
    daily_chains,
    item_promotions,
    offer_chains,
    reward_chains,
    upsell,
    user_limits,
)
from ._core import HANDLERS, MockStore, Reply, RequestContext

__all__ = ["HANDLERS", "MockStore", "Reply", "RequestContext"]
