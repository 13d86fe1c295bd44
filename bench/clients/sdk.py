"""Client (3): liveops-async as a user runs it: admin Basic auth and a player's JWT, the default
retry policy, typed models, request validation, and its logger at INFO.

Variants (issue 16): `sdk_bare` bypasses the settling/tracing call wrapper everywhere (the
request path before it existed); `sdk_traced` has OpenTelemetry on with the SDK's providers and
no exporter. `sdk` against `sdk_bare` shows the untraced request path unchanged."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import payloads


class SDKClient:
    def __init__(self, base_url: str, pool_size: int, variant: str = "sdk") -> None:
        from liveops_async import LiveOpsClient

        extra: dict[str, Any] = {}
        if variant == "sdk_bare":  # every call straight to the engine, as before issue 16
            from liveops_async._base_client import HTTPRequester

            HTTPRequester._entry = lambda self, op: self._call  # type: ignore[method-assign]
        elif variant == "sdk_traced":
            from opentelemetry.sdk.metrics import MeterProvider
            from opentelemetry.sdk.trace import TracerProvider

            from liveops_async.lib.otel import Telemetry

            extra["telemetry"] = Telemetry(
                tracer_provider=TracerProvider(), meter_provider=MeterProvider()
            )
        self._client = LiveOpsClient(
            project_id=payloads.PROJECT_ID,
            api_key=payloads.API_KEY,
            base_url=base_url,
            pool_size=pool_size,
            **extra,
        )
        self._client.warm_up()
        self._coupons = self._client.admin.coupons
        self._player_coupons = self._client.user(payloads.PLAYER_JWT).coupons

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
    return SDKClient(base_url, pool_size, name)
