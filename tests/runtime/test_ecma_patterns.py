"""Schema `pattern`s are ECMA-262 regular expressions, and the SDK checks them as such: `$` only
at the end ("abc\\n" does not match `^[a-z]+$`), `\\d` and `\\w` ASCII only, `\\s` ECMA's
spaces. A value refused that way is a `RequestValidationError` naming the field, and nothing is
sent. (The mock's side: tests/mock/test_patterns.py.)"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from liveops_async import LiveOpsClient, LiveOpsError, RequestValidationError, UserAuth
from liveops_async._generated.operations import OPERATIONS
from liveops_async._operation import AuthGroup
from liveops_async._utils._ecma_regex import ecma_search, translate
from liveops_async._utils._params import ParameterValidator
from liveops_async._utils._schema import BodyValidator, compile_check, ecma_validator
from tests._ecma_patterns import (
    PATTERN_CASES,
    REQUEST_PLACES,
    Occurrence,
    request_cases,
    request_with,
    spec_patterns,
)

from .conftest import JWT, ScriptedServer

ClientFactory = Callable[..., LiveOpsClient]
CASES = [
    pytest.param(pattern, value, accepted, id=f"{pattern}-{value!r}")
    for pattern, case in PATTERN_CASES.items()
    for accepted, values in ((True, case.accepted), (False, case.refused))
    for value in values
]


def test_the_table_has_every_pattern_of_the_spec() -> None:
    assert set(PATTERN_CASES) == spec_patterns()


@pytest.mark.parametrize(("pattern", "value", "accepted"), CASES)
def test_patterns_match_as_ecma_262_says(pattern: str, value: str, accepted: bool) -> None:
    assert (ecma_search(pattern)(value) is not None) is accepted
    check = compile_check({"type": "string", "pattern": pattern})
    assert check is not None and check(value) is accepted
    assert ecma_validator(jsonschema.Draft202012Validator)({"pattern": pattern}).is_valid(
        value
    ) is (accepted)


def test_the_table_tells_python_semantics_apart() -> None:
    # Each pattern ending in `$` has a refused value plain `re` accepts: the table would catch
    # a check that went back to it.
    for pattern, case in PATTERN_CASES.items():
        if pattern.endswith("$"):
            assert any(re.search(pattern, value) for value in case.refused), pattern


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (installed for Prism)")
def test_node_agrees_with_the_table() -> None:
    # The reference: JavaScript's own RegExp, with and without the `u` flag.
    script = (
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(cases.map(([p, v]) =>"
        " [new RegExp(p, 'u').test(v), new RegExp(p).test(v)])));"
    )
    cases = [(p.values[0], p.values[1]) for p in CASES]
    expected = [[p.values[2], p.values[2]] for p in CASES]
    assert _node(script, cases) == expected


def _node(script: str, cases: list[tuple[str, str]]) -> Any:
    """What the node `script` prints (JSON) for the (pattern, value) `cases` on its stdin."""
    answer = subprocess.run(
        ["node", "-e", script],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(answer.stdout)


# Constructs beyond the spec's patterns, each with values Python's `re` reads differently.
CONSTRUCTS = [
    (r"^a.b$", ["a\rb", "a\nb", "a\u2028b", "axb"]),
    (r"^\s$", ["\ufeff", "\x1c", "\xa0", "\u3000", "\x85", " "]),
    (r"^\S$", ["\ufeff", "\x1c", "\x85"]),
    (r"^\w+$", ["\u00e9", "ab_1", "\u0661"]),
    (r"^\W$", ["\u00e9", "_"]),
    (r"^\d$", ["\u0663", "3", "\uff13"]),
    (r"\bx", ["\u00e9x", "ax", " x"]),
    (r"^[]$", ["", "x"]),
    (r"^[^]$", ["x", "\n"]),
    (r"^a{,3}$", ["a{,3}", "aa"]),
    (r"^[[&~|]+$", ["[&~|", "a"]),
    (r"^(?<id>a)\k<id>$", ["aa", "ab"]),
    (r"^.$", ["\U0001f600", "\r"]),
    (r"^\cJ$", ["\n", "J"]),
    (r"^a$|^b$", ["a\n", "b\n", "b"]),
    (r"(?=x$)", ["x\n", "x"]),
]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (installed for Prism)")
def test_node_agrees_on_other_constructs() -> None:
    # Under `u`, or without it where `u` makes the pattern a syntax error (`{,3}`).
    script = (
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const test = (p, f, v) => { try { return new RegExp(p, f).test(v); }"
        " catch (e) { return null; } };"
        "console.log(JSON.stringify(cases.map(([p, v]) => [test(p, 'u', v), test(p, '', v)])));"
    )
    cases = [(pattern, value) for pattern, values in CONSTRUCTS for value in values]
    for (pattern, value), verdicts in zip(cases, _node(script, cases), strict=True):
        # With `u` where it is valid: code points, as Python counts (".": one emoji).
        expected = next(verdict for verdict in verdicts if verdict is not None)
        assert (ecma_search(pattern)(value) is not None) is expected, (pattern, value, verdicts)


@pytest.mark.parametrize(
    ("pattern", "translated"),
    [
        (r"^a$", r"^a\Z"),
        (r"a\$", r"a\$"),  # an escaped dollar is a dollar
        (r"[$]", r"[$]"),  # and so is one in a class
        (r"^a.b", "^a[^\\n\\r\\u2028\\u2029]b"),
        (r"[]", r"(?!)"),  # ECMA: an empty class matches nothing
        (r"[^]", r"(?s:.)"),  # and its negation anything
        (r"[[&~|]", r"[\[\&\~\|]"),  # literal in ECMA, set operations to come in Python
        (r"(?<id>a)\k<id>", r"(?P<id>a)(?P=id)"),
        (r"\u{1F600}", r"\U0001f600"),
        (r"\cJ", r"\x0a"),
        (r"^a{,3}$", r"^a\{,3}\Z"),  # not a quantifier in ECMA: literal text
        (r"^\d{1,2}$", r"^\d{1,2}\Z"),
    ],
)
def test_translation(pattern: str, translated: str) -> None:
    assert translate(pattern) == translated
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        re.compile(translated, re.ASCII)


@pytest.mark.parametrize("pattern", [r"\Z", r"\A", r"\p{L}", r"(?i)a", r"[\S]", "a\\", "[a"])
def test_untranslated_constructs_are_refused_as_invalid(pattern: str) -> None:
    with pytest.raises(re.error):
        ecma_search(pattern)
    assert compile_check({"pattern": pattern}) is None  # left to jsonschema, which refuses it too


def test_space_and_dot_follow_ecma() -> None:
    assert ecma_search(r"^\s$")("\ufeff") and not ecma_search(r"^\s$")("\x1c")
    assert ecma_search(r"^[\sx]+$")("x\u3000x")
    assert not ecma_search(r"^.$")("\r") and ecma_search(r"^.$")("\U0001f600")  # code points


def test_explanations_use_the_same_semantics() -> None:
    validator = BodyValidator({"type": "object", "properties": {"c": {"pattern": "^[a-z]+$"}}})
    assert not validator.accepts({"c": "abc\n"})
    assert validator.problems({"c": "abc\n"}) == ["c: 'abc\\n' does not match '^[a-z]+$'"]
    # outside the compiled subset: jsonschema, with the pattern keyword made ECMA's
    fallback = BodyValidator({"properties": {"c": {"pattern": "^[a-z]+$", "const": "x"}}})
    assert "c: 'abc\\n' does not match '^[a-z]+$'" in fallback.problems({"c": "abc\n"})
    assert ParameterValidator({"id": {"type": "string", "pattern": r"^\d+$"}}, None).problems(
        {"id": "\u0661"}, None
    ) == ["id: '\u0661' does not match '^\\\\d+$'"]


# Through a client: every pattern a request carries -------------------------------------


def test_every_request_pattern_has_a_place_to_send_it() -> None:
    assert all(REQUEST_PLACES.values())
    # Only one spec pattern is in answers alone (a response field), not in any request.
    assert len(spec_patterns() - set(REQUEST_PLACES)) == 1
    # Every location a pattern is checked in is sent: path, query and body.
    assert {place.location for places in REQUEST_PLACES.values() for place in places} == {
        "path",
        "query",
        "body",
    }


@pytest.mark.parametrize(("occurrence", "value", "accepted"), request_cases())
async def test_a_value_the_pattern_refuses_is_not_sent(
    make_client: ClientFactory,
    server: ScriptedServer,
    occurrence: Occurrence,
    value: str,
    accepted: bool,
) -> None:
    op = OPERATIONS[occurrence.operation_id]
    client = make_client(base_url=server.base_url, max_retries=0)
    credential = UserAuth(JWT) if op.auth is AuthGroup.USER else client._admin_auth
    requester = client.requester(credential)
    where = "/".join(str(step) for step in occurrence.field)  # `name`, or `a/0/b` in a body
    try:
        request = request_with(occurrence, value)
        await requester.request_raw(op, path=request.path, query=request.query, body=request.body)
    except RequestValidationError as error:
        refused = [p for p in error.problems if p.startswith(f"{where}: {value!r} does not match")]
        # An accepted value may still break another rule of the field (an empty one, minLength).
        assert bool(refused) is not accepted, error.problems
        assert server.seen == []
        return
    except LiveOpsError:
        pass  # sent: the scripted answer need not fit the operation
    assert accepted, f"{value!r} was sent"
    assert len(server.seen) == 1
