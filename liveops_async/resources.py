"""The public types of `client.admin`, `client.user(...)`, `client.guest(...)` and their areas,
for annotating your own code, e.g. `async def grant(coupons: AdminCouponsResource) -> None`.

The views (`AdminResources`, `UserResources`, `GuestResources`) are also importable from
`liveops_async`. Importing this module imports the request engine (aiohttp, cattrs, the models),
as building the first client does; a module that needs the names only for annotations can
import them under `typing.TYPE_CHECKING` and keep its own import cheap. The classes are
generated from the spec (one per area and credential, each with its `WithRawResponse` twin),
and so is their list: this module re-exports the generated package's `__all__`.
"""

from __future__ import annotations

from ._generated import resources as _generated_resources
from ._generated.resources import *  # noqa: F403 - the generated `__all__`, written once

__all__: list[str] = []
__all__ += _generated_resources.__all__
