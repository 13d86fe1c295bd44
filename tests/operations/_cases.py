"""Every operation of the bundled spec as a test case, built from the spec's own examples.

A case knows which SDK method serves the operation, the arguments to call it with (structured
from the request and parameter examples into the types of the method's signature), and what
must reach the wire for them: method, path, query, JSON body and credentials headers. Shared by
the aioresponses unit tests (tests/operations) and the Prism integration tests
(tests/integration), so both send exactly the same requests.
"""

from __future__ import annotations

import base64
import csv
import enum
import inspect
import json
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs

from codegen.common import snake
from liveops_async import AdminAuth, LiveOpsClient
from liveops_async import _serde as serde
from liveops_async._auth import UserAuth
from liveops_async._generated import models
from liveops_async._generated.operations import OPERATIONS
from liveops_async._generated.resources import AdminResources
from liveops_async._operation import AuthGroup, Operation
from liveops_async._pagination import AsyncPaginator

REPO_ROOT = Path(__file__).resolve().parents[2]
INVENTORY = REPO_ROOT / "openapi" / "operations.tsv"
HTTP_METHODS = ("get", "put", "post", "patch", "delete")

PROJECT_ID = 44056
API_KEY = "op-tests-api-key"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJwbGF5ZXItNyJ9.op-tests-signature"
GUEST_ID = "5f2a0c1e-7b7d-4c53-9d2e-0c4c1b9a8f11"
GUEST_EMAIL = "player@example.com"
# Credential headers are sent by the SDK from the credential, never as method arguments.
AUTH_HEADERS = frozenset({"x-unauthorized-id", "x-user"})
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


class View(enum.Enum):
    """Through which client view (and so with which credential) a case calls its operation."""

    ADMIN = "admin"  # client.admin, HTTP Basic
    USER = "user"  # client.user(jwt), Bearer
    GUEST = "guest"  # client.guest(id, email), x-unauthorized-id / x-user
    ADMIN_AS_USER = "admin_as_user"  # admin resources over a player's JWT (upsell admin calls)


VIEWS_BY_AUTH: Mapping[AuthGroup, tuple[View, ...]] = {
    AuthGroup.ADMIN: (View.ADMIN,),
    AuthGroup.USER: (View.USER,),
    AuthGroup.CART: (View.USER, View.GUEST),
    AuthGroup.ADMIN_OR_USER: (View.ADMIN, View.ADMIN_AS_USER),
}


@cache
def spec() -> dict[str, Any]:
    text = importlib_resources.files("liveops_async.testing").joinpath("liveops.openapi.json")
    loaded: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))
    return loaded


def resolve(node: Any) -> Any:
    """Follow local `$ref`s of the bundled document."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@cache
def inventory() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path template) from openapi/operations.tsv."""
    with INVENTORY.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        # "admin-get-daily-chains (name inferred)": the note is not part of the id.
        return {row["operation"].split(" (")[0]: (row["method"], row["path"]) for row in rows}


@dataclass(frozen=True)
class SpecOperation:
    """One operation as the bundled spec writes it, with every reference resolved."""

    operation_id: str
    method: str
    route: str
    raw: Mapping[str, Any]
    parameters: tuple[Mapping[str, Any], ...]

    def examples(self, location: str) -> dict[str, Any]:
        """Wire name -> example of every parameter in `location` (auth headers excluded)."""
        found: dict[str, Any] = {}
        for param in self.parameters:
            if param["in"] != location or param["name"].lower() in AUTH_HEADERS:
                continue
            if location == "path" and param["name"] == "project_id":
                continue
            schema = resolve(param.get("schema") or {})
            example = param.get("example", schema.get("example"))
            if example is None:
                raise AssertionError(
                    f"{self.operation_id}: parameter {param['name']} has no example"
                )
            found[param["name"]] = example
        return found

    @property
    def body_schema_name(self) -> str | None:
        body = resolve(self.raw.get("requestBody"))
        if not body:
            return None
        ref: str = body["content"]["application/json"]["schema"]["$ref"]
        return ref.rsplit("/", 1)[-1]

    @property
    def body_example(self) -> Any:
        body = resolve(self.raw["requestBody"])
        return body["content"]["application/json"]["example"]

    @property
    def success(self) -> tuple[int, Mapping[str, Any] | None]:
        """The documented 2xx status and its JSON content (None for an empty answer)."""
        codes = sorted(code for code in self.raw["responses"] if str(code).startswith("2"))
        response = resolve(self.raw["responses"][codes[0]])
        return int(codes[0]), (response.get("content") or {}).get("application/json")


