"""Client (4): what openapi-python-client generates from our spec (httpx + its attrs models).

Two `AuthenticatedClient`s, one per credential (admin Basic, player Bearer), as its docs
suggest; both get the same pool size as the other clients (httpx would otherwise keep only 20
idle connections alive and churn connections at higher concurrency).
"""

from __future__ import annotations

import base64
import importlib
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from .. import payloads
from ..generated_client import PACKAGE, find_module


def _operation(package_dir: Path, filename: str) -> ModuleType:
    found = find_module(package_dir, filename)
    if found is None:
        raise RuntimeError(f"the generated client has no {filename}")
    return importlib.import_module(f"{PACKAGE}.api.{found.parent.name}.{found.stem}")


class GeneratedClient:
    def __init__(self, generated_dir: str, base_url: str, pool_size: int) -> None:
        if generated_dir not in sys.path:
            sys.path.insert(0, generated_dir)
        package_dir = Path(generated_dir) / PACKAGE
        client_module = importlib.import_module(f"{PACKAGE}.client")
        models = importlib.import_module(f"{PACKAGE}.models")
        self._get_coupons = _operation(package_dir, "get_coupons.py")
        self._redeem_coupon = _operation(package_dir, "redeem_coupon.py")
        self._activate_coupon = _operation(package_dir, "activate_coupon.py")
        self._redeem_body_type = models.CouponRedeemRequest

        def client(prefix: str, token: str) -> Any:
            limits = httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)
            return client_module.AuthenticatedClient(
                base_url=base_url,
                token=token,
                prefix=prefix,
                raise_on_unexpected_status=True,
                timeout=httpx.Timeout(60.0),
                httpx_args={"limits": limits},
            )

        basic = base64.b64encode(f"{payloads.PROJECT_ID}:{payloads.API_KEY}".encode()).decode()
        self._admin = client("Basic", basic)
        self._player = client("Bearer", payloads.PLAYER_JWT)

    async def list_coupons(self) -> Any:
        response = await self._get_coupons.asyncio_detailed(
            project_id=payloads.PROJECT_ID, client=self._admin
        )
        if response.status_code != 200:
            raise RuntimeError(f"list answered {response.status_code}")
        return response.parsed

    async def redeem(self) -> Any:
        response = await self._redeem_coupon.asyncio_detailed(
            project_id=payloads.PROJECT_ID,
            client=self._player,
            body=self._redeem_body_type(coupon_code=payloads.COUPON_CODE),
        )
        if response.status_code != 200:
            raise RuntimeError(f"redeem answered {response.status_code}")
        return response.parsed

    async def activate(self) -> None:
        response = await self._activate_coupon.asyncio_detailed(
            project_id=payloads.PROJECT_ID, external_id=payloads.ACTIVATE_ID, client=self._admin
        )
        if response.status_code != 204:
            raise RuntimeError(f"activate answered {response.status_code}")

    async def aclose(self) -> None:
        for client in (self._admin, self._player):
            await client.get_async_httpx_client().aclose()


async def open_client(
    name: str, base_url: str, pool_size: int, options: Mapping[str, Any]
) -> GeneratedClient:
    generated_dir = options.get("generated_dir")
    if not generated_dir:
        raise RuntimeError("the generated client needs --generated-dir")
    return GeneratedClient(str(generated_dir), base_url, pool_size)
