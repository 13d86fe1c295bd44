"""Which text can travel in an HTTP header value: the one check for credentials and headers."""

from __future__ import annotations

import re

__all__ = ["unsendable_in_header"]

# C0 controls (CR, LF, NUL, ...), DEL and the C1 controls (0x85 is a line break to some
# parsers) are control characters; a lone surrogate cannot be encoded at all (UnicodeEncodeError
# once the header is written, after the call was queued). A tab is allowed in a header value
# (RFC 9110), never in a credential.
_UNSENDABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_UNSENDABLE_OR_TAB = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def unsendable_in_header(value: str, *, tab: bool = False) -> bool:
    """Whether `value` holds a character no header value may carry: a control character
    (C0, DEL, C1; a tab only when `tab` is False) or a lone surrogate."""
    return (_UNSENDABLE if tab else _UNSENDABLE_OR_TAB).search(value) is not None
