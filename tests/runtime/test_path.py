"""Path parameters are single percent-encoded segments; the route cannot be changed."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote

import pytest

from liveops_async import InvalidParameterError, LiveOpsClient
from liveops_async._types import UNSET, OpenEnum
from liveops_async._utils._path import compile_path, encode_segment
from liveops_async._utils._query import encode_query

from . import _ops
from .conftest import PROJECT_ID, ScriptedServer

TEMPLATE = "/v3/project/{project_id}/admin/coupon/{external_id}"


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("../admin", "..%2Fadmin"),
        ("a/b?x#y", "a%2Fb%3Fx%23y"),
        ("%2e%2e", "%252e%252e"),
        ("line\r\nX-Injected: 1", "line%0D%0AX-Injected%3A%201"),
        ("купон-é", "%D0%BA%D1%83%D0%BF%D0%BE%D0%BD-%C3%A9"),
        ("WINTER_2026~v1.0", "WINTER_2026~v1.0"),
        (44056, "44056"),
        (12.0, "12"),
    ],
)
def test_value_becomes_one_encoded_segment(value: object, encoded: str) -> None:
    assert encode_segment("external_id", value) == encoded
    path = compile_path(TEMPLATE).expand({"project_id": 1, "external_id": value})
    assert path == f"/v3/project/1/admin/coupon/{encoded}"
    assert path.count("/") == TEMPLATE.count("/")


@pytest.mark.parametrize("value", ["", ".", "..", "...", True])
def test_empty_dot_only_and_bool_values_are_rejected(value: object) -> None:
    with pytest.raises(InvalidParameterError, match="external_id"):
        encode_segment("external_id", value)


def test_enum_value_is_used() -> None:
    class Toggle(OpenEnum):
        ACTIVATE = "activate"

    assert encode_segment("toggle", Toggle.ACTIVATE) == "activate"


def test_missing_and_unknown_parameters_are_named() -> None:
    template = compile_path(TEMPLATE)
    with pytest.raises(InvalidParameterError, match="missing external_id"):
        template.expand({"project_id": 1})
    with pytest.raises(InvalidParameterError, match="unknown code"):
        template.expand({"project_id": 1, "external_id": "x", "code": "y"})


def test_query_encoding_drops_unset_and_repeats_lists() -> None:
    query = {"limit": 10, "offset": None, "skip": UNSET, "codes[]": ["a b", "c&d"], "on": True}
    assert encode_query(query) == "limit=10&codes%5B%5D=a%20b&codes%5B%5D=c%26d&on=true"
    with pytest.raises(InvalidParameterError, match="query parameter x"):
        encode_query({"x": object()})


@pytest.mark.parametrize("value", ["../admin", "a/b?x#y", "%2e%2e", "é/\r\n"])
async def test_server_sees_the_value_inside_one_segment(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient], value: str
) -> None:
    client = make_client(base_url=server.base_url)
    await client.requester(client._admin_auth).request(_ops.GET_COUPON, path={"external_id": value})
    (seen,) = server.seen
    prefix = f"/api/v3/project/{PROJECT_ID}/admin/coupon/"
    assert seen.raw_path.startswith(prefix)
    assert "/" not in seen.raw_path[len(prefix) :]
    assert "?" not in seen.raw_path and "#" not in seen.raw_path
    assert unquote(seen.raw_path[len(prefix) :]) == value


async def test_empty_value_is_rejected_before_sending(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=server.base_url)
    with pytest.raises(InvalidParameterError, match="must not be empty"):
        await client.requester(client._admin_auth).request(
            _ops.GET_COUPON, path={"external_id": ""}
        )
    assert server.seen == []


async def test_project_id_comes_from_config(
    server: ScriptedServer, make_client: Callable[..., LiveOpsClient]
) -> None:
    client = make_client(base_url=server.base_url, project_id=None, merchant_id=7)
    requester = client.requester(client._admin_auth)
    with pytest.raises(InvalidParameterError, match="project id"):
        await requester.request(_ops.GET_COUPON, path={"external_id": "x"})
    configured = make_client(base_url=server.base_url)
    with pytest.raises(InvalidParameterError, match="client configuration"):
        await configured.requester(configured._admin_auth).request(
            _ops.GET_COUPON, path={"external_id": "x", "project_id": 1}
        )
    assert server.seen == []
