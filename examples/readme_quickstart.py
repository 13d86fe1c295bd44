import asyncio
import os
import uuid

from liveops_async import LiveOpsClient, NotFoundError, UnprocessableEntityError, models


async def main(player_jwt: str) -> None:
    # Credentials from LIVEOPS_PROJECT_ID and LIVEOPS_API_KEY (base URL: LIVEOPS_BASE_URL).
    async with LiveOpsClient() as client:
        # Admin calls: a coupon with one redemption per player, and 20 codes for it.
        # External ids are unique per project: a fresh one per run keeps the script re-runnable.
        coupon_id = f"spring-gift-{uuid.uuid4().hex[:8]}"
        coupons = client.admin.coupons
        await coupons.create(
            external_id=coupon_id,
            name={"en-US": "Spring gift"},
            bonus=[models.BonusItem(sku="gold-coins", quantity=100)],
            redeem_user_limit=1,
        )
        await coupons.activate(coupon_id)  # new coupons start disabled
        await coupons.generate_codes(coupon_id, count=20)

        # Paging: `async for` fetches the pages as it goes.
        codes = [c.code async for c in coupons.list_codes(coupon_id) if c.code]
        print(f"{len(codes)} codes, first: {codes[0]}")

        # Player calls: a view bound to the player's Login JWT, sharing the client's pool.
        player = client.user(player_jwt)
        for code in (codes[0], codes[1], "NO-SUCH-CODE"):
            try:
                result = await player.coupons.redeem(coupon_code=code)
            except NotFoundError:
                print(f"{code}: no such code")
            except UnprocessableEntityError as exc:  # e.g. the per-player limit is reached
                print(f"{code}: refused, {exc.message} (status {exc.status}, code {exc.code})")
            else:
                print(f"{code}: got {[(item.sku, item.quantity) for item in result.items or []]}")

        # Raw responses: status and headers next to the parsed model.
        raw = await coupons.with_raw_response.get(coupon_id)
        print(raw.status, raw.headers["Content-Type"], raw.parsed.is_enabled)


if __name__ == "__main__":
    # Needs LIVEOPS_PROJECT_ID, LIVEOPS_API_KEY (and LIVEOPS_BASE_URL for the mock) and a
    # player's JWT in PLAYER_JWT; `python -m liveops_async.mock` prints a sample JWT and the URL.
    if "PLAYER_JWT" not in os.environ:
        raise SystemExit("Set PLAYER_JWT (a player's Xsolla Login JWT) and the LIVEOPS_* settings.")
    asyncio.run(main(os.environ["PLAYER_JWT"]))
