"""`LIVEOPS_LOG=debug|info` turns on the SDK's logging on stderr, and never prints a secret."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from liveops_async import LiveOpsClient, NotFoundError
from liveops_async._logs import ENV_LOG, _StderrHandler
from liveops_async.testing import LiveOpsMock

API_KEY = "s3cret-api-key-for-log-test"


@pytest.fixture(autouse=True)
def _restore_logger() -> Iterator[logging.Logger]:
    logger = logging.getLogger("liveops_async")
    level, handlers = logger.level, list(logger.handlers)
    yield logger
    logger.setLevel(level)
    logger.handlers[:] = handlers


def _our_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger("liveops_async").handlers if isinstance(h, _StderrHandler)]


async def _calls(mock: LiveOpsMock, jwt: str) -> None:
    for _ in range(2):  # two clients: still one handler
        async with LiveOpsClient(
            base_url=mock.base_url, project_id=mock.project_id, api_key=API_KEY
        ) as client:
            with pytest.raises(NotFoundError):
                await client.admin.coupons.get("no-such-coupon")
            with pytest.raises(NotFoundError):
                await client.user(jwt).coupons.redeem(coupon_code="NO-SUCH-CODE")


async def test_debug_logs_every_attempt_on_stderr_without_secrets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(ENV_LOG, " DEBUG ")
    async with LiveOpsMock(project_id=44056, api_key=API_KEY) as mock:
        jwt = mock.issue_jwt("player-secret-jwt-owner")
        await _calls(mock, jwt)
    err = capsys.readouterr().err
    assert (
        "DEBUG liveops_async: GET /v3/project/{project_id}/admin/coupon/{external_id} -> 404" in err
    )
    assert "POST /v2/project/{project_id}/coupon/redeem -> 404" in err
    assert err.count("GET /v3/project/{project_id}/admin/coupon/{external_id}") == 2
    assert len(_our_handlers()) == 1
    for secret in (API_KEY, jwt, "no-such-coupon", "NO-SUCH-CODE", "Authorization"):
        assert secret not in err


@pytest.mark.parametrize(("value", "level"), [("info", logging.INFO), ("debug", logging.DEBUG)])
def test_levels(monkeypatch: pytest.MonkeyPatch, value: str, level: int) -> None:
    monkeypatch.setenv(ENV_LOG, value)
    LiveOpsClient(project_id=1, api_key="k")
    assert logging.getLogger("liveops_async").level == level
    assert len(_our_handlers()) == 1


@pytest.mark.parametrize("value", ["", "verbose", "0"])
def test_other_values_change_nothing(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ENV_LOG, value)
    before = logging.getLogger("liveops_async").level
    LiveOpsClient(project_id=1, api_key="k")
    assert logging.getLogger("liveops_async").level == before
    assert _our_handlers() == []