@cache
def spec_operations() -> dict[str, SpecOperation]:
    found: dict[str, SpecOperation] = {}
    for route, item in spec()["paths"].items():
        shared = item.get("parameters", [])
        for method in HTTP_METHODS:
            if method not in item:
                continue
            raw = item[method]
            merged: dict[tuple[str, str], Mapping[str, Any]] = {}
            for param in [*shared, *raw.get("parameters", [])]:
                resolved = resolve(param)
                merged[(resolved["in"], resolved["name"])] = resolved
            op_id = raw["operationId"]
            found[op_id] = SpecOperation(op_id, method.upper(), route, raw, tuple(merged.values()))
    return found


@dataclass(frozen=True)
class Case:
    """One operation called through one view with the spec's example arguments."""

    op: Operation
    view: View
    spec_op: SpecOperation

    @property
    def operation_id(self) -> str:
        return self.op.operation_id

    @property
    def id(self) -> str:
        return f"{self.operation_id}[{self.view.value}]"

    @property
    def resource(self) -> str:
        return str(self.spec_op.raw["x-liveops-sdk"]["resource"])

    @property
    def method_name(self) -> str:
        return str(self.spec_op.raw["x-liveops-sdk"]["method"])

    @property
    def has_body(self) -> bool:
        return self.spec_op.body_schema_name is not None

    @property
    def route(self) -> str:
        """The path template with the version prefix the inventory documents; where the
        inventory leaves the prefix open (`v{2,3}`), the spec's choice of the two."""
        method, path = inventory()[self.operation_id]
        assert method == self.spec_op.method, f"inventory says {method}"
        if "/v{2,3}/" in path:
            accepted = {path.replace("/v{2,3}/", f"/{v}/") for v in ("v2", "v3")}
            assert self.spec_op.route in accepted, f"{self.spec_op.route} not in {accepted}"
            return self.spec_op.route
        return path

    def expected_path(self, path_values: Mapping[str, object] | None = None) -> str:
        """The path the SDK must request: every value one percent-encoded segment."""
        values = {**self.spec_op.examples("path"), **(path_values or {})}
        values["project_id"] = PROJECT_ID

        def segment(match: re.Match[str]) -> str:
            return quote(str(values[match.group(1)]), safe="")

        return re.sub(r"\{([^}]+)\}", segment, self.route)

    def expected_query(self, overrides: Mapping[str, object] | None = None) -> list[str]:
        """Raw `key=value` pairs (lists repeat their key), sorted by key but keeping the
        order of a repeated key's values."""
        pairs: list[str] = []
        for wire, example in {**self.spec_op.examples("query"), **(overrides or {})}.items():
            for value in example if isinstance(example, list) else [example]:
                pairs.append(f"{quote(wire, safe='')}={quote(str(value), safe='')}")
        return sorted(pairs, key=lambda pair: pair.split("=", 1)[0])

    def expected_credential_headers(self) -> dict[str, str]:
        if self.view is View.ADMIN:
            basic = base64.b64encode(f"{PROJECT_ID}:{API_KEY}".encode()).decode()
            return {"Authorization": f"Basic {basic}"}
        if self.view is View.GUEST:
            return {
                "x-unauthorized-id": GUEST_ID,
                "x-user": base64.b64encode(GUEST_EMAIL.encode()).decode(),
            }
        return {"Authorization": f"Bearer {JWT}"}

    @property
    def response_example(self) -> Any:
        content = self.spec_op.success[1]
        return None if content is None else content["example"]


@cache
def all_cases() -> tuple[Case, ...]:
    spec_ops = spec_operations()
    cases = [
        Case(op, view, spec_ops[op_id])
        for op_id, op in sorted(OPERATIONS.items())
        if op_id in spec_ops
        for view in VIEWS_BY_AUTH[op.auth]
    ]
    return tuple(cases)


