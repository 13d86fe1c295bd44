"""A raw-socket HTTP/1.1 server on 127.0.0.1 whose answer to each request is scripted by the test.

aiohttp.web cannot reset a connection before the status line, stall between header bytes or lie
about a body's length, so this server speaks HTTP by hand. It counts what it *received*: per
route (path without query) and per `x-request-id` header, which is how the tests prove that a
non-idempotent request was never processed twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import struct
from collections import Counter, deque
from collections.abc import Awaitable, Callable

import attrs
import orjson

__all__ = ["Action", "FaultServer", "Received"]

_MAX_HEAD = 64 * 1024


@attrs.frozen
class Received:
    """One request as it arrived: raw request target, lower-cased headers and the body."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


class Connection:
    """The server side of one TCP connection, handed to actions."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.keep_alive = True
        self.bytes_sent = 0

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        self.bytes_sent += len(data)
        await self.writer.drain()

    def reset(self) -> None:
        """Abort with a TCP RST (SO_LINGER 0) instead of an orderly FIN."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()
        self.keep_alive = False


# An action answers one request; it may write anything, stall, or kill the connection.
Action = Callable[[Received, Connection], Awaitable[None]]


def head(status: int, headers: dict[str, str] | None = None, length: int | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} Status"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reply(
    status: int = 200,
    body: object = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    content_type: str = "application/json",
    close: bool = False,
) -> Action:
    """A complete, well-formed answer (JSON-encoded `body`, or `raw` bytes as they are)."""
    payload = raw if raw is not None else (b"" if body is None else orjson.dumps(body))
    all_headers = {"Content-Type": content_type, **(headers or {})}
    if close:
        all_headers["Connection"] = "close"

    async def action(request: Received, conn: Connection) -> None:
        await conn.send(head(status, all_headers, len(payload)) + payload)
        if close:
            conn.keep_alive = False

    return action


def reset_before_response() -> Action:
    async def action(request: Received, conn: Connection) -> None:
        conn.reset()

    return action


def close_before_response() -> Action:
    """Read the request (it is counted), then close the kept-alive connection (FIN) without a
    byte of answer: the case in which aiohttp would resend GET/PUT/DELETE by itself."""

    async def action(request: Received, conn: Connection) -> None:
        conn.keep_alive = False
        conn.writer.close()

    return action


def reset_mid_body(body: bytes = b'{"external_id": "c1", "name": "a long enough name"}') -> Action:
    async def action(request: Received, conn: Connection) -> None:
        await conn.send(head(200, {"Content-Type": "application/json"}, len(body)))
        await conn.send(body[: len(body) // 2])
        await asyncio.sleep(0.01)  # let the half body reach the client before the RST
        conn.reset()

    return action


def slow_headers(delay: float) -> Action:
    """Say nothing for `delay` seconds, then answer normally (if the client is still there)."""

    async def action(request: Received, conn: Connection) -> None:
        await asyncio.sleep(delay)
        await reply(200, {"external_id": "late"})(request, conn)

    return action


def slow_body(pause: float, chunks: int, body: bytes = b'{"external_id": "c1"}') -> Action:
    """Headers at once, then the body one byte every `pause` seconds over `chunks` pauses."""

    async def action(request: Received, conn: Connection) -> None:
        await conn.send(head(200, {"Content-Type": "application/json"}, len(body)))
        pieces = [body[i : i + 1] for i in range(min(chunks, len(body)))]
        for piece in pieces:
            await asyncio.sleep(pause)
            await conn.send(piece)
        await conn.send(body[len(pieces) :])

    return action


def endless_body(
    limit: int, *, announce: bool = True, chunk: int = 256 * 1024, status: int = 200
) -> Action:
    """Stream zeros until the client hangs up or `limit` bytes went out; with `announce`, the
    headers claim a gigabyte, otherwise the body is chunked with no length at all."""

    async def action(request: Received, conn: Connection) -> None:
        block = b"0" * chunk
        if announce:
            await conn.send(head(status, {"Content-Type": "application/json"}, 1 << 30))
        else:
            headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
            await conn.send(head(status, headers))
            block = f"{chunk:x}\r\n".encode() + block + b"\r\n"
        try:
            while conn.bytes_sent < limit:
                await conn.send(block)
        except (ConnectionError, OSError):
            pass
        conn.keep_alive = False
        conn.writer.transport.abort()

    return action


class FaultServer:
    """Answers each request with the next scripted action, or `default` when none is queued."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        self.default: Action = reply(200, {"external_id": "c1"})
        self.script: deque[Action] = deque()
        self.received: list[Received] = []
        self.per_route: Counter[str] = Counter()
        self.per_request_id: Counter[str] = Counter()
        self.record_requests = True
        self.port = 0
        self.bytes_sent = 0
        self.open_connections = 0
        self.most_open_connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def origin(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.origin + "/api"

    def then(self, *actions: Action) -> FaultServer:
        self.script.extend(actions)
        return self

    def count(self, route_suffix: str) -> int:
        """Requests received whose path ends with `route_suffix`."""
        return sum(n for path, n in self.per_route.items() if path.endswith(route_suffix))

    async def start(self) -> FaultServer:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", 0, ssl=self.ssl_context, backlog=1024
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FaultServer:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        conn = Connection(reader, writer)
        self.open_connections += 1
        self.most_open_connections = max(self.most_open_connections, self.open_connections)
        try:
            while conn.keep_alive:
                request = await self._read_request(reader)
                if request is None:
                    break
                if self.record_requests:
                    self.received.append(request)
                self.per_route[request.path] += 1
                request_id = request.headers.get("x-request-id")
                if request_id is not None:
                    self.per_request_id[request_id] += 1
                action = self.script.popleft() if self.script else self.default
                await action(request, conn)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, ssl.SSLError):
            pass  # the client went away or the TLS handshake failed: nothing to answer
        except asyncio.CancelledError:
            pass  # the server is stopping
        finally:
            self.open_connections -= 1
            self.bytes_sent += conn.bytes_sent
            writer.transport.abort()
            self._tasks.discard(task)

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> Received | None:
        try:
            raw_head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError:
            return None
        if len(raw_head) > _MAX_HEAD:
            return None
        lines = raw_head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
        return Received(method, target, headers, body)


def garbage(data: bytes) -> Action:
    """Bytes that are not an HTTP response (or a response head the client must refuse)."""

    async def action(request: Received, conn: Connection) -> None:
        await conn.send(data)
        await asyncio.sleep(0.01)
        conn.keep_alive = False

    return action
