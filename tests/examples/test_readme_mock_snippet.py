import pytest

from liveops_async import LiveOpsClient, UnprocessableEntityError, models
from liveops_async.testing import LiveOpsMock


# `liveops_mock` is a fixture of the installed package: a started mock with fresh state.
@pytest.mark.asyncio
async def test_second_code_is_refused(liveops_mock: LiveOpsMock) -> None:
    async with LiveOpsClient(
        base_url=liveops_mock.base_url,
        project_id=liveops_mock.project_id,
        api_key="mock-api-key",  # LiveOpsMock's default; pass api_key= to choose another
    ) as client:
        coupons = client.admin.coupons
        await coupons.create(
            external_id="gift",
            name={"en-US": "Gift"},
            bonus=[models.BonusItem(sku="gold-coins", quantity=50)],
            redeem_user_limit=1,
        )
        await coupons.activate("gift")
        await coupons.create_code("gift", coupon_code="GIFT1")
        await coupons.create_code("gift", coupon_code="GIFT2")

        player = client.user(liveops_mock.issue_jwt("player-1"))  # a JWT the mock accepts
        result = await player.coupons.redeem(coupon_code="GIFT1")
        assert [(item.sku, item.quantity) for item in result.items or []] == [("gold-coins", 50)]
        with pytest.raises(UnprocessableEntityError):
            await player.coupons.redeem(coupon_code="GIFT2")

    assert liveops_mock.count("redeem-coupon") == 2  # the mock logs every request
