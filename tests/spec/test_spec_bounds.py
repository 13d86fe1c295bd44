"""The bounds the spec documents (reward chain steps and rewards, discount percents) are
checked by the SDK before a request leaves: the mock records no request for a refused body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from liveops_async import LiveOpsClient, RequestValidationError
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
        project_id=mock.project_id, api_key=API_KEY, base_url=mock.base_url
    ) as started:
        yield started


def _chain(steps: int, rewards: int) -> dict[str, Any]:
    body = dict(_request_example("admin-create-reward-chain"))
    step = dict(body["steps"][0])
    step["reward"] = [step["reward"][0]] * rewards
    body["steps"] = [step] * steps
    return body


@pytest.mark.parametrize(
    ("operation_id", "body", "problem"),
    [
        ("admin-create-reward-chain", _chain(32, 1), "steps"),
        ("admin-create-reward-chain", _chain(1, 11), "steps/0/reward"),
        ("admin-create-reward-chain", _chain(1, 0), "steps/0/reward"),
        (
            "create-item-promotion",
            {**_request_example("create-item-promotion"), "discount": {"percent": "100.01"}},
            "discount/percent",
        ),
    ],
)
async def test_a_body_beyond_the_spec_bounds_is_refused_before_sending(
    client: LiveOpsClient, mock: LiveOpsMock, operation_id: str, body: Any, problem: str
) -> None:
    requester = client.admin.reward_chains._requester  # type: ignore[attr-defined]
    with pytest.raises(RequestValidationError) as info:
        await requester.request(ops.OPERATIONS[operation_id], body=body)
    assert any(p.startswith(problem + ":") for p in info.value.problems), info.value.problems
    assert not mock.requests


@pytest.mark.parametrize(
    ("operation_id", "body"),
    [
        ("admin-create-reward-chain", _chain(31, 10)),
        (
            "create-item-promotion",
            {**_request_example("create-item-promotion"), "discount": {"percent": "100.00"}},
        ),
    ],
)
async def test_a_body_at_the_spec_bounds_is_sent(
    client: LiveOpsClient, mock: LiveOpsMock, operation_id: str, body: Any
) -> None:
    requester = client.admin.reward_chains._requester  # type: ignore[attr-defined]
    if operation_id == "admin-create-reward-chain":  # the chain's value point must exist
        vp = _request_example("admin-create-value-points")
        await requester.request(ops.OPERATIONS["admin-create-value-points"], body=vp)
    await requester.request(ops.OPERATIONS[operation_id], body=body)
    assert mock.requests[-1].operation_id == operation_id
