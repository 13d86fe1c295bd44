"""examples/worker.py and examples/discord_bot.py against the in-process mock, without Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import worker
from _sandbox import Sandbox

with warnings.catch_warnings():
    # discord.py imports audioop for voice, deprecated on Python 3.11-3.12 (audioop-lts on 3.13)
    warnings.simplefilter("ignore", DeprecationWarning)
    import discord_bot

from liveops_async import ClientClosedError, LiveOpsClient, RequestEvent, ResponseEvent, models

from .conftest import EXAMPLES


async def _coupon(sb: Sandbox, codes: int) -> list[str]:
    coupons = sb.client.admin.coupons
    await coupons.create(
        external_id="jobs",
        name={"en-US": "Jobs"},
        bonus=[models.BonusItem(sku="gold-coins", quantity=10)],
        redeem_user_limit=1,
    )
    await coupons.activate("jobs")
    await coupons.generate_codes("jobs", count=codes)
    return [str(c.code) async for c in coupons.list_codes("jobs")]


class Gate:
    """Holds every redeem in flight until released; counts them (client hooks)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.peak = 0
        self.started = 0
        self.release = asyncio.Event()

    async def on_request(self, event: RequestEvent) -> None:
        if event.operation_id == "redeem-coupon":
            self.started += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            await self.release.wait()

    def on_response(self, event: ResponseEvent) -> None:
        if event.operation_id == "redeem-coupon":
            self.in_flight -= 1


def _gated_worker_setup(
    sb: Sandbox, gate: Gate, codes: list[str]
) -> tuple[LiveOpsClient, asyncio.Queue[worker.RedeemJob]]:
    """A client whose calls pass `gate`, and a queue with one redeem job per code."""
    client = LiveOpsClient(
        base_url=sb.mock.base_url,
        project_id=sb.client.project_id,
        api_key="unused-for-player-calls",
        on_request=[gate.on_request],
        on_response=[gate.on_response],
    )
    queue: asyncio.Queue[worker.RedeemJob] = asyncio.Queue()
    for n, code in enumerate(codes):
        queue.put_nowait(worker.RedeemJob(f"j{n}", sb.player_jwt(f"p{n}"), code))
    return client, queue


# --- worker ----------------------------------------------------------------------------------
async def test_worker_drains_the_queue_with_one_client_and_bounded_concurrency(
    sb: Sandbox,
) -> None:
    codes = await _coupon(sb, 30)
    gate = Gate()
    gate.release.set()
    client, queue = _gated_worker_setup(sb, gate, codes)
    queue.put_nowait(worker.RedeemJob("typo", sb.player_jwt("p0"), "NO-SUCH-CODE"))
    async with client:
        jobs = worker.Worker(client, queue, concurrency=4)
        running = asyncio.create_task(jobs.run())
        await queue.join()
        jobs.stop()
        results = await asyncio.wait_for(running, timeout=30)
    assert Counter(r.outcome for r in results) == {"done": 30, "rejected": 1}
    assert {r.job_id for r in results} == {f"j{n}" for n in range(30)} | {"typo"}
    assert next(r for r in results if r.job_id == "typo").detail.startswith("404")
    assert 1 < gate.peak <= 4
    assert sb.mock.count("redeem-coupon") == 31


async def test_worker_stop_finishes_jobs_in_flight_and_leaves_the_rest_queued(
    sb: Sandbox,
) -> None:
    codes = await _coupon(sb, 10)
    gate = Gate()
    client, queue = _gated_worker_setup(sb, gate, codes)
    async with client:
        jobs = worker.Worker(client, queue, concurrency=3)
        running = asyncio.create_task(jobs.run())
        while gate.started < 3:  # three jobs are in flight, held at the gate
            await asyncio.sleep(0.01)
        jobs.stop()
        await asyncio.sleep(0.05)
        assert not running.done()  # waits for the jobs in flight
        gate.release.set()
        results = await asyncio.wait_for(running, timeout=30)
    assert [r.outcome for r in results] == ["done"] * 3
    assert queue.qsize() == 7  # never taken: a broker would redeliver them
    assert client.closed and sb.mock.count("redeem-coupon") == 3


async def test_worker_classifies_failures_for_retrying(sb: Sandbox) -> None:
    codes = await _coupon(sb, 2)
    jwt = sb.player_jwt("p1")
    assert (await worker.run_job(sb.client, worker.RedeemJob("a", jwt, codes[0]))).outcome == "done"
    refused = await worker.run_job(sb.client, worker.RedeemJob("b", jwt, codes[1]))
    assert refused.outcome == "rejected" and refused.detail.startswith("422")
    sb.mock.throttle_next(1, retry_after=120)  # longer than the client waits: raised at once
    throttled = await worker.run_job(sb.client, worker.RedeemJob("c", jwt, codes[1]))
    assert throttled.outcome == "retry"
    async with LiveOpsClient(base_url="http://127.0.0.1:9", project_id=1, api_key="k") as down:
        refused_connection = await worker.run_job(down, worker.RedeemJob("d", jwt, codes[1]))
    assert refused_connection.outcome == "retry"  # connection refused: nothing was sent


