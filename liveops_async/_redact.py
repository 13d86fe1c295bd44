"""The one scrubber for everything an error, event or log record takes from a response.

A broken proxy or server may echo the request back: the `Authorization` value, the API key, the
player's JWT, proxy credentials. Whatever the SDK keeps from a response (body fields, header
values, the text of a low-level cause) passes through a `Redactor` built from the credentials in
use, so no field can be forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from multidict import CIMultiDict

__all__ = ["MASK", "RedactedCause", "Redactor", "credential_header_values", "headers_repr"]

MASK = "***"
# Shorter strings are not treated as secrets: masking them would mangle ordinary text.
_MIN_SECRET = 6


# Parts of a header name that mark its value as a credential (Authorization, Proxy-Authorization,
# Cookie, X-Api-Key, X-Auth-Token, a session id...): the value is shown as MASK wherever the SDK
# shows headers a caller gave it (reprs of options and settings), which may well hold a token.
_CREDENTIAL_HEADER_PARTS = ("auth", "cookie", "key", "password", "secret", "session", "token")


def _is_credential_header(name: str) -> bool:
    lowered = name.lower()
    return any(part in lowered for part in _CREDENTIAL_HEADER_PARTS)


def headers_repr(headers: Mapping[str, str] | None) -> str:
    """The repr of caller-given headers, each credential-like value masked (`attrs` field repr:
    `RequestOptions.headers`, `ClientConfig.headers`)."""
    if headers is None:
        return "None"
    shown = {
        name: MASK if _is_credential_header(name) else value for name, value in headers.items()
    }
    return repr(shown)


def credential_header_values(headers: Mapping[str, str] | None) -> tuple[str, ...]:
    """The values of the caller-given headers `headers_repr` masks (a gateway's key, a token of
    the caller's own): secrets for the scrubber too, should a server echo them."""
    if not headers:
        return ()
    return tuple(value for name, value in headers.items() if _is_credential_header(name))


def _variants(secret: str) -> Iterable[str]:
    """The secret as sent, and as it looks percent-encoded or as a JWT's signature alone."""
    yield secret
    quoted = quote(secret, safe="")
    if quoted != secret:
        yield quoted
    if secret.count(".") == 2:  # a JWT: its signature alone still identifies the token
        yield secret.rsplit(".", 1)[1]


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
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, MASK)
        return self._masked_cut_end(value) if self._secrets else value

    def _masked_cut_end(self, value: str) -> str:
        """`value` with a secret's beginning at its very end masked: a text cut short (a
        truncated body, a compressed stream that stops) may end inside a secret."""
        for secret in self._secrets:
            head = secret[:_MIN_SECRET]
            earliest = max(0, len(value) - len(secret) + 1)  # a whole one is masked already
            start = value.rfind(head, earliest)
            while start != -1:
                if secret.startswith(value[start:]):
                    return value[:start] + MASK
                start = value.rfind(head, earliest, start + _MIN_SECRET - 1)  # an earlier one
        return value

    def text_head(self, raw: bytes, limit: int) -> str:
        """The first `limit` characters of the UTF-8 text of `raw` (undecodable bytes
        replaced), scrubbed before the cut: a secret the cut went through would otherwise leave
        its beginning behind. Decodes only what that needs (a body may be megabytes long)."""
        longest = len(self._secrets[0]) if self._secrets else 0
        # A character takes at most 4 bytes in UTF-8.
        text = raw[: 4 * (limit + longest)].decode("utf-8", errors="replace")
        return self.text(text[: limit + longest])[:limit]

    def value(self, value: Any) -> Any:
        """A decoded JSON value with every string (keys included) scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return value

    def headers(self, headers: Mapping[str, str]) -> CIMultiDict[str]:
        """A picklable copy of response headers with every value scrubbed."""
        items = headers.items()
        return CIMultiDict((self.text(name), self.text(value)) for name, value in items)

    def exception(self, exc: BaseException) -> BaseException:
        """`exc` itself when no text of it (or of its causes) holds a secret, else a stand-in
        that keeps its type name and scrubbed text."""
        texts: list[str] = []
        current: BaseException | None = exc
        seen: set[int] = set()
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            texts.append(f"{current!s}\n{current!r}")
            current = current.__cause__ or current.__context__
        joined = "\n".join(texts)
        if self.text(joined) == joined:
            return exc
        return RedactedCause(f"{type(exc).__name__}: {self.text(str(exc))}")
