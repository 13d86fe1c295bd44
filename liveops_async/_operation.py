"""Facts about one API operation, emitted as data by the generator and read by the runtime."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any

import attrs


class AuthGroup(enum.Enum):
    """Which credentials an operation accepts."""

    ADMIN = "admin"
    USER = "user"
    CART = "cart"
    ADMIN_OR_USER = "admin_or_user"

    # Every call looks its operation's group up in the credential's set: members are
    # singletons compared by identity, so the identity hash (C) serves as well as Enum's
    # `hash(self._name_)`, a Python call per lookup.
    __hash__: Callable[[object], int] = object.__hash__  # type: ignore[assignment]


@attrs.frozen
class Pagination:
    """How a list operation pages: where its items, total and has-more flag are."""

    items: str
    items_attr: str
    total: str | None = None
    total_attr: str | None = None
    has_more: str | None = None
    has_more_attr: str | None = None
    max_limit: int | None = None


@attrs.frozen
class Operation:
    """One HTTP operation of the LiveOps API."""

    operation_id: str
    method: str
    path: str
    auth: AuthGroup
    retry_safe: bool
    version_confirmed: bool
    success_status: int
    response_type: Any = None
    pagination: Pagination | None = None
    body_schema: Mapping[str, Any] | None = None
    # JSON Schemas of the path (all but the project id, which the client config supplies) and
    # query parameters, by wire name (`codes[]`); checked, like the body, before sending.
    path_schemas: Mapping[str, Mapping[str, Any]] | None = None
    query_schemas: Mapping[str, Mapping[str, Any]] | None = None
    # Wire names of the query parameters the spec requires: a call without one (None, UNSET)
    # is refused before sending, as a missing path value is, whether or not values are checked.
    required_query: frozenset[str] = frozenset()
    # The SDK method that makes the call, `<resource>.<method>` (`coupons.redeem`): the name of
    # the call's coroutine, so that a "coroutine ... was never awaited" warning says which call
    # lacks its `await`. An operation made by hand is named by its id.
    sdk_name: str = attrs.field(default=attrs.Factory(lambda op: op.operation_id, takes_self=True))
