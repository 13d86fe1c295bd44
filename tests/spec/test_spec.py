"""Checks of the hand-written OpenAPI spec (openapi/) against the inventory and its conventions.

The spec is bundled in memory with `codegen.bundle.bundle()`. Most checks are parametrized per
operation of `openapi/operations.tsv` (ids are the operationIds) or per component, so a failure
names the exact operation or component; operations of area files that are not written yet fail
with "missing from the spec".
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_openapi

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:  # codegen/ is a folder at the repository root, not installed
    sys.path.insert(0, str(REPO_ROOT))

from codegen.bundle import bundle  # noqa: E402
from liveops_async._utils._schema import ecma_validator  # noqa: E402

INVENTORY = REPO_ROOT / "openapi" / "operations.tsv"
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}
PAGINATION_KEYS = {"items", "total", "has_more", "max_limit"}


@dataclass(frozen=True)
class Row:
    number: int
    method: str
    path: str  # may hold "v{2,3}" where the sources disagree on the prefix
    operation_id: str
    group: str  # "admin" (HTTP Basic accepted) or "client" (the player's credentials only)

    @property
    def accepted_paths(self) -> set[str]:
        if "/v{2,3}/" in self.path:
            return {self.path.replace("/v{2,3}/", f"/{v}/") for v in ("v2", "v3")}
        return {self.path}

    @property
    def prefix_disputed(self) -> bool:
        return "/v{2,3}/" in self.path


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    operation: Mapping[str, Any]
    path_item: Mapping[str, Any]


def _read_inventory() -> list[Row]:
    with INVENTORY.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    # "admin-get-daily-chains (name inferred)": the note is not part of the id.
    return [
        Row(
            int(r["n"]),
            r["method"].lower(),
            r["path"],
            r["operation"].split(" (")[0].strip(),
            r["group"],
        )
        for r in rows
    ]


def _try_bundle() -> tuple[dict[str, Any], str | None]:
    try:
        return bundle(), None
    except SystemExit as exc:  # the bundler reports clashes and bad files this way
        return {"paths": {}, "components": {}}, str(exc)


ROWS = _read_inventory()
ROW_BY_ID = {row.operation_id: row for row in ROWS}
SPEC, BUNDLE_ERROR = _try_bundle()


def _operations(doc: Mapping[str, Any]) -> list[tuple[str, Op]]:
    found = []
    for path, item in doc.get("paths", {}).items():
        for method in HTTP_METHODS:
            if method in item:
                op = item[method]
                found.append(
                    (
                        str(op.get("operationId", f"<no id: {method} {path}>")),
                        Op(method, path, op, item),
                    )
                )
    return found


OPS = dict(_operations(SPEC))


def _spec() -> dict[str, Any]:
    if BUNDLE_ERROR is not None:
        pytest.fail(f"bundling failed: {BUNDLE_ERROR}")
    return SPEC


def _op(operation_id: str) -> Op:
    _spec()
    if operation_id not in OPS:
        pytest.fail(f"{operation_id} is missing from the spec (its area file is not written yet?)")
    return OPS[operation_id]


def _resolve(node: Any) -> Any:
    """Follow local `$ref`s (#/components/...) until a node without one."""
    seen = set()
    while isinstance(node, Mapping) and "$ref" in node:
        ref = node["$ref"]
        if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
            raise AssertionError(f"unresolvable or circular $ref {ref!r}")
        seen.add(ref)
        target: Any = SPEC
        for part in ref[2:].split("/"):
            if not isinstance(target, Mapping) or part not in target:
                raise AssertionError(f"$ref {ref!r} points nowhere")
            target = target[part]
        node = target
    return node


def _parameters(op: Op) -> list[Mapping[str, Any]]:
    raw = [*op.path_item.get("parameters", []), *op.operation.get("parameters", [])]
    return [_resolve(p) for p in raw]


def _success(op: Op) -> list[tuple[str, Mapping[str, Any]]]:
    return [
        (code, _resolve(r))
        for code, r in op.operation.get("responses", {}).items()
        if str(code).startswith("2")
    ]


def _group(op: Op) -> str:
    """The SDK view the call lands on: admin when HTTP Basic is accepted, else the player's."""
    return (
        "admin" if any("basicAuth" in req for req in op.operation.get("security", [])) else "client"
    )


def _is_list(op: Op) -> bool:
    return any(
        p.get("in") == "query" and p.get("name") in ("limit", "offset") for p in _parameters(op)
    )


# --- 1. the bundle is a valid OpenAPI document ---------------------------------------------------


def test_bundle_is_valid_openapi() -> None:
    validate_openapi(_spec())


# --- 2. the operations are exactly the inventory -------------------------------------------------


def test_inventory_is_complete() -> None:
    assert [row.number for row in ROWS] == list(range(1, len(ROWS) + 1))
    assert len(ROW_BY_ID) == len(ROWS), "operationIds in operations.tsv are not unique"
    assert {row.group for row in ROWS} == {"admin", "client"}


@pytest.mark.parametrize("operation_id", list(ROW_BY_ID))
def test_operation_matches_inventory(operation_id: str) -> None:
    row, op = ROW_BY_ID[operation_id], _op(operation_id)
    assert op.method == row.method, (
        f"method {op.method.upper()}, inventory says {row.method.upper()}"
    )
    assert op.path in row.accepted_paths, f"path {op.path}, inventory says {row.path}"


def test_no_operation_beyond_inventory() -> None:
    ids = [op_id for op_id, _ in _operations(_spec())]
    duplicates = [op_id for op_id, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"operationIds used twice: {duplicates}"
    extra = sorted(set(ids) - set(ROW_BY_ID))
    assert not extra, f"operations not in operations.tsv: {extra}"


def test_admin_and_client_groups_match_the_inventory() -> None:
    groups = {op_id: _group(op) for op_id, op in _operations(_spec())}
    assert groups == {row.operation_id: row.group for row in ROWS}


# --- 3. conventions of every operation -----------------------------------------------------------


def _metadata_problems(operation_id: str, op: Op) -> Iterator[str]:
    o = op.operation
    root_tags = {t["name"] for t in SPEC.get("tags", [])}
    tags = o.get("tags")
    if not (isinstance(tags, list) and len(tags) == 1 and tags[0] in root_tags):
        yield f"tags must be exactly one of the root tags, got {tags!r}"
    schemes = set(SPEC.get("components", {}).get("securitySchemes", {}))
    security = o.get("security")
    if not (isinstance(security, list) and security):
        yield "security is missing or empty"
    else:
        unknown = {name for req in security for name in req} - schemes
        if unknown:
            yield f"unknown security schemes {sorted(unknown)}"
    sdk = o.get("x-liveops-sdk")
    if not (isinstance(sdk, Mapping) and set(sdk) == {"resource", "method"}):
        yield f"x-liveops-sdk must be {{resource, method}}, got {sdk!r}"
    elif not all(isinstance(sdk[k], str) and SNAKE.match(sdk[k]) for k in ("resource", "method")):
        yield f"x-liveops-sdk values must be snake_case, got {sdk!r}"
    if not isinstance(o.get("x-liveops-retry-safe"), bool):
        yield "x-liveops-retry-safe must be a boolean"
    version = o.get("x-liveops-version")
    if not (isinstance(version, Mapping) and set(version) == {"prefix", "confirmed"}):
        yield f"x-liveops-version must be {{prefix, confirmed}}, got {version!r}"
    else:
        if version["prefix"] not in ("v2", "v3") or not op.path.startswith(
            f"/{version['prefix']}/"
        ):
            yield f"x-liveops-version prefix {version['prefix']!r} does not match {op.path}"
        if not isinstance(version["confirmed"], bool):
            yield "x-liveops-version confirmed must be a boolean"
        elif ROW_BY_ID[operation_id].prefix_disputed and version["confirmed"]:
            yield "the sources disagree on this prefix (v{2,3}), so confirmed must be false"
    if not (isinstance(o.get("summary"), str) and o["summary"].strip()):
        yield "summary is missing"


@pytest.mark.parametrize("operation_id", list(ROW_BY_ID))
def test_operation_metadata(operation_id: str) -> None:
    op = _op(operation_id)
    assert op.operation.get("operationId") == operation_id
    problems = list(_metadata_problems(operation_id, op))
    assert not problems, "\n".join(problems)


def _sdk_key(op: Op) -> tuple[str, object, object]:
    sdk = op.operation.get("x-liveops-sdk") or {}
    return (_group(op), sdk.get("resource"), sdk.get("method"))


@pytest.mark.parametrize("operation_id", list(ROW_BY_ID))
def test_sdk_name_is_unique(operation_id: str) -> None:
    key = _sdk_key(_op(operation_id))
    clashes = [other for other, op in OPS.items() if other != operation_id and _sdk_key(op) == key]
    assert not clashes, f"{key} is also used by {clashes}"


def _json_media(node: Mapping[str, Any]) -> Mapping[str, Any] | None:
    content = node.get("content")
    if not content:
        return None
    media: Mapping[str, Any] | None = content.get("application/json")
    if media is None:
        raise AssertionError(f"content has no application/json: {sorted(content)}")
    return media


@pytest.mark.parametrize("operation_id", list(ROW_BY_ID))
def test_operation_responses(operation_id: str) -> None:
    op = _op(operation_id)
    problems = []
    responses = op.operation.get("responses", {})
    success = _success(op)
    if len(success) != 1:
        problems.append(f"expected exactly one 2xx response, got {[c for c, _ in success]}")
    for code, response in success:
        media = _json_media(response)
        if media is None:
            continue  # an explicit empty body
        if "$ref" not in media.get("schema", {}):
            problems.append(f"{code}: the body schema must be a $ref to a named component")
        if "example" not in media and not media.get("examples"):
            problems.append(f"{code}: the body has no example")
    if "401" not in responses:
        problems.append("401 is not documented")
    for code, response in responses.items():
        if str(code).startswith("2"):
            continue
        ref = response.get("$ref", "")
        if not ref.startswith("#/components/responses/"):
            problems.append(
                f"{code}: errors must reference #/components/responses/*, got {response!r}"
            )
            continue
        media = _json_media(_resolve(response))
        if media is None or media.get("schema") != ERROR_SCHEMA:
            problems.append(f"{code}: {ref} does not carry the Error schema")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("operation_id", list(ROW_BY_ID))
def test_operation_parameters_and_body(operation_id: str) -> None:
    op = _op(operation_id)
    problems = []
    params = _parameters(op)
    keys = [(p.get("in"), p.get("name")) for p in params]
    if len(keys) != len(set(keys)):
        problems.append(f"a parameter is declared twice: {keys}")
    for p in params:
        schema = p.get("schema")
        if not isinstance(schema, Mapping) or not (
            "type" in _resolve(schema) or "oneOf" in _resolve(schema)
        ):
            problems.append(f"parameter {p.get('name')!r} has no typed schema")
    in_template = set(re.findall(r"{([^}]+)}", op.path))
    declared = {str(p.get("name")) for p in params if p.get("in") == "path"}
    if in_template != declared:
        problems.append(
            f"path placeholders {sorted(in_template)} != path parameters {sorted(declared)}"
        )
    raw_path_params = [
        p
        for p in [*op.path_item.get("parameters", []), *op.operation.get("parameters", [])]
        if _resolve(p).get("in") == "path"
    ]
    if any("$ref" not in p for p in raw_path_params):
        problems.append("path parameters must be shared components ($ref)")
    body = op.operation.get("requestBody")
    if body is not None:
        body = _resolve(body)
        media = _json_media(body)
        if media is None:
            problems.append("requestBody has no content")
        else:
            if "$ref" not in media.get("schema", {}):
                problems.append("the request body schema must be a $ref to a named component")
            if "example" not in media and not media.get("examples"):
                problems.append("the request body has no example")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("operation_id", list(ROW_BY_ID))
def test_operation_pagination(operation_id: str) -> None:
    op = _op(operation_id)
    pagination = op.operation.get("x-liveops-pagination")
    if not _is_list(op):
        assert pagination is None, "x-liveops-pagination on an operation without limit/offset"
        return
    assert isinstance(pagination, Mapping), (
        "a list operation (limit/offset) needs x-liveops-pagination"
    )
    assert set(pagination) == PAGINATION_KEYS, (
        f"x-liveops-pagination keys must be {sorted(PAGINATION_KEYS)}"
    )
    (_, response), *_ = _success(op)
    media = _json_media(response)
    assert media is not None, "a list operation must answer with a body"
    properties = _resolve(media["schema"]).get("properties", {})
    items = properties.get(pagination["items"])
    assert items is not None, f"items key {pagination['items']!r} is not in the response schema"
    assert _resolve(items).get("type") == "array", f"{pagination['items']!r} is not an array"
    for key in ("total", "has_more"):
        assert pagination[key] is None or pagination[key] in properties, (
            f"{key} key {pagination[key]!r} is not in the response schema"
        )
    max_limit = pagination["max_limit"]
    assert max_limit is None or (isinstance(max_limit, int) and max_limit > 0)


# --- 4. every example validates against its schema -----------------------------------------------


def _validate_example(where: str, schema: Mapping[str, Any], example: Any) -> list[str]:
    # The components ride along in the root schema so that "#/components/..." refs resolve.
    root = {**schema, "components": SPEC.get("components", {})}
    validator = ecma_validator(OAS30Validator)(root, format_checker=OAS30Validator.FORMAT_CHECKER)
    return [
        f"{where}: {e.message} (at {'/'.join(map(str, e.absolute_path)) or 'top'})"
        for e in validator.iter_errors(example)
    ]


def _schema_examples(schema: Any, where: str) -> Iterator[tuple[str, Mapping[str, Any], Any]]:
    """Every `example` in a schema tree; $refs are not followed (targets are checked alone)."""
    if not isinstance(schema, Mapping) or "$ref" in schema:
        return
    if "example" in schema:
        yield where, schema, schema["example"]
    for key in ("items", "not", "additionalProperties"):
        if isinstance(schema.get(key), Mapping):
            yield from _schema_examples(schema[key], f"{where}/{key}")
    for name, sub in (schema.get("properties") or {}).items():
        yield from _schema_examples(sub, f"{where}/properties/{name}")
    for key in ("allOf", "oneOf", "anyOf"):
        for i, sub in enumerate(schema.get(key) or []):
            yield from _schema_examples(sub, f"{where}/{key}/{i}")


def _media_examples(
    node: Mapping[str, Any], where: str
) -> Iterator[tuple[str, Mapping[str, Any], Any]]:
    """Examples of a parameter, request body or response (not followed when it is a $ref)."""
    if "$ref" in node:
        return
    if "schema" in node:  # a parameter
        yield from _schema_examples(node["schema"], f"{where}/schema")
        if "example" in node:
            yield where, node["schema"], node["example"]
    for media_type, media in (node.get("content") or {}).items():
        at = f"{where}/{media_type}"
        schema = media.get("schema", {})
        yield from _schema_examples(schema, f"{at}/schema")
        if "example" in media:
            yield f"{at}/example", schema, media["example"]
        for name, example in (media.get("examples") or {}).items():
            yield f"{at}/examples/{name}", schema, _resolve(example).get("value")
    for name, header in (node.get("headers") or {}).items():
        yield from _media_examples(_resolve(header), f"{where}/headers/{name}")


def _operation_examples(op: Op) -> Iterator[tuple[str, Mapping[str, Any], Any]]:
    for p in [*op.path_item.get("parameters", []), *op.operation.get("parameters", [])]:
        yield from _media_examples(p, f"parameter {p.get('name', p.get('$ref'))}")
    if "requestBody" in op.operation:
        yield from _media_examples(op.operation["requestBody"], "requestBody")
    for code, response in op.operation.get("responses", {}).items():
        yield from _media_examples(response, f"response {code}")


@pytest.mark.parametrize("operation_id", list(ROW_BY_ID))
def test_operation_examples_validate(operation_id: str) -> None:
    op = _op(operation_id)
    problems = [
        msg
        for where, schema, ex in _operation_examples(op)
        for msg in _validate_example(where, schema, ex)
    ]
    assert not problems, "\n".join(problems)


COMPONENT_KINDS = ("schemas", "parameters", "responses", "requestBodies", "headers")
COMPONENT_IDS = [
    f"{kind}/{name}"
    for kind in COMPONENT_KINDS
    for name in SPEC.get("components", {}).get(kind, {})
]


@pytest.mark.parametrize("component", COMPONENT_IDS or ["<bundle failed>"])
def test_component_examples_validate(component: str) -> None:
    kind, name = component.split("/", 1)
    node = _spec()["components"][kind][name]
    found = (
        _schema_examples(node, component) if kind == "schemas" else _media_examples(node, component)
    )
    problems = [msg for where, schema, ex in found for msg in _validate_example(where, schema, ex)]
    assert not problems, "\n".join(problems)


def test_example_check_catches_a_wrong_example() -> None:
    """Guards the guard: an example that breaks its schema must be reported."""
    schema = {
        "type": "object",
        "required": ["n"],
        "properties": {"n": {"type": "integer", "nullable": True}},
    }
    assert _validate_example("x", schema, {"n": None}) == []
    assert _validate_example("x", schema, {"n": "1"})
    assert _validate_example("x", schema, {})
