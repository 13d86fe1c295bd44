"""Clans (`client.user(jwt).clans`): the mock models no clan membership, so every player is in
no clan, and the calls answer what Xsolla answers such a player (the 2025 schema): no top
contributors, and no rewards claimed on a clan change."""

from __future__ import annotations

from typing import Any

from ._core import RequestContext, handles


@handles("get-user-clan-top-contributors")
def top_contributors(ctx: RequestContext) -> Any:
    """ "If a user doesn't belong to a clan, the call returns an empty array"."""
    ctx.require_user()
    return []


@handles("user-clan-update")
def update(ctx: RequestContext) -> Any:
    """A player without a clan attribute has no clan to leave or join, so nothing is claimed."""
    ctx.require_user()
    return {"reward": []}
