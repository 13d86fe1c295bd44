"""`LIVEOPS_LOG`: turn on the SDK's own logging from the environment, as `OPENAI_LOG` does.

`LIVEOPS_LOG=debug` logs every attempt (method, route template, status, time) and every retry;
`LIVEOPS_LOG=info` logs retries only. Records go to stderr through one handler on the
`liveops_async` logger, added once per process however many clients are built. Any other value,
or none, changes nothing: applications that configure `logging` themselves keep full control.

The records carry the route template, never the filled-in path, a header or a credential, so the
switch cannot print an API key or a player's JWT.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Final

from ._constants import LOGGER_NAME

ENV_LOG: Final = "LIVEOPS_LOG"
_LEVELS: Final = {"debug": logging.DEBUG, "info": logging.INFO}
_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _StderrHandler(logging.Handler):
    """Writes to whatever `sys.stderr` is at the time of the record (pytest swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # logging must never break a call
            self.handleError(record)


def configure_from_env() -> None:
    """Apply `LIVEOPS_LOG` to the `liveops_async` logger; called when a client is built."""
    level = _LEVELS.get(os.environ.get(ENV_LOG, "").strip().lower())
    if level is None:
        return
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
