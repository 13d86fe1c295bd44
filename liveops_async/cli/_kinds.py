"""The entity kinds `export`, `plan` and `apply` manage, and how each maps onto the SDK.

Every kind answers the same questions: how to read all entities of a project, what the file
keeps of one (`to_spec`: the write shape, from the operations' request schemas), and how to
create, update, delete and enable one. The differences between kinds live in small overrides:
which id the server assigns, which fields only a create takes, whether the enabled state is a
body field or a separate activate call, and the few places where the read shape differs from
the write shape (promotion limits, upsell items, catalog rule items, UCO create dates).
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, ClassVar

import attrs

from .. import _serde, models
from .._exceptions import NotFoundError
from .._generated.resources import AdminResources
from .._model import LiveOpsModel
from ._schema import body_schema, canonical, project

__all__ = ["KINDS", "Current", "Kind", "kind_by_directory", "kind_by_name"]


Spec = dict[str, Any]

# Reads of single entities running at once while exporting or planning.
FETCH_CONCURRENCY = 8


@attrs.frozen
class Current:
    """One entity as the project has it: its key, enabled state (for kinds that keep it apart
    from the body) and its spec (the write shape)."""

    key: str
    enabled: bool | None
    spec: Spec
    # Other names the project has for parts of the spec (a catalog rule item's id for its
    # SKU), so that a file naming them the other way is no change.
    aliases: Mapping[str, Any] = attrs.field(factory=dict)


async def _call_flat(
    method: Callable[..., Awaitable[Any]], model: type[LiveOpsModel], body: Spec, *args: Any
) -> Any:
    """Call a generated method whose body fields are keyword arguments, from a wire body."""
    built = model.from_dict(body, strict=True)
    declared: Any = model  # every generated model is an attrs class
    kwargs = {field.name: getattr(built, field.name) for field in attrs.fields(declared)}
    return await method(*args, **kwargs)


def _one_of(union: Any, body: Spec) -> Any:
    """A wire body as the member of a union of request models it fits (the converter picks
    it), by the rules of `LiveOpsModel.from_dict(strict=True)`, which a union has no class to
    carry: `DecodeMismatchError` names the field that does not fit."""
    return _serde.decode(body, union, strict=True, operation="liveops apply")


def _drop_none(value: Any) -> Any:
    """A write-form schedule: only the keys of the chosen branch (S6: null placeholders and
    computed fields make the API refuse the body with 422/1102)."""
    if isinstance(value, Mapping):
        return {key: _drop_none(sub) for key, sub in value.items() if sub is not None}
    return value


def _schedules_in_write_form(spec: Spec) -> Spec:
    if isinstance(spec.get("recurrent_schedule"), Mapping):
        spec["recurrent_schedule"] = _drop_none(spec["recurrent_schedule"])
    return spec


def _with_step_ids(spec: Spec, current: Mapping[str, Any]) -> Spec:
    steps, known = spec.get("steps"), current.get("steps")
    if not isinstance(steps, list) or not isinstance(known, list):
        return spec
    filled = []
    for index, step in enumerate(steps):
        if isinstance(step, Mapping) and "step_id" not in step and index < len(known):
            old_id = known[index].get("step_id") if isinstance(known[index], Mapping) else None
            step = {**step, "step_id": old_id} if old_id is not None else step
        filled.append(step)
    return {**spec, "steps": filled}


class Kind:
    """One kind of entity. Subclasses set the class attributes and override the SDK calls."""

    name: ClassVar[str]  # `kind:` in a file
    directory: ClassVar[str]  # folder of its files
    rank: ClassVar[int]  # apply order: lower first (what others refer to comes first)
    create_op: ClassVar[str]
    update_op: ClassVar[str]
    # Wire field of the create body that carries a key the caller chooses ("external_id",
    # "sku"); None when the server assigns a numeric id.
    key_field: ClassVar[str | None] = None
    id_field: ClassVar[str] = "id"  # where a read answer carries the server-assigned id
    # True when `is_enabled` is not part of the body but set by activate/deactivate calls:
    # the file keeps it apart as `enabled:`.
    enabled_apart: ClassVar[bool] = False
    # Fields a create takes and an update cannot change (left out of update bodies).
    create_only: ClassVar[tuple[str, ...]] = ()
    # Daily and offer chains refuse updates while enabled (422/6209).
    update_needs_disabled: ClassVar[bool] = False
    singleton: ClassVar[bool] = False

    # --- shapes -----------------------------------------------------------------------
    @property
    def spec_schema(self) -> Mapping[str, Any]:
        """Every field a create or an update takes (the union of both bodies)."""
        return {"anyOf": [body_schema(self.create_op), body_schema(self.update_op)]}

    def read_key(self, wire: Mapping[str, Any]) -> str:
        return str(wire[self.key_field or self.id_field])

    def to_spec(self, wire: Mapping[str, Any]) -> Spec:
        """The file form of a read answer: write fields only, key and kept-apart fields out."""
        spec: Spec = project(
            canonical(self.adapt_read(copy.deepcopy(dict(wire)))), self.spec_schema
        )
        spec.pop(self.key_field or "", None)
        if self.enabled_apart:
            spec.pop("is_enabled", None)
        return _schedules_in_write_form(spec)

    def adapt_read(self, wire: Spec) -> Spec:
        """Turn read-only shapes of a read answer into their write form (override)."""
        return wire

    def to_current(self, wire: Mapping[str, Any]) -> Current:
        enabled = bool(wire.get("is_enabled")) if self.enabled_apart else None
        return Current(self.read_key(wire), enabled, self.to_spec(wire), self.aliases(wire))

    def aliases(self, wire: Mapping[str, Any]) -> dict[str, Any]:
        """See `Current.aliases` (override)."""
        return {}

    def align(self, spec: Spec, current: Current) -> Spec:
        """The file's spec in the names the project's spec uses, for comparing (override)."""
        return spec

    def create_body(self, key: str | None, spec: Spec) -> Any:
        full = {**spec, self.key_field: key} if self.key_field and key is not None else dict(spec)
        return project(full, body_schema(self.create_op))

    def update_body(self, key: str, spec: Spec, current: Spec | None = None) -> Any:
        """The PUT body: the whole spec (PUT replaces). Chain steps the file leaves without
        `step_id` take the id of the project's step at the same position, which keeps the
        players' progress on it (reward chain updates require the ids)."""
        full = {**spec, self.key_field: key} if self.key_field else dict(spec)
        if current is not None:
            full = _with_step_ids(full, current)
        for frozen in self.create_only:  # S6: e.g. a reward chain's clan_type stays out of PUT
            full.pop(frozen, None)
        return project(full, body_schema(self.update_op))

    def spec_field(self, body_field: str) -> str:
        """Where a field of the request body is in the file's spec."""
        return body_field

    def needs_update_after_create(self, spec: Spec) -> bool:
        """True when the create body cannot carry the whole spec (override)."""
        return False

    # --- SDK calls (override) -------------------------------------------------------------
    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        raise NotImplementedError

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        """The entity, or None when the project does not have it."""
        raise NotImplementedError

    async def fetch_each(self, admin: AdminResources, keys: Sequence[str]) -> list[Current]:
        """`fetch_one` for each key (where a list answer lacks parts), a few reads at a time,
        in the order of `keys`; keys gone in between are left out."""
        gate = asyncio.Semaphore(FETCH_CONCURRENCY)

        async def one(key: str) -> Current | None:
            async with gate:
                return await self.fetch_one(admin, key)

        found = await asyncio.gather(*(one(key) for key in keys))
        return [each for each in found if each is not None]

    async def create(self, admin: AdminResources, key: str | None, body: Any) -> str:
        """Create; returns the key (the server-assigned id for server-id kinds)."""
        raise NotImplementedError

    async def update(self, admin: AdminResources, key: str, body: Any) -> None:
        raise NotImplementedError

    async def delete(self, admin: AdminResources, key: str) -> None:
        raise NotImplementedError

    async def set_enabled(self, admin: AdminResources, key: str, enabled: bool) -> None:
        """activate/deactivate (enabled_apart kinds); retry-safe calls."""
        raise NotImplementedError

    async def toggle(self, admin: AdminResources, key: str) -> None:
        """Flip enabled (update_needs_disabled kinds). Not safe to resend."""
        raise NotImplementedError


