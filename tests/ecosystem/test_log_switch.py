"""`LIVEOPS_LOG=debug|info` turns on the SDK's logging on stderr, and never prints a secret; with
the application's own logging set-up (`logging.basicConfig`) each line is printed once, by it."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from liveops_async import LiveOpsClient, NotFoundError
from liveops_async._logs import ENV_LOG, _printed_elsewhere, _StderrHandler
from liveops_async.testing import LiveOpsMock

API_KEY = "s3cret-api-key-for-log-test"
ROOT = Path(__file__).resolve().parents[2]
GET_COUPON = "GET /v3/project/{project_id}/admin/coupon/{external_id} -> 404 in "


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


# A program that makes the calls of `_calls` (two clients, two calls each) against the mock,
# with the logging set-up of `SETUP` done before or after the first client is built.
_PROGRAM = textwrap.dedent(
    """
    import asyncio, logging, sys
    from liveops_async import LiveOpsClient, NotFoundError
    from liveops_async.testing import LiveOpsMock

    SETUP, WHEN = sys.argv[1], sys.argv[2]

    def set_up():
        if SETUP == "basicConfig":
            logging.basicConfig(format="APP %(levelname)s %(name)s| %(message)s")

    async def main():
        if WHEN == "before":
            set_up()
        async with LiveOpsMock(project_id=44056, api_key=API_KEY) as mock:
            jwt = mock.issue_jwt("player-secret-jwt-owner")
            print(jwt)
            for n in range(2):
                async with LiveOpsClient(
                    base_url=mock.base_url, project_id=44056, api_key=API_KEY
                ) as client:
                    if WHEN == "after" and n == 0:
                        set_up()
                    for call in (
                        client.admin.coupons.get("no-such-coupon"),
                        client.user(jwt).coupons.redeem(coupon_code="NO-SUCH-CODE"),
                    ):
                        try:
                            await call
                        except NotFoundError:
                            pass

    asyncio.run(main())
    """
)


def _run_program(setup: str, when: str) -> tuple[str, list[str]]:
    """Runs `_PROGRAM` with LIVEOPS_LOG=debug; answers the player's JWT and the stderr lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEOPS_")}
    env.update({ENV_LOG: " DEBUG ", "PYTHONPATH": str(ROOT)})
    program = f"API_KEY = {API_KEY!r}\n{_PROGRAM}"
    done = subprocess.run(
        [sys.executable, "-c", program, setup, when],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), done.stderr.splitlines()


def _assert_no_secrets(text: str, jwt: str) -> None:
    for secret in (API_KEY, jwt, "no-such-coupon", "NO-SUCH-CODE", "Authorization"):
        assert secret not in text


def test_debug_without_logging_set_up_prints_every_attempt_once_on_stderr() -> None:
    jwt, lines = _run_program("none", "before")
    gets = [line for line in lines if GET_COUPON in line]
    assert len(gets) == 2  # one per client, printed once each
    assert all(" DEBUG liveops_async: GET /v3/" in line for line in gets)
    assert (
        sum("POST /v2/project/{project_id}/coupon/redeem -> 404 in " in line for line in lines) == 2
    )
    _assert_no_secrets("\n".join(lines), jwt)


@pytest.mark.parametrize("when", ["before", "after"])
def test_debug_with_basic_config_prints_each_line_once_in_the_applications_format(
    when: str,
) -> None:
    """The report: the SDK's handler and the root handler both printed each line. Whether the
    application set up logging before or after the first client, only its handler prints."""
    jwt, lines = _run_program("basicConfig", when)
    gets = [line for line in lines if GET_COUPON in line]
    assert len(gets) == 2
    assert all(line.startswith(f"APP DEBUG liveops_async| {GET_COUPON}") for line in gets)
    _assert_no_secrets("\n".join(lines), jwt)


async def test_debug_records_reach_the_applications_handler_and_not_stderr_twice(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """In-process: pytest's capture handler on the root logger is the application's handler."""
    monkeypatch.setenv(ENV_LOG, "debug")
    async with LiveOpsMock(project_id=44056, api_key=API_KEY) as mock:
        jwt = mock.issue_jwt("player-secret-jwt-owner")
        await _calls(mock, jwt)
    gets = [r for r in caplog.records if GET_COUPON in r.getMessage()]
    assert len(gets) == 2 and all(r.levelno == logging.DEBUG for r in gets)
    assert GET_COUPON not in capsys.readouterr().err  # our handler left them to caplog's
    assert len(_our_handlers()) == 1


def test_a_root_handler_above_the_records_level_does_not_silence_the_switch() -> None:
    """A root handler that takes WARNING and up would drop the DEBUG lines LIVEOPS_LOG asked
    for: the SDK's handler prints those, and leaves warnings to the application."""
    logger = logging.getLogger("liveops_async")
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    saved = root.handlers[:]
    root.handlers[:] = [handler]
    try:
        assert not _printed_elsewhere(logger, logging.DEBUG)
        assert _printed_elsewhere(logger, logging.WARNING)
        logger.propagate = False
        assert not _printed_elsewhere(logger, logging.WARNING)
    finally:
        logger.propagate = True
        root.handlers[:] = saved
    root.handlers[:] = [logging.NullHandler()]  # prints nothing: the switch still prints
    try:
        assert not _printed_elsewhere(logger, logging.WARNING)
    finally:
        root.handlers[:] = saved


def test_an_application_handler_on_the_sdk_logger_itself_prints_each_line_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A new user's report: a handler added to the `liveops_async` logger (not the root) got
    every line, and the switch printed each again on stderr."""
    logger = logging.getLogger("liveops_async")
    root = logging.getLogger()
    saved_root, saved_level = root.handlers[:], logger.level
    ours = _StderrHandler()
    mine = logging.StreamHandler(io.StringIO())
    root.handlers[:] = []
    logger.setLevel(logging.DEBUG)
    logger.addHandler(ours)
    try:
        logger.addHandler(mine)
        logger.debug("attempt one")
        logging.getLogger("liveops_async.child").debug("attempt two")  # reaches `mine` above
        assert capsys.readouterr().err == ""
        assert mine.stream.getvalue().splitlines() == ["attempt one", "attempt two"]
        logger.removeHandler(mine)
        logger.debug("attempt three")  # nobody else prints it: the switch does
        assert "attempt three" in capsys.readouterr().err
    finally:
        logger.removeHandler(ours)
        logger.removeHandler(mine)
        logger.setLevel(saved_level)
        root.handlers[:] = saved_root


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
