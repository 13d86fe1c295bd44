"""Client (3): liveops-async as a user runs it: admin Basic auth and a player's JWT, the default
retry policy, typed models, request validation, and its logger at INFO.

Variants (issue 16): `sdk_bare` bypasses the settling/tracing call wrapper everywhere (the
request path before it existed); `sdk_traced` has OpenTelemetry on with the SDK's providers and
no exporter. `sdk` against `sdk_bare` shows the untraced request path unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .. import payloads

if TYPE_CHECKING:
    from liveops_async import LiveOpsClient


class SDKClient:
    def __init__(self, client: LiveOpsClient) -> None:
        self._client = client
        self._coupons = client.admin.coupons
        self._player_coupons = client.user(payloads.PLAYER_JWT).coupons

    async def list_coupons(self) -> Any:
        return await self._coupons.list().first_page()

    async def redeem(self) -> Any:
        return await self._player_coupons.redeem(coupon_code=payloads.COUPON_CODE)

    async def activate(self) -> Any:
        return await self._coupons.activate(payloads.ACTIVATE_ID)

    async def aclose(self) -> None:
        await self._client.aclose()


async def open_client(
    name: str, base_url: str, pool_size: int, options: Mapping[str, Any]
) -> SDKClient:
    """The client as documented: created inside the running loop, entered with `async with`
    (which waits, off the loop, for the engine import).

    In memory mode 10,000 connections open at once on a shared machine: connecting can take
    longer than the SDK's default 5 s connect timeout, which bare aiohttp does not have. The
    timeouts there are aiohttp's (5 min in all, no connect limit) so that both measure the
    same thing."""
    from liveops_async import LiveOpsClient, Timeouts

    timeout = Timeouts(total=300, connect=300, read=300, pool=300)
    client = LiveOpsClient(
        project_id=payloads.PROJECT_ID,
        api_key=payloads.API_KEY,
        base_url=base_url,
        pool_size=pool_size,
        timeout=timeout if options.get("mode") == "memory" else None,
        **_variant_settings(name),
    )
    await client.__aenter__()
    return SDKClient(client)


def _variant_settings(variant: str) -> dict[str, Any]:
    """`sdk_bare`: every call straight to the engine, as before issue 16 (no call wrapper);
    `sdk_traced`: OpenTelemetry on, with the SDK's own providers."""
    if variant == "sdk_bare":
        from liveops_async._engine import HTTPRequester

        HTTPRequester._entry = lambda self, op: self._call  # type: ignore[method-assign]
    elif variant == "sdk_traced":
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.trace import TracerProvider

        from liveops_async.lib.otel import Telemetry

        return {
            "telemetry": Telemetry(tracer_provider=TracerProvider(), meter_provider=MeterProvider())
        }
    return {}
