"""Integers written as text, read strictly: the one reader for ids, counts and codes that come
as strings (from the environment, a server's JSON, file names)."""

from __future__ import annotations

import re

__all__ = ["ascii_int"]

# ASCII digits only: str.isdigit() also takes "²", which int() refuses, and "٣", which int()
# reads as 3; \d matches the latter too unless the pattern is ASCII.
_ASCII_INT = re.compile(r"-?[0-9]+", re.ASCII)


def ascii_int(text: str) -> int | None:
    """The integer `text` writes in ASCII decimal digits (an optional leading minus, spaces
    around allowed), or None for anything else, including more digits than `int()` converts
    (`sys.get_int_max_str_digits()`, 4,300 by default). Never raises."""
    stripped = text.strip()
    if _ASCII_INT.fullmatch(stripped) is None:
        return None
    try:
        return int(stripped)
    except ValueError:
        return None
