"""Credentials: admin HTTP Basic, a player's JWT (fixed or from a provider), guest cart ids.

A credential turns into request headers and a rate-limit key. Its repr never shows a secret,
and it lists its secrets so error texts taken from response bodies can be scrubbed.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, NoReturn, SupportsIndex

from ._exceptions import InvalidParameterError, MissingCredentialsError
from ._operation import AuthGroup
from ._utils._header_text import unsendable_in_header
from ._utils._numbers import ascii_int

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

__all__ = [
    "AdminAuth",
    "Credential",
    "GuestCartAuth",
    "TokenProvider",
    "UserAuth",
    "require_credential",
]

TokenProvider = Callable[[], Awaitable[str]]

_MASK: Final = "***"


def _key_hash(value: str) -> str:
    # Rate-limit keys must identify a credential without revealing it.
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _check_header_safe(value: str, what: str) -> None:
    """Reject values that could split or corrupt an HTTP header."""
    if not value:
        raise InvalidParameterError(f"{what} must not be empty")
    if unsendable_in_header(value):
        raise InvalidParameterError(
            f"{what} must not contain control characters (CR, LF, ...) or lone surrogates"
        )


def _check_token(token: object) -> str:
    if not isinstance(token, str):
        raise InvalidParameterError(f"a player token must be a str, not {type(token).__name__}")
    _check_header_safe(token, "the player token")
    if not token.isascii() or any(ch.isspace() for ch in token):
        raise InvalidParameterError(
            "the player token must be the raw JWT: printable ASCII, no spaces, no 'Bearer ' prefix"
        )
    return token


class RefusesPickling:
    """Base of what holds a secret (credentials, clients, the transport): pickling raises a
    TypeError, as a pickle (a job queue's task arguments, a cache entry) would write the secret
    in clear; a copy is the object itself, shared like any other immutable value."""

    __slots__ = ()

    #: What the TypeError says the object holds.
    _holds: ClassVar[str] = "a secret"

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError(
            f"{type(self).__name__} cannot be pickled: it holds {self._holds}, which a pickle "
            "would write in clear; build it in each process from your secret store"
        )

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self


class Credential(RefusesPickling):
    """What every credential offers to the request engine.

    Credentials refuse pickling (their secret would be written in clear); a copy is the same
    object, as for any other immutable value.
    """

    __slots__ = ()

    _holds: ClassVar[str] = "a credential"

    #: The operation auth groups this credential can call.
    satisfies: frozenset[AuthGroup] = frozenset()

    @property
    def project_id(self) -> int | None:
        """The project this credential's calls go to; None: the client's project."""
        return None

    @property
    def static_headers(self) -> Mapping[str, str] | None:
        """Headers known without awaiting anything, or None when they must be fetched."""
        return None

    async def headers(self) -> Mapping[str, str]:
        """The request headers that carry this credential (awaited before every attempt)."""
        raise NotImplementedError

    def rate_limit_key(self) -> str | None:
        """The client-side rate limiter's bucket for this credential; None: not throttled."""
        return None

    def secrets(self) -> tuple[str, ...]:
        """The secret strings this credential holds, so logs and errors can be checked for them."""
        raise NotImplementedError


def positive_integer(value: object, what: str) -> int:
    """`value` (an int, or its text in ASCII digits) as an integer >= 1, else
    InvalidParameterError naming `what`."""
    number = None if isinstance(value, bool) else ascii_int(str(value))
    if number is not None and number >= 1:
        return number
    # Only a number is shown: an id slot given something else may hold a secret given in the
    # wrong place (swapped arguments, LIVEOPS_PROJECT_ID set to the key).
    shown = number is not None or value is None or isinstance(value, (int, float))
    got = repr(value) if shown else f"a {type(value).__name__} (not shown)"
    raise InvalidParameterError(f"{what} must be a positive integer, got {got}")


class AdminAuth(Credential):
    """HTTP Basic for Admin calls: project id (or merchant id) and an API key.

    `AdminAuth(project_id, key)` is a project key: its calls go to that project.
    `AdminAuth(merchant_id, key, project_id=P)` is a merchant key used for project P. Raises
    InvalidParameterError for an id that is not a positive integer or a key with control
    characters.
    """

    __slots__ = ("_headers", "_key", "_project_id", "_rate_key", "project_or_merchant_id")

    satisfies: frozenset[AuthGroup] = frozenset({AuthGroup.ADMIN, AuthGroup.ADMIN_OR_USER})

    def __init__(
        self,
        project_or_merchant_id: int | str,
        api_key: str,
        *,
        project_id: int | str | None = None,
    ) -> None:
        ident = str(positive_integer(project_or_merchant_id, "project_or_merchant_id"))
        if not isinstance(api_key, str):
            raise InvalidParameterError("api_key must be a str")
        _check_header_safe(api_key, "api_key")
        self.project_or_merchant_id: int = int(ident)
        self._project_id = (
            int(ident) if project_id is None else positive_integer(project_id, "project_id")
        )
        self._key = api_key
        basic = base64.b64encode(f"{ident}:{api_key}".encode()).decode("ascii")
        self._headers: Mapping[str, str] = {"Authorization": f"Basic {basic}"}
        self._rate_key = "admin:" + _key_hash(ident)

    @property
    def project_id(self) -> int:
        """The project admin calls with this credential go to."""
        return self._project_id

    @property
    def names_project(self) -> bool:
        """Whether `project_id=` was given (a merchant key names its project that way)."""
        return self._project_id != self.project_or_merchant_id

    @property
    def static_headers(self) -> Mapping[str, str]:
        """The Basic authorization header: fixed for the credential's life."""
        return self._headers

    async def headers(self) -> Mapping[str, str]:
        """The request headers that carry this credential (awaited before every attempt)."""
        return self._headers

    def rate_limit_key(self) -> str:
        """The client-side rate limiter's bucket for this credential; None: not throttled."""
        return self._rate_key

    def secrets(self) -> tuple[str, ...]:
        """The secret strings this credential holds, so logs and errors can be checked for them."""
        return (self._key, self._headers["Authorization"].split(" ", 1)[1])

    def __repr__(self) -> str:
        project = f", project_id={self._project_id}" if self.names_project else ""
        return (
            f"AdminAuth(project_or_merchant_id={self.project_or_merchant_id}, "
            f"api_key='{_MASK}'{project})"
        )


# How many of a provider's earlier tokens a view keeps for the scrubber: a token is replaced
# when it expires (minutes to hours), while a call lasts seconds, so a few cover every call in
# flight, and the memory stays bounded however long the view lives.
_EARLIER_TOKENS = 8


class UserAuth(Credential):
    """A player's Xsolla Login JWT as Bearer token, fixed or fetched from an async provider.

    A provider is awaited before every attempt, so a rotated token is picked up on retry.
    """

    __slots__ = ("_earlier_tokens", "_header_cache", "_provider", "_token")

    satisfies: frozenset[AuthGroup] = frozenset(
        {AuthGroup.USER, AuthGroup.CART, AuthGroup.ADMIN_OR_USER}
    )

    def __init__(self, token: str | TokenProvider) -> None:
        self._provider: TokenProvider | None = None
        self._token: str | None = None
        # (token, headers) of the last token seen, so a provider returning the same token costs
        # one comparison.
        self._header_cache: tuple[str, Mapping[str, str]] | None = None
        # The provider's tokens before the current one, newest last: a call that sent one may
        # still await its answer when another call of this view fetches a new token, and that
        # answer's scrubber must know the token it carried.
        self._earlier_tokens: tuple[str, ...] = ()
        if callable(token):
            self._provider = token
        else:
            self._token = _check_token(token)
            self._header_cache = self._build(self._token)

    @staticmethod
    def _build(token: str) -> tuple[str, Mapping[str, str]]:
        return token, {"Authorization": f"Bearer {token}"}

    @property
    def static_headers(self) -> Mapping[str, str] | None:
        """The Bearer header of a fixed token (also once a provider's token is cached and no
        provider is set); None while the token must be awaited."""
        if self._provider is None and self._header_cache is not None:
            return self._header_cache[1]
        return None

    async def headers(self) -> Mapping[str, str]:
        """The request headers that carry this credential; the provider is awaited each time."""
        cached = self._header_cache
        if self._provider is None and cached is not None:
            return cached[1]
        if self._provider is None:
            raise MissingCredentialsError("UserAuth holds neither a token nor a provider")
        pending = self._provider()
        if not hasattr(pending, "__await__"):  # a plain function: `await` would raise TypeError
            raise InvalidParameterError(
                "the token provider given to client.user must be an async callable (an "
                f"`async def` returning the JWT); calling it returned {type(pending).__name__}"
            )
        token = await pending
        if cached is not None and cached[0] == token:
            return cached[1]
        self._header_cache = self._build(_check_token(token))
        if cached is not None:
            self._earlier_tokens = (*self._earlier_tokens, cached[0])[-_EARLIER_TOKENS:]
        return self._header_cache[1]

    def secrets(self) -> tuple[str, ...]:
        """The secret strings this credential holds, so logs and errors can be checked for them:
        the current token and the provider's last few before it (calls may be in flight with
        them)."""
        cached = self._header_cache
        return (cached[0], *self._earlier_tokens) if cached is not None else ()

    def __repr__(self) -> str:
        if self._provider is not None:
            name = getattr(self._provider, "__qualname__", type(self._provider).__name__)
            return f"UserAuth(provider={name})"
        return f"UserAuth(token='{_MASK}')"


class GuestCartAuth(Credential):
    """Cart calls for a player who is not logged in: `x-unauthorized-id` and `x-user` headers."""

    __slots__ = ("_email", "_headers", "unauthorized_id")

    satisfies: frozenset[AuthGroup] = frozenset({AuthGroup.CART})

    def __init__(self, unauthorized_id: str, email: str) -> None:
        for value, what in ((unauthorized_id, "unauthorized_id"), (email, "email")):
            if not isinstance(value, str):
                raise InvalidParameterError(f"{what} must be a str")
            _check_header_safe(value, what)
        self.unauthorized_id: str = unauthorized_id
        self._email = email
        encoded_email = base64.b64encode(email.encode()).decode("ascii")
        self._headers: Mapping[str, str] = {
            "x-unauthorized-id": unauthorized_id,
            "x-user": encoded_email,
        }

    @property
    def static_headers(self) -> Mapping[str, str]:
        """The `x-unauthorized-id` and `x-user` (base64 e-mail) headers: fixed."""
        return self._headers

    async def headers(self) -> Mapping[str, str]:
        """The request headers that carry this credential (awaited before every attempt)."""
        return self._headers

    def secrets(self) -> tuple[str, ...]:
        """The secret strings this credential holds, so logs and errors can be checked for them."""
        return (self._email, self._headers["x-user"])

    def __repr__(self) -> str:
        return f"GuestCartAuth(unauthorized_id={self.unauthorized_id!r}, email='{_MASK}')"


_MISSING_HINTS: Final[Mapping[AuthGroup, str]] = {
    AuthGroup.ADMIN: (
        "it is an Admin call and needs admin credentials: pass project_id= and api_key= "
        "(or admin_auth=AdminAuth(...)) to LiveOpsClient, or set LIVEOPS_PROJECT_ID and "
        "LIVEOPS_API_KEY"
    ),
    AuthGroup.USER: (
        "it is a Client call and needs the player's Xsolla Login JWT: call it through "
        "client.user(jwt)"
    ),
    AuthGroup.CART: (
        "it is a cart call and needs the player's JWT (client.user(jwt)) or guest cart ids "
        "(client.guest(unauthorized_id=..., email=...))"
    ),
    AuthGroup.ADMIN_OR_USER: (
        "it needs admin credentials (client.admin) or a player's JWT (client.user(jwt))"
    ),
}


def require_credential(
    group: AuthGroup, credential: Credential | None, operation_id: str
) -> Credential:
    """Return the credential if it can call an operation of `group`, else raise before sending."""
    if credential is not None and group in credential.satisfies:
        return credential
    have = f" (this view holds {credential!r})" if credential is not None else ""
    raise MissingCredentialsError(f"cannot call {operation_id}: {_MISSING_HINTS[group]}{have}")
