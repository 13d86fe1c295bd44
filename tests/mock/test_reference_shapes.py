"""The mock answers with the shapes the reference examples show, so that the SDK's own tests
exercise them (issue 11, part 2): plain-string value point texts in the reward chain list,
localized ones and a null `top_contributors` in the single chain, nulls where the references
allow them in chain player views, a plain-string bonus item description in the promotion list.
A strict client decodes every one of these answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from liveops_async import LiveOpsClient, models
from liveops_async._generated import operations as ops
from liveops_async.testing import LiveOpsMock
from liveops_async.testing._spec import default_spec_path, load_spec

API_KEY = "mock-api-key"
# The spec's request examples, as the mock reads them (a fresh copy per call).
_request_example = load_spec(default_spec_path()).request_example


@pytest.fixture
async def mock() -> AsyncIterator[LiveOpsMock]:
    async with LiveOpsMock(api_key=API_KEY) as started:
        yield started


@pytest.fixture
async def client(mock: LiveOpsMock) -> AsyncIterator[LiveOpsClient]:
    async with LiveOpsClient(
        project_id=mock.project_id, api_key=API_KEY, base_url=mock.base_url, strict_responses=True
    ) as strict:
        yield strict


async def test_reward_chain_list_and_single_views(client: LiveOpsClient) -> None:
    requester = client.admin.reward_chains._requester  # type: ignore[attr-defined]
    vp = _request_example("admin-create-value-points")
    await requester.request(
        ops.OPERATIONS["admin-create-value-points"], body={**vp, "sku": "snowflake"}
    )
    created = await requester.request(
        ops.OPERATIONS["admin-create-reward-chain"],
        body=_request_example("admin-create-reward-chain"),
    )
    listed = await client.admin.reward_chains.list().first_page()
    assert listed.items is not None
    listed_vp = listed.items[0].value_point
    assert isinstance(listed_vp, models.RewardChainListValuePoint)
    assert isinstance(listed_vp.description, str)  # a plain string in the list (A1)
    one = await client.admin.reward_chains.get(created.reward_chain_id)
    assert one.value_point is not None and isinstance(one.value_point.description, dict)
    assert one.top_contributors is None  # not a clan chain (A7)


async def test_offer_chain_player_view_has_the_nulls(
    client: LiveOpsClient, mock: LiveOpsMock
) -> None:
    requester = client.admin.offer_chains._requester  # type: ignore[attr-defined]
    body = {**_request_example("admin-create-offer-chain"), "description": None}
    body.pop("recurrent_schedule", None)
    await requester.request(ops.OPERATIONS["admin-create-offer-chain"], body=body)
    player = client.user(mock.issue_jwt("player-1"))
    page = await player.offer_chains.list().first_page()
    assert page.items is not None
    chain = page.items[0]
    assert chain.description is None  # A3
    assert chain.steps is not None
    step = chain.steps[0]
    assert step.step_loyalty_rewards is None
    assert step.items is not None
    item = step.items[0]
    assert (item.description, item.image_url, item.bundle_type, item.content) == (
        None,
        None,
        None,
        None,
    )


async def test_promotion_list_bonus_item_description_is_a_string(client: LiveOpsClient) -> None:
    await client.admin.coupons.create(
        external_id="spring",
        name={"en-US": "Spring"},
        bonus=[models.BonusItem(sku="gold", quantity=1)],
    )
    page = await client.admin.promotions.list().first_page()
    assert page.promotions is not None
    (promotion,) = page.promotions
    assert promotion.bonus is not None
    assert promotion.bonus[0].item is not None
    assert promotion.bonus[0].item.description == "gold"  # a plain string (A2)
