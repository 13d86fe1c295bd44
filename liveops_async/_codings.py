"""What a response body's bytes mean before they are JSON: the content codings aiohttp leaves on
it, and the charset its Content-Type declares.

Content codings. aiohttp decodes a body only when its (first) Content-Encoding header is exactly
one of gzip, deflate, br or zstd, and never a transfer coding but `chunked`. A body coded twice
(`gzip, gzip`, or two header lines), under the `x-gzip` alias RFC 9110 says to read as gzip,
with `identity` listed beside a coding, or under `Transfer-Encoding: gzip, chunked` reached the
SDK still coded: parsed as it was, a success became a ResponseDecodeError quoting
binary noise, and an error status lost its errorCode and message to that noise.
`stacked_decoder` takes those layers off, a block at a time, so that the size cap still counts
decoded bytes and a stacked compression bomb stops at it. A coding no one knows is left as it
is, as httpx and urllib3 do (a gateway's `Content-Encoding: utf-8` over a plain JSON body still
parses). A known coding that cannot be decoded (corrupt, or br / zstd without its decoder)
raises aiohttp's `ContentEncodingError`, which the engine treats as it treats aiohttp's own.

Charsets. RFC 8259 has JSON travel as UTF-8, but a gateway's error page (or an error body) may
come in the charset its Content-Type names (`text/html; charset=windows-1251`): `as_utf8`
re-encodes it, so the error's message is the text the server sent and its JSON fields are read.
A body that is valid UTF-8 under an 8-bit label is read as UTF-8 (a mislabel, see `as_utf8`).
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import Iterator, Sequence
from typing import Any

from aiohttp.http_exceptions import ContentEncodingError

__all__ = ["StackedDecoder", "as_utf8", "declared_charset", "stacked_decoder"]

# The codings aiohttp decodes by itself (when the header names exactly one of them).
_AIOHTTP_DECODES = frozenset({"gzip", "deflate", "br", "zstd"})
_ALIASES = {"x-gzip": "gzip"}  # RFC 9110 8.4.1.3
# Decoded bytes one step of one layer produces at most: bounds what a layer holds at once.
_BLOCK = 64 * 1024
# Codings stacked on one body beyond those aiohttp takes off: real servers stack two at most.
_MAX_LAYERS = 4


def stacked_decoder(headers: Any) -> StackedDecoder | None:
    """A decoder for the codings still on a body aiohttp hands over (`headers`: the response's
    CIMultiDict), or None when none are: no coding, aiohttp decoded the only one, only
    `identity`, or a coding no one knows (the body is then left as it is). Transfer codings
    other than `chunked` (`Transfer-Encoding: gzip, chunked`), which aiohttp never decodes,
    count as the outermost layers. Raises `ContentEncodingError` for more than `_MAX_LAYERS`
    layers (each costs a decoder and its window)."""
    lines: Sequence[str] = headers.getall("Content-Encoding", ())
    framing: Sequence[str] = headers.getall("Transfer-Encoding", ())
    transfer = (
        []  # the common case: none, or chunked alone
        if not framing or (len(framing) == 1 and framing[0].lower() == "chunked")
        else [coding for coding in _tokens(framing) if coding != "chunked"]
    )
    aiohttp_decoded = False
    if lines:
        first = lines[0]
        aiohttp_decoded = first.isascii() and first.lower() in _AIOHTTP_DECODES
        if aiohttp_decoded and len(lines) == 1 and not transfer:
            return None  # the common case: one coding, which aiohttp took off
    elif not transfer:
        return None
    codings = _tokens(lines) + transfer  # in the order they were applied
    if aiohttp_decoded:
        codings.pop()  # aiohttp took off the outermost layer (the last one applied)
    codings = [coding for coding in codings if coding != "identity"]
    if not codings or any(coding not in _AIOHTTP_DECODES for coding in codings):
        return None
    if len(codings) > _MAX_LAYERS:  # each layer costs a decoder's window: a hostile stack
        raise ContentEncodingError(f"Can not decode {len(codings)} stacked content-encodings")
    return StackedDecoder(codings)


def _tokens(lines: Sequence[str]) -> list[str]:
    """The codings a header's lines list, lower-cased, aliases resolved, in order."""
    return [
        _ALIASES.get(token, token)
        for line in lines
        for token in (part.strip(" \t").lower() for part in line.split(","))
        if token
    ]


