"""`LIVEOPS_LOG`: turn on the SDK's own logging from the environment, as `OPENAI_LOG` does.

`LIVEOPS_LOG=debug` logs every attempt (method, route template, status, time) and every retry;
`LIVEOPS_LOG=info` logs retries only. It sets the level of the `liveops_async` logger and adds
one handler to it, once per process however many clients are built. Any other value, or none,
changes nothing: applications that configure `logging` themselves keep full control.

Each record is printed once. `OPENAI_LOG` calls `logging.basicConfig()`, which puts a handler on
the root logger (and so takes the application's own later `basicConfig` call away from it); this
handler instead is a fallback decided per record: it writes a record to stderr only when no
handler of the application would (none on the record's logger or on an ancestor reached by
propagation, or none whose level lets the record through). A program without any logging
set-up gets the SDK's lines on stderr; a program with `logging.basicConfig(...)`, or with a
handler of its own on the `liveops_async` logger, gets them once, from its own handler and in
its own format, whichever was set up first.

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


def _printed_elsewhere(logger: logging.Logger, level: int) -> bool:
    """Whether a record of `level` from `logger` reaches a handler of the application that takes
    that level: on `logger` itself (an application may add its handler to the `liveops_async`
    logger) or on an ancestor reached by propagation, such as the root handler of
    `logging.basicConfig`. This module's own handler and a `NullHandler` (which prints nothing)
    do not count."""
    current: logging.Logger | None = logger
    while current is not None:
        if any(
            level >= h.level and not isinstance(h, (logging.NullHandler, _StderrHandler))
            for h in current.handlers
        ):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return False


class _StderrHandler(logging.Handler):
    """Writes to whatever `sys.stderr` is at the time of the record (pytest swaps it), unless a
    handler of the application prints the record already (see the module docstring)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if _printed_elsewhere(logging.getLogger(record.name), record.levelno):
                return
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
