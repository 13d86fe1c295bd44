"""Asyncio-native SDK for the Xsolla LiveOps API 2.0.0."""

import importlib
from typing import TYPE_CHECKING, Any

from ._auth import AdminAuth, GuestCartAuth, TokenProvider, UserAuth
from ._client import LiveOpsClient
from ._exceptions import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ClientStateError,
    ConflictError,
    ConnectTimeoutError,
    DecodeMismatchError,
    InternalServerError,
    InvalidParameterError,
    LiveOpsError,
    MissingCredentialsError,
    NotFoundError,
    PaginationError,
    PermissionDeniedError,
    PoolTimeoutError,
    RateLimitError,
    ReadTimeoutError,
    RedirectError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseTooLargeError,
    UnprocessableEntityError,
    WrongEventLoopError,
)
from ._hooks import RateLimiter, RequestEvent, ResponseEvent
from ._options import ClientOverrides, RequestOptions, Timeouts
from ._pagination import AsyncPaginator
from ._response import APIResponse
from ._retry import RetryPolicy
from ._types import UNSET, Unset
from ._version import __version__

if TYPE_CHECKING:
    from ._retry_budget import RetryBudget
    from ._settle import SettleEvent, Settlement
    from .resources import AdminResources, GuestResources, UserResources

# Issue 16's public names load on first use: `import liveops_async` stays as cheap as before.
# So do the views' classes (for annotations): their module imports the request engine.
_LAZY = {
    "RetryBudget": "._retry_budget",
    "SettleEvent": "._settle",
    "Settlement": "._settle",
    "AdminResources": ".resources",
    "GuestResources": ".resources",
    "UserResources": ".resources",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "UNSET",
    "APIConnectionError",
    "APIResponse",
    "APIStatusError",
    "APITimeoutError",
    "AdminAuth",
    "AdminResources",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ClientOverrides",
    "ClientStateError",
    "ConflictError",
    "ConnectTimeoutError",
    "DecodeMismatchError",
    "GuestCartAuth",
    "GuestResources",
    "InternalServerError",
    "InvalidParameterError",
    "LiveOpsClient",
    "LiveOpsError",
    "MissingCredentialsError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "PoolTimeoutError",
    "RateLimitError",
    "RateLimiter",
    "ReadTimeoutError",
    "RedirectError",
    "RequestEvent",
    "RequestOptions",
    "RequestValidationError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "ResponseEvent",
    "RetryBudget",
    "RetryPolicy",
    "SettleEvent",
    "Settlement",
    "Timeouts",
    "TokenProvider",
    "UnprocessableEntityError",
    "Unset",
    "UserAuth",
    "UserResources",
    "WrongEventLoopError",
    "__version__",
]
