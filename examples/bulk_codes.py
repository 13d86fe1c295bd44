"""A bulk admin job: generate thousands of coupon codes in batches, a few batches at a time,
then export every code of the coupon to CSV by paging through them, with a progress line on
stderr.

    python examples/bulk_codes.py --count 5000 --out codes.csv   # on an in-process mock
    LIVEOPS_PROJECT_ID=... LIVEOPS_API_KEY=... \\
        python examples/bulk_codes.py --external-id my-coupon --count 5000 --out codes.csv

Generating codes is not retry-safe (a resent request could create a second batch), so the SDK
never resends a batch that may have reached the API, and this job does not either: a failed
batch is reported, and the export shows which codes exist.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TextIO

from _sandbox import sandbox

from liveops_async import LiveOpsClient, LiveOpsError

MAX_BATCH = 100_000  # the API's cap on codes per generate call


class ProgressLine:
    """`label [#####.....]  2,500/5,000` on one terminal line, redrawn when it changes by 1%."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, width: int = 30):
        self.label = label
        self.total = max(total, 0)
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._width = width
        self._drawn_percent = -1

    def advance(self, count: int) -> None:
        self.done += count
        percent = 100 * self.done // self.total if self.total else 100
        if percent != self._drawn_percent:
            self._drawn_percent = percent
            self._draw()

    def _draw(self) -> None:
        filled = self._width * min(self.done, self.total) // self.total if self.total else 0
        bar = "#" * filled + "." * (self._width - filled)
        self._stream.write(f"\r{self.label} [{bar}] {self.done:,}/{self.total:,}")
        self._stream.flush()

    def close(self) -> None:
        if self._drawn_percent < 0:
            self._draw()
        self._stream.write("\n")
        self._stream.flush()


@dataclass
class Generation:
    requested: int
    generated: int = 0  # as the API's answers count them
    failed_batches: list[tuple[int, LiveOpsError]] = field(default_factory=list)


def batch_sizes(total: int, batch_size: int) -> list[int]:
    """Split `total` into batches of at most `batch_size` (and at most the API's cap)."""
    size = max(1, min(batch_size, MAX_BATCH))
    return [min(size, total - start) for start in range(0, total, size)]


async def generate_codes(
    client: LiveOpsClient,
    external_id: str,
    count: int,
    *,
    batch_size: int = 500,
    concurrency: int = 4,
    progress: ProgressLine | None = None,
) -> Generation:
    """Generate `count` codes for a coupon, with at most `concurrency` batches in flight."""
    report = Generation(count)
    limit = asyncio.Semaphore(concurrency)

    async def one_batch(size: int) -> None:
        async with limit:
            try:
                answer = await client.admin.coupons.generate_codes(external_id, count=size)
            except LiveOpsError as exc:
                report.failed_batches.append((size, exc))
                return
        made = answer.count if answer.count is not None else size
        report.generated += made
        if progress is not None:
            progress.advance(made)

    await asyncio.gather(*(one_batch(size) for size in batch_sizes(count, batch_size)))
    return report


# A cell a spreadsheet would run as a formula (OWASP, "CSV Injection") gets a leading quote:
# codes come from the API, and anyone with admin access may have created `=HYPERLINK(...)`.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """`text` as a CSV cell a spreadsheet shows as text (see `_FORMULA_STARTS`)."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


async def export_codes(
    client: LiveOpsClient,
    external_id: str,
    out: TextIO,
    *,
    page_size: int = 1000,
    progress_stream: TextIO | None = None,
) -> int:
    """Write every code of the coupon to `out` as CSV (one `code` column); return how many.
    A code starting with =, +, -, @, a tab or a carriage return gets a leading `'`."""
    writer = csv.writer(out)
    writer.writerow(["code"])
    written = 0
    progress: ProgressLine | None = None
    pages = client.admin.coupons.list_codes(external_id, limit=page_size).pages()
    async for page in pages:
        if progress is None:  # the first page says how many codes there are
            progress = ProgressLine("exporting ", page.total_count or 0, progress_stream)
        codes = [c.code for c in page.codes or [] if c.code]
        writer.writerows([csv_safe(code)] for code in codes)
        written += len(codes)
        progress.advance(len(codes))
    if progress is not None:
        progress.close()
    return written


async def run(
    client: LiveOpsClient,
    external_id: str,
    count: int,
    out: TextIO,
    *,
    batch_size: int,
    concurrency: int,
    progress_stream: TextIO | None = None,
) -> tuple[Generation, int]:
    progress = ProgressLine("generating", count, progress_stream)
    generation = await generate_codes(
        client,
        external_id,
        count,
        batch_size=batch_size,
        concurrency=concurrency,
        progress=progress,
    )
    progress.close()
    exported = await export_codes(client, external_id, out, progress_stream=progress_stream)
    return generation, exported


async def run_on_mock(
    count: int, out: TextIO, batch_size: int, concurrency: int
) -> tuple[Generation, int]:
    """Create a coupon on an in-process mock, then run the job for it."""
    async with sandbox() as sb:
        await sb.client.admin.coupons.create(
            external_id="bulk-codes-demo", name={"en-US": "Bulk codes demo"}
        )
        return await run(
            sb.client,
            "bulk-codes-demo",
            count,
            out,
            batch_size=batch_size,
            concurrency=concurrency,
        )


async def run_on_api(
    external_id: str, count: int, out: TextIO, batch_size: int, concurrency: int
) -> tuple[Generation, int]:
    async with LiveOpsClient() as client:  # LIVEOPS_PROJECT_ID, LIVEOPS_API_KEY, LIVEOPS_BASE_URL
        return await run(
            client, external_id, count, out, batch_size=batch_size, concurrency=concurrency
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--embedded-mock",
        action="store_true",
        help="use an in-process mock (the default without --external-id and credentials)",
    )
    parser.add_argument("--external-id", help="the coupon to add codes to (real API)")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--out", default="codes.csv")
    args = parser.parse_args(argv)
    credentials = bool(os.environ.get("LIVEOPS_PROJECT_ID") and os.environ.get("LIVEOPS_API_KEY"))
    if args.external_id and not credentials:
        parser.error(
            "--external-id is for the real API: set LIVEOPS_PROJECT_ID and LIVEOPS_API_KEY"
        )
    if not args.embedded_mock and not args.external_id:
        print(
            "no --external-id: generating on a LiveOps mock started here on 127.0.0.1",
            file=sys.stderr,
        )
        args.embedded_mock = True
    started = time.perf_counter()
    with open(args.out, "w", newline="", encoding="utf-8") as out:
        job = (
            run_on_mock(args.count, out, args.batch_size, args.concurrency)
            if args.embedded_mock
            else run_on_api(args.external_id, args.count, out, args.batch_size, args.concurrency)
        )
        generation, exported = asyncio.run(job)
    print(
        f"generated {generation.generated:,} of {generation.requested:,} codes, "
        f"exported {exported:,} to {args.out} in {time.perf_counter() - started:.1f} s"
    )
    for size, exc in generation.failed_batches:
        print(f"a batch of {size} failed: {exc}", file=sys.stderr)
    return 1 if generation.failed_batches else 0


if __name__ == "__main__":
    sys.exit(main())
