"""Player values in URL paths are single encoded segments, for every path parameter of every
operation, as a loopback server receives them (the raw request target): through the SDK's own
session and through a caller's aiohttp session, after yarl and aiohttp have had their say.

Each hostile value (separators, dot segments, values already percent-encoded, controls, NFC
and NFD forms, emoji, a lone `%`...) must arrive as exactly one segment that decodes back to
the value given, byte for byte, with the route's literal segments untouched. Values a server
may resolve as `.`/`..` even when encoded are refused before sending, naming the parameter.
Checks are off (`validate_requests=False`): most parameters' patterns would refuse these values
first (tests/runtime/test_param_check.py); the encoding must hold without them.

tests/reliability/test_security.py sends 18 hostile values through the requester on the SDK's
own session; this file adds what it leaves out: a caller's session, the generated methods (and
the first page of list methods), the values below that it does not try (NFC/NFD, joined emoji,
C1 and line separators, a lone or broken `%`, double encoding, quotes and brackets), the
dots-only refusal for every operation (it tries five) and query values.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import parse_qs, unquote

import aiohttp
import orjson
import pytest
from aiohttp import web

from codegen.common import snake
from liveops_async import AdminAuth, InvalidParameterError, LiveOpsClient
from tests.operations._cases import (
    API_KEY,
    PROJECT_ID,
    VIEWS_BY_AUTH,
    Case,
    all_cases,
    bound_method,
    call_arguments,
    invoke,
)

from .conftest import ScriptedServer

PRIMARY_CASES = [case for case in all_cases() if case.view is VIEWS_BY_AUTH[case.op.auth][0]]
PATH_CASES = [case for case in PRIMARY_CASES if re.search(r"{(?!project_id})\w+}", case.op.path)]

NFC_E = unicodedata.normalize("NFC", "é")
NFD_E = unicodedata.normalize("NFD", "é")
HOSTILE_SEGMENTS = [
    "a/./b", "./", "/.", ".a", "a.", "..%2Fadmin", "%2f", "%", "%%", "%zz", "%252F", "%2E", "%00",
    "?", "#", ";", "&", "=", "+", " ", "  ", "\t", "..\\admin", "\\\\host\\share",
    NFC_E, NFD_E, "😀", "👨\u200d👩\u200d👧", "\u202e", "\ufeff", "\u3000", "\u2215",
    "\x01\x1f\x7f", "\x85\u2028", "~", "-", "_", "'\"<>`{}|^[]", "@:!$()*,",
]  # fmt: skip
# Values that are only dots (or empty) could be read as a relative segment by a server that
# decodes first: refused whatever the checks say.
REFUSED_SEGMENTS = ["", ".", "..", "...", "...."]


def _template_segments(case: Case) -> list[str]:
    prefix = "/api"
    return (prefix + case.op.path).split("/")


def assert_one_segment_each(case: Case, raw_target: str, value: str) -> None:
    """`raw_target` (path and query as received) is the route with every path parameter one
    segment decoding back to `value` (the project id to its number)."""
    assert "#" not in raw_target, raw_target
    raw_path = raw_target.split("?", 1)[0]
    received = raw_path.split("/")
    expected = _template_segments(case)
    assert len(received) == len(expected), (case.operation_id, raw_path)
    for got, template in zip(received, expected, strict=True):
        name = re.fullmatch(r"{(\w+)}", template)
        if name is None:
            assert got == template, (case.operation_id, raw_path)
        elif name.group(1) == "project_id":
            assert got == str(PROJECT_ID)
        else:
            # Decoded as UTF-8 with errors refused: the bytes are exactly the value's.
            assert unquote(got, errors="strict") == value, (case.operation_id, raw_path)
            assert re.fullmatch(r"(?:[A-Za-z0-9_.~-]|%[0-9A-F]{2})+", got), got


def _answering_with_examples(server: ScriptedServer, case: Case) -> None:
    async def answer(request: web.Request) -> web.Response:
        example = case.response_example
        if example is None:
            return web.Response(status=case.op.success_status)
        return web.Response(
            status=case.op.success_status,
            body=orjson.dumps(example),
            content_type="application/json",
        )

    server.handler = answer


def _path_values(case: Case, value: object) -> dict[str, object]:
    names = re.findall(r"{(\w+)}", case.op.path)
    return {name: value for name in names if name != "project_id"}


@pytest.fixture(params=["own session", "caller's session"])
async def clients(
    request: pytest.FixtureRequest, server: ScriptedServer
) -> AsyncIterator[Callable[[], LiveOpsClient]]:
    """A client without request checks, on the SDK's own session or on a caller's."""
    session: aiohttp.ClientSession | None = None
    made: list[LiveOpsClient] = []

    def make() -> LiveOpsClient:
        nonlocal session
        options: dict[str, Any] = {}
        if request.param == "caller's session":
            if session is None:
                session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
            options["session"] = session
        client = LiveOpsClient(
            project_id=PROJECT_ID,
            admin_auth=AdminAuth(PROJECT_ID, API_KEY),
            base_url=server.base_url,
            max_retries=0,
            validate_requests=False,
            **options,
        )
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
    if session is not None:
        await session.close()


def test_every_operation_with_a_path_parameter_is_covered() -> None:
    assert len(PRIMARY_CASES) == 119
    assert len(PATH_CASES) == sum(1 for c in PRIMARY_CASES if len(c.op.path.split("{")) > 2)
    assert len(PATH_CASES) >= 80


@pytest.mark.parametrize("case", PATH_CASES, ids=lambda case: case.operation_id)
async def test_every_path_value_arrives_as_one_segment(
    case: Case, server: ScriptedServer, clients: Callable[[], LiveOpsClient]
) -> None:
    client = clients()
    _answering_with_examples(server, case)
    for value in HOSTILE_SEGMENTS:
        server.seen.clear()
        await invoke(case, client, path_values=_path_values(case, value))
        [seen] = server.seen
        assert_one_segment_each(case, seen.raw_path, value)
    # The same bytes never come out for the NFC and NFD spellings: no normalisation.
    assert NFC_E != NFD_E


@pytest.mark.parametrize("case", PATH_CASES, ids=lambda case: case.operation_id)
async def test_dot_only_and_empty_path_values_are_refused_unsent(
    case: Case, server: ScriptedServer, clients: Callable[[], LiveOpsClient]
) -> None:
    client = clients()
    for value in REFUSED_SEGMENTS:
        with pytest.raises(InvalidParameterError) as caught:
            await invoke(case, client, path_values=_path_values(case, value))
        names = _path_values(case, value)
        assert any(f"path parameter {name} " in str(caught.value) for name in names)
    assert server.seen == []


QUERY_STRING_CASES = [
    (case, wire)
    for case in PRIMARY_CASES
    for wire, schema in (case.op.query_schemas or {}).items()
    if schema.get("type") == "string"
    or (schema.get("type") == "array" and schema["items"].get("type") == "string")
]
# Query values that would end or split a pair, or start a fragment, if sent as they are.
HOSTILE_QUERY_VALUES = ["a&b=c", "x=1&limit=0", "a#b", "a+b", "%26", "%2B", "a;b", "é😀", NFD_E,
                        "a/../b?c", "%", "\\"]  # fmt: skip


def test_every_string_query_parameter_is_covered() -> None:
    names = {wire for _, wire in QUERY_STRING_CASES}
    assert names == {"codes[]", "user_external_id"}


@pytest.mark.parametrize(
    ("case", "wire"), QUERY_STRING_CASES, ids=lambda v: v if isinstance(v, str) else v.id
)
async def test_query_values_arrive_as_given(
    case: Case, wire: str, server: ScriptedServer, clients: Callable[[], LiveOpsClient]
) -> None:
    client = clients()
    _answering_with_examples(server, case)
    method = bound_method(case, client)
    for value in HOSTILE_QUERY_VALUES:
        server.seen.clear()
        args, kwargs = call_arguments(case, method)
        array = wire.endswith("[]")
        kwargs[snake(wire)] = [value, "second"] if array else value
        result = method(*args, **kwargs)
        await (result.first_page() if hasattr(result, "first_page") else result)
        [seen] = server.seen
        assert len(seen.raw_path.split("?", 1)[0].split("/")) == len(_template_segments(case))
        query = parse_qs(seen.raw_path.split("?", 1)[1], keep_blank_values=True, errors="strict")
        assert query[wire] == ([value, "second"] if array else [value]), seen.raw_path
        assert set(query) <= {wire, *(case.op.query_schemas or {})}, seen.raw_path
