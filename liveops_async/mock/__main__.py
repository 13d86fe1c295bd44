"""Run the LiveOps mock until interrupted; prints the base URL and a sample player JWT."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import math
import signal
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from ..testing import LiveOpsMock, MockFaults

PROG = "python -m liveops_async.mock"
# Exit statuses scripts can test (also listed in --help).
EXIT_STOPPED = 0  # stopped by Ctrl-C or SIGTERM
EXIT_USAGE = 2  # bad arguments (argparse's own status)
EXIT_CANNOT_LISTEN = 3  # the address is in use, not allowed or not local

_EPILOG = f"""\
exit status: {EXIT_STOPPED} stopped by Ctrl-C or SIGTERM, {EXIT_USAGE} bad arguments, \
{EXIT_CANNOT_LISTEN} cannot listen on the host and port.
"""


def _number(
    what: str, low: float, high: float = math.inf, *, integer: bool = False
) -> Callable[[str], float]:
    """An argparse type: a finite number in [low, high] (an integer if asked), or a one-line
    error that names the allowed range."""

    def parse(text: str) -> float:
        try:
            value = int(text) if integer else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not (math.isfinite(value) and low <= value <= high):
            bounds = f"from {low:g} to {high:g}" if math.isfinite(high) else f"{low:g} or more"
            raise argparse.ArgumentTypeError(f"{text} is out of range: {what} {bounds}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


_RATE = _number("a share of requests", 0.0, 1.0)
_SECONDS = _number("a number of seconds", 0.0)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line on stderr (not the whole usage block) and EXIT_USAGE."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog,
        description=__doc__,
        epilog=_EPILOG,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="address to listen on")
    add(
        "--port",
        type=_number("a TCP port", 0, 65535, integer=True),
        default=8080,
        help="port to listen on; 0 picks a free one",
    )
    add(
        "--project-id",
        type=_number("a project id", 1, integer=True),
        default=44056,
        help="the project the credentials belong to",
    )
    add("--api-key", default="mock-api-key", help="admin API key (HTTP Basic password)")
    add("--user-id", default="player-1", help="subject of the sample JWT")
    add("--jwt-ttl", type=_number("a number of seconds", 1), default=24 * 3600.0,
        help="lifetime of the sample JWT, seconds")  # fmt: skip
    add("--latency", type=_SECONDS, default=0.0, help="seconds added to every request")
    add("--rate-429", type=_RATE, default=0.0, help="share of requests answered 429, 0 to 1")
    add("--retry-after", type=_SECONDS, default=1.0, help="Retry-After of those 429s, seconds")
    add("--rate-5xx", type=_RATE, default=0.0, help="share of requests answered 503, 0 to 1")
    add("--drop-rate", type=_RATE, default=0.0, help="share of connections cut, 0 to 1")
    add("--drop-after-apply-rate", type=_RATE, default=0.0,
        help="share of requests handled, then cut without the answer, 0 to 1")  # fmt: skip
    add("--seed", type=int, default=None, help="seed of the fault draws (random if not set)")
    return parser


class CannotListen(Exception):
    """The server could not bind its address; the message is one line for the user."""


async def _serve(args: argparse.Namespace, faults: MockFaults) -> None:
    mock = LiveOpsMock(
        project_id=args.project_id,
        api_key=args.api_key,
        host=args.host,
        port=args.port,
        faults=faults,
    )
    try:
        await mock.start()
    except OSError as exc:
        in_use = exc.errno == errno.EADDRINUSE
        reason = "address already in use" if in_use else (exc.strerror or str(exc))
        raise CannotListen(f"cannot listen on {args.host}:{args.port}: {reason}") from None
    try:
        print(f"LiveOps mock listening on {mock.base_url}", flush=True)
        print(f"project id: {args.project_id}", flush=True)
        jwt = mock.issue_jwt(args.user_id, args.jwt_ttl)
        print(f"sample JWT for {args.user_id}: {jwt}", flush=True)
        stop = asyncio.Event()
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows loops
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
    finally:
        await mock.close()


def main(argv: Sequence[str] | None = None, *, prog: str = PROG) -> int:
    """Serve until Ctrl-C or SIGTERM; returns the exit status. `prog` is the command name in
    usage lines and errors (`liveops mock` when the CLI runs it)."""
    parser = _parser(prog)
    args = parser.parse_args(argv)  # exits with EXIT_USAGE and one line on bad arguments
    try:
        faults = MockFaults(
            latency=args.latency,
            rate_429=args.rate_429,
            retry_after=args.retry_after,
            rate_5xx=args.rate_5xx,
            drop_connection_rate=args.drop_rate,
            seed=args.seed,
            drop_after_apply_rate=args.drop_after_apply_rate,
        )
    except ValueError as exc:  # a rule of MockFaults the argument types did not catch
        parser.error(str(exc))
    try:
        asyncio.run(_serve(args, faults))
    except KeyboardInterrupt:
        pass
    except CannotListen as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_CANNOT_LISTEN
    return EXIT_STOPPED


if __name__ == "__main__":
    sys.exit(main())
