"""What a command line passes on to the API: a player's id or a promotion's external id typed
by an admin (or pasted from a ticket) is one encoded path segment or one query value, and one
that cannot be sent (`../`, only dots, an undecodable byte of argv, an id beyond 64 bits) ends
the command with exit status 1 and a message naming the parameter, with nothing sent.

Python hands an argv byte that is not UTF-8 over as a lone surrogate (surrogateescape), so
"\\udcff" is what `liveops codes export $'\\xff'` passes.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from .conftest import Invoke, MockServer

COUPON = "winter_coupon_2026"


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        (["codes", "export", "../admin"], "external_id"),
        (["codes", "export", ".."], "external_id"),
        (["codes", "export", "a/b"], "external_id"),
        (["codes", "export", "%2e%2e"], "external_id"),
        (["codes", "export", "\udcff"], "external_id"),
        (["codes", "generate", "..", "--count", "1"], "external_id"),
        (["user-limit", "get", "--coupon", "\udcff", "--user", "p1"], "external_id"),
        (["user-limit", "get", "--coupon", COUPON, "--user", "p\udcff1"], "user_external_id"),
        (["user-limit", "get", "--coupon", COUPON, "--user", "a b"], "user_external_id"),
        (["user-limit", "get", "--promotion", str(2**64), "--user", "p1"], "promotion_id"),
        (["user-limit", "get", "--promotion", "0", "--user", "p1"], "promotion_id"),
        (["user-limit", "reset", "--promotion", str(10**30), "--all-users"], "promotion_id"),
    ],
    ids=repr,
)
def test_a_value_that_cannot_be_sent_ends_the_command_unsent(
    server: MockServer, liveops: Invoke, arguments: list[str], named: str
) -> None:
    server.seed()
    before = len(server.mock.requests)
    result = liveops(*arguments)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: "), result.stderr
    assert named in result.stderr, result.stderr
    assert len(server.mock.requests) == before


@pytest.mark.parametrize(
    "player",
    ["a&b=c", "x=1&user_external_id=other", "a#b", "a+b", "%2F..%2F", "игрок/..", "p;1?"],
)
def test_a_player_id_is_one_query_value(server: MockServer, liveops: Invoke, player: str) -> None:
    server.seed()
    result = liveops("user-limit", "get", "--coupon", COUPON, "--user", player, "--json")
    assert result.exit_code == 0, result.output
    [sent] = list(server.mock.requests)[-1:]
    assert sent.query["user_external_id"] == (player,)
    path, query = sent.raw_path.split("?", 1)
    assert path == f"/v2/project/44056/admin/user/limit/coupon/external_id/{COUPON}"
    assert query.startswith("user_external_id=") and "&" not in query
    assert unquote(query.removeprefix("user_external_id=")) == player