async def _collect(pages: Any, kind: Kind) -> list[Current]:
    return [kind.to_current(item.to_dict()) async for item in pages]


async def _one(get: Awaitable[Any], kind: Kind) -> Current | None:
    try:
        return kind.to_current((await get).to_dict())
    except NotFoundError:
        return None


# --- coupons, promo codes, unique catalog offers ----------------------------------------------
class _CodePromotionKind(Kind):
    key_field = "external_id"
    enabled_apart = True
    rank = 30
    create_model: ClassVar[type]
    update_model: ClassVar[type]
    resource_name: ClassVar[str]  # attribute of `client.admin`

    def resource(self, admin: AdminResources) -> Any:
        return getattr(admin, self.resource_name)

    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        return await _collect(self.resource(admin).list(), self)

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        return await _one(self.resource(admin).get(key), self)

    async def create(self, admin: AdminResources, key: str | None, body: Spec) -> str:
        created = await _call_flat(self.resource(admin).create, self.create_model, body)
        return str(created.external_id)

    async def update(self, admin: AdminResources, key: str, body: Spec) -> None:
        body = {k: v for k, v in body.items() if k != self.key_field}
        await _call_flat(self.resource(admin).update, self.update_model, body, key)

    async def delete(self, admin: AdminResources, key: str) -> None:
        await self.resource(admin).delete(key)

    async def set_enabled(self, admin: AdminResources, key: str, enabled: bool) -> None:
        resource = self.resource(admin)
        await (resource.activate(key) if enabled else resource.deactivate(key))


