"""A chat-bot command: a player types `!redeem CODE`, the bot redeems the coupon code for them
and replies with what they got, or with a friendly explanation of why it did not work.

`handle_redeem_command` is the part to copy into a bot (Discord, Telegram, Twitch...): give it
the shared client, the player's Login JWT (from your account linking) and the message text.

    python examples/chat_bot.py    # a short conversation against an in-process mock
"""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import timedelta

from _sandbox import sandbox

from liveops_async import (
    APIConnectionError,
    AuthenticationError,
    ClientStateError,
    InternalServerError,
    InvalidParameterError,
    LiveOpsClient,
    LiveOpsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestValidationError,
    UnprocessableEntityError,
    models,
)

USAGE = "Usage: !redeem <code>  (for example: !redeem SPRING2026)"
_COMMAND = re.compile(r"^\s*[!/]redeem(?:\s+(?P<code>\S+))?\s*$", re.IGNORECASE)
# Only codes that look like codes are ever echoed back into the chat.
_PRINTABLE_CODE = re.compile(r"^[A-Za-z0-9]{1,128}$")


def _describe(items: list[models.CouponRedeemedItem]) -> str:
    parts = []
    for item in items:
        name = item.name if isinstance(item.name, str) and item.name else item.sku
        parts.append(f"{item.quantity or 1} x {name}")
    return ", ".join(parts)


async def handle_redeem_command(client: LiveOpsClient, player_jwt: str, text: str) -> str:
    """Redeem the code in a `!redeem CODE` message for the player; return the reply to post."""
    match = _COMMAND.match(text)
    code = match.group("code") if match else None
    if code is None:
        return USAGE
    label = f"the code {code}" if _PRINTABLE_CODE.match(code) else "that code"
    try:
        result = await client.user(player_jwt).coupons.redeem(coupon_code=code)
    except RequestValidationError:  # checked against the API schema before anything is sent
        return "That doesn't look like a code: codes are at most 128 characters long."
    except InvalidParameterError:  # the player's login token is malformed: nothing was sent
        return "I couldn't confirm who you are. Please link your account again and retry."
    except NotFoundError:
        return f"I couldn't find {label}. Check the spelling and try again."
    except UnprocessableEntityError as exc:
        # The API explains why (limit reached, not active, outside its dates); its message is
        # meant for people, so pass it on.
        return f"Sorry, {label} can't be redeemed. {exc.message}"
    except (AuthenticationError, PermissionDeniedError):
        return "I couldn't confirm who you are. Please link your account again and retry."
    except RateLimitError as exc:
        wait = f" in {exc.retry_after:.0f} seconds" if exc.retry_after else " in a moment"
        return f"Lots of codes being redeemed right now. Please try again{wait}."
    except (APIConnectionError, InternalServerError):
        # Redeeming is not retry-safe, so the SDK did not resend it after a possible delivery:
        # the player may check their inventory before trying again.
        return "The store isn't answering right now. Check your inventory, then try again later."
    except ClientStateError:  # the bot is shutting down (client closed) under this command
        return "I'm restarting right now. Check your inventory, then try again in a minute."
    except LiveOpsError as exc:  # anything else the SDK raises: still answer the player
        return f"Something went wrong on my side ({type(exc).__name__}). Please try again later."
    received = f" You received {_describe(result.items)}." if result.items else ""
    return f"Done, {label} is redeemed!{received}"


async def demo() -> list[tuple[str, str, str]]:
    """A short conversation on the mock: (player, message, reply) for each message."""
    async with sandbox() as sb:
        admin = sb.client.admin.coupons
        await admin.create(
            external_id="chat-bot-demo",
            name={"en-US": "Chat bot demo"},
            promotion_periods=[
                models.PromotionPeriod(
                    date_from=sb.clock.now() - timedelta(minutes=1), date_until=None
                )
            ],
            bonus=[models.BonusItem(sku="gold-coins", quantity=100)],
            redeem_user_limit=1,
        )
        await admin.activate("chat-bot-demo")
        await admin.create_code("chat-bot-demo", coupon_code="WELCOME1")
        await admin.create_code("chat-bot-demo", coupon_code="WELCOME2")
        conversation = [
            ("alice", "!redeem WELCOME1"),
            ("alice", "!redeem WELCOME2"),
            ("bob", "!redeem WELC0ME2"),
            ("bob", "!redeem welcome-2"),
            ("bob", "!redeem"),
            ("bob", "!redeem WELCOME2"),
        ]
        jwts = {player: sb.player_jwt(player) for player, _ in conversation}
        return [
            (player, text, await handle_redeem_command(sb.client, jwts[player], text))
            for player, text in conversation
        ]


def main() -> int:
    for player, text, reply in asyncio.run(demo()):
        print(f"{player:>6}: {text}\n   bot: {reply}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
