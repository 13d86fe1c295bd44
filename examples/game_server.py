"""A game-server endpoint: `POST /daily-reward` claims today's step of the player's daily
chains. The game client sends the player's Login JWT as `Authorization: Bearer <jwt>`; the
server passes it on to LiveOps with `client.user(jwt)` over one shared connection pool.

Answers: 200 `{"claimed": [...]}`; 401 without a token or when LiveOps refuses it; 409 when
there is nothing to claim today; 503 when LiveOps cannot be reached.

    python examples/game_server.py   # runs the endpoint and a mock on 127.0.0.1, calls it
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import aiohttp
from _sandbox import sandbox
from aiohttp import web
from quickstart import create_daily_chain

from liveops_async import (
    APIConnectionError,
    AuthenticationError,
    InternalServerError,
    LiveOpsClient,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    models,
)

LIVEOPS_CLIENT = web.AppKey("liveops_client", LiveOpsClient)


async def claim_todays_steps(client: LiveOpsClient, player_jwt: str) -> list[dict[str, Any]]:
    """Claim every step the player can claim today, across their daily chains."""
    player = client.user(player_jwt)
    claimed: list[dict[str, Any]] = []
    async for chain in player.daily_chains.list():
        for step in chain.steps or []:
            if step.status != models.DailyChainStepStatus.CLAIMABLE:
                continue
            if chain.id is None or step.step_number is None:
                continue
            try:
                await player.daily_chains.claim_step(chain.id, step.step_number)
            except UnprocessableEntityError:
                continue  # claimed meanwhile by another request of the same player
            claimed.append(
                {
                    "daily_chain_id": chain.id,
                    "step_number": step.step_number,
                    "items": [{"sku": i.sku, "quantity": i.quantity} for i in step.items or []],
                }
            )
    return claimed


def _bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


async def daily_reward(request: web.Request) -> web.Response:
    token = _bearer_token(request)
    if token is None:
        return _error(401, "send the player's Login JWT as a bearer token")
    try:
        claimed = await claim_todays_steps(request.app[LIVEOPS_CLIENT], token)
    except (AuthenticationError, PermissionDeniedError):
        return _error(401, "the player's token was refused")
    except (RateLimitError, APIConnectionError, InternalServerError):
        return _error(503, "the reward service is unavailable, try again later")
    if not claimed:
        return _error(409, "nothing to claim today")
    return web.json_response({"claimed": claimed})


def create_app(client: LiveOpsClient) -> web.Application:
    """The endpoint; the client is shared by every request and closed by its owner."""
    app = web.Application()
    app[LIVEOPS_CLIENT] = client
    app.router.add_post("/daily-reward", daily_reward)
    return app


async def demo() -> list[tuple[str, int, Any]]:
    """Run the endpoint and the mock on 127.0.0.1 and call it over three days' worth of
    requests; returns (what was done, HTTP status, JSON answer) for each call."""
    async with sandbox() as sb:
        await create_daily_chain(sb.client, now=sb.clock.now(), days=3)
        runner = web.AppRunner(create_app(sb.client))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        url = f"http://127.0.0.1:{port}/daily-reward"
        auth = {"Authorization": f"Bearer {sb.player_jwt('player-1')}"}
        calls: list[tuple[str, int, Any]] = []
        try:
            async with aiohttp.ClientSession() as http:

                async def call(label: str, headers: dict[str, str]) -> None:
                    async with http.post(url, headers=headers) as response:
                        calls.append((label, response.status, await response.json()))

                await call("day 1", auth)
                await call("day 1, again", auth)
                await call("no token", {})
                sb.next_day()
                await call("day 2", auth)
        finally:
            await runner.cleanup()
        return calls


def main() -> int:
    for label, status, body in asyncio.run(demo()):
        print(f"POST /daily-reward  {label:<13} -> {status} {body}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