class CouponKind(_CodePromotionKind):
    name = "coupon"
    directory = "coupons"
    create_op = "admin-create-coupon"
    update_op = "update-coupon-promotion"
    create_model = models.CouponCreate
    update_model = models.CouponUpdate
    resource_name = "coupons"


class PromoCodeKind(_CodePromotionKind):
    name = "promo_code"
    directory = "promo_codes"
    create_op = "create-promo-code"
    update_op = "update-promo-code"
    create_model = models.PromoCodeCreate
    update_model = models.PromoCodeUpdate
    resource_name = "promo_codes"


class UniqueCatalogOfferKind(_CodePromotionKind):
    name = "unique_catalog_offer"
    directory = "unique_catalog_offers"
    create_op = "admin-create-unique-catalog-offer"
    update_op = "update-unique-catalog-offer-promotion"
    create_model = models.UniqueCatalogOfferCreate
    update_model = models.UniqueCatalogOfferUpdate
    resource_name = "unique_catalog_offers"

    def create_body(self, key: str | None, spec: Spec) -> Any:
        # The create call still takes date_start/date_end where everything else has
        # promotion_periods: the first period goes into the create; apply then sends the
        # whole spec as an update when there are more (`needs_update_after_create`).
        periods = spec.get("promotion_periods") or []
        dated = dict(spec)
        if periods:
            dated["date_start"] = periods[0].get("date_from")
            dated["date_end"] = periods[0].get("date_until")
        return super().create_body(key, dated)

    def needs_update_after_create(self, spec: Spec) -> bool:
        return len(spec.get("promotion_periods") or []) > 1


# --- discounts and bonuses (server-assigned promotion ids) ------------------------------------
def _limits_in_write_form(wire: Spec) -> Spec:
    """Read answers nest `per_user` as `{total: N}` and add computed schedule fields."""
    limits = wire.get("limits")
    if isinstance(limits, Mapping):
        per_user = limits.get("per_user")
        written: Spec = {
            "per_user": per_user.get("total") if isinstance(per_user, Mapping) else per_user
        }
        schedule = limits.get("recurrent_schedule")
        written["recurrent_schedule"] = (
            _drop_none(schedule) if isinstance(schedule, Mapping) else schedule
        )
        wire["limits"] = written
    return wire


