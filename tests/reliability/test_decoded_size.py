"""The size cap counts decoded bytes, for every Content-Encoding aiohttp decodes here and for
the codings it leaves on a body, which the SDK takes off (`gzip, gzip`, two header lines,
`x-gzip`, ...): a compression bomb stops at the cap and memory stays near it (RSS sampled during
the call). A success answer whose compressed body is corrupt is a `ResponseDecodeError`, never
retried."""

from __future__ import annotations

import ctypes
import ctypes.util
import gzip
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from liveops_async import (
    APIConnectionError,
    InternalServerError,
    ResponseDecodeError,
    ResponseTooLargeError,
)
from liveops_async._constants import MAX_RESPONSE_BYTES

from . import _fault_server as fs
from ._calls import COUPON_GET
from .conftest import FAST_RETRY, outcome

MiB = 1024 * 1024
BOMB_SIZE = 256 * MiB  # decoded; a few hundred KiB on the wire
# Peak RSS growth allowed while a bomb is read: the cap plus aiohttp's buffers, with room for
# allocator slack; reading the bomb whole would add its 256 MiB.
MAX_GROWTH = MAX_RESPONSE_BYTES + 48 * MiB


def _zlib_stream(wbits: int) -> Callable[[Iterator[bytes]], bytes]:
    def pack(chunks: Iterator[bytes]) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
        return b"".join(packer.compress(chunk) for chunk in chunks) + packer.flush()

    return pack


def _brotli_stream(chunks: Iterator[bytes]) -> bytes:
    import brotli

    packer = brotli.Compressor(quality=5)
    return b"".join(packer.process(chunk) for chunk in chunks) + packer.finish()


def _zstd_module() -> Any:
    try:
        from compression import zstd  # type: ignore[import-not-found]  # Python 3.14
    except ImportError:
        from backports import zstd  # type: ignore[import-not-found,no-redef]
    return zstd


def _zstd_stream(chunks: Iterator[bytes]) -> bytes:
    packer = _zstd_module().ZstdCompressor()
    return b"".join(packer.compress(chunk) for chunk in chunks) + packer.flush()


def _available(module: str) -> bool:
    try:
        if module == "zstd":
            _zstd_module()
        else:
            __import__(module)
    except ImportError:
        return False
    return True


# Every encoding aiohttp decodes; br and zstd only where their decoder is installed (aiohttp
# passes an encoding it cannot decode through as it is, so no bomb can go off).
ENCODINGS = [
    pytest.param("gzip", _zlib_stream(31), id="gzip"),
    pytest.param("deflate", _zlib_stream(15), id="deflate"),
    pytest.param(
        "br",
        _brotli_stream,
        id="br",
        marks=pytest.mark.skipif(not _available("brotli"), reason="Brotli not installed"),
    ),
    pytest.param(
        "zstd",
        _zstd_stream,
        id="zstd",
        marks=pytest.mark.skipif(not _available("zstd"), reason="no zstd decoder installed"),
    ),
]


def _stacked(*packs: Callable[[Iterator[bytes]], bytes]) -> Callable[[Iterator[bytes]], bytes]:
    """Codings applied one after another, in the order a Content-Encoding header lists them."""

    def pack(chunks: Iterator[bytes]) -> bytes:
        packed = packs[0](chunks)
        for outer in packs[1:]:
            packed = outer(iter([packed]))
        return packed

    return pack


_needs_brotli = pytest.mark.skipif(not _available("brotli"), reason="Brotli not installed")
_needs_zstd = pytest.mark.skipif(not _available("zstd"), reason="no zstd decoder installed")

