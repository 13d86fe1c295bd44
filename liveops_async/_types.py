"""Small shared types: the UNSET sentinel and forward-compatible enums."""

from __future__ import annotations

import enum
from typing import Any, Final, Literal


class Unset(enum.Enum):
    """Marks an optional field that is left out of the request (as opposed to sent as null)."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> Literal[False]:
        return False


UNSET: Final = Unset.UNSET


class OpenEnum(str, enum.Enum):
    """A string enum that keeps values it does not know.

    Xsolla adds enum values without notice; an unknown value becomes a pseudo-member that
    compares equal to its raw string instead of raising.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        pseudo = str.__new__(cls, value)
        pseudo._name_ = value
        pseudo._value_ = value
        return pseudo

    def __str__(self) -> str:
        return str(self.value)