class _ItemPromotionKind(Kind):
    enabled_apart = True
    rank = 20
    model: ClassVar[type]
    resource_name: ClassVar[str]  # attribute of `client.admin`

    def resource(self, admin: AdminResources) -> Any:
        return getattr(admin, self.resource_name)

    def adapt_read(self, wire: Spec) -> Spec:
        return _limits_in_write_form(wire)

    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        return await _collect(self.resource(admin).list(), self)

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        return await _one(self.resource(admin).get(int(key)), self)

    async def create(self, admin: AdminResources, key: str | None, body: Spec) -> str:
        created = await _call_flat(self.resource(admin).create, self.model, body)
        return str(created.promotion_id)

    async def update(self, admin: AdminResources, key: str, body: Spec) -> None:
        await _call_flat(self.resource(admin).update, self.model, body, int(key))

    async def delete(self, admin: AdminResources, key: str) -> None:
        await self.resource(admin).delete(int(key))

    async def set_enabled(self, admin: AdminResources, key: str, enabled: bool) -> None:
        promotions = admin.promotions
        await (promotions.activate(int(key)) if enabled else promotions.deactivate(int(key)))


class DiscountKind(_ItemPromotionKind):
    name = "discount"
    directory = "discounts"
    create_op = "create-item-promotion"
    update_op = "update-item-promotion"
    model = models.DiscountPromotionSpec
    resource_name = "discounts"


class BonusKind(_ItemPromotionKind):
    name = "bonus"
    directory = "bonuses"
    create_op = "create-bonus-promotion"
    update_op = "update-bonus-promotion"
    model = models.BonusPromotionSpec
    resource_name = "bonuses"


# --- personalized catalog rules ----------------------------------------------------------------
class CatalogRuleKind(Kind):
    name = "catalog_rule"
    directory = "catalog_rules"
    rank = 10
    create_op = "create-filter-rule"
    update_op = "update-filter-rule-by-id"
    id_field = "rule_id"

    def adapt_read(self, wire: Spec) -> Spec:
        # Read answers describe each item (id, sku, name, type); the write form names it by
        # SKU, or by id when the answer has no SKU.
        wire["items"] = [
            {"sku": item["sku"]} if item.get("sku") else {"item_id": item.get("item_id")}
            for item in wire.get("items") or []
        ]
        return wire

    def aliases(self, wire: Mapping[str, Any]) -> dict[str, Any]:
        items = wire.get("items") or []
        return {
            f"item_id:{item['item_id']}": {"sku": item["sku"]}
            for item in items
            if isinstance(item, Mapping) and item.get("item_id") is not None and item.get("sku")
        }

    def align(self, spec: Spec, current: Current) -> Spec:
        # A file may name an item by id; the project's spec names it by SKU.
        items = spec.get("items")
        if not isinstance(items, list):
            return spec
        aligned = [
            current.aliases.get(f"item_id:{item.get('item_id')}", item)
            if isinstance(item, Mapping) and set(item) == {"item_id"}
            else item
            for item in items
        ]
        return {**spec, "items": aligned}

    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        return await _collect(admin.catalog_rules.list(), self)

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        return await _one(admin.catalog_rules.get(int(key)), self)

    async def create(self, admin: AdminResources, key: str | None, body: Spec) -> str:
        created = await _call_flat(admin.catalog_rules.create, models.CatalogRuleSpec, body)
        return str(created.rule_id)

    async def update(self, admin: AdminResources, key: str, body: Spec) -> None:
        await _call_flat(admin.catalog_rules.update, models.CatalogRuleSpec, body, int(key))

    async def delete(self, admin: AdminResources, key: str) -> None:
        await admin.catalog_rules.delete(int(key))


