"""Unique catalog offers (`client.admin.unique_catalog_offers`): CRUD and codes; players use
their codes through the promotions calls."""

from __future__ import annotations

from ._code_promotions import CodePromotionCalls
from ._core import handles_each
from ._promotion_state import UNIQUE_CATALOG_OFFER

_offers = CodePromotionCalls(UNIQUE_CATALOG_OFFER)

handles_each(
    {
        "admin-create-unique-catalog-offer": _offers.create,
        "get-unique-catalog-offers": _offers.list_,
        "update-unique-catalog-offer-promotion": _offers.update,
        "get-unique-catalog-offer": _offers.get,
        "delete-unique-catalog-offer-promotion": _offers.delete,
        "activate-unique-catalog-offer": _offers.activate,
        "deactivate-unique-catalog-offer": _offers.deactivate,
        "create-unique-catalog-offer-code": _offers.create_code,
        "get-unique-catalog-offer-codes": _offers.list_codes,
        "generate-unique-catalog-offer-codes": _offers.generate_codes,
    }
)