def case_id(case: Case) -> str:
    return case.id


# Calling the SDK ---------------------------------------------------------------------------


def make_client(base_url: str) -> LiveOpsClient:
    """A client with admin credentials given explicitly, so no LIVEOPS_* variable matters."""
    return LiveOpsClient(
        project_id=PROJECT_ID,
        admin_auth=AdminAuth(PROJECT_ID, API_KEY),
        base_url=base_url,
        max_retries=0,
    )


def bound_method(case: Case, client: LiveOpsClient, *, raw: bool = False) -> Callable[..., Any]:
    """The generated method serving the case's operation, on the case's view."""
    view: Any
    if case.view is View.ADMIN:
        view = client.admin
    elif case.view is View.USER:
        view = client.user(JWT)
    elif case.view is View.GUEST:
        view = client.guest(GUEST_ID, GUEST_EMAIL)
    else:
        view = AdminResources(client.requester(UserAuth(JWT)))
    resource = getattr(view, case.resource)
    if raw:
        resource = resource.with_raw_response
    method: Callable[..., Any] = getattr(resource, case.method_name)
    return method


def _structure_argument(value: Any, hint: Any) -> Any:
    """`value` as an argument of type `hint`. For a union of models (reward chain bodies: plain
    or clan) the caller picks the variant, so take the smallest one that declares every key of
    the example and accepts it; the converter alone would take the first variant that accepts
    the data, dropping the keys it does not declare."""
    members = [m for m in typing.get_args(hint) if attrs.has(m)] if isinstance(value, dict) else []
    fitting = [
        m
        for m in members
        if set(value) <= {a.metadata.get("json", a.name) for a in attrs.fields(m)}
    ]
    for member in sorted(fitting, key=lambda m: len(attrs.fields(m))):
        try:
            return serde.structure(value, member)
        except Exception:  # its tag or a required field does not match: try the next one
            continue
    return serde.structure(value, hint)


def _body_arguments(case: Case, hints: Mapping[str, Any], names: set[str]) -> dict[str, Any]:
    """Keyword arguments carrying the spec's request example: an object body's top-level fields
    structured into the flattened arguments' types; any other body as one `body` argument."""
    model = getattr(models, case.spec_op.body_schema_name or "")
    example = case.spec_op.body_example
    if not (attrs.has(model) and isinstance(example, dict)):
        return {"body": _structure_argument(example, hints["body"])}
    fields = {a.metadata.get("json", a.name): a for a in attrs.fields(model)}
    kwargs: dict[str, Any] = {}
    for wire, value in example.items():
        if wire not in fields:
            raise AssertionError(f"{case.operation_id}: example field {wire!r} is not in {model}")
        name = fields[wire].name
        argument = name if name in names else f"body_{name}"  # renamed beside a parameter
        kwargs[argument] = serde.structure(value, hints[argument])
    return kwargs


def call_arguments(
    case: Case,
    method: Callable[..., Any],
    *,
    path_values: Mapping[str, object] | None = None,
    query_overrides: Mapping[str, object] | None = None,
) -> tuple[list[Any], dict[str, Any]]:
    """Positional path ids and keyword arguments for `method` from the spec's examples."""
    hints = typing.get_type_hints(method)
    parameters = inspect.signature(method).parameters
    positional = [
        p.name for p in parameters.values() if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    ]
    path_examples = {**case.spec_op.examples("path"), **(path_values or {})}
    placeholders = [n for n in re.findall(r"\{([^}]+)\}", case.spec_op.route) if n != "project_id"]
    assert len(positional) == len(placeholders), f"{positional} vs path {placeholders}"
    overrides = path_values or {}
    # An override is passed as given, past the annotation: hostile values test the runtime.
    args = [
        overrides[wire] if wire in overrides else serde.structure(path_examples[wire], hints[name])
        for wire, name in zip(placeholders, positional, strict=True)
    ]
    kwargs: dict[str, Any] = {}
    query = {**case.spec_op.examples("query"), **(query_overrides or {})}
    for wire, example in [*query.items(), *case.spec_op.examples("header").items()]:
        name = snake(wire)
        assert name in parameters, f"{case.operation_id}: no argument {name} for {wire}"
        kwargs[name] = serde.structure(example, hints[name])
    if case.has_body:
        kwargs.update(_body_arguments(case, hints, set(parameters)))
    return args, kwargs


