"""Defaults and environment variable names used by the client."""

from __future__ import annotations

from typing import Final

DEFAULT_BASE_URL: Final = "https://store.xsolla.com/api"

# Environment fallbacks: read only when the matching argument is not given.
ENV_PROJECT_ID: Final = "LIVEOPS_PROJECT_ID"
ENV_MERCHANT_ID: Final = "LIVEOPS_MERCHANT_ID"
ENV_API_KEY: Final = "LIVEOPS_API_KEY"
ENV_BASE_URL: Final = "LIVEOPS_BASE_URL"

# Timeouts in seconds. `total` bounds one attempt from start to the last body byte.
DEFAULT_TOTAL_TIMEOUT: Final = 60.0
DEFAULT_CONNECT_TIMEOUT: Final = 5.0
DEFAULT_READ_TIMEOUT: Final = 30.0
DEFAULT_POOL_TIMEOUT: Final = 10.0

# Retries.
DEFAULT_MAX_ATTEMPTS: Final = 3
DEFAULT_INITIAL_BACKOFF: Final = 0.5
DEFAULT_MAX_BACKOFF: Final = 8.0
DEFAULT_RETRY_BUDGET: Final = 60.0
DEFAULT_RETRY_AFTER_CAP: Final = 60.0
DEFAULT_RETRY_STATUSES: Final = frozenset({408, 429, 500, 502, 503, 504})

# Largest response body read; real answers (a page of codes included) stay far below it.
MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024

# Connection pool.
DEFAULT_POOL_SIZE: Final = 100
DEFAULT_KEEPALIVE_TIMEOUT: Final = 15.0

LOGGER_NAME: Final = "liveops_async"
