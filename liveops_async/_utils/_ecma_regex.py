"""JSON Schema `pattern`s with ECMA-262 semantics, on Python's `re`.

A schema's `pattern` is an ECMA-262 regular expression, searched (not anchored). Python reads
the same text differently: `$` also matches before a final "\\n" (so `^[a-z]+$` accepts
"abc\\n"), `\\d` and `\\w` take any Unicode digit or letter ("١٢" is `\\d+`), `\\s` is a different
set of spaces, and `.` also matches "\\r". `translate` rewrites a pattern into a Python one that
matches what the ECMA one does; `ecma_search` compiles it (with `re.ASCII`, which makes `\\d`,
`\\w`, `\\b` and their negations ECMA's ASCII classes). Every pattern check of the SDK, the mock
and the tests goes through here.

Characters are code points, as with ECMA's `u` flag (a character outside the Basic
Multilingual Plane is one character, not two UTF-16 units). A construct with no ECMA meaning
Python would read differently (`\\A`, `\\Z`, `\\p{...}`, inline flags such as `(?i)`) raises
`re.error`, as an invalid pattern does, rather than being checked by other rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

__all__ = ["ecma_search", "translate"]

# ECMA-262 WhiteSpace and LineTerminator: what `\s` matches (as the content of a class).
_SPACES = r"\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# What `.` does not match (without the `s` flag).
_LINE_TERMINATORS = r"\n\r\u2028\u2029"
# Escapes Python reads as ECMA does (`\d \w \b` and negations: with re.ASCII).
_SAME_ESCAPES = frozenset("dDwWbBfnrtv0123456789")
# What ECMA counts as a `{...}` quantifier; any other `{` is a literal.
_QUANTIFIER = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
# Characters that are literal in an ECMA class but start a set operation (a FutureWarning) in
# a Python one.
_CLASS_ESCAPED = frozenset("[&~|")


def translate(pattern: str) -> str:
    """`pattern` (ECMA-262) as a Python pattern, to compile with `re.ASCII`. Raises `re.error`
    for a construct it does not translate."""
    out: list[str] = []
    index = 0
    length = len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\":
            text, index = _escape(pattern, index, in_class=False)
            out.append(text)
        elif char == "[":
            text, index = _class(pattern, index)
            out.append(text)
        elif char == "$":
            out.append(r"\Z")  # end of input only: no multiline flag in a schema
            index += 1
        elif char == ".":
            out.append(f"[^{_LINE_TERMINATORS}]")
            index += 1
        elif char == "(" and pattern.startswith("(?", index):
            text, index = _group_start(pattern, index)
            out.append(text)
        elif char == "{" and not _QUANTIFIER.match(pattern, index):
            out.append(r"\{")  # a literal brace in ECMA; Python reads `{,3}` as a quantifier
            index += 1
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _group_start(pattern: str, index: int) -> tuple[str, int]:
    rest = pattern[index + 2 : index + 4]
    if rest[:1] in (":", "=", "!") or rest in ("<=", "<!"):
        return "(?", index + 2
    if rest[:1] == "<":  # a named group: (?<name>...)
        return "(?P<", index + 3
    raise re.error(f"group syntax '(?{rest[:1]}' is not ECMA-262", pattern, index)


def _escape(pattern: str, index: int, *, in_class: bool) -> tuple[str, int]:
    """The Python text for the escape at `index` (a backslash), and the index after it."""
    if index + 1 >= len(pattern):
        raise re.error("bad escape (end of pattern)", pattern, index)
    char = pattern[index + 1]
    end = index + 2
    if char == "s":
        return (_SPACES if in_class else f"[{_SPACES}]"), end
    if char == "S":
        if in_class:
            raise re.error(r"'\S' inside a class is not translated", pattern, index)
        return f"[^{_SPACES}]", end
    if char in _SAME_ESCAPES:
        return "\\" + char, end
    if char == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", pattern[end : end + 2]):
        return pattern[index : end + 2], end + 2
    if char == "u":
        if re.fullmatch(r"[0-9A-Fa-f]{4}", pattern[end : end + 4]):
            return pattern[index : end + 4], end + 4
        braced = re.match(r"\{([0-9A-Fa-f]{1,6})\}", pattern[end:])
        if braced:
            return f"\\U{int(braced.group(1), 16):08x}", end + braced.end()
    if char == "c" and pattern[end : end + 1].isascii() and pattern[end : end + 1].isalpha():
        return f"\\x{ord(pattern[end]) % 32:02x}", end + 1
    if char == "k" and not in_class:
        named = re.match(r"<([A-Za-z_][A-Za-z0-9_]*)>", pattern[end:])
        if named:
            return f"(?P={named.group(1)})", end + named.end()
    if char.isascii() and char.isalnum():
        raise re.error(f"escape '\\{char}' is not translated to ECMA-262", pattern, index)
    return "\\" + char, end  # an identity escape: the character itself


def _class(pattern: str, index: int) -> tuple[str, int]:
    """The Python text for the character class starting at `index`, and the index after it."""
    start = index
    index += 1
    negated = pattern.startswith("^", index)
    if negated:
        index += 1
    if pattern.startswith("]", index):  # ECMA: [] matches nothing, [^] any character
        return ("(?s:.)" if negated else "(?!)"), index + 1
    out = ["[^" if negated else "["]
    while index < len(pattern):
        char = pattern[index]
        if char == "]":
            out.append("]")
            return "".join(out), index + 1
        if char == "\\":
            text, index = _escape(pattern, index, in_class=True)
            out.append(text)
            continue
        out.append("\\" + char if char in _CLASS_ESCAPED else char)
        index += 1
    raise re.error("unterminated character set", pattern, start)


@lru_cache(maxsize=512)
def ecma_search(pattern: str) -> Callable[[str], re.Match[str] | None]:
    """The `search` of `pattern` compiled with ECMA-262 semantics (cached): what a schema's
    `pattern` keyword asks. Raises `re.error` for an invalid or untranslated pattern."""
    return re.compile(translate(pattern), re.ASCII).search
