"""The promise across every operation that is not retry-safe: once its request may have reached
the server, it is never sent again, by the engine, by aiohttp, or by settling where the API's
state cannot tell (the settleable ones resend only as tests/settle proves). Each operation is
called through its generated method with the spec's examples, plain and `with_raw_response`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from liveops_async import APIConnectionError, APIStatusError, LiveOpsClient
from liveops_async._settle import SETTLEABLE
from tests.operations._cases import VIEWS_BY_AUTH, Case, all_cases, invoke

from . import _fault_server as fs
from .conftest import outcome

NOT_RETRY_SAFE = [
    case
    for case in all_cases()
    if case.view is VIEWS_BY_AUTH[case.op.auth][0] and not case.op.retry_safe
]


def _eof_after_head() -> fs.Action:
    """A success head announcing a body that never comes."""

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        await conn.send(fs.head(200, {"Content-Type": "application/json"}, 100))
        conn.keep_alive = False
        conn.writer.close()

    return action


# (the fault, whether the call is made `with_raw_response`): each wrapper meets half the faults.
FAULTS: dict[str, tuple[Callable[[], fs.Action], bool]] = {
    "reset": (fs.reset_before_response, True),
    "eof-before-answer": (fs.close_before_response, False),
    "eof-after-head": (_eof_after_head, True),
    "502-gateway-html": (
        lambda: fs.reply(502, raw=b"<html>Bad Gateway</html>", content_type="text/html"),
        False,
    ),
    "429-retry-after-0": (
        lambda: fs.reply(429, {"statusCode": 429}, headers={"Retry-After": "0"}),
        True,
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("case", NOT_RETRY_SAFE, ids=lambda case: case.operation_id)
async def test_a_request_that_may_have_arrived_is_never_sent_again(
    case: Case,
    fault: str,
    make_client: Callable[..., LiveOpsClient],
    server: fs.FaultServer,
    retry_sleeps: list[float],
) -> None:
    action, raw = FAULTS[fault]
    answer = case.response_example
    server.then(action())
    server.default = fs.reply(200, answer) if answer is not None else fs.reply(204)
    # Settling on (the default) wherever it cannot tell; off where it may resend by design.
    client = make_client(server, settle=case.operation_id not in SETTLEABLE)

    error: Any = await outcome(invoke(case, client, raw=raw))

    assert isinstance(error, (APIConnectionError, APIStatusError)), repr(error)
    if isinstance(error, APIConnectionError):
        assert error.sent is True
    sent = [r for r in server.received if r.method == case.op.method]
    assert len(sent) == 1, [f"{r.method} {r.path}" for r in server.received]
    assert retry_sleeps == []
