"""Run the LiveOps mock until interrupted; prints the base URL and a sample player JWT."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

from ..testing import LiveOpsMock, MockFaults


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m liveops_async.mock", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--project-id", type=int, default=44056)
    parser.add_argument("--api-key", default="mock-api-key")
    parser.add_argument("--user-id", default="player-1", help="subject of the sample JWT")
    parser.add_argument("--jwt-ttl", type=float, default=24 * 3600)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--rate-429", type=float, default=0.0)
    parser.add_argument("--retry-after", type=float, default=1.0)
    parser.add_argument("--rate-5xx", type=float, default=0.0)
    parser.add_argument("--drop-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=None)
    return parser


async def _serve(args: argparse.Namespace) -> None:
    faults = MockFaults(
        latency=args.latency,
        rate_429=args.rate_429,
        retry_after=args.retry_after,
        rate_5xx=args.rate_5xx,
        drop_connection_rate=args.drop_rate,
        seed=args.seed,
    )
    async with LiveOpsMock(
        project_id=args.project_id,
        api_key=args.api_key,
        host=args.host,
        port=args.port,
        faults=faults,
    ) as mock:
        print(f"LiveOps mock listening on {mock.base_url}", flush=True)
        print(f"project id: {args.project_id}", flush=True)
        print(
            f"sample JWT for {args.user_id}: {mock.issue_jwt(args.user_id, args.jwt_ttl)}",
            flush=True,
        )
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
