"""The benchmark server: a minimal HTTP/1.1 keep-alive server on an asyncio Protocol.

Runs in its own process (`python -m bench.server`), prints `READY <port>` once listening, and
stops by itself when its stdin closes (the harness exits or dies) or after `--lifetime` seconds.
Answers are prebuilt bytes, so per request it only finds the header end, reads Content-Length,
checks that an Authorization header was sent, and writes; it is much cheaper per request than
any client it serves, so it is never the bottleneck.

Routes (anything else is a 404):
  GET  /v3/project/{id}/admin/coupon                 200, 50 coupons (~17 KB)
  POST /v2/project/{id}/coupon/redeem                200, one redeemed item
  PUT  /v2/project/{id}/admin/coupon/{ext}/activate  204
  GET  /__stats                                      200, {"max_pending": N} (then reset)

With `--delay S` every answer (except /__stats) is held for S seconds: the slow endpoint of
the memory test. With `--release-at N` as well, all held answers go out as soon as N requests
are held at once, so the test lasts no longer than it takes the client to send them.
`max_pending` counts requests held at the same time, which proves how many calls were really
in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
from typing import cast

import orjson

from . import payloads

_MAX_HEAD = 16 * 1024
_CONTENT_LENGTH = b"\r\ncontent-length:"
_AUTHORIZATION = b"\r\nauthorization:"


def _response(status: bytes, body: bytes = b"", content_type: bytes = b"application/json") -> bytes:
    head = b"HTTP/1.1 " + status + b"\r\nServer: bench\r\n"
    if status.startswith(b"204"):
        return head + b"\r\n"
    return (
        head
        + b"Content-Type: "
        + content_type
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


ROUTES: dict[tuple[bytes, bytes], bytes] = {
    (b"GET", payloads.LIST_PATH.encode()): _response(b"200 OK", payloads.LIST_BODY),
    (b"POST", payloads.REDEEM_PATH.encode()): _response(b"200 OK", payloads.REDEEM_BODY),
    (b"PUT", payloads.ACTIVATE_PATH.encode()): _response(b"204 No Content"),
}
NOT_FOUND = _response(b"404 Not Found", b'{"statusCode":404,"errorCode":0,"errorMessage":"no"}')
UNAUTHORIZED = _response(
    b"401 Unauthorized", b'{"statusCode":401,"errorCode":1020,"errorMessage":"auth"}'
)
BAD_REQUEST = _response(b"400 Bad Request", b"{}")


class Stats:
    """Answers held by the slow mode right now, and the most held at once."""

    __slots__ = ("held", "keys", "max_pending", "release_at")

    def __init__(self, release_at: int) -> None:
        self.keys = itertools.count()
        self.held: dict[int, tuple[asyncio.TimerHandle, BenchHTTP, bytes]] = {}
        self.max_pending = 0
        self.release_at = release_at

    @property
    def pending(self) -> int:
        return len(self.held)


class BenchHTTP(asyncio.Protocol):
    __slots__ = ("buffer", "delay", "held_keys", "loop", "stats", "transport")

    def __init__(self, loop: asyncio.AbstractEventLoop, delay: float, stats: Stats) -> None:
        self.loop = loop
        self.delay = delay
        self.stats = stats
        self.buffer = bytearray()
        self.held_keys: set[int] = set()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        for key in self.held_keys:  # the client gave up: its calls are no longer in flight
            entry = self.stats.held.pop(key, None)
            if entry is not None:
                entry[0].cancel()
        self.held_keys.clear()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    self._reply(BAD_REQUEST, close=True)
                return
            head = bytes(buffer[:end]).lower()
            length = 0
            at = head.find(_CONTENT_LENGTH)
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                length = int(head[at + len(_CONTENT_LENGTH) : stop if stop >= 0 else None])
            elif b"\r\ntransfer-encoding:" in head:
                self._reply(BAD_REQUEST, close=True)  # no client here sends chunked bodies
                return
            total = end + 4 + length
            if len(buffer) < total:
                return
            line = bytes(buffer[: buffer.find(b"\r\n")])
            del buffer[:total]
            method, target, _ = line.split(b" ", 2)
            path = target.split(b"?", 1)[0]
            if path == b"/__stats":
                self._reply(self._stats_answer())
                continue
            answer = ROUTES.get((method, path), NOT_FOUND)
            if answer is not NOT_FOUND and head.find(_AUTHORIZATION) < 0:
                answer = UNAUTHORIZED
            if self.delay > 0:
                self._hold(answer)
            else:
                self._reply(answer)

    def _stats_answer(self) -> bytes:
        stats = self.stats
        body = orjson.dumps({"max_pending": stats.max_pending, "pending": stats.pending})
        stats.max_pending = stats.pending
        return _response(b"200 OK", body)

    def _hold(self, answer: bytes) -> None:
        stats = self.stats
        key = next(stats.keys)
        timer = self.loop.call_later(self.delay, self._release, key)
        stats.held[key] = (timer, self, answer)
        self.held_keys.add(key)
        stats.max_pending = max(stats.max_pending, len(stats.held))
        if stats.release_at and len(stats.held) >= stats.release_at:
            for held_key in list(stats.held):
                stats.held[held_key][0].cancel()
                self._release(held_key)

    def _release(self, key: int) -> None:
        entry = self.stats.held.pop(key, None)
        if entry is not None:
            entry[1].held_keys.discard(key)
            entry[1]._reply(entry[2])

    def _reply(self, answer: bytes, close: bool = False) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        transport.write(answer)
        if close:
            transport.close()


def _install_fast_loop() -> None:
    try:
        import uvloop
    except ImportError:  # the stdlib loop is fast enough for the smoke test
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _raise_fd_limit() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def serve(port: int, delay: float, release_at: int, lifetime: float) -> None:
    loop = asyncio.get_running_loop()
    stats = Stats(release_at)
    server = await loop.create_server(
        lambda: BenchHTTP(loop, delay, stats), "127.0.0.1", port, backlog=4096, reuse_address=True
    )
    bound = server.sockets[0].getsockname()[1]
    print(f"READY {bound}", flush=True)
    stop = loop.create_future()

    def on_stdin() -> None:
        if not os.read(sys.stdin.fileno(), 4096) and not stop.done():
            stop.set_result(None)  # the harness closed our stdin: time to go

    loop.add_reader(sys.stdin.fileno(), on_stdin)
    try:
        await asyncio.wait_for(stop, lifetime)
    except asyncio.TimeoutError:
        pass
    finally:
        loop.remove_reader(sys.stdin.fileno())
        server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="hold every answer S seconds")
    parser.add_argument("--release-at", type=int, default=0, help="release all at N held")
    parser.add_argument("--lifetime", type=float, default=1800.0, help="exit after S seconds")
    args = parser.parse_args(argv)
    _raise_fd_limit()
    _install_fast_loop()
    asyncio.run(serve(args.port, args.delay, args.release_at, args.lifetime))


if __name__ == "__main__":
    main()