def _script_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LIVEOPS_")}


async def test_worker_script_runs_on_the_mock() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLES / "worker.py"),
        env=_script_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    assert out.decode().strip() == "40 done, 2 rejected"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
async def test_serve_stops_on_sigterm(sb: Sandbox) -> None:
    queue: asyncio.Queue[worker.RedeemJob] = asyncio.Queue()
    serving = asyncio.create_task(worker.serve(sb.client, queue, concurrency=2))
    await asyncio.sleep(0.05)
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(serving, timeout=10) == []
    assert not sb.client.closed  # the worker never closes the client it was given


# --- discord bot -----------------------------------------------------------------------------
@dataclass
class FakeContext:
    """The part of `commands.Context` the command uses."""

    author_id: int
    replies: list[str] = field(default_factory=list)

    @property
    def author(self) -> Any:
        return type("Author", (), {"id": self.author_id})()

    async def reply(self, text: str) -> None:
        self.replies.append(text)


async def test_discord_bot_lifecycle_and_redeem_command(sb: Sandbox) -> None:
    codes = await _coupon(sb, 1)
    linked = {1001: sb.player_jwt("alice")}

    async def player_tokens(discord_user_id: int) -> str | None:
        return linked.get(discord_user_id)

    created: list[LiveOpsClient] = []

    def make_client() -> LiveOpsClient:
        client = LiveOpsClient(
            base_url=sb.mock.base_url, project_id=sb.client.project_id, api_key="k"
        )
        created.append(client)
        return client

    bot = discord_bot.LiveOpsBot(player_tokens, make_client=make_client)
    assert created == []  # nothing before setup_hook: no loop-bound pool at construction
    with pytest.raises(RuntimeError):
        _ = bot.liveops
    await bot.setup_hook()  # what discord.py runs inside its loop before connecting
    assert len(created) == 1 and bot.liveops is created[0]
    command = bot.get_command("redeem")
    assert command is not None and command.cog is not None

    alice, stranger = FakeContext(1001), FakeContext(2002)
    await command.callback(command.cog, alice, codes[0])  # type: ignore[misc]
    await command.callback(command.cog, stranger, codes[0])  # type: ignore[misc]
    assert alice.replies == [
        f"Done, the code {codes[0]} is redeemed! You received 10 x gold-coins."
    ]
    assert stranger.replies == [discord_bot.NOT_LINKED]
    assert sb.mock.count("redeem-coupon") == 1

    await bot.close()  # what discord.py runs on shutdown
    assert created[0].closed
    with pytest.raises(ClientClosedError):
        await bot.liveops.user(linked[1001]).coupons.redeem(coupon_code=codes[0])


async def test_discord_bot_closes_without_setup() -> None:
    async def player_tokens(discord_user_id: int) -> str | None:
        return None

    await discord_bot.LiveOpsBot(player_tokens).close()  # no client was made: nothing to close


async def test_worker_records_a_redeem_whose_answer_is_unreadable_and_loses_no_other_job(
    sb: Sandbox,
) -> None:
    """A redeem answered 200 with a body that is not the answer (a proxy's page) acted: the
    job is done, not a crash of its consumer that cancelled the jobs beside it and dropped
    every result (the worker then raised ResponseDecodeError out of `run()`)."""
    from tests.reliability import _fault_server as fs

    ok = fs.reply(200, {"items": [{"sku": "gold-coins", "quantity": 10}]})
    async with fs.FaultServer() as server:
        server.default = ok
        server.then(fs.reply(200, raw=b"<html>OK</html>", content_type="text/html"))
        async with LiveOpsClient(base_url=server.base_url, project_id=1, api_key="k") as client:
            queue: asyncio.Queue[worker.RedeemJob] = asyncio.Queue()
            for n in range(6):
                queue.put_nowait(worker.RedeemJob(f"j{n}", sb.player_jwt(f"p{n}"), f"CODE{n}"))
            w = worker.Worker(client, queue, concurrency=1)
            running = asyncio.ensure_future(w.run())
            joined = asyncio.ensure_future(queue.join())
            # A consumer that crashed ends `run()` first: then no waiting for a queue it left.
            await asyncio.wait({running, joined}, return_when=asyncio.FIRST_COMPLETED)
            joined.cancel()
            w.stop()
            results = await running
    assert sorted(r.job_id for r in results) == [f"j{n}" for n in range(6)]
    assert [r.outcome for r in results] == ["done"] * 6
    assert "could not be read" in results[0].detail
    assert server.count("/coupon/redeem") == 6  # each job sent once
