"""The bundled OpenAPI document, compiled once into what the mock needs per operation.

OpenAPI 3.0 schemas are close to JSON Schema draft 4; the differences that matter here are
`nullable` (turned into a `null` type) and the `$ref`s into `#/components`, which resolve
against the whole document registered under one URI.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import attrs
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from .._utils._openapi import allow_null
from .._utils._schema import ecma_validator
from .._wire import parse_iso_datetime

SPEC_FILE_NAME = "liveops.openapi.json"
_PACKAGE_SPEC = Path(__file__).resolve().parent / SPEC_FILE_NAME
_DOC_URI = "urn:liveops-mock:spec"
_METHODS = ("get", "put", "post", "delete", "patch")
_NOT_SCHEMA_KEYS = frozenset({"example", "examples", "enum", "default", "required"})


def default_spec_path() -> Path:
    return _PACKAGE_SPEC


def to_json_schema(node: Any) -> Any:
    """Copy an OpenAPI 3.0 node, turning `nullable: true` into a JSON Schema `null` type."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: (v if k in _NOT_SCHEMA_KEYS else to_json_schema(v)) for k, v in node.items()}
    if out.pop("nullable", None) is True:
        return allow_null(out)
    return out


def _check_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        parse_iso_datetime(value)
    except ValueError:
        return False
    return "T" in value or " " in value


def _check_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# Draft 4 with `pattern` read as ECMA-262 (`$` only at the end, ASCII `\d`), as the service's
# validator reads it; jsonschema's own uses Python's `re`, which lets "abc\n" match `^[a-z]+$`.
SchemaValidator = ecma_validator(Draft4Validator)

FORMATS = FormatChecker(formats=())
FORMATS.checks("date-time")(_check_date_time)
FORMATS.checks("date")(_check_date)


@attrs.frozen
class Parameter:
    """One path, query or header parameter of an operation, as the mock validates it."""

    name: str
    location: str  # path, query, header
    required: bool
    schema: Mapping[str, Any]  # resolved one level: the real "type" is visible
    validator: Validator
    is_array: bool


@attrs.frozen
class OperationSpec:
    """Everything the mock needs to serve one operation, compiled at load time."""

    operation_id: str
    method: str
    path: str
    security: tuple[frozenset[str], ...]  # each entry: schemes that must all pass; () = none
    parameters: tuple[Parameter, ...]
    body_required: bool
    body_validator: Validator | None
    success_status: int
    success_example: Any
    success_has_body: bool
    documented_statuses: frozenset[int]
    response_schemas: Mapping[int, Mapping[str, Any]]
    response_validators: Mapping[int, Validator]
    max_limit: int | None
    # The `errorCode` of the documented 401 answer (its example): 1501 for the calls Xsolla
    # authenticates through Xsolla Login, 1020 for the other admin calls.
    unauthorized_error_code: int | None = None

    @property
    def anonymous_allowed(self) -> bool:
        return not self.security or frozenset() in self.security


