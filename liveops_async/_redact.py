"""The one scrubber for everything an error, event or log record takes from a response.

A broken proxy or server may echo the request back: the `Authorization` value, the API key, the
player's JWT, proxy credentials. Whatever the SDK keeps from a response (body fields, header
values, the text of a low-level cause) passes through a `Redactor` built from the credentials in
use, so no field can be forgotten.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from multidict import CIMultiDict

__all__ = [
    "MASK",
    "RedactedCause",
    "Redactor",
    "TooDeep",
    "credential_header_values",
    "display_url",
    "forget_locals",
    "headers_repr",
]

MASK = "***"
# Shorter strings are not treated as secrets: masking them would mangle ordinary text.
_MIN_SECRET = 6


# Parts of a header name that mark its value as a credential (Authorization, Proxy-Authorization,
# Cookie, X-Api-Key, X-Auth-Token, X-Signature, X-Jwt, X-Client-Credential, a session id...):
# the value is shown as MASK wherever the SDK shows headers a caller gave it (reprs of options
# and settings), which may well hold a token.
_CREDENTIAL_HEADER_PARTS = (
    "auth",
    "bearer",
    "cookie",
    "credential",
    "jwt",
    "key",
    "passw",  # password, passwd
    "secret",
    "session",
    "signature",
    "token",
)


# A header value that is a credential whatever its header's name: an authorization scheme and
# its token ("Bearer <jwt>", "Basic <b64>"), or a JWT (three base64url parts, a JSON header).
_CREDENTIAL_VALUE = re.compile(
    r"(?i:bearer|basic|token|digest|negotiate|apikey|api-key)\s+\S|eyJ[\w-]*\.[\w-]+\.[\w-]*"
)


def _is_credential_header(name: str, value: object = "") -> bool:
    lowered = name.lower()
    if any(part in lowered for part in _CREDENTIAL_HEADER_PARTS):
        return True
    return isinstance(value, str) and _CREDENTIAL_VALUE.match(value.lstrip()) is not None


def headers_repr(headers: Mapping[str, str] | None) -> str:
    """The repr of caller-given headers, each credential-like value (by the header's name, or
    by its own shape: "Bearer ...", a JWT) masked (`attrs` field repr: `RequestOptions.headers`,
    `ClientConfig.headers`)."""
    if headers is None:
        return "None"
    shown = {
        name: MASK if _is_credential_header(name, value) else value
        for name, value in headers.items()
    }
    return repr(shown)


def credential_header_values(headers: Mapping[str, str] | None) -> tuple[str, ...]:
    """The values of the caller-given headers `headers_repr` masks (a gateway's key, a token of
    the caller's own): secrets for the scrubber too, should a server echo them (a value with an
    authorization scheme also without it: the token alone)."""
    if not headers:
        return ()
    found: list[str] = []
    for name, value in headers.items():
        if _is_credential_header(name, value):
            found += [value, *value.split(None, 1)[1:]]
    return tuple(found)


def _variants(secret: str) -> Iterable[str]:
    """The secret as sent, and as it looks percent-encoded, as the text of its percent-encoded
    UTF-8 bytes decoded one byte per character (what `_unescaped` makes of them), or, for a
    JWT, its payload and signature alone (the signature still identifies the token, the
    payload the player's claims)."""
    yield secret
    quoted = quote(secret, safe="")
    if quoted != secret:
        yield quoted
    if not secret.isascii():
        yield secret.encode("utf-8", "surrogatepass").decode("latin-1")
    if secret.count(".") == 2:
        yield from secret.split(".")[1:]


# The escapes an encoder may write for one character of a credential it echoes: %XX (URL, any
# case of hex), \uXXXX (JSON, any case), \/ \\ \" \' (JSON, a repr; PHP writes every "/" as
# \/), &#47; &#x2F; &amp; (HTML: a proxy's error page); and NULs, which stand for nothing: a
# UTF-16 or UTF-32 echo read as UTF-8 (the SDK's reading of a body that is not JSON) has them
# between the characters of an ASCII secret.
_ESCAPE = re.compile(
    r"%([0-9A-Fa-f]{2})|\\u([0-9A-Fa-f]{4})|\\([/\\\"'])"
    r"|&#([0-9]{1,7});|&#[xX]([0-9A-Fa-f]{1,6});|&(amp|lt|gt|quot|apos);|\x00+"
)
# A text without any of these holds no escape.
_ESCAPE_MARKS = ("%", "\\", "&", "\x00")
_HTML_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
# The beginning of an escape a text cut short ends with.
_PARTIAL_ESCAPE = re.compile(
    r"(?:%[0-9A-Fa-f]?|\\(?:u[0-9A-Fa-f]{0,3})?|&(?:#[xX]?[0-9A-Fa-f]{0,7}|[a-z]{0,4}))\Z"
)
# The most characters one escape takes (&#x10FFFF;): a secret echoed escaped is at most this
# many times longer than the secret.
_ESCAPE_WIDTH = 10


def _decoded(escape: re.Match[str]) -> str | None:
    """The character an escape `_ESCAPE` matched stands for ("" for NULs), or None for a
    character reference past Unicode's last code point (left as it is)."""
    percent, unicode, plain, decimal, hexadecimal, named = escape.groups()
    if plain or named:
        return plain or _HTML_NAMED[named]
    if not (percent or unicode or decimal or hexadecimal):
        return ""  # NULs
    code = int(decimal) if decimal else int(percent or unicode or hexadecimal, 16)
    return chr(code) if code <= sys.maxunicode else None


def _unescaped(value: str) -> tuple[str, list[int]]:
    """`value` with every escape `_ESCAPE` knows decoded (%XX to the character of that byte
    value), and where in `value` each character of the result starts (one more entry: the
    end)."""
    chars: list[str] = []
    starts: list[int] = []
    done = 0
    for match in _ESCAPE.finditer(value):
        decoded = _decoded(match)
        if decoded is None:
            continue  # kept as text, with what follows it
        chars.append(value[done : match.start()])
        starts.extend(range(done, match.start()))
        if decoded:
            chars.append(decoded)
            starts.append(match.start())
        done = match.end()
    chars.append(value[done:])
    starts.extend(range(done, len(value) + 1))
    return "".join(chars), starts


# A URL's scheme and the "//" before its authority.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")


def display_url(url: str) -> str:
    """A URL as an error message may show it: its `user:password@`, query and fragment (which
    may hold a credential) masked, whether or not the URL parses (a bad port, a broken IPv6
    address, no scheme, a password with an unencoded "/", "?", "#" or "@": everything before
    the last "@" is masked), and control characters shown escaped."""
    scheme = _SCHEME.match(url)
    head = scheme.group() if scheme else ""
    rest = url[len(head) :]
    if "@" in rest:
        rest = MASK + "@" + rest.rpartition("@")[2]
    for mark in ("?", "#"):
        if mark in rest:
            rest = rest.partition(mark)[0] + mark + MASK
    return repr(head + rest)


def _occurrences(text: str, secret: str) -> Iterable[int]:
    """Where `secret` starts in `text`, each time."""
    found = text.find(secret)
    while found != -1:
        yield found
        found = text.find(secret, found + 1)


class TooDeep(ValueError):
    """A JSON value nested deeper than the caller of `Redactor.value` allows."""


class RedactedCause(Exception):
    """Stands in for a low-level exception whose text held a secret (text already scrubbed)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (RedactedCause, self.args)


class Redactor:
    """Masks every known secret in strings, nested JSON values, headers and exception texts."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str]) -> None:
        found = {v for s in secrets if s for v in _variants(s) if len(v) >= _MIN_SECRET}
        # Longest first, so that "Basic <b64>" is masked whole before a part of it.
        self._secrets = tuple(sorted(found, key=len, reverse=True))

    def text(self, value: str) -> str:
        """`value` with every secret masked: as sent, percent-encoded, JSON- or HTML-escaped
        (in whole or in part, hex in either case), with NULs between its characters, and a
        secret's beginning at the very end."""
        if not self._secrets:
            return value
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        value = self._masked_cut_end(value)
        if any(mark in value for mark in _ESCAPE_MARKS):
            value = self._masked_escaped(value)
        return value

    def _masked_escaped(self, value: str) -> str:
        """`value` with every secret its escapes spell masked: each span `text` would mask in
        the unescaped text is masked whole in `value`. A text cut short inside an escape (a
        lone `%` or `\\u00`) is treated as ending before it."""
        partial = _PARTIAL_ESCAPE.search(value)
        whole = value[: partial.start()] if partial else value
        plain, starts = _unescaped(whole)
        spans = [
            (found, found + len(secret))
            for secret in self._secrets
            for found in _occurrences(plain, secret)
        ]
        cut = self._cut_end_start(plain)
        if cut is not None:
            spans.append((cut, len(plain)))
        if not spans:
            return value
        merged: list[list[int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        shown: list[str] = []
        done = 0
        for start, end in merged:
            shown += [value[done : starts[start]], MASK]
            done = starts[end] if end < len(plain) else len(value)  # a cut escape too
        shown.append(value[done:])
        return "".join(shown)

    def _masked_cut_end(self, value: str) -> str:
        """`value` with a secret's beginning at its very end masked: a text cut short (a
        truncated body, a compressed stream that stops) may end inside a secret."""
        start = self._cut_end_start(value)
        return value if start is None else value[:start] + MASK

    def _cut_end_start(self, value: str) -> int | None:
        """Where the beginning of a secret (at least `_MIN_SECRET` characters of it) that
        `value` ends with starts, if it ends with one."""
        for secret in self._secrets:
            head = secret[:_MIN_SECRET]
            earliest = max(0, len(value) - len(secret) + 1)  # a whole one is masked already
            start = value.rfind(head, earliest)
            while start != -1:
                if secret.startswith(value[start:]):
                    return start
                start = value.rfind(head, earliest, start + _MIN_SECRET - 1)  # an earlier one
        return None

    def text_head(self, raw: bytes, limit: int) -> str:
        """The first `limit` characters of the UTF-8 text of `raw` (undecodable bytes
        replaced), scrubbed before the cut: a secret the cut went through would otherwise leave
        its beginning behind. Decodes only what that needs (a body may be megabytes long)."""
        # A secret echoed escaped is at most `_ESCAPE_WIDTH` times its length.
        longest = _ESCAPE_WIDTH * len(self._secrets[0]) if self._secrets else 0
        # A character takes at most 4 bytes in UTF-8.
        text = raw[: 4 * (limit + longest)].decode("utf-8", errors="replace")
        return self.text(text[: limit + longest])[:limit]

    def value(self, value: Any, max_depth: int | None = None) -> Any:
        """A decoded JSON value with every string (keys included) scrubbed.

        Walks with a stack of its own, not by recursion: a hostile body nested a few hundred
        levels deep (JSON parsers take up to ~1,000) must not raise RecursionError. With
        `max_depth`, a value nested deeper raises `ValueError` (`TooDeep`)."""
        if not isinstance(value, (dict, list)):
            return self.text(value) if isinstance(value, str) else value
        top: Any = {} if isinstance(value, dict) else []
        pending: list[tuple[Any, Any, int]] = [(value, top, 1)]
        while pending:
            source, target, depth = pending.pop()
            if max_depth is not None and depth > max_depth:
                raise TooDeep(f"JSON nested deeper than {max_depth} levels")
            if isinstance(source, dict):
                for key, item in source.items():
                    name = self.text(key) if isinstance(key, str) else key
                    target[name] = self._scrubbed_or_queued(item, pending, depth)
            else:
                for item in source:
                    target.append(self._scrubbed_or_queued(item, pending, depth))
        return top

    def _scrubbed_or_queued(
        self, item: Any, pending: list[tuple[Any, Any, int]], depth: int
    ) -> Any:
        """A scalar scrubbed, or an empty container of `item`'s kind whose filling is queued."""
        if isinstance(item, str):
            return self.text(item)
        if isinstance(item, (dict, list)):
            copy: Any = {} if isinstance(item, dict) else []
            pending.append((item, copy, depth + 1))
            return copy
        return item

    def headers(self, headers: Mapping[str, str]) -> CIMultiDict[str]:
        """A picklable copy of response headers with every value scrubbed."""
        items = headers.items()
        return CIMultiDict((self.text(name), self.text(value)) for name, value in items)

    def exception(self, exc: BaseException) -> BaseException:
        """`exc` itself when no text of it (or of its causes and contexts) holds a secret, else
        a stand-in that keeps its type name and scrubbed text. Its text: str, repr and every
        string or bytes attribute (a JSONDecodeError keeps the whole document it refused in
        `doc`). Either way without tracebacks: their frames (aiohttp's, the SDK's) hold the
        request's headers and the answer's bytes as locals, which a traceback formatted with
        locals (Sentry, `capture_locals`) shows."""
        chain = _chain(exc)
        for linked in chain:
            linked.__traceback__ = None
        joined = "\n".join(text for linked in chain for text in _texts(linked))
        if self.text(joined) == joined:
            return exc
        return RedactedCause(f"{type(exc).__name__}: {self.text(str(exc))}")


def _texts(exc: BaseException) -> list[str]:
    """What an exception shows, or keeps for a debugger to show: str, repr, and its
    attributes: strings and bytes as they are, any other value by its repr (an HTTP parser
    error's `headers`, a response error's `request_info` with the headers sent)."""
    found = [str(exc), repr(exc)]
    for value in getattr(exc, "__dict__", {}).values():
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, (bytes, bytearray)):
            found.append(bytes(value).decode("latin-1"))  # a credential is ASCII
        elif value is not None and not isinstance(value, (bool, int, float)):
            with contextlib.suppress(Exception):  # a repr that fails shows nothing either
                found.append(repr(value))
    return found


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and every exception reachable from it by `__cause__`, `__context__` and the
    members of an exception group (cattrs' structuring errors are groups; a formatted
    traceback shows each member and its causes)."""
    found: list[BaseException] = []
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        pending += (current.__context__, current.__cause__)
        members = getattr(current, "exceptions", None)
        if isinstance(members, (list, tuple)):
            pending += (m for m in members if isinstance(m, BaseException))
    return found


# The directories of the SDK's runtime modules (not `lib/` or `testing/`): frames of their code
# below the frame handling an error are finished calls whose locals may be cleared.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_RUNTIME_DIRS = frozenset(
    {_PACKAGE_DIR, os.path.join(_PACKAGE_DIR, "_utils"), os.path.join(_PACKAGE_DIR, "_generated")}
)


def _http_client_dir() -> str | None:
    """aiohttp's directory, once it is imported (with the first client; no frame of it exists
    before). Its frames hold the request's headers (the credential) and the answer as locals,
    and may belong to work still running elsewhere (a connection's reader): they are left out
    of a traceback rather than cleared."""
    module = sys.modules.get("aiohttp")
    path = getattr(module, "__file__", None)
    return os.path.dirname(os.path.abspath(path)) + os.sep if path else None


_KEEP, _CLEAR, _LEAVE_OUT = 0, 1, 2


@functools.lru_cache(maxsize=512)
def _frame_rule(filename: str, http_client: str | None) -> int:
    """What `forget_locals` does with a frame of code from `filename` (cached: thousands of
    calls may end at once when a client closes)."""
    path = os.path.abspath(filename)
    if http_client is not None and path.startswith(http_client):
        return _LEAVE_OUT
    return _CLEAR if os.path.dirname(path) in _RUNTIME_DIRS else _KEEP


def forget_locals(error: BaseException) -> None:
    """Keep locals that may hold a secret out of `error`'s traceback (and those of the errors
    linked to it): the SDK's own frames are cleared and aiohttp's are left out of the
    traceback, so that one formatted with its frames' locals (Sentry, `capture_locals`) shows
    neither the headers sent (the credential) nor the bytes of an answer (which may echo one).
    Frames of other code (a hook) are kept as they are.

    Each traceback's first entry is the frame that caught the error, which may still run (the
    engine's frame handling `error` lets go of its own locals): never cleared. The entries
    after it are calls the error left by raising, finished: clearing them is safe, which it
    is not for a suspended coroutine (that would close it)."""
    http_client = _http_client_dir()
    for linked in _chain(error):
        previous = linked.__traceback__  # the catching frame: kept as it is
        entry = previous.tb_next if previous is not None else None
        while previous is not None and entry is not None:
            rule = _frame_rule(entry.tb_frame.f_code.co_filename, http_client)
            if rule == _LEAVE_OUT:
                previous.tb_next = entry = entry.tb_next
                continue
            if rule == _CLEAR:
                with contextlib.suppress(RuntimeError):  # still executing: not ours to clear
                    entry.tb_frame.clear()
            previous, entry = entry, entry.tb_next
