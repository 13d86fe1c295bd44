"""Path template expansion where every value is exactly one percent-encoded segment.

A value such as `../admin`, `a/b?x#y` or `%2e%2e` cannot change the route: `/`, `?`, `#` and
`%` are encoded, and values that are only dots (which a server may resolve as `.`/`..` even when
encoded) or empty are refused.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping

from .._exceptions import InvalidParameterError
from ._param_text import INT64_MIN, UINT64_MAX, number_text, quoted

__all__ = ["PathTemplate", "compile_path", "encode_segment"]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# What `quote(text, safe="")` leaves as it is: such text needs no encoding.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")


def _segment_text(name: str, value: object) -> str:
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]  # the common case, checked exactly
    if kind is int and INT64_MIN <= value <= UINT64_MAX:  # type: ignore[operator]
        return str(value)  # the other common case
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        raise InvalidParameterError(f"path parameter {name} must not be a bool")
    if isinstance(value, (int, float)):
        return number_text(f"path parameter {name}", value)
    if not isinstance(value, str):
        raise InvalidParameterError(
            f"path parameter {name} must be a str or a number, not {type(value).__name__}"
        )
    return str(value)


def encode_segment(name: str, value: object) -> str:
    """Percent-encode `value` (UTF-8) as one path segment; nothing is left unescaped but
    unreserved characters. Raises InvalidParameterError naming the parameter for an empty or
    dots-only value, a bool, a value of another type than str or number, and what
    `_param_text.unsendable` refuses (a lone surrogate, NaN, an integer beyond 64 bits)."""
    if type(value) is str and value.strip(".") and _UNRESERVED.fullmatch(value):
        return value  # the common case: an id that needs no encoding
    text = _segment_text(name, value)
    if not text:
        raise InvalidParameterError(f"path parameter {name} must not be empty")
    if text.strip(".") == "":
        raise InvalidParameterError(f"path parameter {name} must not be {text!r}")
    return text if _UNRESERVED.fullmatch(text) else quoted(f"path parameter {name}", text)


class PathTemplate:
    """A route template split once into literal parts and parameter names."""

    __slots__ = ("_parts", "names", "template")

    def __init__(self, template: str, parts: tuple[str, ...] | None = None) -> None:
        self.template = template
        # Even indexes are literals, odd ones parameter names: "/a/{x}/b" -> ["/a/", "x", "/b"].
        self._parts: tuple[str, ...] = (
            tuple(_PLACEHOLDER.split(template)) if parts is None else parts
        )
        self.names: frozenset[str] = frozenset(self._parts[1::2])

    def bind(self, name: str, value: object) -> PathTemplate:
        """This template with `name` filled in (encoded) once, for a value every call shares;
        errors still name the original template."""
        parts = list(self._parts[:1])
        for index in range(1, len(self._parts), 2):
            if self._parts[index] == name:
                parts[-1] += encode_segment(name, value) + self._parts[index + 1]
            else:
                parts += self._parts[index : index + 2]
        return PathTemplate(self.template, tuple(parts))

    def expand(self, values: Mapping[str, object]) -> str:
        """The path with every parameter encoded; unknown or missing names are an error."""
        parts = self._parts
        if len(parts) == 3 and len(values) == 1:  # one parameter: the common case
            name = parts[1]
            if name in values:
                return parts[0] + encode_segment(name, values[name]) + parts[2]
        if values.keys() != self.names:
            missing = sorted(self.names - values.keys())
            extra = sorted(values.keys() - self.names)
            detail = "; ".join(
                text
                for text in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unknown {', '.join(extra)}" if extra else "",
                )
                if text
            )
            raise InvalidParameterError(f"path parameters of {self.template}: {detail}")
        encoded = list(parts)
        for index in range(1, len(encoded), 2):
            name = encoded[index]
            encoded[index] = encode_segment(name, values[name])
        return "".join(encoded)


@functools.lru_cache(maxsize=1024)
def compile_path(template: str) -> PathTemplate:
    return PathTemplate(template)
