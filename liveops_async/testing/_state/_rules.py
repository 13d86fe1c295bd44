"""Write rules the real service enforces beyond the request schema, each a 422 with Xsolla's
validation code 1102 that names the field (each rule's source and test: docs/mock.md)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from .._errors import validation_error

# Fields the service derives or owns; a PUT body that carries one is refused. Per kind of
# entity, from the write rules in the references (S6 strips these before every PUT).
READ_ONLY_ON_PUT: Mapping[str, tuple[str, ...]] = {
    "code_promotion": ("external_id", "is_enabled", "total_codes_count", "total_limit_state"),
    "value_point": ("can_delete", "type", "item_id"),
    "reward_chain": ("reward_chain_id",),
    "daily_chain": ("number_of_steps",),
    "offer_chain": ("number_of_steps",),
}
MAX_PERCENT = Decimal(100)


def parse_time(value: str) -> datetime:
    """An ISO 8601 date-time as the API writes them; no offset means UTC."""
    when = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def refuse_read_only(body: Mapping[str, Any], kind: str) -> None:
    for name in READ_ONLY_ON_PUT[kind]:
        if name in body:
            raise validation_error(
                f"The property `{name}` is read-only: leave it out of the request body",
                [{"property": name, "message": "read-only"}],
            )


def check_periods(periods: Iterable[Mapping[str, Any]] | None) -> None:
    """Each period ends after it starts; only a lone period may be open-ended (no
    `date_until`), so an open period cannot be followed by another."""
    listed = list(periods or [])
    for n, period in enumerate(listed):
        where = f"promotion_periods[{n}]"
        start, until = period.get("date_from"), period.get("date_until")
        if until is None:
            if len(listed) > 1:
                raise validation_error(
                    f"The property `{where}.date_until` is required when there are several "
                    "periods: only a single period can be open-ended"
                )
            continue
        _check_order(start, until, f"{where}.date_until", f"{where}.date_from")


def check_validity(body: Mapping[str, Any]) -> None:
    """`date_end` (chains, v2 promotions) after `date_start`."""
    _check_order(body.get("date_start"), body.get("date_end"), "date_end", "date_start")


def _check_order(start: Any, end: Any, end_name: str, start_name: str) -> None:
    if start is None or end is None:
        return
    if _time(end, end_name) <= _time(start, start_name):
        raise validation_error(f"The property `{end_name}` must be later than `{start_name}`")


def _time(value: Any, name: str) -> datetime:
    try:
        return parse_time(str(value))
    except ValueError:
        raise validation_error(f"The property `{name}` is not a date-time") from None


def check_discounts(body: Mapping[str, Any]) -> None:
    """A discount is at most 100 % (`discount.percent` and each `discounted_items[].discount`)."""
    places = [("discount.percent", body.get("discount"))]
    places += [
        (f"discounted_items[{n}].discount.percent", item.get("discount"))
        for n, item in enumerate(body.get("discounted_items") or [])
    ]
    for name, discount in places:
        percent = (discount or {}).get("percent")
        if percent is None:
            continue
        try:
            value = Decimal(str(percent))
        except InvalidOperation:
            raise validation_error(f"The property `{name}` is not a number") from None
        if not Decimal(0) <= value <= MAX_PERCENT:
            raise validation_error(f"The property `{name}` must be between 0 and 100")


# A promotion by price range names no items (the 2025 schema: "If you pass this array, set the
# value of ... to null"): (price range field, the field it requires to be null). Each field
# exists on one kind only: `items` on discounts, `condition` on bonuses, `discounted_items`
# on promo codes.
PRICE_RANGE_EXCLUDES = (
    ("price_conditions", "items"),
    ("price_conditions", "condition"),
    ("price_conditions", "discounted_items"),
    ("item_price_conditions", "discounted_items"),
)


def check_price_range_target(body: Mapping[str, Any]) -> None:
    for price_range, target in PRICE_RANGE_EXCLUDES:
        if body.get(price_range) is not None and body.get(target) is not None:
            raise validation_error(
                f"The property `{target}` must be null when `{price_range}` are passed",
                [{"property": target, "message": f"must be null with {price_range}"}],
            )


# The keys a written reset schedule may carry, per kind of interval: the service refuses the
# other branches' day fields (null placeholders included) and the computed dates it answers
# with (`reset_next_date`, `displayable_*`), as S6 found on promotion limits.
SCHEDULE_KEYS: Mapping[str, frozenset[str]] = {
    "daily": frozenset({"interval_type", "time"}),
    "weekly": frozenset({"interval_type", "day_of_week", "time"}),
    "monthly": frozenset({"interval_type", "day_of_month", "time"}),
}


def check_limit_schedule(body: Mapping[str, Any]) -> None:
    """`limits.recurrent_schedule.per_user` carries only the keys of its own interval kind."""
    schedule = ((body.get("limits") or {}).get("recurrent_schedule") or {}).get("per_user")
    if not isinstance(schedule, Mapping):
        return
    allowed = SCHEDULE_KEYS.get(str(schedule.get("interval_type")), frozenset(schedule))
    for key in schedule:
        if key not in allowed:
            name = f"limits.recurrent_schedule.per_user.{key}"
            raise validation_error(
                f"The property `{name}` is not allowed for a "
                f"{schedule.get('interval_type')} schedule",
                [{"property": name, "message": "not allowed"}],
            )


def check_promotion(body: Mapping[str, Any]) -> None:
    """Every rule of a promotion write (create or PUT) that the schema cannot express."""
    check_periods(body.get("promotion_periods"))
    check_validity(body)
    check_discounts(body)
    check_price_range_target(body)
    check_limit_schedule(body)


# A reward chain has at most 31 steps, each granting 1 to 10 rewards (Xsolla's reward system
# docs); the spec does not bound these arrays.
REWARD_CHAIN_STEPS = (1, 31)
REWARDS_PER_STEP = (1, 10)


def check_reward_chain(body: Mapping[str, Any]) -> None:
    check_validity(body)
    steps = body.get("steps") or []
    _check_count(len(steps), REWARD_CHAIN_STEPS, "steps")
    for n, step in enumerate(steps):
        _check_count(len(step.get("reward") or []), REWARDS_PER_STEP, f"steps[{n}].reward")


def _check_count(count: int, bounds: tuple[int, int], name: str) -> None:
    low, high = bounds
    if not low <= count <= high:
        raise validation_error(f"The property `{name}` must have {low} to {high} items")


def check_unique(values: Iterable[Any], name: str) -> None:
    """No value twice (step numbers of a chain, SKUs of one value-point reward PATCH)."""
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise validation_error(f"The property `{name}` has the value {value!r} twice")
        seen.add(value)
