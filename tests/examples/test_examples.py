"""The examples, run against the in-process mock: outcomes, not output formatting."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import bulk_codes
import chat_bot
import game_server
import pytest
import quickstart
from _sandbox import MOCK_API_KEY, Sandbox, sandbox
from aiohttp.test_utils import TestClient, TestServer

from liveops_async import (
    NotFoundError,
    RequestEvent,
    ResponseEvent,
    UnprocessableEntityError,
    models,
)
from liveops_async.testing import LiveOpsMock, MockFaults

from .conftest import EXAMPLES


class InFlight:
    """Counts requests of one operation in flight through client hooks; keeps the peak."""

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id
        self.now = 0
        self.peak = 0

    def on_request(self, event: RequestEvent) -> None:
        if event.operation_id == self.operation_id:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def on_response(self, event: ResponseEvent) -> None:
        if event.operation_id == self.operation_id:
            self.now -= 1


def _script_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEOPS_")}
    return {**env, **extra}


async def _run_script(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


# --- quickstart ------------------------------------------------------------------------------
async def test_quickstart_players_redeem_at_once_and_one_hits_the_per_user_limit() -> None:
    redeems = InFlight("redeem-coupon")
    async with sandbox(on_request=[redeems.on_request], on_response=[redeems.on_response]) as sb:
        sb.mock.faults = MockFaults(latency=0.005)  # so concurrent calls overlap for sure
        report = await quickstart.run_quickstart(
            sb.client, now=sb.clock.now(), sandbox=sb, players=120
        )
        assert report.campaign is not None
        assert report.campaign.generated == 121
        assert len(set(report.campaign.codes)) == 121
        r = report.redemptions
        assert r is not None
        assert (r.players, r.attempts, r.succeeded) == (120, 121, 120)
        assert r.failed == []
        assert [player for player, _ in r.refused] == [report.repeat_player]
        assert r.refused[0][1].status == 422
        assert r.rewards == {quickstart.REWARD_SKU: 120 * 100}
        assert sb.mock.count("redeem-coupon") == 121
        assert redeems.peak > 1
        # The coupon is gone afterwards.
        assert report.cleaned_up and report.cleanup_error is None
        with pytest.raises(NotFoundError):
            await sb.client.admin.coupons.get(report.external_id)


async def test_quickstart_walks_the_daily_and_offer_chains(sb: Sandbox) -> None:
    start = sb.clock.now().date()
    report = await quickstart.run_quickstart(sb.client, now=sb.clock.now(), sandbox=sb, players=3)
    daily = report.daily
    assert daily is not None
    assert [c.step_number for c in daily.claims] == [1, 2, 3]
    assert [c.day for c in daily.claims] == [start + timedelta(days=n) for n in range(3)]
    assert isinstance(daily.early_claim_refused, UnprocessableEntityError)
    assert sb.mock.daily_chain_progress("player-chains", 1) == [1, 2, 3]
    offer = report.offer
    assert offer is not None
    assert [(s.step_number, s.is_free, s.payment_token_issued) for s in offer.steps] == [
        (1, True, False),
        (2, False, True),
        (3, True, False),
    ]
    paid = offer.steps[1]
    assert paid.locked_until_paid and paid.paid_status == "paid"  # settled by the test control
    assert [o.status.value for o in sb.mock.offer_chain_orders("player-chains")] == [
        "done",
        "paid",
        "done",
    ]
    assert offer.completed
    summary = quickstart.format_summary(report)
    assert "succeeded" in summary and "UnprocessableEntityError" in summary
    assert "coupon deactivated and deleted" in summary


async def test_quickstart_deletes_the_coupon_when_a_step_fails(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated failure after the coupon was created")

    monkeypatch.setattr(quickstart, "redeem_concurrently", broken)
    with pytest.raises(RuntimeError):
        await quickstart.run_quickstart(sb.client, now=sb.clock.now(), sandbox=sb, players=2)
    assert sb.mock.count("admin-create-coupon") == 1
    assert sb.mock.count("delete-coupon-promotion") == 1
    assert [c async for c in sb.client.admin.coupons.list()] == []


async def test_quickstart_script_runs_everything_on_the_embedded_mock() -> None:
    code, out, err = await _run_script(
        str(EXAMPLES / "quickstart.py"), "--embedded-mock", "--players", "40", env=_script_env()
    )
    assert code == 0, err
    assert "succeeded              40" in out
    assert "player-001: UnprocessableEntityError" in out
    assert "completed        yes" in out


async def test_quickstart_script_runs_only_the_admin_part_when_given_credentials(
    liveops_mock: LiveOpsMock,
) -> None:
    # The mock stands in for the real API: the script only knows the URL and credentials.
    env = _script_env(
        LIVEOPS_PROJECT_ID=str(liveops_mock.project_id),
        LIVEOPS_API_KEY=MOCK_API_KEY,
        LIVEOPS_BASE_URL=liveops_mock.base_url,
    )
    code, out, err = await _run_script(str(EXAMPLES / "quickstart.py"), env=env)
    assert code == 0, err
    assert [r.operation_id for r in liveops_mock.requests] == [
        "admin-create-coupon",
        "activate-coupon",
        "generate-coupon-codes",
        "get-coupon-codes",
        "deactivate-coupon",
        "delete-coupon-promotion",
    ]
    assert all(r.status < 300 for r in liveops_mock.requests)
    assert liveops_mock.requests[0].path.split("/")[3] == str(liveops_mock.project_id)
    assert f"codes read back  {quickstart.REAL_API_CODE_COUNT:>8}" in out


async def test_quickstart_as_documented_runs_on_the_mock_without_credentials() -> None:
    # `python examples/quickstart.py`, nothing configured: the README's command.
    code, out, err = await _run_script(
        str(EXAMPLES / "quickstart.py"), "--players", "20", env=_script_env()
    )
    assert code == 0, err
    assert "LIVEOPS_PROJECT_ID and LIVEOPS_API_KEY not set: running everything" in err
    assert "succeeded              20" in out and "completed        yes" in out


# --- chat bot --------------------------------------------------------------------------------
async def _coupon_with_codes(sb: Sandbox, *codes: str) -> None:
    coupons = sb.client.admin.coupons
    await coupons.create(
        external_id="bot",
        name={"en-US": "Bot"},
        bonus=[models.BonusItem(sku="gold-coins", quantity=100)],
        redeem_user_limit=1,
    )
    await coupons.activate("bot")
    for code in codes:
        await coupons.create_code("bot", coupon_code=code)


async def test_chat_bot_replies(sb: Sandbox) -> None:
    await _coupon_with_codes(sb, "GIFT1", "GIFT2")
    alice, bob = sb.player_jwt("alice"), sb.player_jwt("bob")

    async def reply(jwt: str, text: str) -> str:
        return await chat_bot.handle_redeem_command(sb.client, jwt, text)

    assert await reply(alice, "!redeem GIFT1") == (
        "Done, the code GIFT1 is redeemed! You received 100 x gold-coins."
    )
    limited = await reply(alice, "/REDEEM  GIFT2 ")
    assert limited.startswith("Sorry, the code GIFT2 can't be redeemed.")
    assert "per-user" in limited
    assert await reply(bob, "!redeem NOPE42") == (
        "I couldn't find the code NOPE42. Check the spelling and try again."
    )
    assert await reply(bob, "!redeem <@everyone>") == (
        "I couldn't find that code. Check the spelling and try again."
    )
    assert (await reply(bob, "!redeem " + "A" * 129)).startswith("That doesn't look like a code")
    assert await reply(bob, "!redeem") == chat_bot.USAGE
    assert await reply(bob, "hello") == chat_bot.USAGE
    # GIFT2 is still there for bob: alice's refused attempt did not use it up. (Codes are
    # case-sensitive, as Xsolla documents: the player types them as given.)
    assert (await reply(bob, "!redeem GIFT2")).startswith("Done, the code GIFT2 is redeemed!")
    # The usage errors never reached the API, nor did the over-long code (checked locally).
    assert sb.mock.count("redeem-coupon") == 5


async def test_chat_bot_explains_auth_and_outage_failures(sb: Sandbox) -> None:
    await _coupon_with_codes(sb, "GIFT1")
    short_lived = sb.mock.issue_jwt("carol", ttl=60)
    sb.clock.advance(timedelta(minutes=5))
    assert "link your account again" in await chat_bot.handle_redeem_command(
        sb.client, short_lived, "!redeem GIFT1"
    )
    carol = sb.player_jwt("carol")
    sb.mock.faults = MockFaults(rate_429=1.0, retry_after=7)
    assert await chat_bot.handle_redeem_command(sb.client, carol, "!redeem GIFT1") == (
        "Lots of codes being redeemed right now. Please try again in 7 seconds."
    )
    sb.mock.faults = MockFaults(rate_5xx=1.0)
    assert "isn't answering" in await chat_bot.handle_redeem_command(
        sb.client, carol, "!redeem GIFT1"
    )
    # Redeeming is not retry-safe: each failure above was one request, never resent.
    assert sb.mock.count("redeem-coupon") == 3


async def test_chat_bot_answers_a_malformed_login_and_a_closing_client(sb: Sandbox) -> None:
    """Every failure gets a reply: a malformed JWT (refused before sending) and a command
    running while the bot shuts its client down."""
    await _coupon_with_codes(sb, "GIFT1")
    assert "link your account again" in await chat_bot.handle_redeem_command(
        sb.client, "not a jwt", "!redeem GIFT1"
    )
    closing = sb.client.with_options()
    await sb.client.aclose()
    assert "restarting" in await chat_bot.handle_redeem_command(
        closing, sb.player_jwt("dave"), "!redeem GIFT1"
    )
    assert sb.mock.count("redeem-coupon") == 0


async def test_chat_bot_demo_conversation() -> None:
    replies = [reply for _, _, reply in await chat_bot.demo()]
    assert replies[0].startswith("Done, the code WELCOME1 is redeemed!")
    assert replies[1].startswith("Sorry, the code WELCOME2 can't be redeemed.")
    assert replies[2].startswith("I couldn't find the code WELC0ME2.")
    assert replies[4] == chat_bot.USAGE
    assert replies[5].startswith("Done, the code WELCOME2 is redeemed!")


# --- game server -----------------------------------------------------------------------------
async def test_game_server_claims_todays_daily_step(sb: Sandbox) -> None:
    chain_id = await quickstart.create_daily_chain(sb.client, now=sb.clock.now(), days=3)
    auth = {"Authorization": f"Bearer {sb.player_jwt('player-1')}"}
    async with TestClient(TestServer(game_server.create_app(sb.client), host="127.0.0.1")) as http:
        first = await http.post("/daily-reward", headers=auth)
        assert first.status == 200
        assert await first.json() == {
            "claimed": [
                {
                    "daily_chain_id": chain_id,
                    "step_number": 1,
                    "items": [{"sku": quickstart.REWARD_SKU, "quantity": 10}],
                }
            ]
        }
        assert (await http.post("/daily-reward", headers=auth)).status == 409
        assert (await http.post("/daily-reward")).status == 401
        refused = await http.post("/daily-reward", headers={"Authorization": "Bearer not.a.jwt"})
        assert refused.status == 401
        sb.next_day()
        # Two requests of one player at once: exactly one claims the step.
        both = await asyncio.gather(
            http.post("/daily-reward", headers=auth), http.post("/daily-reward", headers=auth)
        )
        assert sorted(r.status for r in both) == [200, 409]
    assert sb.mock.daily_chain_progress("player-1", chain_id) == [1, 2]


async def test_game_server_answers_503_when_liveops_is_down(sb: Sandbox) -> None:
    await quickstart.create_daily_chain(sb.client, now=sb.clock.now())
    sb.mock.faults = MockFaults(rate_5xx=1.0)
    app = game_server.create_app(sb.client.with_options(max_retries=0))
    async with TestClient(TestServer(app, host="127.0.0.1")) as http:
        response = await http.post(
            "/daily-reward", headers={"Authorization": f"Bearer {sb.player_jwt('p')}"}
        )
        assert response.status == 503


async def test_game_server_demo() -> None:
    calls = await game_server.demo()
    assert [status for _, status, _ in calls] == [200, 409, 401, 200]
    assert calls[3][2]["claimed"][0]["step_number"] == 2


# --- bulk codes ------------------------------------------------------------------------------
def test_batch_sizes() -> None:
    assert bulk_codes.batch_sizes(1001, 500) == [500, 500, 1]
    assert bulk_codes.batch_sizes(0, 500) == []
    assert bulk_codes.batch_sizes(250_000, 10**6) == [100_000, 100_000, 50_000]


async def test_bulk_codes_generates_with_bounded_concurrency_and_exports_all() -> None:
    generating = InFlight("generate-coupon-codes")
    async with sandbox(
        on_request=[generating.on_request], on_response=[generating.on_response]
    ) as sb:
        sb.mock.faults = MockFaults(latency=0.01)
        await sb.client.admin.coupons.create(external_id="bulk", name={"en-US": "Bulk"})
        out, progress = io.StringIO(), io.StringIO()
        generation, exported = await bulk_codes.run(
            sb.client, "bulk", 5000, out, batch_size=500, concurrency=3, progress_stream=progress
        )
        assert (generation.generated, generation.failed_batches) == (5000, [])
        assert sb.mock.count("generate-coupon-codes") == 10
        assert 1 < generating.peak <= 3
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        assert rows[0] == ["code"]
        codes = [row[0] for row in rows[1:]]
        assert exported == len(codes) == len(set(codes)) == 5000
        listed = {c.code async for c in sb.client.admin.coupons.list_codes("bulk")}
        assert set(codes) == listed
        lines = progress.getvalue().split("\n")
        assert lines[0].endswith("5,000/5,000") and lines[1].endswith("5,000/5,000")


async def test_bulk_codes_export_writes_formula_like_codes_as_text() -> None:
    """The mock only takes letters and digits as codes; a real project may hold others."""

    class Pages:
        def __init__(self, *pages: list[str]) -> None:
            self._pages = pages

        async def pages(self) -> Any:
            for codes in self._pages:
                yield SimpleNamespace(total_count=3, codes=[SimpleNamespace(code=c) for c in codes])

    listed = Pages(["=1+2", "SAFE"], ["@SUM(A1)"])
    coupons = SimpleNamespace(list_codes=lambda external_id, limit: listed)
    client: Any = SimpleNamespace(admin=SimpleNamespace(coupons=coupons))
    out = io.StringIO()
    assert await bulk_codes.export_codes(client, "c", out, progress_stream=io.StringIO()) == 3
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows == [["code"], ["'=1+2"], ["SAFE"], ["'@SUM(A1)"]]


async def test_bulk_codes_reports_failed_batches_without_resending(sb: Sandbox) -> None:
    await sb.client.admin.coupons.create(external_id="bulk", name={"en-US": "Bulk"})
    sb.mock.faults = MockFaults(rate_5xx=1.0)
    generation = await bulk_codes.generate_codes(
        sb.client, "bulk", 1200, batch_size=500, concurrency=2
    )
    assert generation.generated == 0
    assert sorted(size for size, _ in generation.failed_batches) == [200, 500, 500]
    assert sb.mock.count("generate-coupon-codes") == 3  # not retry-safe: never resent


def test_bulk_codes_script_on_the_mock(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "codes.csv"
    assert bulk_codes.main(["--embedded-mock", "--count", "1200", "--out", str(out)]) == 0
    with out.open(newline="") as f:
        assert len({row["code"] for row in csv.DictReader(f)}) == 1200
    assert "generated 1,200 of 1,200 codes, exported 1,200" in capsys.readouterr().out


def test_bulk_codes_as_documented_runs_on_the_mock_without_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("LIVEOPS_PROJECT_ID", "LIVEOPS_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    out = tmp_path / "codes.csv"
    assert bulk_codes.main(["--count", "300", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "generating on a LiveOps mock" in captured.err
    assert "generated 300 of 300 codes, exported 300" in captured.out


def test_bulk_codes_external_id_without_credentials_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LIVEOPS_API_KEY", raising=False)
    with pytest.raises(SystemExit) as exited:
        bulk_codes.main(["--external-id", "my-coupon"])
    assert exited.value.code == 2
    assert "set LIVEOPS_PROJECT_ID and LIVEOPS_API_KEY" in capsys.readouterr().err
