"""What a path or query value may not be, whatever its parameter's schema says: the rules both
encoders (`_path`, `_query`) and the parameter check (`_params`) share.

Checked with or without `validate_requests`, as for request bodies (`_serde.unsendable_values`):
a value that cannot go out faithfully is refused before sending, naming the parameter, instead
of leaving the encoder's UnicodeEncodeError or ValueError (or the text `nan`) to the caller.
"""

from __future__ import annotations

import math
from urllib.parse import quote

from .._exceptions import InvalidParameterError

__all__ = ["INT64_MIN", "UINT64_MAX", "number_text", "quoted", "unsendable"]

# As in request bodies: no id, count or flag of the API is beyond 64 bits, and `str()` of a huge
# integer raises ValueError past 4300 digits.
INT64_MIN, UINT64_MAX = -(2**63), 2**64 - 1


def unsendable(value: object) -> str | None:
    """Why the plain value (`str`, `int`, `float`; not a bool) cannot go out as parameter
    text, or None: a lone surrogate (no UTF-8 for it), NaN or an infinity (not a number on the
    wire), an integer beyond 64 bits (an integral float too: it goes out as an integer)."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return "a lone surrogate (\\ud800-\\udfff) cannot be sent as UTF-8"
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return f"{value!r} is not a JSON number"
        if not value.is_integer():
            return None
        value = int(value)
    if isinstance(value, int) and not INT64_MIN <= value <= UINT64_MAX:
        return f"an integer of {value.bit_length()} bits does not fit in 64"
    return None


def number_text(where: str, value: int | float) -> str:
    """`value` as decimal text, an integral float as an integer (`2`, not `2.0`, which no
    integer parameter accepts); raises InvalidParameterError naming `where` (e.g. `path
    parameter promotion_id`) for what `unsendable` refuses."""
    problem = unsendable(value)
    if problem is not None:
        raise InvalidParameterError(f"{where}: {problem}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def quoted(where: str, text: str) -> str:
    """`text` percent-encoded as UTF-8 with nothing left unescaped but unreserved characters;
    a lone surrogate raises InvalidParameterError naming `where`."""
    try:
        return quote(text, safe="")
    except UnicodeEncodeError:
        raise InvalidParameterError(f"{where}: {unsendable(text)}") from None