# Codings aiohttp leaves on the body (it decodes only a header naming exactly one coding): the
# SDK takes them off itself, under the same cap. Two header lines are written by smuggling the
# second line into the first one's value (the fault server writes header values as given).
STACKED_ENCODINGS = [
    pytest.param("gzip, gzip", _stacked(_zlib_stream(31), _zlib_stream(31)), id="gzip,gzip"),
    pytest.param(
        "gzip\r\nContent-Encoding: gzip",
        _stacked(_zlib_stream(31), _zlib_stream(31)),
        id="gzip-on-two-header-lines",
    ),
    pytest.param("x-gzip", _zlib_stream(31), id="x-gzip"),
    pytest.param("identity, gzip", _zlib_stream(31), id="identity,gzip"),
    pytest.param("deflate, gzip", _stacked(_zlib_stream(15), _zlib_stream(31)), id="deflate,gzip"),
    pytest.param(
        "gzip, br", _stacked(_zlib_stream(31), _brotli_stream), id="gzip,br", marks=_needs_brotli
    ),
    pytest.param(
        "deflate, zstd",
        _stacked(_zlib_stream(-15), _zstd_stream),  # a raw deflate stream, as servers send
        id="raw-deflate,zstd",
        marks=_needs_zstd,
    ),
]


def _zeros(total: int, chunk: int = MiB) -> Iterator[bytes]:
    block = b"0" * chunk
    for _ in range(total // chunk):
        yield block


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _release_free_memory() -> None:
    """Give freed heap back to the system, so that the baseline RSS holds no free memory a
    whole-body read could reuse unseen."""
    name = ctypes.util.find_library("c")
    if name:
        libc = ctypes.CDLL(name)
        if hasattr(libc, "malloc_trim"):
            libc.malloc_trim(0)


class PeakRSS:
    """Samples this process's RSS every millisecond on a thread while in the `with` block."""

    def __init__(self) -> None:
        self.baseline = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.001):
            self.peak = max(self.peak, _rss())

    def __enter__(self) -> PeakRSS:
        _release_free_memory()
        self.baseline = self.peak = _rss()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.peak = max(self.peak, _rss())

    @property
    def growth(self) -> int:
        return self.peak - self.baseline


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {}


def _bomb(
    bombs: dict[str, bytes], encoding: str, pack: Callable[[Iterator[bytes]], bytes]
) -> bytes:
    if encoding not in bombs:
        bombs[encoding] = pack(_zeros(BOMB_SIZE))
    return bombs[encoding]


