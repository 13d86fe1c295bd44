"""The four benchmarked clients behind one small interface, and the check that they all decode
the same data.

Every client makes the same three calls against the same server: the coupon list (~17 KB, 50
items), a coupon redemption (POST with a JSON body, small answer) and a coupon activation
(PUT, 204). Each adapter module has `async def open_client(base_url, pool_size, options)`.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

__all__ = [
    "CLIENTS",
    "SCENARIOS",
    "VARIANTS",
    "BenchClient",
    "fingerprint",
    "open_client",
]


class BenchClient(Protocol):
    async def list_coupons(self) -> Any: ...
    async def redeem(self) -> Any: ...
    async def activate(self) -> Any: ...
    async def aclose(self) -> None: ...


#: name -> (adapter module, label used in tables and the chart)
CLIENTS: dict[str, tuple[str, str]] = {
    "aiohttp": ("bench.clients.raw_aiohttp", "aiohttp + orjson (dicts)"),
    "aiohttp_cattrs": ("bench.clients.raw_aiohttp", "aiohttp + orjson + cattrs (models)"),
    "sdk": ("bench.clients.sdk", "liveops-async"),
    "generated": ("bench.clients.generated", "openapi-python-client (httpx)"),
    # Issue 16: the SDK with its call wrapper bypassed (the request path before settling and
    # tracing existed), and with OpenTelemetry on (SDK providers, no exporter).
    "sdk_bare": ("bench.clients.sdk", "liveops-async without the call wrapper"),
    "sdk_traced": ("bench.clients.sdk", "liveops-async + OpenTelemetry"),
}

#: SDK variants measured for throughput only (no memory or import runs of their own)
VARIANTS = frozenset({"sdk_bare", "sdk_traced"})

#: scenario -> method name on BenchClient
SCENARIOS: dict[str, str] = {
    "list": "list_coupons",
    "redeem": "redeem",
    "empty": "activate",
}


async def open_client(
    name: str, base_url: str, pool_size: int, options: Mapping[str, Any]
) -> BenchClient:
    module_name, _ = CLIENTS[name]
    module = importlib.import_module(module_name)
    client: BenchClient = await module.open_client(name, base_url, pool_size, options)
    return client


# Fingerprints: one plain form for dicts, our attrs models and the generated client's models,
# so that the harness can prove every client decoded the same data.


def _is_unset(value: Any) -> bool:
    return type(value).__name__ == "Unset"


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        value = obj.get(key)
    else:  # openapi-python-client renames fields that shadow builtins: type -> type_
        value = getattr(obj, key, getattr(obj, key + "_", None))
    return None if _is_unset(value) else value


def _plain(value: Any) -> Any:
    if value is None or _is_unset(value):
        return None
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    props = getattr(value, "additional_properties", None)
    if isinstance(props, Mapping):  # openapi-python-client's model of a free-form mapping
        return _plain(props)
    return value


def _when(value: Any) -> str | None:
    if value is None or _is_unset(value):
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.isoformat()


def _coupon(item: Any) -> tuple[Any, ...]:
    periods = _get(item, "promotion_periods") or []
    conditions = _get(item, "attribute_conditions") or []
    state = _get(item, "total_limit_state")
    return (
        _get(item, "external_id"),
        _plain(_get(item, "name")),
        [(_when(_get(p, "date_from")), _when(_get(p, "date_until"))) for p in periods],
        _get(item, "is_enabled"),
        [(_get(b, "sku"), float(_get(b, "quantity"))) for b in _get(item, "bonus") or []],
        _get(item, "redeem_total_limit"),
        _get(item, "redeem_user_limit"),
        None if state is None else _get(state, "available"),
        [
            (_plain(_get(c, "type")), _plain(_get(c, "operator")), _get(c, "value"))
            for c in conditions
        ],
    )


def fingerprint(scenario: str, result: Any) -> Any:
    """A JSON-ready summary of a decoded answer that must be equal for every client."""
    if scenario == "list":
        return {
            "items": [list(_coupon(item)) for item in _get(result, "items") or []],
            "active": _get(result, "active_promotions_count"),
        }
    if scenario == "redeem":
        return [
            [
                _get(item, "sku"),
                _plain(_get(item, "type")),
                _get(item, "quantity"),
                _get(_get(_get(item, "inventory_options"), "expiration_period"), "value"),
            ]
            for item in _get(result, "items") or []
        ]
    return None if result is None else "unexpected body"
