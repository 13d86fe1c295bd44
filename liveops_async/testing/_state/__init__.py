"""Stateful handlers: one public module per SDK resource (named as
`liveops_async/_generated/resources/<resource>.py`), holding the handlers bound to that
resource's operation ids; private modules (`_name.py`) hold what several resources share.
Importing this package registers every handler."""

from . import (  # noqa: F401 - imported for their @handles registrations
    bonuses,
    catalog_rules,
    clans,
    coupons,
    daily_chains,
    discounts,
    offer_chains,
    promo_codes,
    promotion_limits,
    promotions,
    reward_chains,
    unique_catalog_offers,
    upsell,
    value_point_rewards,
    value_points,
)
from ._core import HANDLERS, MockStore, Reply, RequestContext

__all__ = ["HANDLERS", "MockStore", "Reply", "RequestContext"]
