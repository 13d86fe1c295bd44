"""Request-body JSON Schemas for the runtime's pre-send validation.

OpenAPI 3.0 schemas are close to JSON Schema but not the same: `nullable: true` becomes a type
list (or an `anyOf` with null), the boolean `exclusiveMinimum`/`exclusiveMaximum` become numbers,
and documentation-only keywords are dropped. Each referenced component becomes one Python
constant; a `$ref` becomes a reference to that constant, so the schema objects are inlined at
import time while the generated file stays small.
"""

from __future__ import annotations

import json
import re
from typing import Any

from liveops_async._utils._openapi import allow_null

# Keywords that only document; the validator never needs them.
_DROP = frozenset(
    {"description", "example", "examples", "discriminator", "externalDocs", "title", "xml",
     "deprecated", "readOnly", "writeOnly"}
)  # fmt: skip
_COMPONENT = re.compile(r"^#/components/schemas/(?P<name>[^/]+)$")


class Ref(str):
    """A `$ref` to a component constant; rendered as the bare constant name."""

    __slots__ = ()


def constant_name(component: str) -> str:
    return "_SCHEMA_" + re.sub(r"\W", "_", component)


def to_json_schema(schema: Any, refs: set[str]) -> Any:
    """Convert one OpenAPI schema; component names it refers to are added to `refs`."""
    if isinstance(schema, list):
        return [to_json_schema(item, refs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        match = _COMPONENT.match(schema["$ref"])
        if match is None:
            raise SystemExit(f"unsupported $ref in a request body: {schema['$ref']}")
        refs.add(match["name"])
        return Ref(constant_name(match["name"]))
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DROP or key.startswith("x-") or key == "nullable":
            continue
        if key in ("properties", "patternProperties"):
            out[key] = {name: to_json_schema(sub, refs) for name, sub in value.items()}
        elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if value and bound in schema:
                out[key] = schema[bound]
        else:
            out[key] = to_json_schema(value, refs)
    for key in ("exclusiveMinimum", "exclusiveMaximum"):
        bound = "minimum" if key == "exclusiveMinimum" else "maximum"
        if key in out and out.get(bound) == out[key]:
            del out[bound]
    if schema.get("nullable") is True:
        out = allow_null(out)
    return out


def component_constants(spec: dict[str, Any], roots: set[str]) -> list[tuple[str, Any]]:
    """Constants for `roots` and every component they reach, dependencies first."""
    schemas = spec.get("components", {}).get("schemas", {})
    ordered: list[tuple[str, Any]] = []
    done: set[str] = set()
    visiting: list[str] = []

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            cycle = " -> ".join([*visiting, name])
            raise SystemExit(f"recursive schema cannot be inlined into a body schema: {cycle}")
        if name not in schemas:
            raise SystemExit(f"request body refers to unknown schema {name}")
        visiting.append(name)
        refs: set[str] = set()
        converted = to_json_schema(schemas[name], refs)
        for dep in sorted(refs):
            visit(dep)
        visiting.pop()
        done.add(name)
        ordered.append((constant_name(name), converted))

    for root in sorted(roots):
        visit(root)
    return ordered


def render_literal(value: Any) -> str:
    """A Python literal for converted schema data; `Ref`s become bare names."""
    if isinstance(value, Ref):
        return str(value)
    if isinstance(value, dict):
        items = ", ".join(f"{render_literal(k)}: {render_literal(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list):
        return "[" + ", ".join(render_literal(v) for v in value) + "]"
    if isinstance(value, str):
        return _quote(value)
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    raise SystemExit(f"unsupported value in a schema: {value!r}")


def _quote(text: str) -> str:
    # ruff format prefers double quotes; repr() picks single ones, so build it ourselves.
    return json.dumps(text, ensure_ascii=False)
