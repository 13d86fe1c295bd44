"""Path and query parameter checks, compiled once per operation from its parameter schemas.

The same checker as request bodies (`BodyValidator`: the compiled check, and jsonschema's words
for a refusal), one per parameter. A value is judged as the encoders (`_path`, `_query`) will
send it: an enum member by its value, a `str`/`int`/`float` subclass as the plain type, a tuple
of query values as a list without its None/UNSET items, a date or datetime in a query as its
RFC 3339 text. So, as JSON Schema says, `True` is not
an integer, neither is `"5"` nor `2.5` (an integral float such as `2.0` is, and goes out as `2`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date
from typing import Any

from .._types import UNSET
from ._param_text import unsendable
from ._query import date_text
from ._schema import BodyValidator, Check, NotPlainJSON

__all__ = ["ParameterValidator"]


def _as_sent(name: str, value: object, query: bool) -> object:
    """`value` as the plain JSON value its encoded text stands for; in a query, a date as its
    RFC 3339 text (a naive datetime raises the encoder's InvalidParameterError, naming `name`;
    the path encoder takes no dates)."""
    if isinstance(value, enum.Enum):
        value = value.value
    if query and isinstance(value, date):
        return date_text(name, value)
    for plain in (bool, str, int, float):  # bool before int: True is not sent as 1
        if isinstance(value, plain):
            return value if type(value) is plain else plain(value)
    if isinstance(value, (list, tuple)):
        return [
            _as_sent(name, item, query) for item in value if item is not None and item is not UNSET
        ]
    return value  # not sendable: the check explains it (not of the schema's type)


def _unsendable_items(name: str, sent: object) -> list[str]:
    """`name: why` (`name/1: why` for an item of a list) for each plain value the encoders
    refuse whatever the schema (`_param_text.unsendable`)."""
    items = enumerate(sent) if isinstance(sent, list) else [(None, sent)]
    found = []
    for index, item in items:
        problem = None if isinstance(item, bool) else unsendable(item)
        if problem is not None:
            found.append(f"{name}{'' if index is None else f'/{index}'}: {problem}")
    return found


def _never(value: object) -> bool:
    return False  # a schema outside the compiled subset: BodyValidator asks jsonschema


class _Parameters:
    """The parameters of one location: each one's compiled check, and its validator for the
    explanation of a refusal."""

    __slots__ = ("checks", "query", "validators")

    def __init__(self, schemas: Mapping[str, Mapping[str, Any]] | None, *, query: bool) -> None:
        self.query = query
        self.validators = {
            name: BodyValidator(schema, name=name) for name, schema in (schemas or {}).items()
        }
        self.checks: dict[str, Check] = {
            name: validator.check or _never for name, validator in self.validators.items()
        }

    def problems(self, values: Mapping[str, object], found: list[str]) -> None:
        checks = self.checks
        for name, value in values.items():
            check = checks.get(name)
            # Unknown names are the encoders' to refuse (path) or to send (query) as before.
            if check is None or value is None or value is UNSET:
                continue
            try:
                if check(value):
                    continue
            except NotPlainJSON:
                pass
            self._explain(name, value, found)

    def _explain(self, name: str, value: object, found: list[str]) -> None:
        validator = self.validators[name]
        sent = _as_sent(name, value, self.query)
        # What no schema lets through is said in the encoders' words (jsonschema's would
        # repeat an integer of 10**5000, whose text Python refuses to write).
        unsent = _unsendable_items(name, sent)
        if unsent:
            found += unsent
            return
        if sent is not value and validator.accepts(sent):
            return
        found += validator.problems(sent)


class ParameterValidator:
    """One operation's path and query parameter schemas, by wire name."""

    __slots__ = ("_path", "_query")

    def __init__(
        self,
        path_schemas: Mapping[str, Mapping[str, Any]] | None,
        query_schemas: Mapping[str, Mapping[str, Any]] | None,
    ) -> None:
        self._path = _Parameters(path_schemas, query=False)
        self._query = _Parameters(query_schemas, query=True)

    def problems(
        self, path: Mapping[str, object] | None, query: Mapping[str, object] | None
    ) -> list[str]:
        """What is wrong with the given values (`name: message`), path values first; None and
        UNSET values are absent ones, not checked (a missing path value is the path's to
        report)."""
        found: list[str] = []
        if path:
            self._path.problems(path, found)
        if query:
            self._query.problems(query, found)
        return found
