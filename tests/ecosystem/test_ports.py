"""tests/_ports.py: the refusing port stays refused while held."""

from __future__ import annotations

import socket

import pytest

from tests._ports import refusing_port


def test_a_held_port_refuses_connections_and_cannot_be_taken() -> None:
    with refusing_port() as port:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))