class StackedDecoder:
    """Takes off content codings listed in the order they were applied; `feed` yields the
    decoded bytes in blocks of at most 64 KiB, lazily, so a reader that stops at a size cap
    never holds much more than the cap. Raises `ContentEncodingError` for a body a coding
    cannot decode."""

    __slots__ = ("_layers",)

    def __init__(self, codings: Sequence[str]) -> None:
        self._layers = [_Layer(coding) for coding in reversed(codings)]

    def feed(self, data: bytes) -> Iterator[bytes]:
        return self._through(0, data)

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._layers):
            yield data
            return
        for piece in self._layers[index].pieces(data):
            yield from self._through(index + 1, piece)

    def end(self) -> None:
        """The body ended: raise `ContentEncodingError` if a deflate layer stopped midway (as
        aiohttp checks its own deflate; a gzip cut short shows as JSON that does not parse)."""
        for layer in self._layers:
            layer.end()


class _Layer:
    __slots__ = ("_coding", "_decoder")

    def __init__(self, coding: str) -> None:
        self._coding = coding
        self._decoder: Any = None

    def pieces(self, data: bytes) -> Iterator[bytes]:
        if not data:
            return
        try:
            if self._decoder is None:
                self._decoder = _new_decoder(self._coding, data[0])
            decoder = self._decoder
            out = decoder.decompress_sync(data, _BLOCK)
            while True:
                if out:
                    yield out
                if not decoder.data_available:
                    return
                out = decoder.decompress_sync(b"", _BLOCK)
                if not out:
                    return
        except ContentEncodingError:
            raise
        except Exception:  # zlib.error, brotli.error, ZstdError, a member bound...
            raise ContentEncodingError(f"Can not decode content-encoding: {self._coding}") from None

    def end(self) -> None:
        if self._coding == "deflate" and self._decoder is not None and not self._decoder.eof:
            raise ContentEncodingError("Can not decode content-encoding: deflate (cut short)")


def _new_decoder(coding: str, first_byte: int) -> Any:
    """aiohttp's own decoder for `coding` (the same rules as for a body it decodes itself)."""
    from aiohttp import compression_utils

    if coding == "br":
        if not compression_utils.HAS_BROTLI:
            raise ContentEncodingError("Can not decode content-encoding: br (Brotli missing)")
        return compression_utils.BrotliDecompressor()
    if coding == "zstd":
        if not compression_utils.HAS_ZSTD:
            raise ContentEncodingError("Can not decode content-encoding: zstd (no decoder)")
        return compression_utils.ZSTDDecompressor()
    # RFC 1950's header has compression method 8 in its low nibble; servers that send a raw
    # deflate stream (no header) under `deflate` are common, and aiohttp reads those too.
    raw_deflate = coding == "deflate" and first_byte & 0x0F != 8
    return compression_utils.ZLibDecompressor(encoding=coding, suppress_deflate_header=raw_deflate)


# Charsets ---------------------------------------------------------------------------------------

_UTF8_NAMES = frozenset({"utf-8", "ascii"})  # codecs.lookup names: bytes taken as they are


def declared_charset(content_type: str | None) -> str | None:
    """The codec name of the charset a Content-Type declares, or None: none declared, UTF-8 or
    ASCII (the bytes are read as UTF-8 already), or one Python does not know."""
    if not content_type or "charset" not in content_type.lower():
        return None
    return _charset_parameter(content_type)


@functools.lru_cache(maxsize=64)  # an API answers with one or two Content-Types
def _charset_parameter(content_type: str) -> str | None:
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            try:
                codec = codecs.lookup(value.strip().strip('"').strip())
            except (LookupError, ValueError):
                return None
            return None if codec.name in _UTF8_NAMES else codec.name
    return None


def as_utf8(raw: bytes, charset: str | None, *, errors: str = "strict") -> bytes:
    """`raw` re-encoded as UTF-8 from `charset` (from `declared_charset`; None: as it is).

    A body that is valid UTF-8 under an 8-bit label (`charset=iso-8859-1`, a common server
    default) stays as it is: JSON is UTF-8 (RFC 8259 gives `application/json` no charset at
    all), and text in an 8-bit charset that uses its upper half is almost never valid UTF-8.
    UTF-16 and UTF-32 labels are always followed (their text is valid UTF-8 byte by byte).
    With errors="strict", raises UnicodeDecodeError for bytes that are not text in `charset`."""
    if charset is None or not raw:
        return raw
    if not charset.startswith(("utf-16", "utf-32")):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return raw
    # "replace": a decoder that lets a lone surrogate through must not fail the re-encoding.
    return raw.decode(charset, errors).encode("utf-8", "replace")
