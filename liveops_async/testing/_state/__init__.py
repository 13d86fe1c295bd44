"""Stateful handlers, one module per area; importing this package registers them all."""

from . import (  # noqa: F401 - imported for their @handles registrations
    catalog_rules,
    code_promotions,
    daily_chains,
    item_promotions,
    offer_chains,
    promotion_limits,
    reward_chains,
    upsell,
)
from ._core import HANDLERS, MockStore, Reply, RequestContext

__all__ = ["HANDLERS", "MockStore", "Reply", "RequestContext"]
