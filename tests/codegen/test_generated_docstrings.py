"""Every generated call's docstring gives what the guide asks of a public docstring: its HTTP
route and auth, and the errors it raises, named by classes the package exports."""

from __future__ import annotations

import inspect
import re

import pytest

import liveops_async
from liveops_async import resources
from liveops_async._generated.operations import OPERATIONS

_CALLS = sorted(
    (f"{cls.__name__}.{name}", member)
    for cls in vars(resources).values()
    if inspect.isclass(cls) and cls.__name__.endswith("Resource")
    for name, member in vars(cls).items()
    if inspect.isfunction(member) and not name.startswith("_")
)


def test_every_operation_has_a_documented_call() -> None:
    routes = {
        re.search(r"operationId ([\w-]+)\)", inspect.getdoc(call) or "").group(1)  # type: ignore[union-attr]
        for _, call in _CALLS
        if "operationId" in (inspect.getdoc(call) or "")
    }
    assert routes == {op.operation_id for op in OPERATIONS.values()}


@pytest.mark.parametrize("call", [call for _, call in _CALLS], ids=[name for name, _ in _CALLS])
def test_a_call_names_its_route_auth_and_every_error_class(call: object) -> None:
    doc = inspect.getdoc(call) or ""
    if "operationId" not in doc:  # a hand-written helper on a resource, not a generated call
        pytest.skip("not a generated call")
    assert re.search(r"^HTTP: (GET|POST|PUT|PATCH|DELETE) /", doc, re.M), doc
    assert re.search(r"^Auth: ", doc, re.M), doc
    named = set(re.findall(r"\b([A-Z]\w*Error)\b", doc))
    for always in (
        "RequestValidationError",
        "MissingCredentialsError",
        "APIConnectionError",
        "APITimeoutError",
        "RateLimitError",
        "InternalServerError",
        "ResponseDecodeError",
        "LiveOpsError",
    ):
        assert always in named, (always, doc)
    for name in named:
        assert isinstance(getattr(liveops_async, name, None), type), name
