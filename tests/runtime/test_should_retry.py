"""`should_retry`, the one home of the retry decision: a table of attempt outcomes and the
verdict each gets (retry or not, the wait, and why), then the retry budget's last word."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest
from aioresponses import aioresponses

from liveops_async import LiveOpsClient
from liveops_async._exceptions import (
    APIConnectionError,
    APIStatusError,
    ConnectTimeoutError,
    LiveOpsError,
    ReadTimeoutError,
)
from liveops_async._retry import (
    AttemptOutcome,
    RetryPolicy,
    RetryVerdict,
    budget_verdict,
    should_retry,
)
from liveops_async._retry_budget import RetryBudget

from . import _ops
from ._ops import CREATE_COUPON, GET_COUPON
from .conftest import MOCK_BASE, PROJECT_ID

COUPON_URL = f"{MOCK_BASE}/v3/project/{PROJECT_ID}/admin/coupon/c1"

# No jitter: backoff(n) is then exactly min(max_backoff, 1 * 2**(n-1)) * (0.5 + 0.5 * rand),
# so a fixed Retry-After is used where the wait itself is asserted.
POLICY = RetryPolicy(
    max_attempts=3, initial_backoff=1.0, max_backoff=4.0, total_budget=60.0, retry_after_cap=30.0
)


def _status(status: int, retry_after: float | None = None) -> AttemptOutcome:
    error = APIStatusError(
        status=status, method="GET", route="/r", message="HTTP", retry_after=retry_after
    )
    return AttemptOutcome(error, status=status, reached_server=True, retry_after=retry_after)


def _connection(error: LiveOpsError, *, transient: bool = True) -> AttemptOutcome:
    sent = bool(getattr(error, "sent", True))
    return AttemptOutcome(error, reached_server=sent, transient=transient)


READ_TIMEOUT = ReadTimeoutError("slow", method="GET", route="/r", sent=True)
CONNECT_TIMEOUT = ConnectTimeoutError("slow", method="GET", route="/r", sent=False)
TLS = APIConnectionError("TLS failure", method="GET", route="/r", sent=False)

TABLE = [
    # (operation, outcome, attempt, elapsed, retry, delay, reason)
    (GET_COUPON, _status(503, 2.0), 1, 0.0, True, 2.0, "retry-safe operation, status 503"),
    (
        CREATE_COUPON,
        _status(503, 2.0),
        1,
        0.0,
        False,
        None,
        "not retried: status 503 for an operation not retry-safe",
    ),
    (
        GET_COUPON,
        _status(404),
        1,
        0.0,
        False,
        None,
        "not retried: status 404 not in retry_statuses",
    ),
    (
        GET_COUPON,
        _status(429, 120.0),
        1,
        0.0,
        False,
        None,
        "not retried: Retry-After 120 s above retry_after_cap 30 s",
    ),
    (
        GET_COUPON,
        _status(503, 2.0),
        3,
        0.0,
        False,
        None,
        "not retried: attempts exhausted (3)",
    ),
    (
        GET_COUPON,
        _status(503, 20.0),
        1,
        45.0,
        False,
        None,
        "not retried: waiting 20.00 s would pass total_budget 60 s",
    ),
    (
        CREATE_COUPON,
        _connection(READ_TIMEOUT),
        1,
        0.0,
        False,
        None,
        "not retried: the request may have reached the server",
    ),
    (
        GET_COUPON,
        _connection(READ_TIMEOUT),
        1,
        0.0,
        True,
        None,
        "retry-safe operation, ReadTimeoutError",
    ),
    (
        CREATE_COUPON,
        _connection(CONNECT_TIMEOUT),
        2,
        0.0,
        True,
        None,
        "the request was not sent (ConnectTimeoutError)",
    ),
    (
        GET_COUPON,
        _connection(TLS, transient=False),
        1,
        0.0,
        False,
        None,
        "not retried: APIConnectionError is not transient",
    ),
]


@pytest.mark.parametrize(
    ("operation", "outcome", "attempt", "elapsed", "retry", "delay", "reason"), TABLE
)
def test_every_outcome_gets_its_verdict_and_reason(
    operation: object,
    outcome: AttemptOutcome,
    attempt: int,
    elapsed: float,
    retry: bool,
    delay: float | None,
    reason: str,
) -> None:
    verdict = should_retry(operation, outcome, POLICY, attempt=attempt, elapsed=elapsed)  # type: ignore[arg-type]
    assert verdict.retry is retry
    assert verdict.reason == reason
    if not retry:
        assert verdict.delay is None
    elif delay is not None:
        assert verdict.delay == delay
    else:  # a backoff: between half and all of min(max_backoff, initial * 2**(attempt - 1))
        ceiling = min(4.0, 2.0 ** (attempt - 1))
        assert verdict.delay is not None
        assert ceiling / 2 <= verdict.delay <= ceiling


def test_a_verdict_is_immutable() -> None:
    verdict = should_retry(GET_COUPON, _status(503, 1.0), POLICY, attempt=1, elapsed=0.0)
    with pytest.raises(AttributeError):
        verdict.retry = False  # type: ignore[misc]


def test_the_budget_has_the_last_word_and_pays_only_for_granted_retries() -> None:
    budget = RetryBudget(capacity=5, retry_cost=5, success_refill=1, refill_per_second=0)
    granted = RetryVerdict(True, 1.0, "retry-safe operation, status 503")
    refused = RetryVerdict(False, None, "not retried: status 404 not in retry_statuses")

    async def run() -> list[RetryVerdict]:
        return [
            await budget_verdict(refused, budget),  # nothing paid for a refusal
            await budget_verdict(granted, budget),  # pays the 5 tokens
            await budget_verdict(granted, budget),  # nothing left
            await budget_verdict(granted, None),  # no budget: the verdict stands
        ]

    first, second, third, fourth = asyncio.run(run())
    assert first == refused
    assert second == granted
    assert third == RetryVerdict(False, None, "not retried: retry budget empty")
    assert fourth == granted


async def test_the_retry_log_line_says_why(
    make_client: Callable[..., LiveOpsClient],
    api: aioresponses,
    retry_sleeps: list[float],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="liveops_async")
    api.get(COUPON_URL, status=503)
    api.get(COUPON_URL, payload={"external_id": "c1"})
    client = make_client()
    await client.requester(client._admin_auth).request(_ops.GET_COUPON, path={"external_id": "c1"})
    (record,) = [r for r in caplog.records if r.levelno == logging.INFO]
    assert record.getMessage().endswith(": retry-safe operation, status 503")
    assert record.retry_reason == "retry-safe operation, status 503"  # type: ignore[attr-defined]
    assert "c1" not in record.getMessage()  # the route template, not the filled-in path