async def invoke(
    case: Case,
    client: LiveOpsClient,
    *,
    raw: bool = False,
    path_values: Mapping[str, object] | None = None,
    query_overrides: Mapping[str, object] | None = None,
) -> Any:
    """Call the operation once; a list operation answers its first page."""
    method = bound_method(case, client, raw=raw)
    args, kwargs = call_arguments(
        case, method, path_values=path_values, query_overrides=query_overrides
    )
    result = method(*args, **kwargs)
    if isinstance(result, AsyncPaginator):
        return await result.first_page()
    return await result


# Comparing ---------------------------------------------------------------------------------


def comparable(value: Any) -> Any:
    """JSON data with date-times as aware datetimes (`Z` and `+00:00` spell the same instant)."""
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, str) and ISO_DATETIME.match(value):
        return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    return value


def response_model(case: Case) -> Any:
    """The type the spec names for the success body (`list[Model]` for arrays)."""
    content = case.spec_op.success[1]
    if content is None:
        return None
    schema = content["schema"]
    if "$ref" in schema:
        return getattr(models, schema["$ref"].rsplit("/", 1)[-1])
    item_ref = schema["items"]["$ref"]
    return list[getattr(models, item_ref.rsplit("/", 1)[-1])]  # type: ignore[misc]


# Example fields the models do not declare, as reported to the spec's owners; each entry must
# still be true (the check fails once the spec is fixed, so the entry gets removed).
UNDECLARED_EXAMPLE_FIELDS: Mapping[str, frozenset[str]] = {}


def known_part(data: Any, parsed: Any, where: str = "") -> tuple[Any, set[str]]:
    """`data` without the keys the parsed value's models do not declare, and those keys' paths.

    Walks the parsed value beside the JSON, so the model actually chosen for a union decides.
    """
    if attrs.has(type(parsed)) and isinstance(data, dict):
        fields = {a.metadata.get("json", a.name): a.name for a in attrs.fields(type(parsed))}
        kept: dict[str, Any] = {}
        dropped: set[str] = set()
        for key, value in data.items():
            path = f"{where}.{key}" if where else key
            if key not in fields:
                dropped.add(path)
                continue
            kept[key], inner = known_part(value, getattr(parsed, fields[key]), path)
            dropped |= inner
        return kept, dropped
    if isinstance(data, list) and isinstance(parsed, list) and len(data) == len(parsed):
        pairs = [
            known_part(d, p, f"{where}[{i}]")
            for i, (d, p) in enumerate(zip(data, parsed, strict=True))
        ]
        return [kept for kept, _ in pairs], set().union(*(dropped for _, dropped in pairs))
    if isinstance(data, dict) and isinstance(parsed, dict):
        pairs_by_key = {k: known_part(v, parsed.get(k), f"{where}.{k}") for k, v in data.items()}
        kept_map = {k: kept for k, (kept, _) in pairs_by_key.items()}
        return kept_map, set().union(*(dropped for _, dropped in pairs_by_key.values()))
    return data, set()


def assert_parsed(case: Case, parsed: Any) -> None:
    """The answer is the spec's model and holds the example's data: every field the models
    declare round-trips unchanged, and no example field goes unparsed unless listed above."""
    expected_type = response_model(case)
    assert case.op.response_type == expected_type
    if expected_type is None:
        assert parsed is None
        return
    if typing.get_origin(expected_type) is list:
        (item_type,) = typing.get_args(expected_type)
        assert isinstance(parsed, list)
        assert all(isinstance(item, item_type) for item in parsed)
    else:
        assert isinstance(parsed, expected_type)
    example, undeclared = known_part(case.response_example, parsed)
    assert undeclared == UNDECLARED_EXAMPLE_FIELDS.get(case.operation_id, frozenset())
    assert comparable(serde.unstructure(parsed)) == comparable(example)
