"""Settings every command shares, and running a coroutine with a client."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import attrs
import click

from .. import LiveOpsClient
from .._exceptions import LiveOpsError, MissingCredentialsError
from ._output import error_console, shown

__all__ = ["Settings", "json_option", "run_with_client"]

T = TypeVar("T")


@attrs.frozen
class Settings:
    """`--base-url` and `--project-id`; None falls back to the SDK's environment variables
    (LIVEOPS_BASE_URL, LIVEOPS_PROJECT_ID; the key only ever from LIVEOPS_API_KEY)."""

    base_url: str | None = None
    project_id: int | None = None

    def client(self) -> LiveOpsClient:
        # `apply` settles an unclear create or toggle itself by reading the project back
        # (cli/apply.py), one request per change: the SDK's own settling (a resend refused as
        # a duplicate) stays off here.
        return LiveOpsClient(base_url=self.base_url, project_id=self.project_id, settle=False)


def run_with_client(settings: Settings, work: Callable[[LiveOpsClient], Awaitable[T]]) -> T:
    """Run `work` with a client in a fresh event loop; SDK errors become a message and exit 1."""

    async def main() -> T:
        async with settings.client() as client:
            return await work(client)

    try:
        return asyncio.run(main())
    except MissingCredentialsError:
        error_console().print(
            "[red]error[/red]: no admin credentials: set LIVEOPS_PROJECT_ID and LIVEOPS_API_KEY "
            "(or LIVEOPS_MERCHANT_ID), or pass --project-id"
        )
        raise SystemExit(1) from None
    except LiveOpsError as exc:
        error_console().print(f"[red]error[/red]: {shown(exc)}")
        raise SystemExit(1) from None


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds `--json`: machine-readable output on stdout."""
    decorated: Callable[..., Any] = click.option(
        "--json", "as_json", is_flag=True, help="Print JSON instead of tables (for scripts)."
    )(command)
    return functools.wraps(command)(decorated)
