"""Clients (1) and (2): aiohttp + orjson written by hand, the floors of this stack.

(1) `aiohttp`: bytes decoded to dicts. (2) `aiohttp_cattrs`: the same bytes structured into the
SDK's own attrs models by a plain cattrs converter whose hook is compiled once up front.

The session is configured like the SDK's (same pool size, no cookie jar, no raise_for_status),
so the difference to client (3) is what the SDK itself adds.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import orjson

from .. import payloads

Decoder = Callable[[bytes], Any]


class RawAiohttp:
    def __init__(
        self, base_url: str, pool_size: int, decode_list: Decoder, decode_redeem: Decoder
    ) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=pool_size),
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        self._list_url = base_url + payloads.LIST_PATH
        self._redeem_url = base_url + payloads.REDEEM_PATH
        self._activate_url = base_url + payloads.ACTIVATE_PATH
        basic = base64.b64encode(f"{payloads.PROJECT_ID}:{payloads.API_KEY}".encode()).decode()
        self._admin_headers = {"Authorization": "Basic " + basic, "Accept": "application/json"}
        self._user_headers = {
            "Authorization": "Bearer " + payloads.PLAYER_JWT,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        self._decode_list = decode_list
        self._decode_redeem = decode_redeem

    async def list_coupons(self) -> Any:
        async with self._session.get(self._list_url, headers=self._admin_headers) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"list answered {response.status}")
        return self._decode_list(body)

    async def redeem(self) -> Any:
        data = orjson.dumps(payloads.REDEEM_REQUEST)
        async with self._session.post(
            self._redeem_url, data=data, headers=self._user_headers
        ) as response:
            body = await response.read()
            if response.status != 200:
                raise RuntimeError(f"redeem answered {response.status}")
        return self._decode_redeem(body)

    async def activate(self) -> None:
        async with self._session.put(self._activate_url, headers=self._admin_headers) as response:
            await response.read()
            if response.status != 204:
                raise RuntimeError(f"activate answered {response.status}")

    async def aclose(self) -> None:
        await self._session.close()


def _typed_decoders() -> tuple[Decoder, Decoder]:
    from liveops_async._generated import models

    from .plain_cattrs import make_plain_converter

    converter = make_plain_converter()
    list_hook = converter.get_structure_hook(models.CouponList)
    redeem_hook = converter.get_structure_hook(models.CouponRedeemResult)
    list_type, redeem_type = models.CouponList, models.CouponRedeemResult

    def decode_list(body: bytes) -> Any:
        return list_hook(orjson.loads(body), list_type)

    def decode_redeem(body: bytes) -> Any:
        return redeem_hook(orjson.loads(body), redeem_type)

    return decode_list, decode_redeem


async def open_client(
    name: str, base_url: str, pool_size: int, options: Mapping[str, Any]
) -> RawAiohttp:
    if name == "aiohttp_cattrs":
        decode_list, decode_redeem = _typed_decoders()
    else:
        decode_list = decode_redeem = orjson.loads
    return RawAiohttp(base_url, pool_size, decode_list, decode_redeem)