# --- value points --------------------------------------------------------------------------
class ValuePointKind(Kind):
    name = "value_point"
    directory = "value_points"
    rank = 0  # reward chains refer to them
    create_op = "admin-create-value-points"
    update_op = "admin-update-value-point"
    key_field = "sku"

    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        return await _collect(admin.value_points.list(), self)

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        return await _one(admin.value_points.get(key), self)

    async def create(self, admin: AdminResources, key: str | None, body: Spec) -> str:
        created = await _call_flat(admin.value_points.create, models.ValuePointWrite, body)
        return str(created.sku)

    async def update(self, admin: AdminResources, key: str, body: Spec) -> None:
        await _call_flat(admin.value_points.update, models.ValuePointWrite, body, key)

    async def delete(self, admin: AdminResources, key: str) -> None:
        await admin.value_points.delete(key)


class ValuePointRewardsKind(Kind):
    """The items whose purchase awards a value point: one file per value point SKU. The
    request body is the list itself; the file keeps it as `spec.items`."""

    name = "value_point_rewards"
    directory = "value_point_rewards"
    rank = 5  # after the value points themselves
    create_op = update_op = "admin-set-items-value-point-reward"
    key_field = "value_point_sku"  # in the path, not in the body

    @property
    def spec_schema(self) -> Mapping[str, Any]:
        return {"type": "object", "properties": {"items": body_schema(self.update_op)}}

    def to_spec(self, wire: Mapping[str, Any]) -> Spec:
        return {"items": project(canonical(wire.get("items") or []), body_schema(self.update_op))}

    def create_body(self, key: str | None, spec: Spec) -> Any:
        return project(spec.get("items"), body_schema(self.update_op))

    def update_body(self, key: str, spec: Spec, current: Spec | None = None) -> Any:
        return self.create_body(key, spec)

    def spec_field(self, body_field: str) -> str:
        return f"items{body_field}" if body_field.startswith("[") else f"items.{body_field}"

    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        skus = [str(point.sku) async for point in admin.value_points.list() if point.sku]
        return await self.fetch_each(admin, skus)

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        try:
            rewards = (await admin.value_point_rewards.get(key)).to_dict()
        except NotFoundError:
            return None
        if not rewards.get("items"):
            return None  # no awarding items: nothing to manage
        return Current(key, None, self.to_spec(rewards))

    async def create(self, admin: AdminResources, key: str | None, body: Any) -> str:
        if key is None:
            raise ValueError("value point rewards need the value point's SKU")
        await self.update(admin, key, body)
        return key

    async def update(self, admin: AdminResources, key: str, body: Any) -> None:
        rewards = [models.ValuePointRewardAmount.from_dict(item, strict=True) for item in body]
        await admin.value_point_rewards.set(key, body=rewards)

    async def delete(self, admin: AdminResources, key: str) -> None:
        await admin.value_point_rewards.delete(key)


# --- chains --------------------------------------------------------------------------------
class RewardChainKind(Kind):
    name = "reward_chain"
    directory = "reward_chains"
    rank = 40
    create_op = "admin-create-reward-chain"
    update_op = "admin-update-reward-chain"
    id_field = "reward_chain_id"
    create_only = ("value_point", "clan_type")

    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        # The list leaves out the steps: read each chain.
        ids = [str(item.reward_chain_id) async for item in admin.reward_chains.list()]
        return await self.fetch_each(admin, ids)

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        return await _one(admin.reward_chains.get(int(key)), self)

    async def create(self, admin: AdminResources, key: str | None, body: Spec) -> str:
        built = _one_of(models.RewardChainCreateRequest, body)
        return str((await admin.reward_chains.create(body=built)).reward_chain_id)

    async def update(self, admin: AdminResources, key: str, body: Spec) -> None:
        built = _one_of(models.RewardChainUpdateRequest, body)
        await admin.reward_chains.update(int(key), body=built)

    async def delete(self, admin: AdminResources, key: str) -> None:
        await admin.reward_chains.delete(int(key))