class Spec:
    """The compiled document: operations plus schema helpers."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document: dict[str, Any] = to_json_schema(document)
        self._extra: dict[str, Any] = {}
        self.document.setdefault("components", {})["x-mock-inline"] = self._extra
        resource: Resource[Any] = DRAFT4.create_resource(self.document)
        self._registry: Registry[Any] = Registry().with_resource(_DOC_URI, resource)
        self.operations: dict[str, OperationSpec] = {}
        for path, item in self.document.get("paths", {}).items():
            for method in _METHODS:
                if method in item:
                    op = self._compile(path, method, item, item[method])
                    self.operations[op.operation_id] = op

    def request_example(self, operation_id: str) -> Any:
        """A fresh copy of the spec's JSON request body example of an operation, or None when
        it documents none. KeyError for an unknown operation id."""
        op = self.operations[operation_id]
        item = self.document["paths"][op.path][op.method.lower()]
        content = item.get("requestBody", {}).get("content", {}).get("application/json", {})
        return copy.deepcopy(content.get("example"))

    # --- schema helpers ---------------------------------------------------------------
    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        """Follow `$ref`s until a schema that says something itself."""
        seen = 0
        while "$ref" in schema and seen < 32:
            schema = self._pointer(schema["$ref"])
            seen += 1
        return schema

    def _pointer(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node: Any = self.document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def validator(self, schema: Mapping[str, Any]) -> Validator:
        """A validator whose `$ref`s resolve against the whole document."""
        if "$ref" in schema and len(schema) == 1:
            target = _DOC_URI + schema["$ref"]
        else:
            key = f"s{len(self._extra)}"
            self._extra[key] = dict(schema)
            target = f"{_DOC_URI}#/components/x-mock-inline/{key}"
        return SchemaValidator({"$ref": target}, registry=self._registry, format_checker=FORMATS)

    def shape(self, value: Any, schema: Mapping[str, Any]) -> Any:
        """Fit a handler's answer to the documented response shape: drop object keys the
        schema does not declare (stored request bodies carry write-only fields) and unknown
        optional values. Unions are left as they are."""
        schema = self.resolve(schema)
        if isinstance(value, list) and "items" in schema:
            return [self.shape(v, schema["items"]) for v in value]
        if isinstance(value, str) and _type_of(schema) == "object":
            # The mock has no catalog: an item's name is its SKU, given as a one-language map
            # where the schema wants text by language.
            return {"en": value}
        if not isinstance(value, dict):
            return value
        props: dict[str, Any] = {}
        for part in (schema, *map(self.resolve, schema.get("allOf", ()))):
            props.update(part.get("properties", {}))
        if not props:
            return value
        extra = schema.get("additionalProperties", False)
        required = set(schema.get("required", ()))
        return {
            k: self.shape(v, props[k]) if k in props else v
            for k, v in value.items()
            if (k in props or extra)
            # An unknown value of an optional, non-nullable property is left out, not sent as null.
            and not (
                v is None and k in props and k not in required and not self._allows_null(props[k])
            )
        }

    def _allows_null(self, schema: Mapping[str, Any]) -> bool:
        schema = self.resolve(schema)
        kind = schema.get("type")
        if kind is None:
            return any(self._allows_null(s) for s in schema.get("anyOf", schema.get("oneOf", ())))
        return kind == "null" or (isinstance(kind, list) and "null" in kind)

    def example_for(self, schema: Mapping[str, Any]) -> Any:
        """Build a value from the `example`s of a schema and its properties."""
        schema = self.resolve(schema)
        if "example" in schema:
            return schema["example"]
        for union in ("oneOf", "anyOf", "allOf"):
            if union in schema:
                options = [s for s in schema[union] if self.resolve(s).get("type") != "null"]
                if options:
                    return self.example_for(options[0])
        kinds = schema.get("type")
        kind = next((k for k in kinds if k != "null"), None) if isinstance(kinds, list) else kinds
        if kind == "array":
            return [self.example_for(schema.get("items", {}))]
        if kind == "object" or "properties" in schema:
            return {k: self.example_for(v) for k, v in schema.get("properties", {}).items()}
        if "enum" in schema:
            return schema["enum"][0]
        return {"integer": 1, "number": 1.0, "boolean": True, "string": "string"}.get(str(kind))

    # --- compilation ------------------------------------------------------------------
    def _compile(
        self, path: str, method: str, item: Mapping[str, Any], op: Mapping[str, Any]
    ) -> OperationSpec:
        params: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in [*item.get("parameters", ()), *op.get("parameters", ())]:
            param = self.resolve(raw)
            params[(param["name"], param["in"])] = param
        parameters = tuple(self._parameter(p) for p in params.values() if p["in"] != "cookie")

        body_validator = None
        body_required = False
        if "requestBody" in op:
            request_body = self.resolve(op["requestBody"])
            body_required = bool(request_body.get("required", False))
            body_schema = request_body.get("content", {}).get("application/json", {}).get("schema")
            if body_schema is not None:
                body_validator = self.validator(body_schema)

        responses = {
            int(k): self.resolve(v) for k, v in op.get("responses", {}).items() if k.isdigit()
        }
        success = min((s for s in responses if 200 <= s < 300), default=200)
        schemas: dict[int, Mapping[str, Any]] = {}
        example: Any = None
        for status, response in responses.items():
            media = response.get("content", {}).get("application/json")
            if media and "schema" in media:
                schemas[status] = media["schema"]
                if status == success:
                    example = (
                        media["example"]
                        if "example" in media
                        else self.example_for(media["schema"])
                    )
        security = tuple(frozenset(entry) for entry in op.get("security", ()))
        pagination = op.get("x-liveops-pagination") or {}
        return OperationSpec(
            operation_id=op["operationId"],
            method=method.upper(),
            path=path,
            security=security,
            parameters=parameters,
            body_required=body_required,
            body_validator=body_validator,
            success_status=success,
            success_example=example,
            success_has_body=success in schemas,
            documented_statuses=frozenset(responses),
            response_schemas=schemas,
            response_validators={s: self.validator(v) for s, v in schemas.items()},
            max_limit=pagination.get("max_limit"),
            unauthorized_error_code=_example_error_code(responses.get(401)),
        )

    def _parameter(self, param: Mapping[str, Any]) -> Parameter:
        schema = param.get("schema", {})
        resolved = self.resolve(schema)
        return Parameter(
            name=param["name"],
            location=param["in"],
            required=bool(param.get("required", param["in"] == "path")),
            schema=resolved,
            validator=self.validator(schema),
            is_array=_type_of(resolved) == "array",
        )

    def coerce(self, param: Parameter, raw: str) -> Any:
        """Turn a query/path/header string into the type its schema declares."""
        return _coerce(
            _type_of(self.resolve(param.schema.get("items", {})))
            if param.is_array
            else _type_of(param.schema),
            raw,
        )


def _type_of(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        return next((k for k in kind if k != "null"), None)
    return kind


# ASCII digits only: int() would also read "١٢" as 12, which the service sees as no integer.
_INT = re.compile(r"-?\d+\Z", re.ASCII)
# A JSON number; float() would also take "nan", "inf", "1_0" and " 1.5".
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\Z", re.ASCII)


def _coerce(kind: str | None, raw: str) -> Any:
    if kind == "integer" and _INT.match(raw):
        return int(raw)
    if kind == "number" and _NUMBER.match(raw):
        return int(raw) if _INT.match(raw) else float(raw)
    if kind == "boolean" and raw.lower() in ("true", "false", "1", "0"):
        return raw.lower() in ("true", "1")
    return raw


def describe_errors(errors: Iterator[ValidationError], where: str) -> tuple[str, list[Any]]:
    """Xsolla-style text for the first schema violation, plus all of them for
    `errorMessageExtended`."""
    # a body matching no branch of a oneOf is described by its closest branch's errors, as the
    # SDK does before sending, so the message names the field (`body.steps`), not the body
    leaves = [leaf for error in errors for leaf in _closest_branch_errors(error)]
    found = sorted(leaves, key=lambda e: (list(e.absolute_path), e.message))
    details = []
    for error in found:
        location = ".".join(str(p) for p in error.absolute_path)
        details.append(
            {"property": f"{where}.{location}" if location else where, "message": error.message}
        )
    first = details[0]
    return f"The property `{first['property']}` is invalid: {first['message']}", details


@functools.lru_cache(maxsize=8)
def load_spec(path: Path) -> Spec:
    """Compile a bundled document; cached so every mock instance shares the work."""
    return Spec(json.loads(path.read_text(encoding="utf-8")))


def _closest_branch_errors(error: ValidationError) -> list[ValidationError]:
    """The errors that say what is wrong: for a body matching no branch of a oneOf/anyOf, the
    errors of the branch it came closest to (fewest errors, then deepest), so the problem names
    the field and its rule instead of the whole object (the SDK's own explainer,
    `_utils/_schema_problems.py`, picks the same branch)."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches: dict[object, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    closest = min(
        branches.values(),
        key=lambda errs: (len(errs), -max(len(e.absolute_path) for e in errs)),
    )
    return [leaf for sub in closest for leaf in _closest_branch_errors(sub)]


def _example_error_code(response: Mapping[str, Any] | None) -> int | None:
    """The `errorCode` of an error response's JSON example, if it has one."""
    media = (response or {}).get("content", {}).get("application/json", {})
    example = media.get("example")
    code = example.get("errorCode") if isinstance(example, Mapping) else None
    return code if isinstance(code, int) else None
