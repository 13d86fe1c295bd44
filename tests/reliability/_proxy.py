"""A real forward proxy (proxy.py from PyPI) on 127.0.0.1, started and stopped by process id."""

from __future__ import annotations

import subprocess  # nosec B404 - the test starts its own proxy
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import attrs

PROXY_USER = "proxy-user"
PROXY_PASSWORD = "CANARY-proxy-pass-5e1d"


@attrs.frozen
class Proxy:
    port: int

    def url(self, *, password: str = PROXY_PASSWORD) -> str:
        return f"http://{PROXY_USER}:{password}@127.0.0.1:{self.port}"


@contextmanager
def running_proxy(*, startup_timeout: float = 30.0) -> Iterator[Proxy]:
    """proxy.py requiring Basic proxy credentials, on a free port; stopped by its pid."""
    with tempfile.TemporaryDirectory() as folder:
        port_file = Path(folder) / "port"
        log = open(Path(folder) / "log", "wb")  # noqa: SIM115 - closed below
        process = subprocess.Popen(  # nosec B603 - fixed arguments
            [
                sys.executable,
                "-m",
                "proxy",
                "--hostname",
                "127.0.0.1",
                "--port",
                "0",
                "--port-file",
                str(port_file),
                "--threaded",
                "--num-acceptors",
                "1",
                "--basic-auth",
                f"{PROXY_USER}:{PROXY_PASSWORD}",
                "--log-level",
                "ERROR",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + startup_timeout
            while not (port_file.exists() and port_file.read_text().strip()):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(
                        "proxy.py did not start: " + (Path(folder) / "log").read_text()[-2000:]
                    )
                time.sleep(0.05)
            yield Proxy(int(port_file.read_text().strip()))
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.close()
