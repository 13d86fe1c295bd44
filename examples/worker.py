"""An asyncio job worker: consumers take reward jobs from a queue and redeem coupon codes for
players, all through one shared `LiveOpsClient`, and shut down cleanly on SIGTERM or Ctrl-C.

The shape to copy into a worker process (a plain asyncio consumer, an arq or Celery-style job
runner): build the client once when the worker starts, hand it to every job, close it once when
the worker stops. `Worker.stop()` lets the jobs in flight finish and starts no new one; the jobs
still queued stay queued for the next worker (a real broker would redeliver them).

Runs on Python 3.10+ (no `asyncio.TaskGroup`).

    python examples/worker.py    # 40 jobs, 8 at a time, against an in-process mock
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from _sandbox import sandbox

from liveops_async import (
    APIConnectionError,
    APIStatusError,
    ClientClosedError,
    LiveOpsClient,
    LiveOpsError,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    UnprocessableEntityError,
    models,
)


@dataclass(frozen=True)
class RedeemJob:
    """Give a player the rewards of a coupon code (for example after a tournament win)."""

    job_id: str
    player_jwt: str
    coupon_code: str


@dataclass(frozen=True)
class JobResult:
    job_id: str
    # "done"; "rejected" (the API refused: never retry); "retry" (nothing reached the API, or it
    # asked us to slow down: safe to run again); "unknown" (the request may have arrived: check
    # the player's inventory before running it again, redeeming is not retry-safe).
    outcome: str
    detail: str = ""


async def run_job(client: LiveOpsClient, job: RedeemJob) -> JobResult:
    """One job on the shared client: a player view is cheap, so one per job."""
    try:
        result = await client.user(job.player_jwt).coupons.redeem(coupon_code=job.coupon_code)
    except (NotFoundError, UnprocessableEntityError) as exc:
        return JobResult(job.job_id, "rejected", f"{exc.status}: {exc.message}")
    except RateLimitError as exc:
        return JobResult(job.job_id, "retry", f"rate limited, retry after {exc.retry_after} s")
    except APIConnectionError as exc:
        return JobResult(job.job_id, "unknown" if exc.sent else "retry", type(exc).__name__)
    except APIStatusError as exc:
        return JobResult(job.job_id, "unknown" if exc.status >= 500 else "rejected", str(exc))
    except ResponseDecodeError as exc:  # a success status: the API redeemed, its answer is lost
        return JobResult(job.job_id, "done", f"redeemed; the answer could not be read ({exc})")
    except ClientClosedError as exc:  # the worker's client closed under the job
        cause = exc.__cause__
        sent = not isinstance(cause, APIConnectionError) or cause.sent
        return JobResult(job.job_id, "unknown" if sent else "retry", "the client was closed")
    except LiveOpsError as exc:  # anything else: a job is never dropped, and never run twice
        return JobResult(job.job_id, "unknown", f"{type(exc).__name__}: {exc}")
    items = ", ".join(f"{item.quantity} x {item.sku}" for item in result.items or [])
    return JobResult(job.job_id, "done", items)


@dataclass
class Worker:
    """`concurrency` consumers of `queue`, sharing `client`. `run()` returns when stopped."""

    client: LiveOpsClient
    queue: asyncio.Queue[RedeemJob]
    concurrency: int = 8
    results: list[JobResult] = field(default_factory=list)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def stop(self) -> None:
        """Finish the jobs in flight, start no new one (safe to call from a signal handler)."""
        self._stopping.set()

    async def run(self) -> list[JobResult]:
        consumers = [asyncio.create_task(self._consume()) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*consumers)
        finally:
            for consumer in consumers:  # only if run() itself was cancelled
                consumer.cancel()
            await asyncio.gather(*consumers, return_exceptions=True)
        return self.results

    async def _consume(self) -> None:
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            while not self._stopping.is_set():
                taking = asyncio.ensure_future(self.queue.get())
                await asyncio.wait({taking, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if not taking.done():  # stopped while waiting for a job
                    taking.cancel()
                    break
                job = taking.result()  # taken: run it even if stop() came at the same time
                try:
                    self.results.append(await run_job(self.client, job))
                finally:
                    self.queue.task_done()
        finally:
            stopping.cancel()


async def serve(
    client: LiveOpsClient, queue: asyncio.Queue[RedeemJob], concurrency: int
) -> list[JobResult]:
    """Run a worker until SIGTERM or SIGINT (where the platform has signal handlers)."""
    worker = Worker(client, queue, concurrency)
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, worker.stop)
            installed.append(signum)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass
    try:
        return await worker.run()
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)


async def demo(jobs: int = 40, concurrency: int = 8) -> Counter[str]:
    """Queue `jobs` redeem jobs on the mock (one per player, plus a repeat and an unknown code),
    drain the queue with one worker, stop it, and count the outcomes."""
    async with sandbox() as sb:
        coupons = sb.client.admin.coupons
        await coupons.create(
            external_id="worker-demo",
            name={"en-US": "Worker demo"},
            bonus=[models.BonusItem(sku="gold-coins", quantity=10)],
            redeem_user_limit=1,
        )
        await coupons.activate("worker-demo")
        await coupons.generate_codes("worker-demo", count=jobs)
        codes = [str(c.code) async for c in coupons.list_codes("worker-demo")]
        queue: asyncio.Queue[RedeemJob] = asyncio.Queue()
        for n, code in enumerate(codes):
            queue.put_nowait(RedeemJob(f"job-{n}", sb.player_jwt(f"player-{n}"), code))
        queue.put_nowait(RedeemJob("job-repeat", sb.player_jwt("player-0"), codes[1]))
        queue.put_nowait(RedeemJob("job-typo", sb.player_jwt("player-1"), "NO-SUCH-CODE"))

        worker = Worker(sb.client, queue, concurrency)
        running = asyncio.create_task(worker.run())
        await queue.join()  # in a real worker: until SIGTERM (see `serve`)
        worker.stop()
        results = await running
    return Counter(result.outcome for result in results)


def main(argv: Sequence[str]) -> int:
    outcomes = asyncio.run(demo())
    print(", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