def _chunked(headers: dict[str, str], body: bytes, piece: int = 16 * 1024) -> fs.Action:
    """A 200 sent with Transfer-Encoding: chunked (no length at all)."""

    async def action(request: fs.Received, conn: fs.Connection) -> None:
        all_headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
        await conn.send(fs.head(200, {**all_headers, **headers}))
        try:
            for start in range(0, len(body), piece):
                part = body[start : start + piece]
                await conn.send(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            await conn.send(b"0\r\n\r\n")
        except (ConnectionError, OSError):
            conn.keep_alive = False

    return action


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
@pytest.mark.parametrize(("encoding", "pack"), ENCODINGS + STACKED_ENCODINGS)
async def test_a_compression_bomb_stops_at_the_cap_with_bounded_memory(
    encoding: str,
    pack: Callable[[Iterator[bytes]], bytes],
    framing: str,
    bombs: dict[str, bytes],
    server: fs.FaultServer,
    make_client: Callable[..., Any],
) -> None:
    bomb = _bomb(bombs, encoding, pack)
    assert len(bomb) < MAX_RESPONSE_BYTES // 16  # small on the wire: only decoding is big
    headers = {"Content-Encoding": encoding}
    server.then(
        fs.reply(200, raw=bomb, headers=headers)
        if framing == "content-length"
        else _chunked(headers, bomb)
    )
    client = make_client(server)

    with PeakRSS() as memory:
        error = await outcome(COUPON_GET.invoke(client))

    assert isinstance(error, ResponseTooLargeError), repr(error)
    assert error.status == 200
    assert server.count(COUPON_GET.route) == 1  # never retried
    assert memory.growth < MAX_GROWTH, f"RSS grew {memory.growth / MiB:.0f} MiB"


async def test_a_transfer_coded_bomb_stops_at_the_cap_with_bounded_memory(
    bombs: dict[str, bytes], server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    """`Transfer-Encoding: gzip, chunked`: a coding aiohttp never decodes, the SDK does."""
    bomb = _bomb(bombs, "gzip", _zlib_stream(31))
    server.then(_chunked({"Transfer-Encoding": "gzip, chunked"}, bomb))
    client = make_client(server)

    with PeakRSS() as memory:
        error = await outcome(COUPON_GET.invoke(client))

    assert isinstance(error, ResponseTooLargeError), repr(error)
    assert server.count(COUPON_GET.route) == 1  # never retried
    assert memory.growth < MAX_GROWTH, f"RSS grew {memory.growth / MiB:.0f} MiB"


@pytest.mark.parametrize(("encoding", "pack"), ENCODINGS + STACKED_ENCODINGS)
async def test_a_compressed_answer_under_the_cap_is_decoded(
    encoding: str,
    pack: Callable[[Iterator[bytes]], bytes],
    server: fs.FaultServer,
    make_client: Callable[..., Any],
) -> None:
    body = b'{"external_id": "c1", "name": {"en-US": "' + b"x" * 100_000 + b'"}}'
    server.then(fs.reply(200, raw=pack(iter([body])), headers={"Content-Encoding": encoding}))
    coupon = await COUPON_GET.invoke(make_client(server))
    assert coupon.external_id == "c1"  # type: ignore[attr-defined]


def _corrupt(packed: bytes) -> bytes:
    """The encoded body with its middle overwritten: the decoder must fail on it."""
    middle = len(packed) // 2
    return packed[:12] + b"\xff" * 16 + packed[28:middle] + b"\x00\xff" * 8 + packed[middle + 16 :]


@pytest.mark.parametrize(("encoding", "pack"), ENCODINGS + STACKED_ENCODINGS)
async def test_a_corrupt_compressed_success_is_a_decode_error_and_not_retried(
    encoding: str,
    pack: Callable[[Iterator[bytes]], bytes],
    server: fs.FaultServer,
    make_client: Callable[..., Any],
) -> None:
    body = b'{"external_id": "c1", "bonus": [' + b'{"sku": "gold", "quantity": 1},' * 400 + b"{}]}"
    server.default = fs.reply(
        200, raw=_corrupt(pack(iter([body]))), headers={"Content-Encoding": encoding}
    )
    error = await outcome(COUPON_GET.invoke(make_client(server)))
    assert type(error) is ResponseDecodeError, repr(error)
    assert error.status == 200 and "Content-Encoding" in str(error)
    assert server.count(COUPON_GET.route) == 1


async def test_a_corrupt_compressed_error_status_keeps_its_status_and_retry_rules(
    server: fs.FaultServer, make_client: Callable[..., Any]
) -> None:
    corrupt = _corrupt(gzip.compress(b'{"errorMessage": "busy"}' * 200))
    server.default = fs.reply(503, raw=corrupt, headers={"Content-Encoding": "gzip"})
    error = await outcome(COUPON_GET.invoke(make_client(server)))
    assert isinstance(error, InternalServerError) and error.status == 503, repr(error)
    assert server.count(COUPON_GET.route) == FAST_RETRY.max_attempts


@pytest.mark.parametrize(("encoding", "flag"), [("br", "HAS_BROTLI"), ("zstd", "HAS_ZSTD")])
async def test_a_coding_whose_decoder_is_missing_is_named_and_not_retried(
    encoding: str,
    flag: str,
    server: fs.FaultServer,
    make_client: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aiohttp refuses such an answer before its status is read (here its decoder is hidden
    from aiohttp's parser): it was an "invalid HTTP response", retried though every attempt
    gets the same answer."""
    import aiohttp.http_parser

    monkeypatch.setattr(aiohttp.http_parser, flag, False)
    server.default = fs.reply(200, raw=b"coded", headers={"Content-Encoding": encoding})
    error = await outcome(COUPON_GET.invoke(make_client(server)))
    assert type(error) is APIConnectionError, repr(error)
    assert "Content-Encoding cannot be decoded" in str(error) and error.sent is True
    assert server.count(COUPON_GET.route) == 1
