"""A discord.py bot with a `!redeem CODE` command, and the client lifecycle a bot needs.

* The `LiveOpsClient` is created in `setup_hook`: discord.py calls it once, inside the bot's own
  event loop, before it connects. The client's connection pool belongs to the loop that created
  it, so building the client at import time or before `bot.run()` would tie it to another loop.
* It is closed in `close()`, which discord.py calls on shutdown (Ctrl-C, `await bot.close()`),
  after the gateway connection is gone, so no command is left using a closed client.
* Every command shares the one client; a player view (`client.user(jwt)`) per command is cheap.
* The reply text comes from `chat_bot.handle_redeem_command`, the platform-neutral part.

`player_tokens` maps a Discord user id to the player's Xsolla Login JWT: that is your account
linking, outside this example.

    pip install discord.py  # not a dependency of liveops-async
    DISCORD_TOKEN=... LIVEOPS_PROJECT_ID=... LIVEOPS_API_KEY=... python examples/discord_bot.py
"""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

try:
    import discord
except ModuleNotFoundError:  # say what to install instead of a traceback
    sys.exit("examples/discord_bot.py needs discord.py: pip install discord.py")
from chat_bot import handle_redeem_command
from discord.ext import commands

from liveops_async import LiveOpsClient

# Discord user id -> the player's Login JWT, or None when the account is not linked.
PlayerTokens = Callable[[int], Awaitable[str | None]]
NOT_LINKED = "Link your game account first, then try `!redeem CODE` again."


class RedeemCommands(commands.Cog):
    """`!redeem CODE`: redeem a coupon code for the player who typed it."""

    def __init__(self, bot: LiveOpsBot) -> None:
        self.bot = bot

    @commands.command(name="redeem")
    async def redeem(self, ctx: commands.Context[Any], code: str = "") -> None:
        await ctx.reply(await self.bot.answer_redeem(ctx.author.id, code))


class LiveOpsBot(commands.Bot):
    """A bot that owns one LiveOps client from `setup_hook` to `close`."""

    def __init__(
        self,
        player_tokens: PlayerTokens,
        *,
        make_client: Callable[[], LiveOpsClient] = LiveOpsClient,
    ) -> None:
        intents = discord.Intents.default()
        intents.message_content = True  # prefix commands read the message text
        super().__init__(command_prefix="!", intents=intents)
        self._player_tokens = player_tokens
        self._make_client = make_client
        self._liveops: LiveOpsClient | None = None

    @property
    def liveops(self) -> LiveOpsClient:
        """The shared client; it exists from `setup_hook` on."""
        if self._liveops is None:
            raise RuntimeError("the LiveOps client is created in setup_hook")
        return self._liveops

    async def setup_hook(self) -> None:
        # Inside the bot's event loop, once, before connecting to Discord.
        self._liveops = self._make_client()  # credentials from LIVEOPS_* variables by default
        await self.add_cog(RedeemCommands(self))

    async def close(self) -> None:
        try:
            await super().close()  # disconnects from Discord first: no command runs after this
        finally:
            if self._liveops is not None:
                await self._liveops.aclose()

    async def answer_redeem(self, discord_user_id: int, code: str) -> str:
        """The reply to `!redeem <code>` from this Discord user."""
        jwt = await self._player_tokens(discord_user_id)
        if jwt is None:
            return NOT_LINKED
        return await handle_redeem_command(self.liveops, jwt, f"!redeem {code}")


async def no_linked_accounts(discord_user_id: int) -> str | None:
    """Replace with your account linking (a database lookup, a token service...)."""
    return None


def main() -> int:
    token = os.environ.get("DISCORD_TOKEN")
    if not token:
        print("Set DISCORD_TOKEN (and LIVEOPS_PROJECT_ID, LIVEOPS_API_KEY).", file=sys.stderr)
        return 2
    LiveOpsBot(no_linked_accounts).run(token)  # Ctrl-C: discord.py calls close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