class DailyChainKind(Kind):
    name = "daily_chain"
    directory = "daily_chains"
    rank = 40
    create_op = "admin-create-daily-chain"
    update_op = "admin-update-daily-chain"
    update_needs_disabled = True

    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        return await _collect(admin.daily_chains.list(), self)

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        return await _one(admin.daily_chains.get(int(key)), self)

    async def create(self, admin: AdminResources, key: str | None, body: Spec) -> str:
        created = await _call_flat(admin.daily_chains.create, models.DailyChainCreate, body)
        return str(created.daily_chain_id)

    async def update(self, admin: AdminResources, key: str, body: Spec) -> None:
        await _call_flat(admin.daily_chains.update, models.DailyChainUpdate, body, int(key))

    async def delete(self, admin: AdminResources, key: str) -> None:
        await admin.daily_chains.delete(int(key))

    async def toggle(self, admin: AdminResources, key: str) -> None:
        await admin.daily_chains.toggle(int(key))


class OfferChainKind(Kind):
    name = "offer_chain"
    directory = "offer_chains"
    rank = 40
    create_op = "admin-create-offer-chain"
    update_op = "admin-update-offer-chain"
    update_needs_disabled = True

    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        # The list leaves out the steps: read each chain.
        ids = [str(item.id) async for item in admin.offer_chains.list()]
        return await self.fetch_each(admin, ids)

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        return await _one(admin.offer_chains.get(int(key)), self)

    async def create(self, admin: AdminResources, key: str | None, body: Spec) -> str:
        created = await _call_flat(admin.offer_chains.create, models.OfferChainCreate, body)
        return str(created.offer_chain_id)

    async def update(self, admin: AdminResources, key: str, body: Spec) -> None:
        await _call_flat(admin.offer_chains.update, models.OfferChainUpdate, body, int(key))

    async def delete(self, admin: AdminResources, key: str) -> None:
        await admin.offer_chains.delete(int(key))

    async def toggle(self, admin: AdminResources, key: str) -> None:
        await admin.offer_chains.toggle(int(key))


# --- upsell (one configuration per project) ---------------------------------------------------
UPSELL_KEY = "upsell"


class UpsellKind(Kind):
    name = "upsell"
    directory = "upsell"
    rank = 50
    create_op = "post-upsell"
    update_op = "put-upsell"
    singleton = True

    def read_key(self, wire: Mapping[str, Any]) -> str:
        return UPSELL_KEY

    def adapt_read(self, wire: Spec) -> Spec:
        # Read answers describe each item; the write form is a list of SKUs.
        items = wire.get("items")
        if isinstance(items, list):
            wire["items"] = [item["sku"] if isinstance(item, Mapping) else item for item in items]
        return wire

    async def fetch_all(self, admin: AdminResources) -> list[Current]:
        configs = await admin.upsell.get()
        return [self.to_current(config.to_dict()) for config in configs[:1]]

    async def fetch_one(self, admin: AdminResources, key: str) -> Current | None:
        found = await self.fetch_all(admin)
        return found[0] if found else None

    async def create(self, admin: AdminResources, key: str | None, body: Spec) -> str:
        await admin.upsell.create(body=_one_of(models.UpsellConfigWrite, body))
        return UPSELL_KEY

    async def update(self, admin: AdminResources, key: str, body: Spec) -> None:
        await admin.upsell.update(body=_one_of(models.UpsellConfigWrite, body))


KINDS: tuple[Kind, ...] = (
    ValuePointKind(),
    ValuePointRewardsKind(),
    CatalogRuleKind(),
    DiscountKind(),
    BonusKind(),
    CouponKind(),
    PromoCodeKind(),
    UniqueCatalogOfferKind(),
    RewardChainKind(),
    DailyChainKind(),
    OfferChainKind(),
    UpsellKind(),
)


def kind_by_name(name: str) -> Kind | None:
    return next((kind for kind in KINDS if kind.name == name), None)


def kind_by_directory(directory: str) -> Kind | None:
    return next((kind for kind in KINDS if kind.directory == directory), None)
