"""A loopback port that refuses connections for as long as a test needs it.

Probing a free port and closing the probe leaves it free for anyone: on a machine shared by
several test runs another process may bind it before the test connects, and the test then talks
to a stranger. A socket bound but never listening holds the port (nobody else can bind it) while
every connection to it is refused.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["refusing_port"]


@contextmanager
def refusing_port() -> Iterator[int]:
    """A 127.0.0.1 port where connections are refused until the block ends."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        yield int(held.getsockname()[1])
